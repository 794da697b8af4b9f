// Runs the ModelStore contract against every storage backend (TWINFOLD_TEST_STORES narrows them).
import { modelStoreContract } from './model-store.contract.js';
import { describeBackends } from './test-backends.js';

await describeBackends('model store', (backend) => modelStoreContract(backend.name, backend));
