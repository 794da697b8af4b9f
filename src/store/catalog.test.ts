// Runs the Catalog contract against every storage backend (TWINFOLD_TEST_STORES narrows them).
import { catalogContract, storageCatalogFixture } from './catalog.contract.js';
import { describeBackends } from './test-backends.js';

await describeBackends('catalog', (backend) =>
  catalogContract(backend.name, storageCatalogFixture(backend)),
);
