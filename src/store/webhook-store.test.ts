// Runs the WebhookStore contract against every storage backend (TWINFOLD_TEST_STORES narrows them).
import { describeBackends } from './test-backends.js';
import { webhookStoreContract } from './webhook-store.contract.js';

await describeBackends('webhook store', (backend) => webhookStoreContract(backend.name, backend));
