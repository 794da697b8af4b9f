// Relations between twins for every caller (HTTP, WebSocket through HTTP): adding and removing one
// as a write of its source twin, guarded on both ends; reading one; listing and walking them.
import type { Identity } from '../auth/identity.js';
import type { ThingGuard } from '../auth/thing-guard.js';
import { errors } from '../core/error-registry.js';
import { hasCode } from '../core/errors.js';
import { assertThingId } from '../core/ids.js';
import { isJsonObject, type JsonObject, type JsonValue } from '../core/json.js';
import { getAt } from '../core/json-pointer.js';
import {
  MAX_RELATION_DEPTH,
  assertRelationName,
  assertRelationProperties,
  relationPath,
} from '../core/relations.js';
import { resourceOf, type ThingResource } from '../core/thing-resource.js';
import type { RelationDirection } from '../runtime/relation-graph.js';
import type { TwinRuntime, WriteRequest, WriteResult } from '../runtime/twin-runtime.js';

/** One relation as a listing shows it. */
export interface ListedRelation {
  source: string;
  name: string;
  target: string;
  /** Edges from the twin listed (1: its own children or parents). */
  depth: number;
  properties: JsonObject;
  /** False for a relation whose target was deleted (or never re-created): it dangles. */
  targetExists: boolean;
  /** The edge leads back into the walk: following it would loop (it is not followed). */
  cycle?: true;
}

export interface RelationQuery {
  direction: RelationDirection;
  name?: string;
  depth: number;
}

/** Who writes a relation, and how (the processing options of its request). */
export interface RelationWriteOptions {
  originator?: string;
  ackRequest?: WriteRequest['ackRequest'];
}

/** The resource of one relation in its source's state (`_relations/<name>/<target>`). */
function relationResource(source: string, name: string, target: string): ThingResource {
  return resourceOf(source, 'relation', undefined, [name, target]);
}

/** The resource of all of a twin's relations (`_relations`), for read checks. */
function relationsResource(thingId: string): ThingResource {
  return resourceOf(thingId, 'relation', undefined, []);
}

/** Checks the parts of a relation's address: ids, name, and that it links two twins. */
function assertAddress(source: string, name: string, target: string): void {
  assertThingId(source);
  assertRelationName(name);
  assertThingId(target);
  if (source === target) throw errors.relationToItself(source);
}

/**
 * Parses the `direction`, `name` and `depth` of a listing (defaults: out, every name, 1); 400 for
 * anything else.
 */
export function parseRelationQuery(query: Record<string, unknown>): RelationQuery {
  for (const key of Object.keys(query)) {
    if (key !== 'direction' && key !== 'name' && key !== 'depth')
      throw errors.relationQueryInvalid(key, 'it is not a parameter of relation listings');
    if (typeof query[key] !== 'string')
      throw errors.relationQueryInvalid(key, 'it is given more than once');
  }
  const { direction = 'out', name, depth } = query as Record<string, string | undefined>;
  if (direction !== 'out' && direction !== 'in')
    throw errors.relationQueryInvalid('direction', `'${direction}' is neither 'out' nor 'in'`);
  if (name !== undefined) assertRelationName(name);
  let levels = 1;
  if (depth !== undefined) {
    if (!/^\d{1,3}$/.test(depth) || Number(depth) < 1 || Number(depth) > MAX_RELATION_DEPTH)
      throw errors.relationQueryInvalid(
        'depth',
        `'${depth}' is not an integer from 1 to ${MAX_RELATION_DEPTH}`,
      );
    levels = Number(depth);
  }
  return name === undefined ? { direction, depth: levels } : { direction, name, depth: levels };
}

export class RelationService {
  constructor(
    private readonly runtime: TwinRuntime,
    private readonly guard: ThingGuard,
  ) {}

  /**
   * Adds or replaces a relation (201 when it is new): a write of the source twin at
   * `_relations/<name>/<target>`. Needs WRITE on `thing:/` of the source and, the target existing,
   * of the target. Resolves once durable; invalid requests throw before anything is written.
   */
  put(
    identity: Identity,
    source: string,
    name: string,
    target: string,
    properties: JsonValue,
    options: RelationWriteOptions = {},
  ): Promise<WriteResult> {
    assertAddress(source, name, target);
    assertRelationProperties(properties);
    return this.write(identity, 'modify', source, name, target, properties, options);
  }

  /**
   * Removes a relation (404 when there is none). Needs WRITE on `thing:/` of the source and, when
   * the target still exists, of the target; a dangling relation is removed by the source's writers.
   */
  delete(
    identity: Identity,
    source: string,
    name: string,
    target: string,
    options: RelationWriteOptions = {},
  ): Promise<WriteResult> {
    assertAddress(source, name, target);
    return this.write(identity, 'delete', source, name, target, undefined, options);
  }

