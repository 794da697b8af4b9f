// The PostgreSQL schema as a versioned list of SQL steps, applied in order on start under an advisory lock.
import { StorageError } from '../storage-errors.js';
import type { PgPoolClient } from './postgres-pool.js';

/** One step of the schema. Steps are never edited once released: a change is a new step. */
export interface Migration {
  /** 1, 2, 3, … in the order the steps apply. */
  version: number;
  name: string;
  /** Statements run in the storage's schema (its search path), in the migration's transaction. */
  sql: string;
}

/**
 * Every table of the PostgreSQL storage. Ids are `COLLATE "C"` (byte order: cheap comparisons, and
 * keyset pages follow the index); times are epoch ms in bigint columns; thing and event JSON is text,
 * kept byte for byte (jsonb would reorder keys and refuse `\u0000`); catalog records are JSON text
 * too, as in SQLite.
 */
export const POSTGRES_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'journal',
    sql: `
CREATE TABLE events (
  seq bigint PRIMARY KEY,
  thing_id text COLLATE "C" NOT NULL,
  revision bigint NOT NULL,
  ts bigint NOT NULL,
  action text NOT NULL CHECK (action IN ('created', 'modified', 'merged', 'deleted')),
  path text NOT NULL,
  value text,
  originator text,
  CONSTRAINT events_thing_revision UNIQUE (thing_id, revision)
);
CREATE INDEX events_by_time ON events (thing_id, ts) INCLUDE (revision);
CREATE TABLE things (
  thing_id text COLLATE "C" PRIMARY KEY,
  revision bigint NOT NULL,
  created bigint NOT NULL,
  modified bigint NOT NULL,
  json text
);
CREATE INDEX things_deleted ON things (modified) WHERE json IS NULL;
CREATE TABLE dirty_things (thing_id text COLLATE "C" PRIMARY KEY);
CREATE TABLE snapshots (
  thing_id text COLLATE "C" NOT NULL,
  revision bigint NOT NULL,
  created bigint NOT NULL,
  modified bigint NOT NULL,
  json text,
  PRIMARY KEY (thing_id, revision)
);
CREATE TABLE journal_sequence (id int PRIMARY KEY CHECK (id = 1), last bigint NOT NULL);
INSERT INTO journal_sequence (id, last) VALUES (1, 0);
`,
  },
  {
    version: 2,
    name: 'catalog',
    sql: `
CREATE TABLE users (username text COLLATE "C" PRIMARY KEY, record text NOT NULL);
CREATE TABLE api_tokens (id text COLLATE "C" PRIMARY KEY, record text NOT NULL);
CREATE TABLE refresh_tokens (
  id text COLLATE "C" PRIMARY KEY,
  record text NOT NULL,
  expires bigint NOT NULL
);
CREATE INDEX refresh_tokens_by_expiry ON refresh_tokens (expires);
CREATE TABLE policies (
  policy_id text COLLATE "C" PRIMARY KEY,
  revision bigint NOT NULL,
  created bigint NOT NULL,
  modified bigint NOT NULL,
  json text
);
`,
  },
  {
    version: 3,
    name: 'commit function',
    // One commit in one round trip: the statements PostgresJournal ran one by one in a transaction
    // (BEGIN, take positions, check revisions, insert events, mark dirty, checkpoint, snapshots,
    // COMMIT), as one function called in a statement of its own (its own transaction). A revision
    // conflict raises SQLSTATE TF409, a missing sequence row TF500. Events and states come as
    // column arrays; a null checkpoint array means no checkpoint.
    sql: `
CREATE FUNCTION twinfold_commit(
  e_thing_ids text[], e_revisions bigint[], e_ts bigint[], e_actions text[], e_paths text[],
  e_values text[], e_originators text[],
  f_thing_ids text[], f_revisions bigint[],
  d_thing_ids text[],
  c_thing_ids text[], c_revisions bigint[], c_created bigint[], c_modified bigint[], c_json text[],
  s_thing_ids text[], s_revisions bigint[], s_created bigint[], s_modified bigint[], s_json text[]
) RETURNS bigint LANGUAGE plpgsql SET search_path FROM CURRENT AS $fn$
DECLARE
  n bigint := cardinality(e_thing_ids);
  base bigint;
  clash record;
BEGIN
  UPDATE journal_sequence SET last = last + n WHERE id = 1 RETURNING last - n INTO base;
  IF base IS NULL THEN
    RAISE EXCEPTION 'the journal_sequence row is missing' USING ERRCODE = 'TF500';
  END IF;
  IF n > 0 THEN
    SELECT b.thing_id, b.first, e.last INTO clash
      FROM unnest(f_thing_ids, f_revisions) AS b(thing_id, first)
      JOIN LATERAL (SELECT max(revision) AS last FROM events WHERE thing_id = b.thing_id) AS e
        ON e.last >= b.first
      LIMIT 1;
    IF FOUND THEN
      RAISE EXCEPTION 'event revision % of % is not after revision %',
        clash.first, clash.thing_id, clash.last USING ERRCODE = 'TF409';
    END IF;
    INSERT INTO events (seq, thing_id, revision, ts, action, path, value, originator)
      SELECT base + u.n, u.thing_id, u.revision, u.ts, u.action, u.path, u.value, u.originator
      FROM unnest(e_thing_ids, e_revisions, e_ts, e_actions, e_paths, e_values, e_originators)
        WITH ORDINALITY AS u(thing_id, revision, ts, action, path, value, originator, n);
  END IF;
  IF cardinality(d_thing_ids) > 0 THEN
    INSERT INTO dirty_things (thing_id) SELECT unnest(d_thing_ids) ON CONFLICT DO NOTHING;
  END IF;
  IF cardinality(c_thing_ids) > 0 THEN
    INSERT INTO things (thing_id, revision, created, modified, json)
      SELECT * FROM unnest(c_thing_ids, c_revisions, c_created, c_modified, c_json)
      ON CONFLICT (thing_id) DO UPDATE SET revision = excluded.revision,
        created = excluded.created, modified = excluded.modified, json = excluded.json;
    DELETE FROM dirty_things WHERE thing_id = ANY(c_thing_ids);
  END IF;
  IF cardinality(s_thing_ids) > 0 THEN
    INSERT INTO snapshots (thing_id, revision, created, modified, json)
      SELECT * FROM unnest(s_thing_ids, s_revisions, s_created, s_modified, s_json)
      ON CONFLICT (thing_id, revision) DO UPDATE SET created = excluded.created,
        modified = excluded.modified, json = excluded.json;
  END IF;
  RETURN base;
END
$fn$;
`,
  },
  {
    version: 4,
    name: 'commit ids',
    // Every commit records a unique id (and its base position) in `commits`, in its own
    // transaction, so that a commit whose answer was lost can be asked about: `twinfold_outcome`
    // returns the base of a commit that landed, or NULL after making sure it never will (it
    // inserts the id as a fence: a copy of the commit still running waits for it or fails on the
    // key; the INSERT waits for a copy that holds the key uncommitted). A commit deletes the id of
    // the one before it, whose answer its caller had: at most one landed id is kept per writer.
    sql: `
CREATE TABLE commits (
  id uuid PRIMARY KEY,
  base bigint,
  at timestamptz NOT NULL DEFAULT now()
);
CREATE FUNCTION twinfold_commit(
  commit_id uuid, previous_id uuid,
  e_thing_ids text[], e_revisions bigint[], e_ts bigint[], e_actions text[], e_paths text[],
  e_values text[], e_originators text[],
  f_thing_ids text[], f_revisions bigint[],
  d_thing_ids text[],
  c_thing_ids text[], c_revisions bigint[], c_created bigint[], c_modified bigint[], c_json text[],
  s_thing_ids text[], s_revisions bigint[], s_created bigint[], s_modified bigint[], s_json text[]
) RETURNS bigint LANGUAGE plpgsql SET search_path FROM CURRENT AS $fn$
DECLARE
  base bigint;
BEGIN
  base := twinfold_commit(e_thing_ids, e_revisions, e_ts, e_actions, e_paths, e_values,
    e_originators, f_thing_ids, f_revisions, d_thing_ids, c_thing_ids, c_revisions, c_created,
    c_modified, c_json, s_thing_ids, s_revisions, s_created, s_modified, s_json);
  INSERT INTO commits (id, base) VALUES (commit_id, base);
  IF previous_id IS NOT NULL THEN
    DELETE FROM commits WHERE id = previous_id;
  END IF;
  RETURN base;
END
$fn$;
CREATE FUNCTION twinfold_outcome(commit_id uuid) RETURNS bigint LANGUAGE plpgsql
  SET search_path FROM CURRENT AS $fn$
DECLARE
  landed bigint;
BEGIN
  INSERT INTO commits (id, base) VALUES (commit_id, NULL) ON CONFLICT (id) DO NOTHING;
  SELECT base INTO landed FROM commits WHERE id = commit_id;
  RETURN landed;
END
$fn$;
`,
  },
  {
    version: 5,
    name: 'ingest',
    sql: `
CREATE TABLE ingest_specs (spec_id text COLLATE "C" PRIMARY KEY, record text NOT NULL);
CREATE TABLE dead_letters (
  id text COLLATE "C" PRIMARY KEY,
  spec_id text COLLATE "C" NOT NULL,
  reason text NOT NULL,
  received bigint NOT NULL,
  record text NOT NULL
);
CREATE INDEX dead_letters_by_spec ON dead_letters (spec_id, id);
`,
  },
  {
    version: 6,
    name: 'webhooks',
    sql: `
CREATE TABLE webhooks (id text COLLATE "C" PRIMARY KEY, position bigint NOT NULL, record text NOT NULL);
CREATE TABLE webhook_deliveries (
  webhook_id text COLLATE "C" NOT NULL,
  seq bigint NOT NULL,
  state text NOT NULL,
  record text NOT NULL,
  PRIMARY KEY (webhook_id, seq)
);
CREATE INDEX webhook_deliveries_by_state ON webhook_deliveries (webhook_id, state, seq);
`,
  },
  {
    version: 7,
    name: 'policy history',
    // Every revision of every policy, so that a policy can be read as it was; the revisions
    // written before this step start the history with the current one.
    sql: `
CREATE TABLE policy_history (
  policy_id text COLLATE "C" NOT NULL,
  revision bigint NOT NULL,
  created bigint NOT NULL,
  modified bigint NOT NULL,
  json text,
  PRIMARY KEY (policy_id, revision)
);
CREATE INDEX policy_history_by_time ON policy_history (policy_id, modified);
INSERT INTO policy_history (policy_id, revision, created, modified, json)
  SELECT policy_id, revision, created, modified, json FROM policies;
`,
  },
  {
    version: 8,
    name: 'series',
    // Series of twin properties: one row per (thing, pointer) with its kind and counts, raw points
    // (duplicates at one time allowed; `seq` orders them as appended), one table per tier of
    // buckets (count, sum, min, max, first and last by time: numbers and booleans in *_n, strings
    // in *_s), the committed-event position they were kept up to, retention per namespace, and
    // how far retention has cut each level of a namespace.
    sql: `
CREATE TABLE series (
  id serial PRIMARY KEY,
  thing_id text COLLATE "C" NOT NULL,
  pointer text COLLATE "C" NOT NULL,
  kind text NOT NULL CHECK (kind IN ('number', 'boolean', 'string')),
  points bigint NOT NULL,
  first_t bigint NOT NULL,
  last_t bigint NOT NULL,
  UNIQUE (thing_id, pointer)
);
CREATE TABLE series_raw (
  series_id int NOT NULL,
  t bigint NOT NULL,
  seq bigint GENERATED ALWAYS AS IDENTITY,
  num double precision,
  txt text
);
CREATE INDEX series_raw_by_time ON series_raw (series_id, t, seq);
CREATE TABLE series_1m (
  series_id int NOT NULL,
  bucket bigint NOT NULL,
  n bigint NOT NULL,
  s double precision,
  lo double precision,
  hi double precision,
  first_t bigint NOT NULL,
  first_n double precision,
  first_s text,
  last_t bigint NOT NULL,
  last_n double precision,
  last_s text,
  PRIMARY KEY (series_id, bucket)
);
CREATE TABLE series_1h (
  series_id int NOT NULL,
  bucket bigint NOT NULL,
  n bigint NOT NULL,
  s double precision,
  lo double precision,
  hi double precision,
  first_t bigint NOT NULL,
  first_n double precision,
  first_s text,
  last_t bigint NOT NULL,
  last_n double precision,
  last_s text,
  PRIMARY KEY (series_id, bucket)
);
CREATE TABLE series_position (id int PRIMARY KEY CHECK (id = 1), position bigint NOT NULL);
INSERT INTO series_position (id, position) VALUES (1, 0);
CREATE TABLE series_retention (namespace text COLLATE "C" PRIMARY KEY, record text NOT NULL);
CREATE TABLE series_horizons (
  namespace text COLLATE "C" NOT NULL,
  level text NOT NULL,
  horizon bigint NOT NULL,
  PRIMARY KEY (namespace, level)
);
`,
  },
  {
    version: 9,
    name: 'models',
    sql: `
CREATE TABLE models (id text COLLATE "C" PRIMARY KEY, record text NOT NULL);
CREATE TABLE scenarios (id text COLLATE "C" PRIMARY KEY, record text NOT NULL);
CREATE TABLE model_runs (
  id text COLLATE "C" PRIMARY KEY,
  model_id text COLLATE "C" NOT NULL REFERENCES models (id) ON DELETE CASCADE,
  scenario_id text COLLATE "C" REFERENCES scenarios (id),
  record text NOT NULL
);
CREATE INDEX model_runs_by_model ON model_runs (model_id, id);
CREATE INDEX model_runs_by_scenario ON model_runs (scenario_id);
CREATE TABLE model_run_series (
  run_id text COLLATE "C" NOT NULL REFERENCES model_runs (id) ON DELETE CASCADE,
  thing_id text COLLATE "C" NOT NULL,
  pointer text COLLATE "C" NOT NULL,
  record text NOT NULL,
  PRIMARY KEY (run_id, thing_id, pointer)
);
`,
  },
  {
    version: 10,
    name: 'scheduled services',
    // Services with their next due instant and lease (claimed with one conditional UPDATE), and
    // their run log.
    sql: `
CREATE TABLE services (
  id text COLLATE "C" PRIMARY KEY,
  next_due bigint,
  lease_holder text,
  lease_until bigint,
  record text NOT NULL
);
CREATE INDEX services_by_due ON services (next_due) WHERE next_due IS NOT NULL;
CREATE TABLE service_runs (
  service_id text COLLATE "C" NOT NULL,
  run_id text COLLATE "C" NOT NULL,
  record text NOT NULL,
  PRIMARY KEY (service_id, run_id)
);
`,
  },
  {
    version: 11,
    name: 'observation times',
    // When each event's values were observed (epoch ms; NULL when ingest took no time from the
    // payload, and for every earlier event), and the commit that writes it: twinfold_commit with
    // an e_observed_at array after e_originators, doing in one function what the inner one of
    // step 3 and the outer one of step 4 did. Those two stay, unused by this version: a server of
    // the previous version still running on this schema while a new one migrates it keeps
    // committing (its events without observation times) until it stops.
    sql: `
ALTER TABLE events ADD COLUMN observed_at bigint;
CREATE FUNCTION twinfold_commit(
  commit_id uuid, previous_id uuid,
  e_thing_ids text[], e_revisions bigint[], e_ts bigint[], e_actions text[], e_paths text[],
  e_values text[], e_originators text[], e_observed_at bigint[],
  f_thing_ids text[], f_revisions bigint[],
  d_thing_ids text[],
  c_thing_ids text[], c_revisions bigint[], c_created bigint[], c_modified bigint[], c_json text[],
  s_thing_ids text[], s_revisions bigint[], s_created bigint[], s_modified bigint[], s_json text[]
) RETURNS bigint LANGUAGE plpgsql SET search_path FROM CURRENT AS $fn$
DECLARE
  n bigint := cardinality(e_thing_ids);
  base bigint;
  clash record;
BEGIN
  UPDATE journal_sequence SET last = last + n WHERE id = 1 RETURNING last - n INTO base;
  IF base IS NULL THEN
    RAISE EXCEPTION 'the journal_sequence row is missing' USING ERRCODE = 'TF500';
  END IF;
  IF n > 0 THEN
    SELECT b.thing_id, b.first, e.last INTO clash
      FROM unnest(f_thing_ids, f_revisions) AS b(thing_id, first)
      JOIN LATERAL (SELECT max(revision) AS last FROM events WHERE thing_id = b.thing_id) AS e
        ON e.last >= b.first
      LIMIT 1;
    IF FOUND THEN
      RAISE EXCEPTION 'event revision % of % is not after revision %',
        clash.first, clash.thing_id, clash.last USING ERRCODE = 'TF409';
    END IF;
    INSERT INTO events (seq, thing_id, revision, ts, action, path, value, originator, observed_at)
      SELECT base + u.n, u.thing_id, u.revision, u.ts, u.action, u.path, u.value, u.originator,
        u.observed_at
      FROM unnest(e_thing_ids, e_revisions, e_ts, e_actions, e_paths, e_values, e_originators,
        e_observed_at)
        WITH ORDINALITY AS u(thing_id, revision, ts, action, path, value, originator, observed_at, n);
  END IF;
  IF cardinality(d_thing_ids) > 0 THEN
    INSERT INTO dirty_things (thing_id) SELECT unnest(d_thing_ids) ON CONFLICT DO NOTHING;
  END IF;
  IF cardinality(c_thing_ids) > 0 THEN
    INSERT INTO things (thing_id, revision, created, modified, json)
      SELECT * FROM unnest(c_thing_ids, c_revisions, c_created, c_modified, c_json)
      ON CONFLICT (thing_id) DO UPDATE SET revision = excluded.revision,
        created = excluded.created, modified = excluded.modified, json = excluded.json;
    DELETE FROM dirty_things WHERE thing_id = ANY(c_thing_ids);
  END IF;
  IF cardinality(s_thing_ids) > 0 THEN
    INSERT INTO snapshots (thing_id, revision, created, modified, json)
      SELECT * FROM unnest(s_thing_ids, s_revisions, s_created, s_modified, s_json)
      ON CONFLICT (thing_id, revision) DO UPDATE SET created = excluded.created,
        modified = excluded.modified, json = excluded.json;
  END IF;
  INSERT INTO commits (id, base) VALUES (commit_id, base);
  IF previous_id IS NOT NULL THEN
    DELETE FROM commits WHERE id = previous_id;
  END IF;
  RETURN base;
END
$fn$;
`,
  },
  {
    version: 12,
    name: 'twin types and alerts',
    // Type versions (immutable documents), and alerts as a projection of the journal with the
    // position it has reached, listed newest raised first by (raised_at, id) keyset pages.
    sql: `
CREATE TABLE behaviour_types (
  id text COLLATE "C" PRIMARY KEY,
  namespace text COLLATE "C" NOT NULL,
  document text NOT NULL,
  created bigint NOT NULL
);
CREATE INDEX behaviour_types_by_namespace ON behaviour_types (namespace, id);
CREATE TABLE alerts (
  id text COLLATE "C" PRIMARY KEY,
  thing_id text COLLATE "C" NOT NULL,
  namespace text COLLATE "C" NOT NULL,
  type text COLLATE "C" NOT NULL,
  assessment text COLLATE "C" NOT NULL,
  severity text COLLATE "C" NOT NULL,
  state text NOT NULL CHECK (state IN ('active', 'acknowledged', 'resolved')),
  raised_at bigint NOT NULL,
  raised_revision bigint NOT NULL,
  resolved_at bigint,
  resolved_revision bigint,
  acknowledged_at bigint,
  acknowledged_by text,
  note text
);
CREATE INDEX alerts_by_raised ON alerts (raised_at DESC, id DESC);
CREATE INDEX alerts_by_thing ON alerts (thing_id, raised_at DESC, id DESC);
CREATE INDEX alerts_by_namespace ON alerts (namespace);
CREATE TABLE alert_position (id int PRIMARY KEY CHECK (id = 1), position bigint NOT NULL);
INSERT INTO alert_position (id, position) VALUES (1, 0);
`,
  },
  {
    version: 13,
    name: 'what-if forks',
    // The record of each fork by its scenario namespace, so that it can be listed and deleted
    // after a restart.
    sql: `
CREATE TABLE forks (namespace text COLLATE "C" PRIMARY KEY, record text NOT NULL);
`,
  },
  {
    version: 14,
    name: 'job records',
    // The records of replays and bulk migrations by kind and id, so that they are read back after
    // a restart; `seq` orders jobs created in the same millisecond as they were first stored.
    sql: `
CREATE TABLE job_records (
  seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  kind text COLLATE "C" NOT NULL,
  id text COLLATE "C" NOT NULL,
  owner text NOT NULL,
  created bigint NOT NULL,
  record text NOT NULL,
  detail text,
  CONSTRAINT job_records_kind_id UNIQUE (kind, id)
);
CREATE INDEX job_records_by_created ON job_records (kind, created DESC, seq DESC);
`,
  },
  {
    version: 15,
    name: 'pending assessments',
    // The assessments whose condition holds and whose `for` has not elapsed yet, by twin, so that
    // a restart raises their alerts when due and counts `for` from when the condition began.
    sql: `
CREATE TABLE pending_assessments (
  thing_id text COLLATE "C" NOT NULL,
  assessment text COLLATE "C" NOT NULL,
  type text COLLATE "C" NOT NULL,
  since bigint NOT NULL,
  due bigint NOT NULL,
  PRIMARY KEY (thing_id, assessment)
);
`,
  },
];

