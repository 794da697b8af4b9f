// Tests of the SQLite search index beyond the contract (which twin-index.test.ts runs on every backend).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { StorageUnavailableError } from '../storage-errors.js';
import { twin, twinIndexContract } from '../twin-index.contract.js';
import { SqliteTwinIndex } from './sqlite-twin-index.js';

twinIndexContract('sqlite (in memory)', { open: async () => SqliteTwinIndex.open(':memory:') });

describe('sqlite twin index file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'twinfold-index-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('open - starts empty whatever the file held (the runtime rebuilds it from the journal)', async () => {
    const path = join(dir, 'index.db');
    const first = SqliteTwinIndex.open(path);
    first.put(twin('a:1', { n: 1 }));
    expect(first.size()).toBe(1);
    first.close();
    const second = SqliteTwinIndex.open(path);
    expect(second.size()).toBe(0);
    expect(await second.count({})).toBe(0);
    second.close();
  });

  it('open - fails with StorageUnavailableError naming the file when it cannot be opened', () => {
    const path = join(dir, 'missing', 'index.db');
    expect(() => SqliteTwinIndex.open(path)).toThrow(StorageUnavailableError);
    expect(() => SqliteTwinIndex.open(path)).toThrow(/search index .*missing\/index\.db/);
  });
});
