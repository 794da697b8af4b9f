// What-if forks: the twins an RQL filter selects, as they were at an instant (time travel), copied
// into a scenario namespace as `<into>:<name>` with the relations among them re-pointed there, each
// created through the API's writes with the requester as its owner; then changed through the
// normal API, and replays can write into them. A fork's namespace is deleted in one call.
import { assertWritable, inScope, type Identity } from '../auth/identity.js';
import type { ThingGuard } from '../auth/thing-guard.js';
import { errors } from '../core/error-registry.js';
import { TwinfoldError } from '../core/errors.js';
import { withoutHiddenMembers } from '../core/hidden-members.js';
import { isValidNamespace } from '../core/ids.js';
import { isJsonObject, type JsonObject, type JsonValue } from '../core/json.js';
import { relationsOf } from '../core/relations.js';
import { resourceOf } from '../core/thing-resource.js';
import { isoTime, namespaceOf } from '../core/thing.js';
import type { TwinRuntime } from '../runtime/twin-runtime.js';
import type { BehaviourStore } from '../store/behaviour-store.js';
import type { RelationService } from './relation-service.js';
import type { ThingCreation } from './thing-creation.js';

/** Most twins one fork copies. */
export const MAX_FORK_TWINS = 10_000;
const FIELDS = ['filter', 'at', 'into'];

/** One twin copied: its copy and where it came from. */
export interface ForkedTwin {
  thingId: string;
  of: string;
  /** The source's revision at the instant. */
  revision: number;
}

/** A fork as the API shows it. */
export interface ForkView {
  namespace: string;
  filter: string;
  at: string;
  created: string;
  owner: string;
  twins: ForkedTwin[];
  relations: number;
  /** Selected twins not copied: absent at the instant, or not readable whole by the requester. */
  skipped: { thingId: string; reason: string }[];
}

interface ForkRecord {
  namespace: string;
  filter: string;
  at: number;
  created: number;
  owner: string;
  twins: ForkedTwin[];
  relations: number;
  skipped: { thingId: string; reason: string }[];
}

/** What deleting a fork did. */
export interface ForkDeletion {
  namespace: string;
  deleted: string[];
  failed: { thingId: string; status: number; error: string }[];
}

export interface ForkServiceOptions {
  runtime: TwinRuntime;
  guard: ThingGuard;
  creation: ThingCreation;
  relations: RelationService;
  /** The ids of the twins a filter selects that the identity may see, in id order, at most `max`. */
  select(identity: Identity, filter: string, max: number): Promise<string[]>;
  /**
   * Creates the fork's policy, `<into>:fork`, granting the requester READ and WRITE on the copies
   * and on the policy (Ditto's default policy); false when a policy of that id exists already.
   */
  createPolicy(identity: Identity, policyId: string): Promise<boolean>;
  /** Deletes a policy once no thing uses it (the policies made for the copies). */
  deletePolicyIfUnused(policyId: string): Promise<void>;
  /** Deletes the alerts kept for a namespace's twins, when alerts are kept. */
  deleteAlertsOfNamespace?(namespace: string): Promise<number>;
  /** Where fork records are kept across restarts (without it, in memory only). */
  store?: Pick<BehaviourStore, 'putFork' | 'listForks' | 'deleteFork'>;
  now?: () => number;
}

export class ForkService {
  private readonly forks = new Map<string, ForkRecord>();
  /** Namespaces a fork is being made in or deleted from (one at a time each). */
  private readonly busy = new Set<string>();

  constructor(private readonly options: ForkServiceOptions) {}

  /** Reads the stored fork records (at start); resolves to how many there are. */
  async load(): Promise<number> {
    for (const row of (await this.options.store?.listForks()) ?? [])
      this.forks.set(row.namespace, JSON.parse(row.record) as ForkRecord);
    return this.forks.size;
  }

  private async save(record: ForkRecord): Promise<void> {
    await this.options.store?.putFork({
      namespace: record.namespace,
      record: JSON.stringify(record),
    });
  }

  /** Makes a fork: checks, copies every twin and the relations among them; resolves with it. */
  async create(identity: Identity, body: unknown): Promise<ForkView> {
    const { filter, at, into } = this.checked(identity, body);
    if (this.forks.has(into) || this.busy.has(into))
      throw errors.forkNamespaceTaken(into, 'a fork is there already');
    this.busy.add(into);
    try {
      return await this.make(identity, filter, at, into);
    } finally {
      this.busy.delete(into);
    }
  }

