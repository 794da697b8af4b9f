// Runs the IngestStore contract against every storage backend (TWINFOLD_TEST_STORES narrows them).
import { ingestStoreContract } from './ingest-store.contract.js';
import { describeBackends } from './test-backends.js';

await describeBackends('ingest store', (backend) => ingestStoreContract(backend.name, backend));
