// Enforcement for things: namespace scopes, read-only tokens and Ditto policies on every read and write.
import { errors } from '../core/error-registry.js';
import type { TagView } from '../core/etag.js';
import type { TwinfoldError } from '../core/errors.js';
import type { TwinEvent } from '../core/events.js';
import { isJsonObject, type JsonObject, type JsonValue } from '../core/json.js';
import { formatPointer } from '../core/json-pointer.js';
import { notFoundError, type ResourceKind, type ThingResource } from '../core/thing-resource.js';
import { METADATA } from '../core/metadata.js';
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
  /** What entity tags are computed over; undefined when the whole resource is readable. */
  tagView?: TagView;
  /**
   * The readable part of metadata at the resource (metadata of a value is readable where the
   * value is); undefined when none of it is.
   */
  metadataView(metadata: JsonValue): JsonValue | undefined;
}

const FULL_ACCESS: ReadAccess = {
  view: (value) => value,
  docView: (doc) => doc,
  metadataView: (metadata) => metadata,
};

/**
 * The not-found error of a resource as the requester sees the thing: a hidden part is named
 * exactly as a missing one would be.
 */
function hiddenNotFound(
  enforcer: PolicyEnforcer,
  resource: ThingResource,
  thing: JsonObject,
): TwinfoldError {
  const seen = enforcer.view('thing', [], thing);
  return notFoundError(resource, isJsonObject(seen) ? seen : null);
}

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
    relation: ['thing', `The Thing with ID '${thingId}'`],
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

/**
 * The thing path a filter, sort or condition path reads. Metadata (`_metadata/<path>/key`) is read
 * with the permissions of the value it belongs to.
 */
function pathSegments(path: string): string[] {
  let segments = path.split('/').filter((s) => s !== '');
  if (segments[0] === METADATA) segments = segments.slice(1);
  const star = segments.indexOf('*');
  return star < 0 ? segments : segments.slice(0, star);
}

export interface ThingGuardOptions {
  /**
   * False when the app trusts every request (no access control): policies protect nothing then,
   * so things may name policies that do not exist (as in Ditto).
   */
  policiesEnforced?: boolean;
}

export class ThingGuard {
  private readonly policiesEnforced: boolean;

  constructor(
    private readonly policies: PolicyStore,
    options: ThingGuardOptions = {},
  ) {
    this.policiesEnforced = options.policiesEnforced ?? true;
  }

  /** A policy a thing may be given: it exists (unless policies are not enforced at all). */
  private referable(policyId: string): boolean {
    return !this.policiesEnforced || this.policies.referable(policyId);
  }

