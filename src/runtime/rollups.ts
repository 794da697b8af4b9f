// Roll-ups: a property of a twin (the holder) computed over its related twins (the members: its
// children or parents over a relation, through up to `depth` levels), kept up to date from the
// committed-event stream. A member's change costs a walk from it to its holders and one update of
// each holder's aggregate, whatever the number of members; joins and leaves are found by comparing
// the holders a member reaches now with those it contributed to. Holders get their new values in
// one write each, gathered over the changes that arrived together.
import { hasCode } from '../core/errors.js';
import { isJsonObject, type JsonObject, type JsonValue } from '../core/json.js';
import { getAt, parsePointer } from '../core/json-pointer.js';
import { applyChange, type ThingChange } from '../core/thing-change.js';
import { resourceOf } from '../core/thing-resource.js';
import type { TwinEvent } from '../core/events.js';
import type { RollupSpec } from '../types/behaviour.js';
import { RollupAggregate } from '../types/rollup-aggregate.js';
import type { CommittedEventStream, EventSubscription } from './committed-event-stream.js';
import type { TypeLookup } from './twin-behaviours.js';
import type { WriteRequest, WriteResult } from './write-pipeline.js';

/** The edges of the relation graph, both ways. */
export interface RelationEdges {
  outgoing(source: string, name?: string): { name: string; target: string }[];
  incoming(target: string, name?: string): { name: string; source: string }[];
}

export interface RollupEngineOptions {
  graph: RelationEdges;
  types: TypeLookup;
  stream: CommittedEventStream;
  /** The current state of a twin (null when missing). */
  thingOf(thingId: string): JsonObject | null;
  write(request: WriteRequest): Promise<WriteResult>;
  /** The twins whose definition is one of these types (to find holders at start). */
  twinsOfTypes(typeIds: string[]): Promise<string[]>;
  onError?: (thingId: string, error: unknown) => void;
}

/** One roll-up of one holder. */
interface Rollup {
  holder: string;
  target: string;
  path: string[];
  spec: RollupSpec;
  ofPath: string[];
  aggregate: RollupAggregate;
  /** Its members now. */
  members: Set<string>;
}

/**
 * What one member contributes: the roll-ups it is a member of and its value in each (null: no
 * number there). One lookup finds all of it when the member's value changes.
 */
interface Membership {
  rollups: Rollup[];
  values: (number | null)[];
}

