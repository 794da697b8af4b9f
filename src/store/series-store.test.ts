// Runs the SeriesStore contract against every storage backend (TWINFOLD_TEST_STORES narrows them).
import { describeBackends } from './test-backends.js';
import { seriesStoreContract } from './series-store.contract.js';

await describeBackends('series store', (backend) => seriesStoreContract(backend.name, backend));