  private async make(
    identity: Identity,
    filter: string,
    at: number,
    into: string,
  ): Promise<ForkView> {
    const { runtime, guard } = this.options;
    const held = await runtime.count({ namespaces: [into] });
    if (held > 0)
      throw errors.forkNamespaceTaken(into, `it holds ${held} twin(s) not made by a fork`);
    let ids: string[];
    try {
      ids = await this.options.select(identity, filter, MAX_FORK_TWINS + 1);
    } catch (error) {
      if (error instanceof TwinfoldError && error.status === 400)
        throw errors.forkRequestInvalid('filter', error.message);
      throw error;
    }
    if (ids.length > MAX_FORK_TWINS) throw errors.forkTooManyTwins(ids.length, MAX_FORK_TWINS);
    const target = new Map<string, string>();
    const sourceOf = new Map<string, string>();
    for (const id of ids) {
      if (namespaceOf(id) === into)
        throw errors.forkRequestInvalid('into', `'${into}' is the namespace of a source (${id})`);
      const copy = `${into}:${id.slice(id.indexOf(':') + 1)}`;
      const clash = sourceOf.get(copy);
      if (clash !== undefined)
        throw errors.forkRequestInvalid(
          'filter',
          `it selects ${clash} and ${id}, which would both be copied to ${copy}`,
        );
      target.set(id, copy);
      sourceOf.set(copy, id);
    }
    const record: ForkRecord = {
      namespace: into,
      filter,
      at,
      created: this.now(),
      owner: identity.id,
      twins: [],
      relations: 0,
      skipped: [],
    };
    // Each source as it was at the instant (or why it is not copied), read in parallel chunks.
    const found: ({ thing: JsonObject; revision: number } | { reason: string })[] = [];
    await inChunks(
      ids.map((id, i) => [id, i] as const),
      async ([id, i]) => {
        const now = (runtime.getThing(id)?.thing ?? null) as JsonObject | null;
        if (!guard.readsWholeThing(identity, now)) {
          found[i] = { reason: 'not readable whole by the requester' };
          return;
        }
        const revision = await runtime.revisionAt(id, at);
        const state = revision === null ? null : await runtime.stateAt(id, { revision });
        found[i] =
          revision === null || state === null
            ? { reason: `it did not exist at ${isoTime(at)}` }
            : { thing: state.thing, revision };
      },
    );
    const states = new Map<string, JsonObject>();
    ids.forEach((id, i) => {
      const one = found[i];
      if ('reason' in one) {
        record.skipped.push({ thingId: id, reason: one.reason });
        return;
      }
      states.set(id, one.thing);
      record.twins.push({ thingId: target.get(id) as string, of: id, revision: one.revision });
    });
    const policyId = `${into}:fork`;
    if (!(await this.options.createPolicy(identity, policyId)))
      throw errors.forkNamespaceTaken(into, `the policy '${policyId}' exists already`);
    // Kept before the first write, so that a failure part way leaves a fork that can be deleted.
    await this.save(record);
    this.forks.set(into, record);
    await inChunks([...states], ([id, thing]) =>
      this.writeCopy(identity, target.get(id) as string, thing, policyId),
    );
    // A copy's relations are writes of that copy: in order per copy, the copies in parallel.
    const edges = new Map<string, { name: string; target: string; properties: JsonObject }[]>();
    for (const [id, thing] of states) {
      const own = relationsOf(thing)
        .filter((relation) => states.has(relation.target))
        .map((relation) => ({ ...relation, target: target.get(relation.target) as string }));
      if (own.length > 0) edges.set(target.get(id) as string, own);
    }
    await inChunks([...edges], async ([source, own]) => {
      for (const { name, target: to, properties } of own) {
        await this.options.relations.put(identity, source, name, to, properties);
        record.relations++;
      }
    });
    await this.save(record);
    return viewOf(record);
  }

  /** Creates a copy: the source's definition, attributes and features, under the fork's policy. */
  private async writeCopy(
    identity: Identity,
    thingId: string,
    source: JsonObject,
    policyId: string,
  ): Promise<void> {
    const { creation, guard } = this.options;
    const shown = withoutHiddenMembers(source) as JsonObject;
    const value: JsonObject = { policyId };
    for (const key of ['definition', 'attributes', 'features'])
      if (shown[key] !== undefined && shown[key] !== null) value[key] = shown[key] as JsonValue;
    const resource = resourceOf(thingId, 'thing');
    const { pending } = await creation.write(identity, {
      kind: 'modify',
      resource,
      value,
      originator: identity.id,
      // A copy is made, never replaces: If-None-Match: * as a creation.
      preconditions: { ifNoneMatch: { raw: '*', matchers: [{ weak: false, tag: '*' }] } },
      authorize: (current) => guard.checkWrite(identity, current, 'modify', resource, value),
    });
    await pending;
  }

  list(identity: Identity): ForkView[] {
    return [...this.forks.values()].filter((record) => this.visible(identity, record)).map(viewOf);
  }

  get(identity: Identity, namespace: string): ForkView {
    return viewOf(this.recordOf(identity, namespace));
  }

