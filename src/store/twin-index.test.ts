// Runs the TwinIndex contract against the index of every storage backend (TWINFOLD_TEST_STORES narrows
// them); memory/memory-twin-index.test.ts runs it against the in-memory index under two tunings.
import { storageTwinIndexFixture, twinIndexContract } from './twin-index.contract.js';
import { describeBackends } from './test-backends.js';

await describeBackends('twin index', (backend) =>
  twinIndexContract(backend.name, storageTwinIndexFixture(backend)),
);
