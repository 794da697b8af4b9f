// PostgreSQL-specific checks of the storage: migrations, schemas, restarts, refused commits, streaming loads, errors.
import { createServer, connect, type AddressInfo, type Socket } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import type { TwinEvent } from '../../core/events.js';
import type { ChangeAction } from '../../core/thing-change.js';
import type { StoredThing } from '../journal.js';
import type { Storage } from '../storage.js';
import {
  JournalRefusedError,
  RevisionConflictError,
  StorageError,
  StorageLockedError,
  StorageUnavailableError,
} from '../storage-errors.js';
import { describeBackends, postgresTestSchema, type PostgresTestSchema } from '../test-backends.js';
import { POSTGRES_MIGRATIONS } from './postgres-migrations.js';
import { openPostgresStorage } from './postgres-storage.js';

const created = (thingId: string, revision = 1, timestamp = 1_700_000_000_000): TwinEvent => ({
  thingId,
  revision,
  timestamp,
  action: 'created',
  path: [],
  value: { thingId },
});

describe('postgres storage without a server', () => {
  it('fails to open with StorageUnavailableError naming the server, password hidden, cause kept', async () => {
    const error = await openPostgresStorage({
      url: 'postgres://twinfold:s3cret-pw@127.0.0.1:1/test',
      connectTimeoutMs: 2000,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StorageUnavailableError);
    const unavailable = error as StorageUnavailableError;
    expect(unavailable.name).toBe('StorageUnavailableError');
    expect(unavailable.message).toMatch(
      /PostgreSQL at postgres:\/\/twinfold:\*\*\*@127\.0\.0\.1:1\/test/,
    );
    expect(unavailable.message).not.toContain('s3cret-pw');
    expect(unavailable.cause).toBeInstanceOf(Error);
  });

  it('refuses a schema name that would need quoting', async () => {
    await expect(
      openPostgresStorage({ url: 'postgres://127.0.0.1:1/test', schema: 'Bad-Name; DROP' }),
    ).rejects.toThrow(/schema name/);
  });
});

await describeBackends(
  'postgres storage',
  (backend) => {
    const pg = backend.postgres as PostgresTestSchema;
    const extra: PostgresTestSchema[] = [];
    afterAll(async () => {
      for (const schema of extra) await schema.dispose();
    });
    const load = async (storage: Storage) => {
      const things: StoredThing[] = [];
      await storage.journal.loadCurrent((t) => things.push(t));
      return things;
    };

    it('migrations - applies every step once, in the configured schema, recorded by version', async () => {
      let storage = await backend.open();
      const recorded = async () =>
        (
          await pg.query(
            `SELECT version, name FROM ${pg.schema}.twinfold_migrations ORDER BY version`,
          )
        ).map((r) => [r.version, r.name]);
      const expected = POSTGRES_MIGRATIONS.map((m) => [m.version, m.name]);
      expect(await recorded()).toEqual(expected);
      const tables = await pg.query(
        'SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY 1',
        [pg.schema],
      );
      expect(tables.map((t) => t.table_name)).toEqual(
        expect.arrayContaining(['events', 'things', 'snapshots', 'users', 'policies']),
      );
      storage = await backend.reopen(storage);
      expect(await recorded()).toEqual(expected);
      await storage.close();
    });

    it('migrations - processes starting together on a new schema migrate it once', async () => {
      const fresh = postgresTestSchema(pg.url);
      extra.push(fresh);
      const opened = await Promise.all(
        [1, 2, 3].map(() =>
          openPostgresStorage({
            url: fresh.url,
            schema: fresh.schema,
            poolSize: 2,
            exclusive: false,
          }),
        ),
      );
      const rows = await fresh.query(`SELECT version FROM ${fresh.schema}.twinfold_migrations`);
      expect(rows.map((r) => r.version).sort()).toEqual(POSTGRES_MIGRATIONS.map((m) => m.version));
      for (const storage of opened) await storage.close();
    });

    it('migrations - refuses a schema migrated by a newer version', async () => {
      const storage = await backend.open();
      await storage.close();
      await pg.query(
        `INSERT INTO ${pg.schema}.twinfold_migrations (version, name, applied) VALUES (999, 'future', 0)`,
      );
      const error = await openPostgresStorage({ url: pg.url, schema: pg.schema }).catch(
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(StorageError);
      expect((error as Error).message).toMatch(/migration 999, newer than/);
    });

    it('schemas - two schemas of one database are separate storages', async () => {
      const other = postgresTestSchema(pg.url);
      extra.push(other);
      const a = await backend.open();
      // The URL's own options cannot move the tables out of the configured schema.
      const url = new URL(other.url);
      url.searchParams.set('options', '-c search_path=public -c statement_timeout=60000');
      const b = await openPostgresStorage({
        url: url.toString(),
        schema: other.schema,
        poolSize: 2,
      });
      const tables = await other.query(
        "SELECT 1 FROM information_schema.tables WHERE table_schema = $1 AND table_name = 'events'",
        [other.schema],
      );
      expect(tables).toHaveLength(1);
      await a.journal.commit({ events: [created('ns:only-a')], dirty: [], snapshots: [] });
      await a.catalog.putPolicy({
        policyId: 'ns:p',
        revision: 1,
        created: 1,
        modified: 1,
        json: '{}',
      });
      expect(await a.journal.lastSeq()).toBe(1);
      expect(await b.journal.lastSeq()).toBe(0);
      expect(await b.journal.readEvents('ns:only-a', {})).toEqual([]);
      expect(await b.catalog.listPolicies()).toEqual([]);
      await a.close();
      await b.close();
    });

    it('journal - survives a restart and keeps its sequence, even once the newest events are pruned', async () => {
      let storage = await backend.open();
      const first = [created('ns:a'), created('ns:b')];
      await storage.journal.commit({ events: first, dirty: [], snapshots: [] });
      const gone: TwinEvent[] = [
        created('ns:gone', 1, 1000),
        { thingId: 'ns:gone', revision: 2, timestamp: 2000, action: 'deleted', path: [] },
      ];
      await storage.journal.commit({
        events: gone,
        dirty: [],
        checkpoint: [
          { thingId: 'ns:gone', revision: 2, created: 1000, modified: 2000, json: null },
        ],
        snapshots: [],
      });
      expect(gone.map((e) => e.seq)).toEqual([3, 4]);
      expect(await storage.journal.pruneDeletedBefore(5000)).toBe(1);
      storage = await backend.reopen(storage);
      expect(await storage.journal.lastSeq()).toBe(4);
      const next = [created('ns:c')];
      await storage.journal.commit({ events: next, dirty: [], snapshots: [] });
      expect(next[0].seq).toBe(5);
      const seen: string[] = [];
      for await (const e of storage.journal.readAll()) seen.push(`${e.seq} ${e.thingId}`);
      expect(seen).toEqual(['1 ns:a', '2 ns:b', '5 ns:c']);
      // Epoch ms and positions come back as numbers, not strings.
      const [event] = await storage.journal.readEvents('ns:a', {});
      expect(event).toMatchObject({ timestamp: 1_700_000_000_000, seq: 1, revision: 1 });
      await storage.close();
    });

    it('journal - two outstanding commits: when the first fails in the database, the second is refused', async () => {
      let storage = await backend.open();
      await storage.journal.commit({ events: [created('ns:x')], dirty: [], snapshots: [] });
      // Passes the revision check, then breaks a constraint inside PostgreSQL.
      const broken: TwinEvent = {
        thingId: 'ns:x',
        revision: 2,
        timestamp: 2,
        action: 'exploded' as ChangeAction,
        path: [],
      };
      const later = [created('ns:y')];
      const failing = storage.journal.commit({ events: [broken], dirty: ['ns:x'], snapshots: [] });
      const refused = storage.journal.commit({ events: later, dirty: [], snapshots: [] });
      const failure = await failing.catch((e: unknown) => e);
      expect(failure).toBeInstanceOf(StorageError);
      expect((failure as Error).message).toMatch(/journal write failed/);
      expect((failure as Error).cause).toBeInstanceOf(Error);
      const refusal = await refused.catch((e: unknown) => e);
      expect(refusal).toBeInstanceOf(JournalRefusedError);
      expect((refusal as Error).message).toMatch(/refused/);
      expect((refusal as Error).cause).toBe(failure);
      expect(broken.seq).toBeUndefined();
      expect(later[0].seq).toBeUndefined();
      // Commits made after the failure is known are refused too; nothing of either batch landed.
      await expect(
        storage.journal.commit({ events: [created('ns:z')], dirty: [], snapshots: [] }),
      ).rejects.toBeInstanceOf(JournalRefusedError);
      expect(await storage.journal.lastSeq()).toBe(1);
      expect(await storage.journal.dirtyThings()).toEqual([]);
      expect(await storage.journal.readEvents('ns:y', {})).toEqual([]);
      // A restart starts afresh, from the last committed position.
      storage = await backend.reopen(storage);
      const after = [created('ns:y')];
      await storage.journal.commit({ events: after, dirty: [], snapshots: [] });
      expect(after[0].seq).toBe(2);
      await storage.close();
    });

    it('journal - a revision that does not grow fails with RevisionConflictError, naming both', async () => {
      const storage = await backend.open();
      await storage.journal.commit({ events: [created('ns:r', 3)], dirty: [], snapshots: [] });
      const error = await storage.journal
        .commit({ events: [created('ns:r', 2)], dirty: [], snapshots: [] })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RevisionConflictError);
      expect((error as Error).message).toMatch(/revision 2 of ns:r is not after revision 3/);
      await storage.close();
    });

    it('storage - a second server on the same schema is refused, naming the holder, until the first closes', async () => {
      const first = await backend.open();
      const second = openPostgresStorage({ url: pg.url, schema: pg.schema });
      await expect(second).rejects.toThrow(StorageLockedError);
      await expect(openPostgresStorage({ url: pg.url, schema: pg.schema })).rejects.toThrow(
        new RegExp(
          `Schema "${pg.schema}" .* is in use by another Twinfold server \\(backend pid \\d+`,
        ),
      );
      await first.close();
      const third = await openPostgresStorage({ url: pg.url, schema: pg.schema });
      await third.close();
    });

    it('journal - two processes writing one schema never share or skip a position', async () => {
      const first = await backend.open();
      // Not exclusive: only a second server is refused the schema (see the next test).
      const second = await openPostgresStorage({
        url: pg.url,
        schema: pg.schema,
        poolSize: 2,
        exclusive: false,
      });
      const events: TwinEvent[] = [];
      const commits: Promise<void>[] = [];
      for (let i = 0; i < 20; i++) {
        for (const [storage, name] of [
          [first, 'one'],
          [second, 'two'],
        ] as const) {
          const batch = [created(`ns:${name}-${i}`), created(`ns:${name}-${i}b`)];
          events.push(...batch);
          commits.push(storage.journal.commit({ events: batch, dirty: [], snapshots: [] }));
        }
      }
      await Promise.all(commits);
      const positions = events.map((e) => e.seq as number).sort((a, b) => a - b);
      expect(positions).toEqual(Array.from({ length: 80 }, (_, i) => i + 1));
      const read: string[] = [];
      for await (const e of first.journal.readAll()) read.push(`${e.seq} ${e.thingId}`);
      expect(read).toEqual(
        [...events]
          .sort((a, b) => (a.seq as number) - (b.seq as number))
          .map((e) => `${e.seq} ${e.thingId}`),
      );
      await second.close();
      await first.close();
    });

    it('journal - takes a new writer connection when the idle one was lost, losing nothing', async () => {
      await (await backend.open()).close(); // an empty schema
      const storage = await openPostgresStorage({
        url: pg.url,
        schema: pg.schema,
        poolSize: 2,
        applicationName: `${pg.schema}_lost`,
      });
      await storage.journal.commit({ events: [created('ns:w')], dirty: [], snapshots: [] });
      await pg.query(
        'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1',
        [`${pg.schema}_lost`],
      );
      await new Promise((resolve) => setTimeout(resolve, 300));
      const next = [created('ns:w2')];
      await storage.journal.commit({ events: next, dirty: [], snapshots: [] });
      expect(next[0].seq).toBe(2);
      expect(await storage.journal.lastSeq()).toBe(2);
      await storage.close();
    });

    it('journal - loads the current state in pages, beyond one page, each thing once', async () => {
      const storage = await backend.open();
      const total = 12_001;
      for (let start = 0; start < total; start += 4000) {
        const checkpoint: StoredThing[] = [];
        for (let i = start; i < Math.min(total, start + 4000); i++) {
          const thingId = `ns:t${String(i).padStart(5, '0')}`;
          checkpoint.push({ thingId, revision: 1, created: 1, modified: 2, json: `{"i":${i}}` });
        }
        await storage.journal.commit({ events: [], dirty: [], checkpoint, snapshots: [] });
      }
      const things = await load(storage);
      expect(things).toHaveLength(total);
      expect(new Set(things.map((t) => t.thingId)).size).toBe(total);
      expect(things[total - 1]).toEqual({
        thingId: 'ns:t12000',
        revision: 1,
        created: 1,
        modified: 2,
        json: '{"i":12000}',
      });
      // What the caller's visit throws comes back as it is, and the storage stays usable.
      const stop = new Error('stop here');
      await expect(
        storage.journal.loadCurrent(() => {
          throw stop;
        }),
      ).rejects.toBe(stop);
      expect(await storage.journal.lastSeq()).toBe(0);
      await storage.close();
    });

    it('journal - takes back a commit whose answer was lost: PostgreSQL committed it, the caller was told it failed', async () => {
      await (await backend.open()).close(); // an empty schema
      const proxy = await replyCuttingProxy(pg.url);
      const storage = await openPostgresStorage({ url: proxy.url, schema: pg.schema, poolSize: 3 });
      try {
        await storage.journal.commit({ events: [created('ns:d')], dirty: ['ns:d'], snapshots: [] });
        const state = (revision: number): StoredThing => ({
          thingId: 'ns:d',
          revision,
          created: 1,
          modified: 2,
          json: `{"r":${revision}}`,
        });
        const lost: TwinEvent[] = [
          { ...created('ns:d', 2), action: 'modified', path: ['attributes'], value: 'lost' },
          created('ns:d2'),
        ];
        proxy.cutReplies = true;
        const failed = await storage.journal
          .commit({ events: lost, dirty: ['ns:d2'], checkpoint: [state(2)], snapshots: [state(2)] })
          .catch((e: unknown) => e);
        proxy.cutReplies = false;
        expect(failed).toBeInstanceOf(StorageUnavailableError);
        // The commit did reach PostgreSQL: the caller's failure is a lie the journal must undo.
        const landed = await pg.query(
          `SELECT count(*)::int AS n FROM ${pg.schema}.events WHERE thing_id = 'ns:d' AND revision = 2`,
        );
        expect(landed[0].n).toBe(1);

        await storage.journal.recover();
        expect((await storage.journal.readEvents('ns:d', {})).map((e) => e.revision)).toEqual([1]);
        expect(await storage.journal.readEvents('ns:d2', {})).toEqual([]);
        expect(await storage.journal.snapshotAtOrBefore('ns:d', 2)).toBeNull();
        expect(await storage.journal.lastSeq()).toBe(1);
        expect((await load(storage)).map((t) => t.thingId)).toEqual([]);
        expect(await storage.journal.dirtyThings()).toContain('ns:d');
        // The same revision can be written again, at the next position.
        const again = [{ ...created('ns:d', 2), action: 'modified' as const, value: 'kept' }];
        await storage.journal.commit({ events: again, dirty: [], snapshots: [] });
        expect(again[0].seq).toBe(2);
        expect((await storage.journal.readEvents('ns:d', {})).map((e) => e.value)).toEqual([
          { thingId: 'ns:d' },
          'kept',
        ]);
      } finally {
        await storage.close();
        await proxy.close();
      }
    });
  },
  { only: ['postgres'] },
);

/**
 * A TCP proxy to the PostgreSQL of `url` that, while `cutReplies` is set, drops a connection as
 * soon as the server answers on it, without passing the answer on: a reply lost in the network.
 */
async function replyCuttingProxy(
  url: string,
): Promise<{ url: string; cutReplies: boolean; close(): Promise<void> }> {
  const target = new URL(url);
  const sockets = new Set<Socket>();
  const proxy = {
    url: '',
    cutReplies: false,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
  const server = createServer((client) => {
    const upstream = connect(Number(target.port || 5432), target.hostname);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('error', () => undefined);
      socket.on('close', () => {
        sockets.delete(socket);
        client.destroy();
        upstream.destroy();
      });
    }
    client.on('data', (chunk) => upstream.write(chunk));
    upstream.on('data', (chunk) => {
      if (proxy.cutReplies) {
        upstream.destroy();
        client.destroy();
      } else client.write(chunk);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as AddressInfo;
  const proxied = new URL(url);
  proxied.hostname = '127.0.0.1';
  proxied.port = String(address.port);
  proxy.url = proxied.toString();
  return proxy;
}
