// Test helper: the storage backends every contract suite loops over, narrowed by TWINFOLD_TEST_STORES.
//
// `sqlite` opens a fresh data directory per storage; `postgres` runs against the real server at
// TWINFOLD_TEST_POSTGRES_URL (default postgres://postgres@127.0.0.1:5432/test) in a schema of its own
// per suite (random suffix), recreated empty for every fresh storage and dropped afterwards. When
// that server cannot be reached, the suite fails under CI=true and is skipped otherwise, saying why.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, it } from 'vitest';
import type { JournalLocation } from './journal-pages.js';
import type { Storage } from './storage.js';
import { postgresUnreachable } from './postgres/postgres-reachable.js';
import { openPostgresStorage } from './postgres/postgres-storage.js';
import { openSqliteStorage } from './sqlite/sqlite-storage.js';

/** The storage backends, in the order suites run them. */
export const BACKEND_NAMES = ['sqlite', 'postgres'] as const;
/** `sqlite` or `postgres`. */
export type BackendName = (typeof BACKEND_NAMES)[number];

/** The PostgreSQL the tests use unless TWINFOLD_TEST_POSTGRES_URL says otherwise. */
export const DEFAULT_TEST_POSTGRES_URL = 'postgres://postgres@127.0.0.1:5432/test';

/**
 * The backends named by `TWINFOLD_TEST_STORES` (a comma list, e.g. `sqlite` or `sqlite,postgres`;
 * all when unset or empty). Throws on a name it does not know, so a typo cannot skip a backend.
 */
