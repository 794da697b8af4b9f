// A thing's incarnations (created … deleted) and the policy that guards the history of each.
import type { TwinEvent } from '../core/events.js';
import type { TwinRuntime } from '../runtime/twin-runtime.js';

/**
 * The revisions from one thing-created event to its deletion (`to` is Infinity while the thing
 * lives). Each is guarded by its own policyId, the last one it had (today's for the current one),
 * so that whoever re-creates a deleted thing's id gets nothing of its past.
 */
export interface Incarnation {
  from: number;
  to: number;
  policyId: string | null;
}

/** Events read per journal query while looking for incarnation boundaries. */
const PAGE = 1000;
/** Things whose past incarnations are remembered (they never change once the thing is re-created). */
const CACHED_THINGS = 10_000;

type Source = Pick<TwinRuntime, 'lifecycleOf' | 'history' | 'policyIdOf'>;

interface Scan {
  /** The incarnations that ended in the scanned revisions. */
  closed: Incarnation[];
  /** Where the incarnation still open at the end of the scan began. */
  openFrom: number;
}

/** The incarnation holding `revision`, or null. */
export function incarnationAt(incarnations: Incarnation[], revision: number): Incarnation | null {
  return incarnations.find((i) => i.from <= revision && revision <= i.to) ?? null;
}

export class ThingIncarnations {
  /** Per thing: its incarnations that ended before revision `upTo + 1` (where one began). */
  private readonly past = new Map<string, { upTo: number; closed: Incarnation[] }>();

  constructor(private readonly runtime: Source) {}

  /**
   * Every incarnation of a thing, oldest first; null when it never existed. Finding where the
   * current incarnation began costs one query for the events of the millisecond it was created
   * in; only a thing that was deleted and re-created has older events scanned, once.
   */
  async of(thingId: string): Promise<Incarnation[] | null> {
    const life = await this.runtime.lifecycleOf(thingId);
    if (!life) return null;
    const policyId = await this.runtime.policyIdOf(thingId);
    const start = await this.currentStart(thingId, life.created);
    if (start === null) {
      // Not found by its timestamp (the clock moved back?): scan everything.
      const { closed, openFrom } = await this.scan(thingId, 1, life.revision);
      if (!life.live) return closed;
      return [...closed, { from: openFrom, to: Infinity, policyId }];
    }
    const current = { from: start, to: life.live ? Infinity : life.revision, policyId };
    return [...(await this.pastBefore(thingId, start)), current];
  }

  /** The revision of the thing-created event at `created`, the last one in that millisecond. */
  private async currentStart(thingId: string, created: number): Promise<number | null> {
    const events = await this.runtime.history(thingId, {
      fromTimestamp: created,
      toTimestamp: created,
    });
    let start: number | null = null;
    for (const event of events ?? [])
      if (event.action === 'created' && event.path.length === 0) start = event.revision;
    return start;
  }

  private async pastBefore(thingId: string, start: number): Promise<Incarnation[]> {
    if (start <= 1) return [];
    const known = this.past.get(thingId);
    if (known && known.upTo === start - 1) return known.closed;
    // Revisions restart only after the journal forgot the thing (retention): then scan afresh.
    const reuse = known && known.upTo < start ? known : { upTo: 0, closed: [] };
    const { closed } = await this.scan(thingId, reuse.upTo + 1, start - 1);
    const all = [...reuse.closed, ...closed];
    if (this.past.size >= CACHED_THINGS) this.past.clear();
    this.past.set(thingId, { upTo: start - 1, closed: all });
    return all;
  }

  /**
   * Finds the incarnations ending in revisions `from`…`to`; `from` must be where one began (1 or
   * a thing-created event), so no earlier state is needed to know the policyId.
   */
  private async scan(thingId: string, from: number, to: number): Promise<Scan> {
    const closed: Incarnation[] = [];
    let openFrom = from;
    let policyId: string | null = null;
    for (let next = from; next <= to;) {
      const events =
        (await this.runtime.history(thingId, {
          fromRevision: next,
          toRevision: to,
          limit: PAGE,
        })) ?? [];
      for (const event of events) {
        if (event.path.length === 0 && event.action === 'deleted') {
          closed.push({ from: openFrom, to: event.revision, policyId });
          openFrom = event.revision + 1;
        } else {
          policyId = policyIdAfter(event) ?? policyId;
        }
      }
      if (events.length < PAGE) break;
      next = events[events.length - 1].revision + 1;
    }
    return { closed, openFrom };
  }
}

/** The policyId an event gives the thing, or null when it does not set one. */
function policyIdAfter(event: TwinEvent): string | null {
  const { path, value } = event;
  if (path.length === 0 && value !== null && typeof value === 'object' && !Array.isArray(value))
    return typeof value.policyId === 'string' ? value.policyId : null;
  if (path.length === 1 && path[0] === 'policyId' && typeof value === 'string') return value;
  return null;
}
