// What one subscriber sees of a committed event: nothing outside its namespaces or its READ rights,
// the readable part of a partly readable change, its extraFields, and only what passes its filter.
import type { Identity } from '../auth/identity.js';
import type { ThingGuard } from '../auth/thing-guard.js';
import type { TwinEvent } from '../core/events.js';
import { isJsonObject, type JsonObject } from '../core/json.js';
import { resourceOf } from '../core/thing-resource.js';
import type { TwinRuntime } from '../runtime/twin-runtime.js';
import { extraOf, mayWant, passesFilter, thingIdsOf, type EventSelection } from './event-filter.js';

/** An event as one subscriber may see it, with its `extra` fields when it asked for some. */
export interface SeenEvent {
  event: TwinEvent;
  extra?: JsonObject;
}

export type EventSource = Pick<TwinRuntime, 'getThing' | 'policyIdOf'>;

/** The policy an event is guarded by when the event itself names it (a whole thing or its policyId). */
function policyNamedBy(event: TwinEvent): string | undefined {
  if (event.path.length === 0 && isJsonObject(event.value)) {
    const policyId = event.value.policyId;
    return typeof policyId === 'string' ? policyId : undefined;
  }
  if (event.path.length === 1 && event.path[0] === 'policyId' && typeof event.value === 'string')
    return event.value;
  return undefined;
}

/**
 * One subscriber's lens on the committed-event stream. The policy of an event is the one it names,
 * else the thing's policy now (the one it had when deleted, for a deleted thing); extraFields are
 * read from the thing's current state, as far as the subscriber may read it.
 */
export class SubscriberView {
  constructor(
    private readonly runtime: EventSource,
    private readonly guard: ThingGuard,
    /** A getter: a WebSocket's identity may be refreshed (JWT-TOKEN). */
    private readonly identity: () => Identity,
    readonly selection: EventSelection,
  ) {}

  /**
   * The twins whose events can pass the filter, when it names them (null: any twin's may): a
   * subscription to the committed-event stream need not be handed the others at all.
   */
  get thingIds(): ReadonlySet<string> | null {
    return thingIdsOf(this.selection.filter);
  }

  /** The event as the subscriber sees it, or null; a promise only when the policy must be looked up. */
  see(event: TwinEvent): SeenEvent | null | Promise<SeenEvent | null> {
    if (!mayWant(this.selection, event.thingId)) return null;
    const current = this.runtime.getThing(event.thingId);
    const named = policyNamedBy(event);
    if (named !== undefined) return this.decide(event, named, current);
    const policyId = current?.thing.policyId;
    if (typeof policyId === 'string') return this.decide(event, policyId, current);
    return this.runtime
      .policyIdOf(event.thingId)
      .then((found) => this.decide(event, found, current));
  }

  private decide(
    event: TwinEvent,
    policyId: string | null,
    current: ReturnType<EventSource['getThing']>,
  ): SeenEvent | null {
    const viewer = this.guard.eventViewer(this.identity(), event.thingId, policyId);
    const seen = viewer?.(event);
    return seen ? this.selected(seen, current) : null;
  }

  /**
   * The namespaces, extraFields and filter applied to an event already reduced to what the
   * subscriber may read (a history stream guards each revision by its incarnation's policy).
   */
  select(seen: TwinEvent): SeenEvent | null {
    if (!mayWant(this.selection, seen.thingId)) return null;
    return this.selected(seen, this.runtime.getThing(seen.thingId));
  }

  private selected(
    seen: TwinEvent,
    current: ReturnType<EventSource['getThing']>,
  ): SeenEvent | null {
    const extra = this.selection.extraFields
      ? extraOf(this.selection, this.readable(this.identity(), current))
      : undefined;
    if (!passesFilter(this.selection, seen, extra)) return null;
    return extra === undefined ? { event: seen } : { event: seen, extra };
  }

  private readable(
    identity: Identity,
    current: ReturnType<EventSource['getThing']>,
  ): JsonObject | null {
    if (!current) return null;
    const thing = current.thing as unknown as JsonObject;
    const access = this.guard.readAccess(
      identity,
      thing,
      resourceOf(String(thing.thingId), 'thing'),
    );
    if (!access) return null;
    try {
      const seen = access.view(thing);
      return isJsonObject(seen) ? seen : null;
    } catch {
      return null; // nothing of it is readable
    }
  }
}
