// PostgreSQL-specific checks of the storage: migrations, schemas, restarts, refused commits, streaming loads, errors.
import { randomUUID } from 'node:crypto';
import pgDriver from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import type { TwinEvent } from '../../core/events.js';
import type { ChangeAction } from '../../core/thing-change.js';
import type { StoredThing } from '../journal.js';
import type { Storage } from '../storage.js';
import { startPostgresProxy } from '../../../test/support/postgres-proxy.js';
import {
  CommitOutcomeUnknownError,
  JournalRefusedError,
  RevisionConflictError,
  StorageError,
  StorageLockedError,
  StorageUnavailableError,
} from '../storage-errors.js';
import { describeBackends, postgresTestSchema, type PostgresTestSchema } from '../test-backends.js';
import { migratePostgres, POSTGRES_MIGRATIONS } from './postgres-migrations.js';
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
      const rows = await fresh.query(
        `SELECT version FROM ${fresh.schema}.twinfold_migrations ORDER BY version`,
      );
      expect(rows.map((r) => r.version)).toEqual(POSTGRES_MIGRATIONS.map((m) => m.version));
      for (const storage of opened) await storage.close();
    });

    it('migrations - the policy history starts with the current revision of every policy', async () => {
      let storage = await backend.open();
      const record = { policyId: 'ns:old', revision: 7, created: 1, modified: 5, json: '{"v":7}' };
      await storage.catalog.putPolicy(record);
      await storage.close();
      // As a Twinfold before the history step left the schema.
      await pg.query(`DROP TABLE ${pg.schema}.policy_history`);
      await pg.query(`DELETE FROM ${pg.schema}.twinfold_migrations WHERE version = 7`);
      storage = await backend.reopen(storage);
      expect(await storage.catalog.policyAt('ns:old', { revision: 7 })).toEqual(record);
      expect(await storage.catalog.policyAt('ns:old', { timestamp: 4 })).toBeNull();
      await storage.close();
    });

    it('migrations - events journaled before the observation-time step read back without one; new ones keep theirs', async () => {
      const fresh = postgresTestSchema(pg.url);
      extra.push(fresh);
      // The schema as a version without step 11 left it (step 12 may already be there), with an
      // event its commit function wrote.
      const admin = new pgDriver.Pool({ connectionString: fresh.url, max: 1 });
      try {
        const client = await admin.connect();
        try {
          const before = POSTGRES_MIGRATIONS.filter((m) => m.version !== 11);
          await migratePostgres(client, fresh.schema, before);
        } finally {
          client.release();
        }
      } finally {
        await admin.end();
      }
      const none = [[], [], [], [], []];
      const previousCommit = (thingId: string, revision: number) =>
        fresh.query(
          `SELECT ${fresh.schema}.twinfold_commit($1::uuid, NULL::uuid, $2::text[], $3::bigint[],
            $4::bigint[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::bigint[],
            $11::text[], $12::text[], $13::bigint[], $14::bigint[], $15::bigint[], $16::text[],
            $17::text[], $18::bigint[], $19::bigint[], $20::bigint[], $21::text[])`,
          [
            randomUUID(),
            [thingId],
            [revision],
            [1000 * revision],
            [revision === 1 ? 'created' : 'modified'],
            ['/'],
            ['{}'],
            [null],
            [thingId],
            [revision],
            [],
            ...none,
            ...none,
          ],
        );
      await previousCommit('ns:old', 1);
      const storage = await openPostgresStorage({
        url: fresh.url,
        schema: fresh.schema,
        exclusive: false,
      });
      try {
        const next: TwinEvent = { ...created('ns:old', 2, 5000), observedAt: 1500 };
        await storage.journal.commit({ events: [next], dirty: [], snapshots: [] });
        // A server of the previous version still running on the schema commits as it did.
        await previousCommit('ns:old', 3);
        const read = (await storage.journal.readEvents('ns:old', {})).map((e) => [
          e.revision,
          'observedAt' in e ? e.observedAt : 'none',
        ]);
        expect(read).toEqual([
          [1, 'none'],
          [2, 1500],
          [3, 'none'],
        ]);
      } finally {
        await storage.close();
      }
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

    /** A storage on the test schema through a proxy that loses one message on cue. */
    const throughProxy = async (outcomeTimeoutMs?: number) => {
      await (await backend.open()).close(); // an empty schema
      const proxy = await startPostgresProxy(pg.url);
      const storage = await openPostgresStorage({
        url: proxy.url,
        schema: pg.schema,
        poolSize: 3,
        commitOutcomeTimeoutMs: outcomeTimeoutMs,
      });
      return { proxy, storage };
    };
    const state = (thingId: string, revision: number): StoredThing => ({
      thingId,
      revision,
      created: 1,
      modified: 2,
      json: `{"r":${revision}}`,
    });
    const modifiedTo = (thingId: string, revision: number, value: string): TwinEvent => ({
      ...created(thingId, revision),
      action: 'modified',
      path: ['attributes'],
      value,
    });
    const count = async (sql: string) => (await pg.query(sql))[0].n as number;

    it('journal - a commit whose answer was lost but which landed resolves as committed, numbered', async () => {
      const { proxy, storage } = await throughProxy();
      try {
        await storage.journal.commit({ events: [created('ns:d')], dirty: ['ns:d'], snapshots: [] });
        const lost = [modifiedTo('ns:d', 2, 'answer-lost-1'), created('ns:d2')];
        const fired = proxy.arm('answer-lost-1', 'answer');
        let doubted = 0;
        await storage.journal.commit(
          { events: lost, dirty: ['ns:d2'], checkpoint: [state('ns:d', 2)], snapshots: [] },
          () => doubted++,
        );
        await fired;
        expect(doubted).toBe(1);
        expect(lost.map((e) => e.seq)).toEqual([2, 3]);
        expect((await storage.journal.readEvents('ns:d', {})).map((e) => e.value)).toEqual([
          { thingId: 'ns:d' },
          'answer-lost-1',
        ]);
        expect(await storage.journal.checkpointed('ns:d')).toEqual(state('ns:d', 2));
        // Nothing failed: the next commit goes on at the next position, with no recovery.
        const next = [modifiedTo('ns:d', 3, 'after')];
        await storage.journal.commit({ events: next, dirty: [], snapshots: [] });
        expect(next[0].seq).toBe(4);
        // Each commit forgot the id of the one before: one landed id is left.
        expect(await count(`SELECT count(*)::int AS n FROM ${pg.schema}.commits`)).toBe(1);
      } finally {
        await storage.close();
        await proxy.close();
      }
    });

    it('journal - a commit lost before PostgreSQL ran it is refused, and a late copy of it can never land', async () => {
      const { proxy, storage } = await throughProxy();
      try {
        await storage.journal.commit({ events: [created('ns:e')], dirty: [], snapshots: [] });
        const fired = proxy.arm('request-lost-1', 'request');
        let doubted = 0;
        const failure = await storage.journal
          .commit(
            { events: [modifiedTo('ns:e', 2, 'request-lost-1')], dirty: [], snapshots: [] },
            () => doubted++,
          )
          .catch((e: unknown) => e);
        await fired;
        expect(doubted).toBe(1);
        expect(failure).toBeInstanceOf(StorageUnavailableError);
        expect(failure).not.toBeInstanceOf(CommitOutcomeUnknownError);
        expect((failure as Error).message).toMatch(/lost before PostgreSQL committed/);
        expect((await storage.journal.readEvents('ns:e', {})).map((e) => e.revision)).toEqual([1]);
        await expect(
          storage.journal.commit({ events: [created('ns:f')], dirty: [], snapshots: [] }),
        ).rejects.toBeInstanceOf(JournalRefusedError);

        // The journal fenced the lost commit's id: the same commit arriving late fails on it.
        const fences = await pg.query(`SELECT id FROM ${pg.schema}.commits WHERE base IS NULL`);
        expect(fences).toHaveLength(1);
        const e: unknown[] = [
          ['ns:e'],
          [2],
          [1],
          ['modified'],
          ['/attributes'],
          ['"late"'],
          [null],
          [null],
        ];
        const none = [[], [], [], [], []];
        const late = await pg
          .query(
            `SELECT ${pg.schema}.twinfold_commit($1::uuid, NULL::uuid, $2::text[], $3::bigint[],
              $4::bigint[], $5::text[], $6::text[], $7::text[], $8::text[], $9::bigint[],
              $10::text[], $11::bigint[], $12::text[], $13::text[], $14::bigint[], $15::bigint[],
              $16::bigint[], $17::text[], $18::text[], $19::bigint[], $20::bigint[], $21::bigint[],
              $22::text[])`,
            [fences[0].id, ...e, ['ns:e'], [2], [], ...none, ...none],
          )
          .catch((error: unknown) => error);
        expect((late as { code?: string }).code).toBe('23505');
        expect((await storage.journal.readEvents('ns:e', {})).map((e) => e.revision)).toEqual([1]);

        await storage.journal.recover();
        const again = [modifiedTo('ns:e', 2, 'kept')];
        await storage.journal.commit({ events: again, dirty: [], snapshots: [] });
        expect(again[0].seq).toBe(2);
      } finally {
        await storage.close();
        await proxy.close();
      }
    });

    it('journal - when PostgreSQL cannot be asked in time the outcome is unknown; it stands, and recover makes it final', async () => {
      const { proxy, storage } = await throughProxy(600);
      try {
        await storage.journal.commit({ events: [created('ns:u')], dirty: [], snapshots: [] });
        const fired = proxy.arm('unknown-1', 'answer', { partition: true });
        const started = Date.now();
        const failure = await storage.journal
          .commit({ events: [modifiedTo('ns:u', 2, 'unknown-1')], dirty: [], snapshots: [] })
          .catch((e: unknown) => e);
        await fired;
        expect(failure).toBeInstanceOf(CommitOutcomeUnknownError);
        expect(failure).not.toBeInstanceOf(StorageUnavailableError);
        expect((failure as Error).message).toMatch(/could not be learned in 600 ms/);
        expect(Date.now() - started).toBeGreaterThanOrEqual(500);
        await expect(
          storage.journal.commit({ events: [created('ns:v')], dirty: [], snapshots: [] }),
        ).rejects.toBeInstanceOf(JournalRefusedError);
        await expect(storage.journal.recover()).rejects.toBeInstanceOf(StorageUnavailableError);

        proxy.heal();
        await storage.journal.recover();
        // It landed, and it was not taken back: the journal holds it, after the last known position.
        const after = [];
        for await (const event of storage.journal.readAll({ fromSeq: 2 })) after.push(event);
        expect(after.map((e) => [e.seq, e.value])).toEqual([[2, 'unknown-1']]);
        const next = [modifiedTo('ns:u', 3, 'next')];
        await storage.journal.commit({ events: next, dirty: [], snapshots: [] });
        expect(next[0].seq).toBe(3);
      } finally {
        await storage.close();
        await proxy.close();
      }
    });

    it('journal - on open, forgets the commit ids of earlier processes, keeping recent fences', async () => {
      const storage = await backend.open();
      await storage.journal.commit({ events: [created('ns:p')], dirty: [], snapshots: [] });
      await pg.query(
        `INSERT INTO ${pg.schema}.commits (id, base, at) VALUES
          (gen_random_uuid(), NULL, now()), (gen_random_uuid(), NULL, now() - interval '2 days')`,
      );
      const reopened = await backend.reopen(storage);
      expect(
        await pg.query(
          `SELECT base, at > now() - interval '1 hour' AS recent FROM ${pg.schema}.commits`,
        ),
      ).toEqual([{ base: null, recent: true }]);
      await reopened.close();
    });
  },
  { only: ['postgres'] },
);
