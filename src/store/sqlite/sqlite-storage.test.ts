// Checks of the SQLite storage factory: where its files go, and the error when they cannot be opened.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { StorageUnavailableError } from '../storage-errors.js';
import { openSqliteStorage } from './sqlite-storage.js';

const root = mkdtempSync(join(tmpdir(), 'twinfold-sqlite-storage-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('openSqliteStorage', () => {
  it('keeps the journal and the catalog as files in the data directory, created when missing', async () => {
    const dataDir = join(root, 'nested', 'data');
    const storage = await openSqliteStorage({
      dataDir,
      durability: 'process',
      writerThread: false,
    });
    expect(storage.kind).toBe('sqlite');
    await storage.journal.commit({
      events: [
        { thingId: 'ns:a', revision: 1, timestamp: 1, action: 'created', path: [], value: {} },
      ],
      dirty: [],
      snapshots: [],
    });
    await storage.catalog.putPolicy({
      policyId: 'ns:a',
      revision: 1,
      created: 1,
      modified: 1,
      json: '{}',
    });
    await storage.close();
    await storage.close(); // closing twice is harmless
    expect(existsSync(join(dataDir, 'journal.db'))).toBe(true);
    expect(existsSync(join(dataDir, 'catalog.db'))).toBe(true);
    const again = await openSqliteStorage({ dataDir, writerThread: true });
    expect(await again.journal.lastSeq()).toBe(1);
    expect((await again.catalog.listPolicies()).map((p) => p.policyId)).toEqual(['ns:a']);
    await again.close();
  });

  it('fails with StorageUnavailableError, cause kept, when the data directory cannot be used', async () => {
    const file = join(root, 'not-a-directory');
    writeFileSync(file, 'x');
    const error = await openSqliteStorage({ dataDir: join(file, 'data') }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StorageUnavailableError);
    expect((error as Error).name).toBe('StorageUnavailableError');
    expect((error as Error).message).toContain('cannot open the SQLite journal');
    expect((error as Error).cause).toBeInstanceOf(Error);
  });
});
