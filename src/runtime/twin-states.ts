// The current state of every twin in memory: one entry per twin, the bounded set of twins kept
// parsed, and the count of live ones.
import type { JsonObject } from '../core/json.js';
import type { ThingMeta } from '../core/thing.js';
import type { StoredThing } from '../store/journal.js';

/**
 * A twin's current state: its JSON, or its parsed form while it is among the recently used twins
 * (then `json` is null until someone needs it, so a stream of writes does not serialise the whole
 * thing each time). Both are null once the twin is deleted (its revision lives on).
 */
export interface TwinEntry {
  json: string | null;
  thing: JsonObject | null;
  revision: number;
  created: number;
  modified: number;
  /** At least the length of the thing's JSON (exact whenever `json` was just serialised). */
  lengthBound: number;
}

export const isLive = (entry: TwinEntry | undefined): entry is TwinEntry =>
  entry !== undefined && (entry.thing !== null || entry.json !== null);

/** The thing's JSON, serialised now if only its parsed form is current. */
export function jsonOf(entry: TwinEntry): string | null {
  if (entry.json === null && entry.thing !== null) {
    entry.json = JSON.stringify(entry.thing);
    entry.lengthBound = entry.json.length;
  }
  return entry.json;
}

export function storedThing(thingId: string, entry: TwinEntry): StoredThing {
  const { revision, created, modified } = entry;
  return { thingId, json: jsonOf(entry), revision, created, modified };
}

/** The entry of a stored state (as loaded or replayed: JSON only, not parsed). */
export function entryOf(stored: Omit<StoredThing, 'thingId'>): TwinEntry {
  const { json, revision, created, modified } = stored;
  return { json, thing: null, revision, created, modified, lengthBound: json?.length ?? 0 };
}

export function metaOf(entry: TwinEntry): ThingMeta {
  return { revision: entry.revision, created: entry.created, modified: entry.modified };
}

/** Every twin's entry by thingId. */
export class TwinStates {
  private readonly entries = new Map<string, TwinEntry>();
  /**
   * Twins whose entry holds the parsed thing, in the order they were parsed (first in, first out:
   * moving a twin on every write cost more than re-parsing the few that leave while still in use).
   */
  private readonly parsed = new Set<string>();
  private live = 0;

  /** @param parsedLimit How many twins stay parsed (at least one: the twin in use). */
  constructor(private readonly parsedLimit: number) {
    this.parsedLimit = Math.max(1, parsedLimit);
  }

  /** Number of live (not deleted) twins. */
  get liveCount(): number {
    return this.live;
  }

  /** Number of twins in memory (deleted ones not yet let go of included). */
  get count(): number {
    return this.entries.size;
  }

  get(thingId: string): TwinEntry | undefined {
    return this.entries.get(thingId);
  }

  has(thingId: string): boolean {
    return this.entries.has(thingId);
  }

  /** Every entry, for building the search index. */
  all(): IterableIterator<[string, TwinEntry]> {
    return this.entries.entries();
  }

  /**
   * Makes `entry` the twin's state (none removes the twin from memory), keeping the live count and
   * the parsed set.
   */
  set(thingId: string, entry: TwinEntry | undefined): void {
    this.live += (isLive(entry) ? 1 : 0) - (isLive(this.entries.get(thingId)) ? 1 : 0);
    if (entry === undefined) this.entries.delete(thingId);
    else this.entries.set(thingId, entry);
    if (entry?.thing) this.keepParsed(thingId);
    else this.parsed.delete(thingId);
  }

  /** Adds the entry of a twin not in memory yet, unparsed (loading; no parsed-set bookkeeping). */
  add(thingId: string, entry: TwinEntry): void {
    if (isLive(entry)) this.live++;
    this.entries.set(thingId, entry);
  }

  /**
   * The parsed thing of an entry. Recently used twins stay parsed (a bounded set), so that a twin
   * receiving a stream of writes is neither re-parsed nor re-serialised each time. Parsed things
   * are never mutated: every change builds new objects along the changed path.
   */
  thingOf(thingId: string, entry: TwinEntry | undefined): JsonObject | null {
    if (entry === undefined) return null;
    if (entry.thing === null && entry.json !== null) {
      entry.thing = JSON.parse(entry.json) as JsonObject;
      this.keepParsed(thingId);
    }
    return entry.thing;
  }

  /** The thing and its metadata, or null when it does not exist. */
  current(thingId: string): { thing: JsonObject; meta: ThingMeta } | null {
    const entry = this.entries.get(thingId);
    const thing = this.thingOf(thingId, entry);
    if (!thing || !entry) return null;
    return { thing, meta: metaOf(entry) };
  }

  /**
   * Counts a twin among the parsed ones (no change if it is one already). The oldest beyond the
   * limit lets go of its parsed thing, serialising it first when that is its only current form.
   */
  private keepParsed(thingId: string): void {
    this.parsed.add(thingId);
    if (this.parsed.size <= this.parsedLimit) return;
    const oldest = this.parsed.values().next().value as string;
    this.parsed.delete(oldest);
    const entry = this.entries.get(oldest);
    if (entry === undefined) return;
    jsonOf(entry);
    entry.thing = null;
  }
}