export function selectedBackends(env: NodeJS.ProcessEnv = process.env): BackendName[] {
  const list = (env.TWINFOLD_TEST_STORES ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (list.length === 0) return [...BACKEND_NAMES];
  for (const name of list) {
    if (!(BACKEND_NAMES as readonly string[]).includes(name)) {
      throw new Error(
        `TWINFOLD_TEST_STORES names an unknown store "${name}" (known: ${BACKEND_NAMES.join(', ')})`,
      );
    }
  }
  return BACKEND_NAMES.filter((name) => list.includes(name));
}

/** The PostgreSQL URL of the tests. */
export function testPostgresUrl(env: NodeJS.ProcessEnv = process.env): string {
  return env.TWINFOLD_TEST_POSTGRES_URL || DEFAULT_TEST_POSTGRES_URL;
}

let probe: Promise<string | null> | undefined;

/** Null when the test PostgreSQL answers; otherwise what is missing (asked once per process). */
export function postgresMissing(url: string = testPostgresUrl()): Promise<string | null> {
  probe ??= postgresUnreachable(url).then((reason) =>
    reason === null ? null : `PostgreSQL at ${url} is missing (${reason})`,
  );
  return probe;
}

/** A schema of the test PostgreSQL that belongs to one suite. */
export interface PostgresTestSchema {
  readonly url: string;
  readonly schema: string;
  /** Runs one statement as the test's administrator (outside the schema's search path). */
  query(sql: string, values?: unknown[]): Promise<Record<string, unknown>[]>;
  /** Drops the schema with everything in it (a storage opened next starts empty). */
  drop(): Promise<void>;
  /** Drops the schema and disconnects. */
  dispose(): Promise<void>;
}

/** A new schema name (`twinfold_test_<random>`) on the test PostgreSQL; nothing is created yet. */
export function postgresTestSchema(url: string = testPostgresUrl()): PostgresTestSchema {
  const schema = `twinfold_test_${randomBytes(5).toString('hex')}`;
  let admin: pg.Pool | null = null;
  const connection = () => {
    if (admin === null) {
      admin = new pg.Pool({ connectionString: url, max: 1 });
      admin.on('error', () => undefined);
    }
    return admin;
  };
  return {
    url,
    schema,
    async query(sql, values) {
      return (await connection().query(sql, values)).rows as Record<string, unknown>[];
    },
    async drop() {
      const client = await connection().connect();
      try {
        // A storage a failed test left open must not hang the suite.
        await client.query("SET lock_timeout = '10s'");
        await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      } finally {
        client.release();
      }
    },
    async dispose() {
      try {
        await this.drop();
      } finally {
        await admin?.end();
        admin = null;
      }
    },
  };
}

/** Where a suite on one backend keeps its data, or why it skips. */
export interface SuiteStore {
  /** The suite's own PostgreSQL schema (null on SQLite, or when skipping). */
  schema: PostgresTestSchema | null;
  /** Why the suite skips ('' when it runs). */
  skip: string;
}

/**
 * For a suite on `backend`: on PostgreSQL a schema of its own (nothing created yet), or, when the
 * server cannot be reached, why the suite skips; under CI=true that is an error instead.
 */
export async function suiteStore(backend: BackendName): Promise<SuiteStore> {
  if (backend !== 'postgres') return { schema: null, skip: '' };
  const missing = await postgresMissing();
  if (missing && process.env.CI === 'true') throw new Error(missing);
  if (missing) return { schema: null, skip: missing };
  return { schema: postgresTestSchema(), skip: '' };
}

/** Fresh storages and restarts: what a contract suite needs of a backend. */
export interface StorageFixture {
  /** Opens a new, empty storage (a new data directory, or the suite's schema recreated). */
  open(): Promise<Storage>;
  /** Closes `storage` and opens the same data again (a restart). */
  reopen(storage: Storage): Promise<Storage>;
}

/** One backend as a suite sees it: fresh storages, restarts, and cleaning up after itself. */
export interface TestBackend extends StorageFixture {
  readonly name: BackendName;
  /**
   * Opens a new, empty storage beside every other one this backend opened (its own data directory,
   * or its own schema), for a test that needs two at once; closed and deleted at cleanup.
   */
  openSeparate(): Promise<Storage>;
  /** Closes what the suite left open and deletes its data directories or schema. */
  cleanup(): Promise<void>;
  /** The suite's schema, for the postgres backend. */
  readonly postgres?: PostgresTestSchema;
  /** Where the journal of a storage this backend opened is, for a reader of its own. */
  journalLocation(storage: Storage): JournalLocation;
}

/** Closes a storage once, forgetting it from `live`. */
function tracked(storage: Storage, live: Set<Storage>): Storage {
  const wrapped: Storage = {
    ...storage,
    close: () => {
      live.delete(wrapped);
      return storage.close();
    },
  };
  live.add(wrapped);
  return wrapped;
}

async function closeAll(live: Set<Storage>): Promise<void> {
  for (const storage of [...live]) await storage.close().catch(() => undefined);
}

function sqliteBackend(): TestBackend {
  const dirs = new Map<Storage, string>();
  const live = new Set<Storage>();
  const openAt = async (dataDir: string) => {
    const storage = tracked(
      await openSqliteStorage({ dataDir, durability: 'process', writerThread: true }),
      live,
    );
    dirs.set(storage, dataDir);
    return storage;
  };
  const made: string[] = [];
  return {
    name: 'sqlite',
    async open() {
      const dir = mkdtempSync(join(tmpdir(), 'twinfold-storage-'));
      made.push(dir);
      return openAt(dir);
    },
    openSeparate() {
      return this.open();
    },
    journalLocation(storage) {
      const dir = dirs.get(storage);
      if (dir === undefined) throw new Error('journalLocation: not a storage of this backend');
      return { kind: 'sqlite', path: join(dir, 'journal.db') };
    },
    async reopen(storage) {
      const dir = dirs.get(storage);
      if (dir === undefined) throw new Error('reopen: not a storage of this backend');
      await storage.close();
      return openAt(dir);
    },
    async cleanup() {
      await closeAll(live);
      for (const dir of made) rmSync(dir, { recursive: true, force: true });
    },
  };
}

function postgresBackend(): TestBackend {
  const target = postgresTestSchema();
  const live = new Set<Storage>();
  const separate: PostgresTestSchema[] = [];
  const openIt = async () =>
    tracked(
      await openPostgresStorage({ url: target.url, schema: target.schema, poolSize: 4 }),
      live,
    );
  return {
    name: 'postgres',
    postgres: target,
    journalLocation: () => ({ kind: 'postgres', url: target.url, schema: target.schema }),
    async open() {
      await closeAll(live);
      await target.drop();
      return openIt();
    },
    async reopen(storage) {
      await storage.close();
      return openIt();
    },
    async openSeparate() {
      const own = postgresTestSchema(target.url);
      separate.push(own);
      return tracked(
        await openPostgresStorage({ url: own.url, schema: own.schema, poolSize: 4 }),
        live,
      );
    },
    async cleanup() {
      await closeAll(live);
      await target.dispose();
      for (const own of separate) await own.dispose();
    },
  };
}

/**
 * Registers `body` once per selected backend, in a `describe` titled `<title> (<backend>)`, and
 * cleans up after it. A backend left out by TWINFOLD_TEST_STORES, or a PostgreSQL that cannot be
 * reached outside CI, gives skipped tests whose title says why; under `CI=true` an unreachable
 * PostgreSQL gives a failing test instead. Call it at the top level of a test file with `await`.
 *
 * @example
 * await describeBackends('catalog', (backend) => catalogContract(backend.name, catalogFixture(backend)));
 */
export async function describeBackends(
  title: string,
  body: (backend: TestBackend) => void,
  options: { only?: readonly BackendName[] } = {},
): Promise<void> {
  const selected = selectedBackends();
  for (const name of options.only ?? BACKEND_NAMES) {
    const label = `${title} (${name})`;
    const backend = name === 'sqlite' ? sqliteBackend() : postgresBackend();
    if (!selected.includes(name)) {
      // Skipped on purpose: the developer narrowed the run with TWINFOLD_TEST_STORES; the title
      // says so, so the report shows which backend did not run and why.
      describe.skip(`${label} — skipped: not in TWINFOLD_TEST_STORES`, () => body(backend));
      continue;
    }
    const missing = name === 'postgres' ? await postgresMissing() : null;
    if (missing !== null) {
      const hint =
        'start it, point TWINFOLD_TEST_POSTGRES_URL at one, or set TWINFOLD_TEST_STORES=sqlite';
      if (process.env.CI === 'true') {
        describe(label, () => {
          it('needs PostgreSQL', () => {
            throw new Error(`${missing}: under CI the PostgreSQL suites must run; ${hint}`);
          });
        });
      } else {
        console.warn(`${label}: skipped, ${missing}; ${hint}`);
        // Skipped on purpose: outside CI a developer without PostgreSQL may still run the suite;
        // the reason is in the title and on stderr. Under CI this branch is never taken (it fails).
        describe.skip(`${label} — skipped: ${missing}; ${hint}`, () => body(backend));
      }
      continue;
    }
    describe(label, () => {
      afterAll(() => backend.cleanup());
      body(backend);
    });
  }
}
