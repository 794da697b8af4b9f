// SQLite-specific checks of the catalog: an emptied or replaced catalog.db is refused at start.
import { copyFileSync, mkdtempSync, rmSync, truncateSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { StorageCorruptError } from '../storage-errors.js';
import { SqliteCatalog } from './sqlite-catalog.js';

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

async function catalogWithUser(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'twinfold-catalog-'));
  dirs.push(dir);
  const path = join(dir, 'catalog.db');
  const catalog = new SqliteCatalog(path);
  await catalog.putUser({
    username: 'alice',
    passwordHash: 'h',
    roles: [],
    disabled: false,
    created: 1,
  });
  await catalog.close();
  return path;
}

describe('sqlite catalog: damaged files are refused at start', () => {
  it('keeps its users across a restart', async () => {
    const path = await catalogWithUser();
    const catalog = new SqliteCatalog(path);
    expect((await catalog.listUsers()).map((u) => u.username)).toEqual(['alice']);
    await catalog.close();
  });

  it('refuses an emptied catalog.db instead of starting with no users, tokens or policies', async () => {
    const path = await catalogWithUser();
    truncateSync(path, 0);
    expect(() => new SqliteCatalog(path)).toThrow(StorageCorruptError);
    expect(() => new SqliteCatalog(path)).toThrow(
      /catalog\.db is not the catalog of this data directory/,
    );
  });

  it('refuses a catalog.db replaced by another one, and starts anew once told to', async () => {
    const path = await catalogWithUser();
    const other = await catalogWithUser();
    copyFileSync(other, path);
    expect(() => new SqliteCatalog(path)).toThrow(/emptied or replaced/);
    unlinkSync(`${path}.id`);
    const catalog = new SqliteCatalog(path);
    expect((await catalog.listUsers()).length).toBe(1);
    await catalog.close();
  });
});

describe('sqlite catalog: policy history of a catalog written before it kept one', () => {
  it('starts the history with the current revision of every policy', async () => {
    const path = await catalogWithUser();
    const catalog = new SqliteCatalog(path);
    const record = { policyId: 'ns:old', revision: 7, created: 1, modified: 5, json: '{"v":7}' };
    await catalog.putPolicy(record);
    await catalog.close();
    // As an older Twinfold left it: the policy without a history table.
    const db = new Database(path);
    db.exec('DROP TABLE policy_history');
    db.close();
    const reopened = new SqliteCatalog(path);
    expect(await reopened.policyAt('ns:old', { revision: 7 })).toEqual(record);
    expect(await reopened.policyAt('ns:old', { timestamp: 5 })).toEqual(record);
    expect(await reopened.policyAt('ns:old', { revision: 6 })).toBeNull();
    await reopened.close();
  });
});
