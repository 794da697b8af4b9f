// Seeds a data directory (SqliteJournal) or a PostgreSQL schema (PostgresJournal) straight through
// Journal.commit (no HTTP): one 'created' event and the current state per twin, in batches of 10k.
import { join } from 'node:path';
import type { TwinEvent } from '../../src/core/events.js';
import type { JsonObject } from '../../src/core/json.js';
import type { Journal, StoredThing } from '../../src/store/journal.js';
import { openPostgresStorage } from '../../src/store/postgres/postgres-storage.js';
import { SqliteJournal } from '../../src/store/sqlite/sqlite-journal.js';

const BATCH = 10_000;

/** The id of the i-th benchmark twin. */
export function twinId(i: number): string {
  return `bench:twin-${i}`;
}

/** The ids of the first `count` benchmark twins. */
export function twinIds(count: number): string[] {
  return Array.from({ length: count }, (_, i) => twinId(i));
}

/** A deterministic pseudo-random number in [0, 1) for (i, salt). */
function unit(i: number, salt: number): number {
  let x = Math.imul(i ^ (salt * 0x9e3779b1), 0x85ebca6b) >>> 0;
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35) >>> 0;
  return ((x ^ (x >>> 16)) >>> 0) / 4294967296;
}

/**
 * The i-th benchmark twin, about 300 bytes of JSON. `withF` adds a feature `f` (the target of the
 * write benchmark).
 */
export function benchTwin(i: number, withF = false): JsonObject {
  const features: JsonObject = {
    temperature: { properties: { value: Math.round(unit(i, 1) * 4000) / 100, unit: 'C' } },
    power: { properties: { watts: Math.round(unit(i, 2) * 200_000) / 100, on: unit(i, 3) < 0.5 } },
  };
  if (withF) features.f = { properties: { value: 0 } };
  return {
    thingId: twinId(i),
    policyId: 'bench:policy',
    attributes: { building: `b-${i % 100}`, floor: i % 20, model: `m${i % 7}`, serial: String(i) },
    features,
  };
}

/** Writes `count` twins into `<dir>/journal.db`; resolves to the seconds it took. */
export async function seedDataDir(
  dir: string,
  count: number,
  withF = false,
  definition?: string,
): Promise<number> {
  const started = performance.now();
  const journal = new SqliteJournal({ path: join(dir, 'journal.db'), durability: 'process' });
  await seedJournal(journal, count, withF, definition);
  await journal.close();
  return (performance.now() - started) / 1000;
}

/** Writes `count` twins into `schema` (created and migrated) of the PostgreSQL at `url`. */
export async function seedPostgresSchema(
  url: string,
  schema: string,
  count: number,
  withF = false,
): Promise<number> {
  const started = performance.now();
  const storage = await openPostgresStorage({ url, schema, exclusive: false });
  try {
    await seedJournal(storage.journal, count, withF);
  } finally {
    await storage.close();
  }
  return (performance.now() - started) / 1000;
}

async function seedJournal(
  journal: Journal,
  count: number,
  withF: boolean,
  definition?: string,
): Promise<void> {
  const now = Date.now();
  for (let from = 0; from < count; from += BATCH) {
    const events: TwinEvent[] = [];
    const states: StoredThing[] = [];
    for (let i = from; i < Math.min(count, from + BATCH); i++) {
      const thing = benchTwin(i, withF);
      if (definition !== undefined) thing.definition = definition;
      const thingId = twinId(i);
      events.push({
        thingId,
        revision: 1,
        timestamp: now,
        action: 'created',
        path: [],
        value: thing,
      });
      states.push({
        thingId,
        revision: 1,
        created: now,
        modified: now,
        json: JSON.stringify(thing),
      });
    }
    await journal.commit({ events, dirty: [], checkpoint: states, snapshots: [] });
  }
}
