// Tests of the SQLite search index beyond the contract (which twin-index.test.ts runs on every backend).
import { twinIndexContract } from '../twin-index.contract.js';
import { SqliteTwinIndex } from './sqlite-twin-index.js';

twinIndexContract('sqlite (in memory)', { open: async () => SqliteTwinIndex.open(':memory:') });
