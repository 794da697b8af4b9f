// Runs the BehaviourStore contract against every storage backend (TWINFOLD_TEST_STORES narrows them).
import { behaviourStoreContract } from './behaviour-store.contract.js';
import { describeBackends } from './test-backends.js';

await describeBackends('behaviour store', (backend) =>
  behaviourStoreContract(backend.name, backend),
);
