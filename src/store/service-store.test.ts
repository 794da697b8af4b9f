// Runs the ServiceStore contract against every storage backend (TWINFOLD_TEST_STORES narrows them).
import { serviceStoreContract } from './service-store.contract.js';
import { describeBackends } from './test-backends.js';

await describeBackends('service store', (backend) => serviceStoreContract(backend.name, backend));