/** Schema names we accept: plain lower-case identifiers, so they need no quoting anywhere. */
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/** Returns `schema` when it is a plain identifier (`twinfold`, `tf_test_1`); throws otherwise. */
export function checkSchemaName(schema: string): string {
  if (!SCHEMA_NAME.test(schema)) {
    throw new StorageError(
      `PostgreSQL schema name "${schema}" is not allowed: use lower-case letters, digits and _ (at most 63, not starting with a digit)`,
    );
  }
  return schema;
}

/** The first key of the advisory lock that guards migrations (the second is the schema's hash). */
const LOCK_CLASS = 0x7466; // "tf"

/**
 * Brings `schema` up to date on `client`: creates the schema and `twinfold_migrations` when missing,
 * then applies the steps not recorded there, in order, all in one transaction holding an advisory
 * lock on the schema (so processes starting together apply each step once). Resolves to the
 * versions it applied. Refuses a schema that a newer Twinfold has migrated past these steps.
 */
export async function migratePostgres(
  client: PgPoolClient,
  schema: string,
  migrations: readonly Migration[] = POSTGRES_MIGRATIONS,
): Promise<number[]> {
  checkSchemaName(schema);
  const applied: number[] = [];
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock($1::int, hashtext($2))', [LOCK_CLASS, schema]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    await client.query(`SET LOCAL search_path TO ${schema}`);
    await client.query(`CREATE TABLE IF NOT EXISTS twinfold_migrations (
      version int PRIMARY KEY, name text NOT NULL, applied bigint NOT NULL)`);
    const { rows } = await client.query<{ version: number }>(
      'SELECT version FROM twinfold_migrations ORDER BY version',
    );
    const done = new Set(rows.map((r) => r.version));
    const known = migrations.map((m) => m.version);
    const newest = Math.max(0, ...known);
    const unknown = rows.filter((r) => r.version > newest);
    if (unknown.length > 0) {
      throw new StorageError(
        `PostgreSQL schema "${schema}" has migration ${unknown[0].version}, newer than this version of Twinfold knows (${newest}): upgrade Twinfold`,
      );
    }
    for (const migration of [...migrations].sort((a, b) => a.version - b.version)) {
      if (done.has(migration.version)) continue;
      await client.query(migration.sql);
      await client.query(
        'INSERT INTO twinfold_migrations (version, name, applied) VALUES ($1, $2, $3)',
        [migration.version, migration.name, Date.now()],
      );
      applied.push(migration.version);
    }
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
  return applied;
}