  /** The policy compiled for the identity, for a thing of `thingId` (entries may name namespaces). */
  private enforcer(identity: Identity, policyId: unknown, thingId: unknown): PolicyEnforcer | null {
    return typeof policyId === 'string'
      ? this.policies.enforcer(
          policyId,
          identity.subjects,
          typeof thingId === 'string' ? namespaceOf(thingId) : undefined,
        )
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
  checkRead(
    identity: Identity,
    thing: JsonObject,
    resource: ThingResource,
    unknown: () => TwinfoldError = () => errors.thingNotFound(resource.thingId),
  ): ReadAccess {
    this.assertInScope(identity, resource.thingId);
    if (identity.admin) return FULL_ACCESS;
    const enforcer = this.enforcer(identity, thing.policyId, resource.thingId);
    // Who may read nothing of the thing gets the answer for a thing that does not exist.
    if (!enforcer || !enforcer.hasPartial('thing', [], 'READ')) throw unknown();
    const access = this.accessOf(enforcer, thing, resource);
    if (!access) throw hiddenNotFound(enforcer, resource, thing);
    return access;
  }

  /** How `identity` may read `resource` of `thing`, or null when nothing of it is readable. */
  readAccess(identity: Identity, thing: JsonObject, resource: ThingResource): ReadAccess | null {
    if (!inScope(identity, namespaceOf(resource.thingId))) return null;
    if (identity.admin) return FULL_ACCESS;
    const enforcer = this.enforcer(identity, thing.policyId, resource.thingId);
    return enforcer ? this.accessOf(enforcer, thing, resource) : null;
  }

  private accessOf(
    enforcer: PolicyEnforcer,
    thing: JsonObject,
    resource: ThingResource,
  ): ReadAccess | null {
    const segments = resource.segments;
    if (!enforcer.hasPartial('thing', segments, 'READ')) return null;
    return {
      view: (value) => {
        const seen = enforcer.view('thing', segments, value);
        if (seen === undefined) throw hiddenNotFound(enforcer, resource, thing);
        if (resource.kind === 'thing' && isJsonObject(seen))
          return { thingId: resource.thingId, ...seen };
        return seen;
      },
      docView: (doc) => this.documentView(enforcer, doc),
      metadataView: (metadata) => enforcer.view('thing', segments, metadata),
      tagView: enforcer.hasUnrestricted('thing', segments, 'READ')
        ? undefined
        : (value) => enforcer.view('thing', segments, value),
    };
  }

  private documentView<T extends object>(enforcer: PolicyEnforcer, doc: T): T {
    const result: Record<string, unknown> = {};
    const readable = (enforcer.view('thing', [], doc as unknown as JsonObject) ?? {}) as JsonObject;
    for (const [key, value] of Object.entries(doc)) {
      if (ALWAYS_READABLE.has(key)) result[key] = value;
      else if (key === METADATA) {
        // The metadata tree has the thing's paths: it is read with the permissions of its values.
        const seen = enforcer.view('thing', [], value as JsonValue);
        if (seen !== undefined) result[key] = seen;
      } else if (key === '_policy') result[key] = value;
      else if (readable[key] !== undefined) result[key] = readable[key];
    }
    return result as T;
  }

  /**
   * How the identity sees the events of a thing (or of one of its incarnations) governed by
   * `policyId`; null when it may read nothing of it. The policy is looked up once, not per event.
   */
  eventViewer(
    identity: Identity,
    thingId: string,
    policyId: string | null,
  ): ((event: TwinEvent) => TwinEvent | null) | null {
    if (!inScope(identity, namespaceOf(thingId))) return null;
    if (identity.admin) return (event) => event;
    const enforcer = policyId === null ? null : this.enforcer(identity, policyId, thingId);
    if (!enforcer?.hasPartial('thing', [], 'READ')) return null;
    return (event) => {
      if (!enforcer.hasPartial('thing', event.path, 'READ')) return null;
      if (event.value === undefined) return event;
      const value = enforcer.view('thing', event.path, event.value);
      return value === undefined ? null : { ...event, value };
    };
  }

  /**
   * Metadata keys a merge sets or deletes (absolute paths) must each lie where the identity may
   * write without restriction, as the values of the patch must.
   */
  checkMetadataWritable(
    identity: Identity,
    thing: JsonObject | null,
    resource: ThingResource,
    paths: string[][],
  ): void {
    if (identity.admin || thing === null) return;
    const enforcer = this.enforcer(identity, thing.policyId, thing.thingId);
    if (!enforcer || enforcer.hasUnrestricted('thing', resource.segments, 'WRITE')) return;
    for (const path of paths)
      if (!enforcer.hasUnrestricted('thing', pathSegments(path.join('/')), 'WRITE'))
        throw notModifiable(resource);
  }

  /** Conditions may only test fields the identity can read in full (else 412, as Ditto). */
  checkConditionReadable(identity: Identity, thing: JsonObject, paths: Iterable<string>): void {
    if (identity.admin) return;
    const enforcer = this.enforcer(identity, thing.policyId, thing.thingId);
    for (const path of paths) {
      if (ALWAYS_READABLE.has(path)) continue;
      if (!enforcer?.hasUnrestricted('thing', pathSegments(path), 'READ'))
        throw errors.conditionNotReadable();
    }
  }

  /**
   * Checks a write synchronously against the state it applies to; returns what of the resource
   * the identity may read when that is not all of it (for entity tags). `thing` is null when the
   * thing does not exist (a create); its policy must exist by now. Every policy a write makes the
   * thing use must exist and lie in the identity's namespaces.
   */
  checkWrite(
    identity: Identity,
    thing: JsonObject | null,
    kind: WriteKind,
    resource: ThingResource,
    value: JsonValue | undefined,
  ): TagView | undefined {
    this.assertInScope(identity, resource.thingId);
    assertWritable(identity);
    if (thing === null) {
      // Answered here, before the runtime weighs If-Match: a 412 for a missing thing against a 404
      // for a hidden one would tell a stranger, without a trace, which ids exist.
      if (resource.kind !== 'thing' || kind === 'delete')
        throw errors.thingNotFound(resource.thingId);
      const policyId =
        isJsonObject(value) && typeof value.policyId === 'string'
          ? value.policyId
          : resource.thingId;
      this.assertPolicyInScope(identity, policyId);
      if (!this.referable(policyId)) throw errors.thingNotCreatable(resource.thingId, policyId);
      if (identity.admin) return undefined;
      const enforcer = this.enforcer(identity, policyId, resource.thingId);
      if (!enforcer) throw errors.thingNotCreatable(resource.thingId, policyId);
      if (!enforcer.hasUnrestricted('thing', [], 'WRITE')) throw notModifiable(resource);
      return undefined;
    }
    const newPolicyId = this.newPolicyId(thing, resource, value);
    if (identity.admin) {
      if (newPolicyId !== null) {
        this.assertPolicyInScope(identity, newPolicyId);
        if (!this.referable(newPolicyId)) throw errors.policyNotFound(newPolicyId);
      }
      return undefined;
    }
    const enforcer = this.enforcer(identity, thing.policyId, resource.thingId);
    if (!enforcer) throw errors.thingNotFound(resource.thingId);
    const segments = resource.segments;
    const allowed =
      enforcer.hasUnrestricted('thing', segments, 'WRITE') ||
      (kind === 'merge' &&
        value !== undefined &&
        patchLeaves(value, segments).every((leaf) =>
          enforcer.hasUnrestricted('thing', leaf, 'WRITE'),
        ));
    if (!allowed) {
      // Who may read nothing of the thing gets the answer for a thing that does not exist.
      if (!enforcer.hasPartial('thing', [], 'READ')) throw errors.thingNotFound(resource.thingId);
      throw notModifiable(resource);
    }
    if (newPolicyId !== null) {
      // Moving a thing to another policy rewrites who may access it: only who may already do that
      // with its current policy may, or a writer of a part could move it under a policy of their
      // own and read what was hidden from them (or lock its owners out).
      if (!enforcer.hasUnrestricted('policy', [], 'WRITE'))
        throw errors.policyNotModifiable(String(thing.policyId));
      this.assertPolicyInScope(identity, newPolicyId);
      const target = this.referable(newPolicyId)
        ? this.enforcer(identity, newPolicyId, resource.thingId)
        : null;
      if (!target) throw errors.policyNotFound(newPolicyId);
      if (!target.hasUnrestricted('policy', [], 'WRITE'))
        throw errors.policyNotModifiable(newPolicyId);
    }
    if (enforcer.hasUnrestricted('thing', segments, 'READ')) return undefined;
    return (current) => enforcer.view('thing', segments, current);
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

  /** A scoped identity may make things use only policies of its namespaces (403 otherwise). */
  assertPolicyInScope(identity: Identity, policyId: string): void {
    if (!inScope(identity, namespaceOf(policyId))) throw errors.policyOutOfScope(policyId);
  }

  /**
   * Whether the identity may read all of the thing (administrators and holders of unrestricted
   * READ on `thing:/`): only they learn facts that depend on all of it, such as its size.
   */
  readsWholeThing(identity: Identity, thing: JsonObject | null): boolean {
    if (identity.admin || thing === null) return true;
    return (
      this.enforcer(identity, thing.policyId, thing.thingId)?.hasUnrestricted(
        'thing',
        [],
        'READ',
      ) ?? false
    );
  }

  /**
   * For search: which policies let the identity see a thing whose filter and sort read `paths`.
   * Undefined when nothing is hidden (administrators).
   */
  searchVisibility(
    identity: Identity,
    paths: Iterable<string>,
  ): ((policyId: string, namespace: string) => boolean) | undefined {
    if (identity.admin) return undefined;
    const needed = [...paths].filter((p) => !ALWAYS_READABLE.has(p)).map(pathSegments);
    return (policyId, namespace) => {
      const enforcer = this.policies.enforcer(policyId, identity.subjects, namespace);
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
  searchView<T extends object & { policyId?: unknown; thingId?: unknown }>(
    identity: Identity,
    doc: T,
  ): T {
    if (identity.admin) return doc;
    const enforcer = this.enforcer(identity, doc.policyId, doc.thingId);
    return enforcer ? this.documentView(enforcer, doc) : ({} as T);
  }
}
