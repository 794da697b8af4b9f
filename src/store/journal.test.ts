// Runs the Journal contract against every storage backend through its Storage factory (TWINFOLD_TEST_STORES
// narrows them); sqlite/sqlite-journal.test.ts runs it against each SQLite durability and writer variant too.
import { journalContract, storageJournalFixture } from './journal.contract.js';
import { describeBackends } from './test-backends.js';

await describeBackends('journal', (backend) =>
  journalContract(backend.name, storageJournalFixture(backend)),
);
