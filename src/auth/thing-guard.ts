// Enforcement for things: namespace scopes, read-only tokens and Ditto policies on every read and write.
import { errors } from '../core/error-registry.js';
import type { TwinfoldError } from '../core/errors.js';
import type { TwinEvent } from '../core/events.js';
import { isJsonObject, type JsonObject, type JsonValue } from '../core/json.js';
import { formatPointer } from '../core/json-pointer.js';
import { notFoundError, type ResourceKind, type ThingResource } from '../core/thing-resource.js';
import { namespaceOf } from '../core/thing.js';
import { assertWritable, inScope, type Identity } from './identity.js';
import type { PolicyEnforcer } from './policy-enforcer.js';
import type { PolicyStore } from './policy-store.js';

/** Fields every partially readable thing shows (Ditto always returns thingId; ours are metadata). */
const ALWAYS_READABLE = new Set(['thingId', '_revision', '_created', '_modified', '_namespace']);

export interface ReadAccess {
  /** The readable part of a resource value (read at the resource's path). */
  view(value: JsonValue): JsonValue;
  /** The readable part of a whole search document (thing plus special fields). */
  docView<T extends object>(doc: T): T;
}

const FULL_ACCESS: ReadAccess = { view: (value) => value, docView: (doc) => doc };

export type WriteKind = 'modify' | 'merge' | 'delete';

function notModifiable(resource: ThingResource): TwinfoldError {
  const { thingId, featureId } = resource;
  const pointer = formatPointer(resource.inner ?? []);
  const feature = `the Feature with ID '${featureId}' on the Thing with ID '${thingId}'`;
  const table: Record<ResourceKind, [string, string]> = {
    thing: ['thing', `The Thing with ID '${thingId}'`],
    policyId: ['policyId', `The Policy ID of the Thing with ID '${thingId}'`],
    definition: ['definition', `The Definition of the Thing with ID '${thingId}'`],
    attributes: ['attributes', `The Attributes on the Thing with ID '${thingId}'`],
    attribute: [
      'attribute',
      `The Attribute with name '${pointer}' on the Thing with ID '${thingId}'`,
    ],
    features: ['features', `The Features on the Thing with ID '${thingId}'`],
    feature: ['feature', `The Feature with ID '${featureId}' on the Thing with ID '${thingId}'`],
    featureDefinition: ['feature.definition', `The Definition of ${feature}`],
    properties: ['feature.properties', `The Properties of ${feature}`],
    property: ['feature.property', `The Property with JSON Pointer '${pointer}' of ${feature}`],
    desiredProperties: ['feature.desiredProperties', `The desired properties of ${feature}`],
    desiredProperty: [
      'feature.desiredProperty',
      `The desired property with JSON Pointer '${pointer}' of ${feature}`,
    ],
  };
  const [code, message] = table[resource.kind];
  return errors.resourceNotModifiable(code, message);
}

/** The leaf paths a merge patch touches (objects are entered; null, scalars, arrays and `{}` are leaves). */
function patchLeaves(patch: JsonValue, base: string[], into: string[][] = []): string[][] {
  if (!isJsonObject(patch) || Object.keys(patch).length === 0) {
    into.push(base);
    return into;
  }
  for (const [key, value] of Object.entries(patch)) patchLeaves(value, [...base, key], into);
  return into;
}

function pathSegments(path: string): string[] {
  const segments = path.split('/').filter((s) => s !== '');
  const star = segments.indexOf('*');
  return star < 0 ? segments : segments.slice(0, star);
}

export class ThingGuard {
  constructor(private readonly policies: PolicyStore) {}

  private enforcer(identity: Identity, policyId: unknown): PolicyEnforcer | null {
    return typeof policyId === 'string'
      ? this.policies.enforcer(policyId, identity.subjects)
      : null;
  }

  /** Throws 404 when the identity may not see this namespace at all. */
  assertInScope(identity: Identity, thingId: string): void {
    if (!inScope(identity, namespaceOf(thingId))) throw errors.thingNotFound(thingId);
  }

  /**
   * Checks a read of `resource` on `thing` and returns how to filter what it may see; throws the
   * resource's 404 when nothing is readable.
   */
  checkRead(identity: Identity, thing: JsonObject, resource: ThingResource): ReadAccess {
    this.assertInScope(identity, resource.thingId);
    const access = this.readAccess(identity, thing, resource);
    if (!access) throw notFoundError(resource, thing);
    return access;
  }

  /** How `identity` may read `resource` of `thing`, or null when nothing of it is readable. */
  readAccess(identity: Identity, thing: JsonObject, resource: ThingResource): ReadAccess | null {
    if (!inScope(identity, namespaceOf(resource.thingId))) return null;
    if (identity.admin) return FULL_ACCESS;
    const enforcer = this.enforcer(identity, thing.policyId);
    if (!enforcer || !enforcer.hasPartial('thing', resource.segments, 'READ')) return null;
    const segments = resource.segments;
    return {
      view: (value) => {
        const seen = enforcer.view('thing', segments, value);
        if (seen === undefined) throw notFoundError(resource, thing);
        if (resource.kind === 'thing' && isJsonObject(seen))
          return { thingId: resource.thingId, ...seen };
        return seen;
      },
      docView: (doc) => this.documentView(enforcer, doc),
    };
  }

