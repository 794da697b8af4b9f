// The contract every Catalog adapter passes: run it for each backend (see catalog.test.ts).
import { describe, expect, it } from 'vitest';
import type {
  ApiTokenRecord,
  Catalog,
  PolicyRecord,
  RefreshTokenRecord,
  UserRecord,
} from './catalog.js';
import type { Storage } from './storage.js';
import type { StorageFixture } from './test-backends.js';

/** How the contract gets catalogs of one adapter. */
export interface CatalogFixture {
  /** A new, empty catalog. */
  open(): Promise<Catalog>;
  /** Closes and reopens the same storage (a restart). */
  reopen(catalog: Catalog): Promise<Catalog>;
}

/**
 * The catalogs of a storage backend as a {@link CatalogFixture}: each catalog is a fresh storage's,
 * closing it closes its storage, and a restart reopens the storage.
 */
export function storageCatalogFixture(storages: StorageFixture): CatalogFixture {
  const owners = new WeakMap<Catalog, Storage>();
  const catalogOf = (storage: Storage): Catalog => {
    const c = storage.catalog;
    const catalog: Catalog = {
      listUsers: () => c.listUsers(),
      putUser: (user) => c.putUser(user),
      deleteUser: (username) => c.deleteUser(username),
      listTokens: () => c.listTokens(),
      putToken: (token) => c.putToken(token),
      getRefreshToken: (id) => c.getRefreshToken(id),
      putRefreshToken: (token) => c.putRefreshToken(token),
      listPolicies: () => c.listPolicies(),
      putPolicy: (policy) => c.putPolicy(policy),
      policyAt: (policyId, at) => c.policyAt(policyId, at),
      close: () => storage.close(),
    };
    owners.set(catalog, storage);
    return catalog;
  };
  return {
    open: async () => catalogOf(await storages.open()),
    async reopen(catalog) {
      const storage = owners.get(catalog);
      if (storage === undefined) throw new Error('reopen: not a catalog of this fixture');
      return catalogOf(await storages.reopen(storage));
    },
  };
}

const HOUR = 3_600_000;

function user(username: string, extra: Partial<UserRecord> = {}): UserRecord {
  return {
    username,
    passwordHash: `scrypt$${username}`,
    roles: ['user'],
    disabled: false,
    created: 1_700_000_000_000,
    ...extra,
  };
}

function token(id: string, extra: Partial<ApiTokenRecord> = {}): ApiTokenRecord {
  return {
    id,
    name: `token ${id}`,
    subject: 'user:alice',
    secretHash: `sha256-${id}`,
    namespaces: null,
    readOnly: false,
    expires: null,
    created: 1_700_000_000_000,
    revoked: false,
    ...extra,
  };
}

function refresh(id: string, extra: Partial<RefreshTokenRecord> = {}): RefreshTokenRecord {
  return {
    id,
    username: 'alice',
    secretHash: `sha256-${id}`,
    expires: Date.now() + HOUR,
    revoked: false,
    ...extra,
  };
}

function policy(policyId: string, revision: number, json: string | null): PolicyRecord {
  return { policyId, revision, created: 1000, modified: 1000 + revision, json };
}

const byKey =
  <T>(key: (t: T) => string) =>
  (a: T, b: T) =>
    key(a) < key(b) ? -1 : 1;
const sortedUsers = (users: UserRecord[]) => [...users].sort(byKey((u) => u.username));
const sortedTokens = (tokens: ApiTokenRecord[]) => [...tokens].sort(byKey((t) => t.id));
const sortedPolicies = (policies: PolicyRecord[]) => [...policies].sort(byKey((p) => p.policyId));

/**
 * Registers the Catalog contract for one adapter: every method, records replaced by key, deleted
 * policies, fields the port does not know yet, and persistence across a restart.
 */