function numberAt(thing: JsonObject | null, path: string[]): number | null {
  const value = thing === null ? undefined : getAt(thing, path);
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

export class RollupEngine {
  /** The roll-ups of each holder, and the type they came from. */
  private readonly holders = new Map<string, { typeId: string; rollups: Rollup[] }>();
  /** The roll-ups each member contributes to now. */
  private readonly memberships = new Map<string, Membership>();
  /** Holders whose values changed and must be written. */
  private readonly dirty = new Set<string>();
  private flushing: NodeJS.Immediate | null = null;
  private subscription: EventSubscription | null = null;
  private running: Promise<void> = Promise.resolve();
  private writes: Promise<unknown> = Promise.resolve();
  /** See {@link walkPlan}; null when holders changed since it was made. */
  private plan: Map<string, number> | null = null;

  constructor(private readonly options: RollupEngineOptions) {}

  /** Number of members (twin and roll-up pairs) held: for tests and metrics. */
  get memberCount(): number {
    let count = 0;
    for (const membership of this.memberships.values()) count += membership.rollups.length;
    return count;
  }

  /** Finds the holders of the known types with roll-ups and follows the stream from now. */
  async start(typeIds: string[]): Promise<void> {
    this.subscription = this.options.stream.subscribe({
      fromSeq: this.options.stream.position + 1,
    });
    this.running = this.follow(this.subscription);
    await this.typeAdded(typeIds);
  }

  /** Types created (or known at start): their twins become holders of their roll-ups. */
  async typeAdded(typeIds: string[]): Promise<void> {
    const withRollups = typeIds.filter((id) => {
      const type = this.options.types.compiled(id);
      return type !== undefined && Object.keys(type.rollups).length > 0;
    });
    if (withRollups.length === 0) return;
    for (const thingId of await this.options.twinsOfTypes(withRollups)) this.refreshHolder(thingId);
    this.scheduleFlush();
  }

  async close(): Promise<void> {
    if (this.subscription) this.options.stream.unsubscribe(this.subscription);
    await this.running.catch(() => undefined);
    if (this.flushing) clearImmediate(this.flushing);
    this.flush();
    await this.writes.catch(() => undefined);
  }

  /** Resolves once the roll-up writes asked for so far are done (tests). */
  async settled(): Promise<void> {
    for (;;) {
      const writes = this.writes;
      await new Promise((resolve) => setImmediate(resolve));
      this.flush();
      await writes.catch(() => undefined);
      if (writes === this.writes && this.dirty.size === 0) return;
    }
  }

  /** Waits for a commit's first event, then takes the rest it brought without a promise each. */
  private async follow(subscription: EventSubscription): Promise<void> {
    for (;;) {
      const first = await subscription.next();
      if (first.done) return;
      for (let event: TwinEvent | undefined = first.value; event; event = subscription.poll()) {
        try {
          this.changed(event);
        } catch (error) {
          this.options.onError?.(event.thingId, error);
        }
      }
    }
  }

  /** One committed change of a twin: as a holder (its type), then as a member. */
  changed(event: TwinEvent): void {
    const { thingId } = event;
    const thing = this.options.thingOf(thingId);
    const holder = this.holders.get(thingId);
    const definition = thing?.definition;
    if (holder !== undefined ? holder.typeId !== definition : this.hasRollups(definition))
      this.refreshHolder(thingId);
    if (this.holders.size === 0) return;
    const relationsChanged =
      event.path.length === 0
        ? event.action !== 'merged' || (isJsonObject(event.value) && '_relations' in event.value)
        : event.path[0] === '_relations';
    if (!relationsChanged) {
      // Its relations are as they were, so are the roll-ups it is a member of: only its values.
      const membership = this.memberships.get(thingId);
      if (membership !== undefined)
        for (let i = 0; i < membership.rollups.length; i++) this.update(membership, i, thing);
    } else {
      this.refreshMember(thingId, thing);
      // A member that moved takes the members under it along, for roll-ups of several levels.
      for (const below of this.below(thingId))
        this.refreshMember(below, this.options.thingOf(below));
    }
    this.scheduleFlush();
  }

  private hasRollups(definition: JsonValue | undefined): boolean {
    if (typeof definition !== 'string') return false;
    const type = this.options.types.compiled(definition);
    return type !== undefined && Object.keys(type.rollups).length > 0;
  }

  /** (Re)builds a holder's roll-ups from its type: a walk over its members, once. */
  private refreshHolder(thingId: string): void {
    this.plan = null;
    const previous = this.holders.get(thingId);
    if (previous) {
      for (const rollup of previous.rollups)
        for (const member of rollup.members) this.forget(member, rollup);
      this.holders.delete(thingId);
    }
    const thing = this.options.thingOf(thingId);
    const definition = thing?.definition;
    const type =
      typeof definition === 'string' ? this.options.types.compiled(definition) : undefined;
    if (thing === null || type === undefined || Object.keys(type.rollups).length === 0) return;
    const rollups: Rollup[] = [];
    for (const [target, spec] of Object.entries(type.rollups)) {
      const rollup: Rollup = {
        holder: thingId,
        target,
        path: parsePointer(target),
        spec,
        ofPath: parsePointer(spec.of),
        aggregate: new RollupAggregate(spec.op),
        members: new Set(),
      };
      for (const member of this.membersOf(thingId, spec))
        this.join(rollup, member, this.options.thingOf(member));
      rollups.push(rollup);
    }
    this.holders.set(thingId, { typeId: type.id, rollups });
    this.dirty.add(thingId);
  }

  /** The members of a holder's roll-up: twins within `depth` edges of the relation (never itself). */
  private membersOf(holder: string, spec: RollupSpec): Set<string> {
    const reached = new Set<string>([holder]);
    let frontier = [holder];
    for (let level = 1; level <= spec.depth && frontier.length > 0; level++) {
      const next: string[] = [];
      for (const near of frontier) {
        const ends =
          spec.from === 'children'
            ? this.options.graph.incoming(near, spec.relation).map((e) => e.source)
            : this.options.graph.outgoing(near, spec.relation).map((e) => e.target);
        for (const far of ends)
          if (!reached.has(far)) {
            reached.add(far);
            next.push(far);
          }
      }
      frontier = next;
    }
    reached.delete(holder);
    return reached;
  }

  /** The roll-ups a twin is a member of now: walks from it towards the holders. */
  private rollupsReachedFrom(member: string): Set<Rollup> {
    const found = new Set<Rollup>();
    const walks = this.walkPlan();
    for (const [key, depth] of walks) {
      const [from, relation] = key.split('\u0000');
      const reached = new Set<string>([member]);
      let frontier = [member];
      for (let level = 1; level <= depth && frontier.length > 0; level++) {
        const next: string[] = [];
        for (const near of frontier) {
          const ends =
            from === 'children'
              ? this.options.graph.outgoing(near, relation).map((e) => e.target)
              : this.options.graph.incoming(near, relation).map((e) => e.source);
          for (const far of ends) {
            if (reached.has(far)) continue;
            reached.add(far);
            next.push(far);
            for (const rollup of this.holders.get(far)?.rollups ?? [])
              if (
                rollup.spec.from === from &&
                rollup.spec.relation === relation &&
                rollup.spec.depth >= level
              )
                found.add(rollup);
          }
        }
        frontier = next;
      }
    }
    return found;
  }

  /** The twins under a member that moved (towards where members are), for multi-level roll-ups. */
  private below(member: string): string[] {
    const result = new Set<string>();
    for (const [key, depth] of this.walkPlan()) {
      if (depth === 1) continue;
      const [from, relation] = key.split('\u0000') as [RollupSpec['from'], string];
      const spec: RollupSpec = { from, relation, depth: depth - 1, of: '', op: 'count' };
      for (const twin of this.membersOf(member, spec)) result.add(twin);
    }
    return [...result];
  }

  /**
   * Each relation and direction any holder rolls up over, with the most levels wanted
   * (`from\0relation` -> depth); made again only when holders change.
   */
  private walkPlan(): Map<string, number> {
    if (this.plan !== null) return this.plan;
    const plan = new Map<string, number>();
    for (const { rollups } of this.holders.values())
      for (const { spec } of rollups) {
        const key = `${spec.from}\u0000${spec.relation}`;
        plan.set(key, Math.max(plan.get(key) ?? 0, spec.depth));
      }
    return (this.plan = plan);
  }

  /** Brings a twin's contributions in line with the roll-ups it reaches now and its values. */
  private refreshMember(member: string, thing: JsonObject | null): void {
    const now = thing === null ? new Set<Rollup>() : this.rollupsReachedFrom(member);
    const membership = this.memberships.get(member);
    if (membership !== undefined)
      for (const rollup of [...membership.rollups])
        if (!now.has(rollup)) this.leave(rollup, member);
    const staying = this.memberships.get(member);
    for (const rollup of now) {
      const i = staying?.rollups.indexOf(rollup) ?? -1;
      if (i < 0) this.join(rollup, member, thing);
      else this.update(staying as Membership, i, thing);
    }
  }

  private join(rollup: Rollup, member: string, thing: JsonObject | null): void {
    const value = numberAt(thing, rollup.ofPath);
    let membership = this.memberships.get(member);
    if (membership === undefined)
      this.memberships.set(member, (membership = { rollups: [], values: [] }));
    membership.rollups.push(rollup);
    membership.values.push(value);
    rollup.members.add(member);
    if (value !== null) rollup.aggregate.add(value);
    this.dirty.add(rollup.holder);
  }

  private leave(rollup: Rollup, member: string): void {
    const value = this.forget(member, rollup);
    if (value !== null) rollup.aggregate.remove(value);
    rollup.members.delete(member);
    this.dirty.add(rollup.holder);
  }

  /** Takes a roll-up out of a member's memberships; returns the value it contributed. */
  private forget(member: string, rollup: Rollup): number | null {
    const membership = this.memberships.get(member);
    const i = membership?.rollups.indexOf(rollup) ?? -1;
    if (membership === undefined || i < 0) return null;
    const value = membership.values[i];
    membership.rollups.splice(i, 1);
    membership.values.splice(i, 1);
    if (membership.rollups.length === 0) this.memberships.delete(member);
    return value;
  }

  /** The i-th roll-up of a membership takes the member's value now. */
  private update(membership: Membership, i: number, thing: JsonObject | null): void {
    const rollup = membership.rollups[i];
    const before = membership.values[i];
    const value = numberAt(thing, rollup.ofPath);
    if (before === value) return;
    if (before !== null) rollup.aggregate.remove(before);
    if (value !== null) rollup.aggregate.add(value);
    membership.values[i] = value;
    this.dirty.add(rollup.holder);
  }

  private scheduleFlush(): void {
    if (this.flushing === null && this.dirty.size > 0)
      this.flushing = setImmediate(() => {
        this.flushing = null;
        this.flush();
      });
  }

  /** Writes each dirty holder's roll-up values that differ from what it holds, in one write. */
  private flush(): void {
    for (const holderId of this.dirty) {
      const holder = this.holders.get(holderId);
      if (holder === undefined) continue;
      // The pipeline throws (rather than rejects) what it refuses at once.
      const request = this.holderWrite(holderId, holder.rollups);
      const write = new Promise((resolve) => resolve(this.options.write(request))).catch(
        (error: unknown) => {
          // Nothing to write (the values are those the holder has): skipped, as asked.
          if (!hasCode(error, 'things:precondition.failed'))
            this.options.onError?.(holderId, error);
        },
      );
      this.writes = Promise.all([this.writes, write]);
    }
    this.dirty.clear();
  }

  /**
   * A write of a holder's roll-up values: an empty merge whose step adds the values (computed when
   * it applies, so that a later flush never writes an older value), refused for a missing twin.
   */
  private holderWrite(holderId: string, rollups: Rollup[]): WriteRequest {
    return {
      kind: 'merge',
      resource: resourceOf(holderId, 'thing'),
      value: {},
      originator: 'twinfold:rollups',
      preconditions: { ifEqual: 'skip' },
      authorize: (thing) => {
        if (thing === null) throw new Error(`the roll-up holder ${holderId} is gone`);
      },
      steps: [
        (_thingId, _before, after) => {
          if (after === null) return;
          const changes: ThingChange[] = [];
          let next = after;
          for (const rollup of rollups) {
            const value = rollup.aggregate.value();
            const current = getAt(next, rollup.path);
            if (current === value) continue;
            if (value === undefined && current === undefined) continue;
            const change: ThingChange =
              value === undefined
                ? { action: 'deleted', path: rollup.path }
                : { action: 'modified', path: rollup.path, value };
            if (
              change.action === 'modified' &&
              !isJsonObject(getAt(next, rollup.path.slice(0, -1)) ?? {})
            )
              continue;
            next = applyChange(next, change) as JsonObject;
            changes.push(change);
          }
          return { changes, next };
        },
      ],
    };
  }
}