  private documentView<T extends object>(enforcer: PolicyEnforcer, doc: T): T {
    const result: Record<string, unknown> = {};
    const readable = (enforcer.view('thing', [], doc as unknown as JsonObject) ?? {}) as JsonObject;
    for (const [key, value] of Object.entries(doc)) {
      if (ALWAYS_READABLE.has(key)) result[key] = value;
      else if (readable[key] !== undefined) result[key] = readable[key];
    }
    return result as T;
  }

  /**
   * How the identity sees the events of a thing governed by `policyId` (null: the thing never
   * existed). Throws the thing's 404 unless it may read some part of the thing: history answers
   * nothing, not even an empty range, to a subject that may not know the thing. The policy is
   * looked up once, not per event.
   */
  historyViewer(
    identity: Identity,
    thingId: string,
    policyId: string | null,
  ): (event: TwinEvent) => TwinEvent | null {
    this.assertInScope(identity, thingId);
    if (policyId === null) throw errors.thingNotFound(thingId);
    if (identity.admin) return (event) => event;
    const enforcer = this.enforcer(identity, policyId);
    if (!enforcer?.hasPartial('thing', [], 'READ')) throw errors.thingNotFound(thingId);
    return (event) => {
      if (!enforcer.hasPartial('thing', event.path, 'READ')) return null;
      if (event.value === undefined) return event;
      const value = enforcer.view('thing', event.path, event.value);
      return value === undefined ? null : { ...event, value };
    };
  }

  /** Conditions may only test fields the identity can read in full (else 412, as Ditto). */
  checkConditionReadable(identity: Identity, thing: JsonObject, paths: Iterable<string>): void {
    if (identity.admin) return;
    const enforcer = this.enforcer(identity, thing.policyId);
    for (const path of paths) {
      if (ALWAYS_READABLE.has(path)) continue;
      if (!enforcer?.hasUnrestricted('thing', pathSegments(path), 'READ'))
        throw errors.conditionNotReadable();
    }
  }

  /**
   * Checks a write synchronously against the state it applies to. `thing` is null when the thing
   * does not exist (a create); its policy must exist by now.
   */
  checkWrite(
    identity: Identity,
    thing: JsonObject | null,
    kind: WriteKind,
    resource: ThingResource,
    value: JsonValue | undefined,
  ): void {
    this.assertInScope(identity, resource.thingId);
    assertWritable(identity);
    if (identity.admin) return;
    if (thing === null) {
      if (resource.kind !== 'thing' || kind === 'delete') return; // the runtime answers 404
      const policyId =
        isJsonObject(value) && typeof value.policyId === 'string'
          ? value.policyId
          : resource.thingId;
      const enforcer = this.enforcer(identity, policyId);
      if (!enforcer) throw errors.thingNotCreatable(resource.thingId, policyId);
      if (!enforcer.hasUnrestricted('thing', [], 'WRITE')) throw notModifiable(resource);
      return;
    }
    const enforcer = this.enforcer(identity, thing.policyId);
    if (!enforcer) throw notModifiable(resource);
    const allowed =
      enforcer.hasUnrestricted('thing', resource.segments, 'WRITE') ||
      (kind === 'merge' &&
        value !== undefined &&
        patchLeaves(value, resource.segments).every((leaf) =>
          enforcer.hasUnrestricted('thing', leaf, 'WRITE'),
        ));
    if (!allowed) throw notModifiable(resource);
    const newPolicyId = this.newPolicyId(thing, resource, value);
    if (newPolicyId !== null) {
      const target = this.enforcer(identity, newPolicyId);
      if (!target) throw errors.policyNotFound(newPolicyId);
      if (!target.hasUnrestricted('policy', [], 'WRITE'))
        throw errors.policyNotModifiable(newPolicyId);
    }
  }

  private newPolicyId(
    thing: JsonObject,
    resource: ThingResource,
    value: JsonValue | undefined,
  ): string | null {
    let next: unknown;
    if (resource.kind === 'policyId') next = value;
    else if (resource.kind === 'thing' && isJsonObject(value)) next = value.policyId;
    return typeof next === 'string' && next !== thing.policyId ? next : null;
  }

  /**
   * For search: which policies let the identity see a thing whose filter and sort read `paths`.
   * Undefined when nothing is hidden (administrators).
   */
  searchVisibility(
    identity: Identity,
    paths: Iterable<string>,
  ): ((policyId: string) => boolean) | undefined {
    if (identity.admin) return undefined;
    const needed = [...paths].filter((p) => !ALWAYS_READABLE.has(p)).map(pathSegments);
    return (policyId) => {
      const enforcer = this.enforcer(identity, policyId);
      if (!enforcer || !enforcer.hasPartial('thing', [], 'READ')) return false;
      return needed.every((segments) => enforcer.hasUnrestricted('thing', segments, 'READ'));
    };
  }

  /** The namespaces a search may cover: the requested ones within the identity's scope. */
  scopeNamespaces(
    identity: Identity,
    requested: string[] | undefined,
  ): string[] | undefined | null {
    if (identity.namespaces === null) return requested;
    const allowed = requested
      ? requested.filter((n) => identity.namespaces?.includes(n))
      : identity.namespaces;
    return allowed.length === 0 ? null : allowed;
  }

  /** What a search result shows of a document. */
  searchView<T extends object & { policyId?: unknown }>(identity: Identity, doc: T): T {
    if (identity.admin) return doc;
    const enforcer = this.enforcer(identity, doc.policyId);
    return enforcer ? this.documentView(enforcer, doc) : ({} as T);
  }
}