export function catalogContract(name: string, fixture: CatalogFixture): void {
  describe(`${name} catalog contract`, () => {
    it('catalog - starts empty', async () => {
      const catalog = await fixture.open();
      expect(await catalog.listUsers()).toEqual([]);
      expect(await catalog.listTokens()).toEqual([]);
      expect(await catalog.listPolicies()).toEqual([]);
      expect(await catalog.getRefreshToken('nope')).toBeNull();
      await catalog.close();
    });

    it('users - put, list, replace by username, delete', async () => {
      const catalog = await fixture.open();
      await catalog.putUser(user('bob'));
      await catalog.putUser(user('alice', { roles: ['admin', 'user'] }));
      expect(sortedUsers(await catalog.listUsers())).toEqual([
        user('alice', { roles: ['admin', 'user'] }),
        user('bob'),
      ]);
      await catalog.putUser(user('alice', { roles: [], disabled: true, passwordHash: '' }));
      expect(sortedUsers(await catalog.listUsers())).toEqual([
        user('alice', { roles: [], disabled: true, passwordHash: '' }),
        user('bob'),
      ]);
      expect(await catalog.deleteUser('alice')).toBe(true);
      expect(await catalog.deleteUser('alice')).toBe(false);
      expect(await catalog.deleteUser('nobody')).toBe(false);
      expect(await catalog.listUsers()).toEqual([user('bob')]);
      await catalog.close();
    });

    it('api tokens - put, list, replace by id (revocation), nulls and arrays kept', async () => {
      const catalog = await fixture.open();
      const limited = token('t2', {
        namespaces: ['ns1', 'ns2'],
        readOnly: true,
        expires: 1_800_000_000_000,
      });
      await catalog.putToken(token('t1'));
      await catalog.putToken(limited);
      expect(sortedTokens(await catalog.listTokens())).toEqual([token('t1'), limited]);
      await catalog.putToken({ ...limited, revoked: true });
      const listed = sortedTokens(await catalog.listTokens());
      expect(listed).toEqual([token('t1'), { ...limited, revoked: true }]);
      expect(listed[0].namespaces).toBeNull();
      expect(listed[0].expires).toBeNull();
      await catalog.close();
    });

    it('refresh tokens - get by id, replace, null when unknown', async () => {
      const catalog = await fixture.open();
      const first = refresh('r1', { userCreated: 1_700_000_000_000 });
      const second = refresh('r2');
      await catalog.putRefreshToken(first);
      await catalog.putRefreshToken(second);
      expect(await catalog.getRefreshToken('r1')).toEqual(first);
      const got = await catalog.getRefreshToken('r2');
      expect(got).toEqual(second);
      expect(got && 'userCreated' in got).toBe(false);
      await catalog.putRefreshToken({ ...first, revoked: true });
      expect(await catalog.getRefreshToken('r1')).toEqual({ ...first, revoked: true });
      expect(await catalog.getRefreshToken('r3')).toBeNull();
      // Writing other tokens keeps the ones still valid.
      await catalog.putRefreshToken(refresh('r3'));
      expect(await catalog.getRefreshToken('r2')).toEqual(second);
      await catalog.close();
    });

    it('policies - put, list, replace with a new revision, deleted ones with json null', async () => {
      const catalog = await fixture.open();
      // Policy JSON is kept as text, byte for byte (key order and spacing included).
      const text = '{"policyId":"ns:p","entries":{"z":{"subjects":{}},"a":{"resources":{ }}}}';
      await catalog.putPolicy(policy('ns:p', 1, text));
      await catalog.putPolicy(policy('ns:q', 1, '{"policyId":"ns:q"}'));
      expect(sortedPolicies(await catalog.listPolicies())).toEqual([
        policy('ns:p', 1, text),
        policy('ns:q', 1, '{"policyId":"ns:q"}'),
      ]);
      await catalog.putPolicy(policy('ns:p', 2, '{"policyId":"ns:p","entries":{}}'));
      await catalog.putPolicy(policy('ns:q', 2, null));
      const listed = sortedPolicies(await catalog.listPolicies());
      expect(listed).toEqual([
        policy('ns:p', 2, '{"policyId":"ns:p","entries":{}}'),
        policy('ns:q', 2, null),
      ]);
      expect(listed[1].json).toBeNull();
      expect(listed[0]).toMatchObject({ revision: 2, created: 1000, modified: 1002 });
      await catalog.close();
    });

    it('policy history - every revision by number and by time, deletions included', async () => {
      const catalog = await fixture.open();
      const at = (revision: number, json: string | null, modified: number): PolicyRecord => ({
        policyId: 'ns:h',
        revision,
        created: 1000,
        modified,
        json,
      });
      await catalog.putPolicy(at(1, '{"v":1}', 2000));
      await catalog.putPolicy(at(2, '{"v":2}', 3000));
      await catalog.putPolicy(at(3, null, 4000));
      await catalog.putPolicy(at(4, '{"v":4}', 5000));
      await catalog.putPolicy({ ...at(1, '{"other":1}', 2500), policyId: 'ns:other' });
      expect(await catalog.policyAt('ns:h', { revision: 1 })).toEqual(at(1, '{"v":1}', 2000));
      expect(await catalog.policyAt('ns:h', { revision: 2 })).toEqual(at(2, '{"v":2}', 3000));
      expect(await catalog.policyAt('ns:h', { revision: 3 })).toEqual(at(3, null, 4000));
      expect(await catalog.policyAt('ns:h', { revision: 5 })).toBeNull();
      expect(await catalog.policyAt('ns:nope', { revision: 1 })).toBeNull();
      // By time: the last revision written at or before it.
      expect(await catalog.policyAt('ns:h', { timestamp: 1999 })).toBeNull();
      expect(await catalog.policyAt('ns:h', { timestamp: 2000 })).toEqual(at(1, '{"v":1}', 2000));
      expect(await catalog.policyAt('ns:h', { timestamp: 2999 })).toEqual(at(1, '{"v":1}', 2000));
      expect(await catalog.policyAt('ns:h', { timestamp: 4500 })).toEqual(at(3, null, 4000));
      expect(await catalog.policyAt('ns:h', { timestamp: 9e12 })).toEqual(at(4, '{"v":4}', 5000));
      // The current policy is the last revision; the history survives a restart.
      const reopened = await fixture.reopen(catalog);
      expect(await reopened.listPolicies()).toEqual(
        expect.arrayContaining([at(4, '{"v":4}', 5000)]),
      );
      expect(await reopened.policyAt('ns:h', { revision: 2 })).toEqual(at(2, '{"v":2}', 3000));
      await reopened.close();
    });

    it('records - keep fields the port does not know yet, and any characters', async () => {
      const catalog = await fixture.open();
      // Other parts of the platform add optional fields to records: they must round-trip.
      const odd = 'quote " backslash \\ emoji 🛰 accents ÄÖ';
      // U+0000 only inside records: PostgreSQL text cannot hold it, so ids and names never may.
      const nul = `nul \u0000 ${odd}`;
      const u = { ...user(`user ${odd}`), mfa: { kind: 'totp', secret: nul }, tags: [1, null] };
      const t = { ...token('t-extra'), scopes: ['things:read'], lastUsed: 1_700_000_000_001 };
      const r = { ...refresh('r-extra'), device: { name: nul } };
      await catalog.putUser(u as UserRecord);
      await catalog.putToken(t as ApiTokenRecord);
      await catalog.putRefreshToken(r as RefreshTokenRecord);
      expect(await catalog.listUsers()).toEqual([u]);
      expect(await catalog.listTokens()).toEqual([t]);
      expect(await catalog.getRefreshToken('r-extra')).toEqual(r);
      await catalog.putPolicy(policy(`ns:${odd}`, 1, JSON.stringify({ nul })));
      expect(await catalog.listPolicies()).toEqual([
        policy(`ns:${odd}`, 1, JSON.stringify({ nul })),
      ]);
      await catalog.close();
    });

    it('catalog - keeps everything across a restart', async () => {
      let catalog = await fixture.open();
      const r = refresh('r1', { userCreated: 5 });
      await catalog.putUser(user('alice'));
      await catalog.putUser(user('gone'));
      await catalog.deleteUser('gone');
      await catalog.putToken(token('t1', { namespaces: ['ns'] }));
      await catalog.putRefreshToken(r);
      await catalog.putPolicy(policy('ns:p', 3, '{"policyId":"ns:p"}'));
      await catalog.putPolicy(policy('ns:d', 4, null));
      catalog = await fixture.reopen(catalog);
      expect(await catalog.listUsers()).toEqual([user('alice')]);
      expect(await catalog.listTokens()).toEqual([token('t1', { namespaces: ['ns'] })]);
      expect(await catalog.getRefreshToken('r1')).toEqual(r);
      expect(sortedPolicies(await catalog.listPolicies())).toEqual([
        policy('ns:d', 4, null),
        policy('ns:p', 3, '{"policyId":"ns:p"}'),
      ]);
      // Still writable after the restart.
      await catalog.putUser(user('bob'));
      expect((await catalog.listUsers()).map((x) => x.username).sort()).toEqual(['alice', 'bob']);
      await catalog.close();
    });
  });
}
