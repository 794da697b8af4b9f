// Runs the JournalPages contract against every storage backend (TWINFOLD_TEST_STORES narrows them).
import { journalPagesContract } from './journal-pages.contract.js';
import { describeBackends } from './test-backends.js';

await describeBackends('journal pages', (backend) => journalPagesContract(backend.name, backend));
