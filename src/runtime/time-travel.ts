// Time travel: a twin as it was at a revision or an instant, its history, and what its past says
// (the policy it had, its lifecycle), read from snapshots plus events in the journal.
import type { TwinEvent } from '../core/events.js';
import type { JsonObject } from '../core/json.js';
import { applyChange } from '../core/thing-change.js';
import type { ThingMeta } from '../core/thing.js';
import type { EventRange, Journal, StoredThing } from '../store/journal.js';
import { isLive, type TwinStates } from './twin-states.js';

/** A thing (null when absent) and its metadata, as events are applied to it. */
export interface Replayed {
  thing: JsonObject | null;
  revision: number;
  created: number;
  modified: number;
}

/** Applies events, in revision order, to a state. */
export function applyEvents(start: Replayed, events: TwinEvent[]): Replayed {
  let { thing, revision, created, modified } = start;
  for (const event of events) {
    if (event.action === 'created') created = event.timestamp;
    thing = applyChange(thing, event);
    revision = event.revision;
    modified = event.timestamp;
  }
  return { thing, revision, created, modified };
}

/** Where replaying from `snapshot` starts (before the first revision without one). */
function startOf(snapshot: StoredThing | null): Replayed {
  return {
    thing: snapshot?.json ? (JSON.parse(snapshot.json) as JsonObject) : null,
    revision: snapshot?.revision ?? 0,
    created: snapshot?.created ?? 0,
    modified: snapshot?.modified ?? 0,
  };
}

/** What time travel needs of the runtime. */
export interface TimeTravelParts {
  journal: Journal;
  states: TwinStates;
  /** Resolves once every queued write is durable (history reads what was acknowledged). */
  drain(): Promise<void>;
  /** Brings a twin let go of from memory back into `states`, when it may have been. */
  ensureLoaded(thingId: string): Promise<void>;
}

export class TimeTravel {
  constructor(private readonly parts: TimeTravelParts) {}

  /** A thing as it was at a revision or a timestamp, or null when it did not exist then. */
  async stateAt(
    thingId: string,
    at: { revision: number } | { timestamp: number },
  ): Promise<{ thing: JsonObject; meta: ThingMeta } | null> {
    const { journal, states } = this.parts;
    await this.parts.drain();
    await this.parts.ensureLoaded(thingId);
    const entry = states.get(thingId);
    if (!entry) return null;
    const revision =
      'revision' in at ? at.revision : await journal.revisionAt(thingId, at.timestamp);
    if (revision === null || revision < 1 || revision > entry.revision) return null;
    const snapshot = await journal.snapshotAtOrBefore(thingId, revision);
    const from = (snapshot?.revision ?? 0) + 1;
    const events = await journal.readEvents(thingId, { fromRevision: from, toRevision: revision });
    if (from <= revision && (events.length === 0 || events[0].revision !== from)) return null;
    const { thing, created, modified } = applyEvents(startOf(snapshot), events);
    if (thing === null) return null;
    return { thing, meta: { revision, created, modified } };
  }

  /**
   * A twin's state before `fromRevision` (null when it had none) and its events from `fromRevision`
   * to `toRevision`, read from the nearest snapshot on. Waits for the commits under way only when
   * the journal does not hold them all yet (a twin's first write after a restart never does).
   */
  async recentHistory(
    thingId: string,
    fromRevision: number,
    toRevision: number,
  ): Promise<{ start: JsonObject | null; events: TwinEvent[] }> {
    const { journal } = this.parts;
    const snapshot =
      fromRevision > 1 ? await journal.snapshotAtOrBefore(thingId, fromRevision - 1) : null;
    const range = { fromRevision: (snapshot?.revision ?? 0) + 1, toRevision };
    let events = await journal.readEvents(thingId, range);
    if (toRevision > 0 && events[events.length - 1]?.revision !== toRevision) {
      await this.parts.drain();
      events = await journal.readEvents(thingId, range);
    }
    const first = events.findIndex((event) => event.revision >= fromRevision);
    const split = first === -1 ? events.length : first;
    const { thing } = applyEvents(startOf(snapshot), events.slice(0, split));
    return { start: thing, events: events.slice(split) };
  }

  /** A thing's events in revision order (null when it never existed). */
  async history(thingId: string, range: EventRange): Promise<TwinEvent[] | null> {
    await this.parts.drain();
    await this.parts.ensureLoaded(thingId);
    if (!this.parts.states.has(thingId)) return null;
    return this.parts.journal.readEvents(thingId, range);
  }

  /** The policyId a thing has now, or had when it was deleted (null when it never existed). */
  async policyIdOf(thingId: string): Promise<string | null> {
    const { states } = this.parts;
    await this.parts.ensureLoaded(thingId);
    const entry = states.get(thingId);
    if (!entry) return null;
    const thing = states.thingOf(thingId, entry);
    if (thing) return thing.policyId as string;
    const last = await this.stateAt(thingId, { revision: entry.revision - 1 });
    return last ? (last.thing.policyId as string) : null;
  }

  /**
   * The revision and creation time (epoch ms) of a twin's current incarnation, or of its last one
   * once deleted, and whether it is live; null when it never existed.
   */
  async lifecycleOf(
    thingId: string,
  ): Promise<{ revision: number; created: number; live: boolean } | null> {
    await this.parts.ensureLoaded(thingId);
    const entry = this.parts.states.get(thingId);
    if (!entry) return null;
    return { revision: entry.revision, created: entry.created, live: isLive(entry) };
  }
}