  /**
   * Deletes the fork's whole namespace: every twin in it (the copies, and what was made there
   * since, replays' writes included), the policies made for them once unused, and their alerts.
   * What the requester may not delete stays and is named; the fork is then kept.
   */
  async delete(identity: Identity, namespace: string): Promise<ForkDeletion> {
    const record = this.recordOf(identity, namespace);
    assertWritable(identity);
    if (this.busy.has(namespace)) throw errors.forkNamespaceTaken(namespace, 'it is being changed');
    this.busy.add(namespace);
    try {
      return await this.deleteAll(identity, record);
    } finally {
      this.busy.delete(namespace);
    }
  }

  private async deleteAll(identity: Identity, record: ForkRecord): Promise<ForkDeletion> {
    const { runtime, guard } = this.options;
    const outcome: ForkDeletion = { namespace: record.namespace, deleted: [], failed: [] };
    const ids: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await runtime.search({
        namespaces: [record.namespace],
        sort: [],
        size: 200,
        cursor,
      });
      for (const doc of page.docs) ids.push(doc.thingId);
      cursor = page.cursor;
      await new Promise((resolve) => setImmediate(resolve));
    } while (cursor !== undefined);
    const policies = new Set<string>([`${record.namespace}:fork`]);
    await inChunks(ids, async (thingId) => {
      const resource = resourceOf(thingId, 'thing');
      try {
        let policyId: string | null = null;
        await runtime.write({
          kind: 'delete',
          resource,
          originator: identity.id,
          authorize: (thing) => {
            guard.checkWrite(identity, thing, 'delete', resource, undefined);
            policyId = typeof thing?.policyId === 'string' ? thing.policyId : null;
          },
        });
        outcome.deleted.push(thingId);
        if (policyId !== null && namespaceOf(policyId) === record.namespace) policies.add(policyId);
      } catch (error) {
        if (!(error instanceof TwinfoldError)) throw error;
        outcome.failed.push({ thingId, status: error.status, error: error.code });
      }
    });
    outcome.deleted.sort();
    await inChunks([...policies], async (policyId) => {
      try {
        await this.options.deletePolicyIfUnused(policyId);
      } catch (error) {
        if (!(error instanceof TwinfoldError)) throw error;
      }
    });
    await this.options.deleteAlertsOfNamespace?.(record.namespace);
    if (outcome.failed.length === 0) {
      await this.options.store?.deleteFork(record.namespace);
      this.forks.delete(record.namespace);
    }
    return outcome;
  }

  private recordOf(identity: Identity, namespace: string): ForkRecord {
    const record = this.forks.get(namespace);
    if (record === undefined || !this.visible(identity, record))
      throw errors.forkNotFound(namespace);
    return record;
  }

  private visible(identity: Identity, record: ForkRecord): boolean {
    return identity.admin || record.owner === identity.id;
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }

  private checked(identity: Identity, body: unknown): { filter: string; at: number; into: string } {
    if (!isJsonObject(body as JsonValue))
      throw errors.forkRequestInvalid('', 'the body must be a JSON object');
    const object = body as JsonObject;
    for (const key of Object.keys(object))
      if (!FIELDS.includes(key))
        throw errors.forkRequestInvalid(key, `unknown field (expected ${FIELDS.join(', ')})`);
    const { filter, into } = object;
    if (typeof filter !== 'string' || filter.trim() === '')
      throw errors.forkRequestInvalid('filter', 'is required: an RQL filter selecting the twins');
    if (typeof into !== 'string' || !isValidNamespace(into))
      throw errors.forkRequestInvalid('into', 'is required: a namespace (such as "whatif.a")');
    assertWritable(identity);
    if (!inScope(identity, into))
      throw errors.forkRequestInvalid('into', `the requester may not write in '${into}'`);
    const now = this.now();
    const at = object.at === undefined ? now : instantOf(object.at);
    if (at > now)
      throw errors.forkRequestInvalid('at', `${isoTime(at)} is in the future: fork what was`);
    return { filter, at, into };
  }
}

/** Writes run this many at a time (different twins: their writes share group commits). */
const PARALLEL = 64;

/** Runs `each` over `items`, {@link PARALLEL} at a time, the event loop free between chunks. */
async function inChunks<T>(items: readonly T[], each: (item: T) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += PARALLEL) {
    await Promise.all(items.slice(i, i + PARALLEL).map(each));
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** An instant given as ISO-8601 text or epoch milliseconds. */
function instantOf(value: JsonValue): number {
  const ms =
    typeof value === 'number'
      ? value
      : typeof value === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(value)
        ? Date.parse(value)
        : Number.NaN;
  if (!Number.isSafeInteger(ms) || ms < 0 || ms > 8.64e15)
    throw errors.forkRequestInvalid(
      'at',
      'must be an ISO-8601 time (such as "2026-01-01T00:00:00Z") or epoch milliseconds',
    );
  return ms;
}

function viewOf(record: ForkRecord): ForkView {
  return {
    namespace: record.namespace,
    filter: record.filter,
    at: isoTime(record.at),
    created: isoTime(record.created),
    owner: record.owner,
    twins: [...record.twins],
    relations: record.relations,
    skipped: [...record.skipped],
  };
}