  private write(
    identity: Identity,
    kind: 'modify' | 'delete',
    source: string,
    name: string,
    target: string,
    value: JsonValue | undefined,
    options: RelationWriteOptions,
  ): Promise<WriteResult> {
    this.guard.assertInScope(identity, source);
    const resource = relationResource(source, name, target);
    const request: WriteRequest = {
      kind,
      resource,
      value,
      originator: options.originator ?? identity.id,
      authorize: (thing) => {
        if (thing === null) throw errors.thingNotFound(source);
        this.guard.checkWrite(identity, thing, 'modify', resourceOf(source, 'thing'), undefined);
        this.checkTargetWritable(identity, target, kind === 'modify');
        return this.guard.readAccess(identity, thing, resource)?.tagView;
      },
    };
    if (options.ackRequest) request.ackRequest = options.ackRequest;
    return this.runtime.write(request);
  }

  /**
   * The target end of a write: it must exist to be pointed at (404 also when the requester may
   * not know of it), and the requester needs WRITE on its `thing:/` (403).
   */
  private checkTargetWritable(identity: Identity, target: string, mustExist: boolean): void {
    const found = this.runtime.getThing(target);
    if (found === null) {
      if (mustExist) throw errors.relationTargetNotFound(target);
      return;
    }
    const thing = found.thing as unknown as JsonObject;
    if (!this.guard.readAccess(identity, thing, resourceOf(target, 'thing')))
      throw errors.relationTargetNotFound(target);
    try {
      this.guard.checkWrite(identity, thing, 'modify', resourceOf(target, 'thing'), undefined);
    } catch (error) {
      if (hasCode(error, 'things:thing.notfound')) throw errors.relationTargetNotFound(target);
      throw errors.relationNotModifiable(target);
    }
  }

  /** The properties of one relation and their entity tag (404 when absent or not readable). */
  async get(
    identity: Identity,
    source: string,
    name: string,
    target: string,
  ): Promise<{ properties: JsonValue; etag: string }> {
    assertAddress(source, name, target);
    this.guard.assertInScope(identity, source);
    const resource = relationResource(source, name, target);
    const result = await this.runtime.read({
      resource,
      authorize: (thing) => this.guard.checkRead(identity, thing, resource).tagView,
    });
    // A target the requester may not read is not named, not even as present.
    if (!this.shows(identity, target)) throw errors.relationNotFound(source, name, target);
    return { properties: result.value, etag: result.etag };
  }

  /**
   * The relations of a twin: its children (`out`) or parents (`in`), down to `depth` edges
   * (descendants, ancestors), of one name or all. Needs READ on the twin; relations whose far end
   * the requester may not read are left out, and nothing is walked beyond them.
   */
  async list(
    identity: Identity,
    thingId: string,
    query: RelationQuery,
  ): Promise<{ relations: ListedRelation[] }> {
    assertThingId(thingId);
    this.guard.assertInScope(identity, thingId);
    // The graph is complete once the load's indexing pass is.
    await this.runtime.indexed;
    const found = this.runtime.getThing(thingId);
    if (found === null) throw errors.thingNotFound(thingId);
    this.guard.checkRead(
      identity,
      found.thing as unknown as JsonObject,
      resourceOf(thingId, 'thing'),
    );
    // Its children are held in its own relations; its parents in theirs (weighed one by one).
    if (query.direction === 'out' && !this.shows(identity, thingId)) return { relations: [] };
    const edges = this.runtime.relations.walk(thingId, {
      direction: query.direction,
      name: query.name,
      depth: query.depth,
      visible: (id) => this.shows(identity, id),
    });
    const relations: ListedRelation[] = [];
    for (const edge of edges) {
      const state = this.runtime.getThing(edge.source)?.thing as unknown as JsonObject | undefined;
      const properties = getAt(state, relationPath(edge.name, edge.target));
      const listed: ListedRelation = {
        source: edge.source,
        name: edge.name,
        target: edge.target,
        depth: edge.depth,
        properties: isJsonObject(properties) ? properties : {},
        targetExists: this.runtime.getThing(edge.target) !== null,
      };
      if (edge.cycle) listed.cycle = true;
      relations.push(listed);
    }
    return { relations };
  }

  /**
   * Whether a listing may name a twin and go through it: the requester may read its relations; a
   * twin that does not exist (the target of a dangling relation) is named, flagged by the listing.
   */
  private shows(identity: Identity, thingId: string): boolean {
    const found = this.runtime.getThing(thingId);
    if (found === null) return true;
    const thing = found.thing as unknown as JsonObject;
    return this.guard.readAccess(identity, thing, relationsResource(thingId)) !== null;
  }
}
