// A policy compiled for one set of subjects: permission checks and read views in one tree walk.
import { isJsonObject, type JsonObject, type JsonValue } from '../core/json.js';
import {
  namespaceMatches,
  parseResourceKey,
  type Permission,
  type Policy,
  type PolicyEntry,
  type ResourceType,
} from './policy-model.js';

/**
 * One node of the compiled resource tree: which permissions the subjects are granted and revoked
 * exactly here. Precedence: a permission applies to its path and below; a deeper node overrides a
 * shallower one; at the same node revoke beats grant.
 */
interface Node {
  grant: Set<Permission>;
  revoke: Set<Permission>;
  children: Map<string, Node>;
  /** Permissions revoked somewhere strictly below this node. */
  revokedBelow: Set<Permission>;
  /** Permissions granted somewhere strictly below this node. */
  grantedBelow: Set<Permission>;
}

const newNode = (): Node => ({
  grant: new Set(),
  revoke: new Set(),
  children: new Map(),
  revokedBelow: new Set(),
  grantedBelow: new Set(),
});

function summarise(node: Node): void {
  for (const child of node.children.values()) {
    summarise(child);
    for (const p of [...child.revoke, ...child.revokedBelow]) node.revokedBelow.add(p);
    for (const p of [...child.grant, ...child.grantedBelow]) node.grantedBelow.add(p);
  }
}

function decide(node: Node, permission: Permission, inherited: boolean): boolean {
  if (node.revoke.has(permission)) return false;
  if (node.grant.has(permission)) return true;
  return inherited;
}

export class PolicyEnforcer {
  private readonly roots = new Map<ResourceType, Node>();
  /** When the first of the requester's subjects that count now expires (epoch ms): recompile then. */
  readonly validUntil: number = Infinity;

  /**
   * Compiles a policy (or its resolved entries) for a requester holding `subjectIds`; entries of
   * other subjects are dropped, and so are those restricted to other namespaces than `namespace`
   * (the thing's; undefined for the policy itself, which every entry governs).
   */
  constructor(
    policy: Pick<Policy, 'entries'> | Iterable<PolicyEntry>,
    subjectIds: readonly string[],
    now = Date.now(),
    namespace?: string,
  ) {
    const mine = new Set(subjectIds);
    const entries = Symbol.iterator in policy ? policy : Object.values(policy.entries);
    for (const entry of entries) {
      if (
        namespace !== undefined &&
        entry.namespaces &&
        !namespaceMatches(entry.namespaces, namespace)
      )
        continue;
      let applies = false;
      for (const [id, subject] of Object.entries(entry.subjects)) {
        if (!mine.has(id)) continue;
        const expiry = subject.expiry === undefined ? Infinity : Date.parse(subject.expiry);
        if (expiry <= now) continue;
        applies = true;
        this.validUntil = Math.min(this.validUntil, expiry);
      }
      if (!applies) continue;
      for (const [key, resource] of Object.entries(entry.resources)) {
        const { type, segments } = parseResourceKey(key);
        let node = this.roots.get(type) ?? newNode();
        this.roots.set(type, node);
        for (const segment of segments) {
          const next = node.children.get(segment) ?? newNode();
          node.children.set(segment, next);
          node = next;
        }
        resource.grant.forEach((p) => node.grant.add(p));
        resource.revoke.forEach((p) => node.revoke.add(p));
      }
    }
    for (const root of this.roots.values()) summarise(root);
  }

  /** Walks to `segments`; returns the decision there and the node (null past the tree's end). */
  private walk(type: ResourceType, segments: readonly string[], permission: Permission) {
    let node: Node | null = this.roots.get(type) ?? null;
    let allowed = node ? decide(node, permission, false) : false;
    for (const segment of segments) {
      node = node?.children.get(segment) ?? null;
      if (!node) break;
      allowed = decide(node, permission, allowed);
    }
    return { allowed, node };
  }

  /** The permission holds at `segments` (not considering what lies below). */
  has(type: ResourceType, segments: readonly string[], permission: Permission): boolean {
    return this.walk(type, segments, permission).allowed;
  }

  /** The permission holds at `segments` and everywhere below it (what a write of the subtree needs). */
  hasUnrestricted(
    type: ResourceType,
    segments: readonly string[],
    permission: Permission,
  ): boolean {
    const { allowed, node } = this.walk(type, segments, permission);
    return allowed && !(node?.revokedBelow.has(permission) ?? false);
  }

  /** The permission holds at `segments` or somewhere below it (something is visible). */
  hasPartial(type: ResourceType, segments: readonly string[], permission: Permission): boolean {
    const { allowed, node } = this.walk(type, segments, permission);
    return allowed || (node?.grantedBelow.has(permission) ?? false);
  }

  /**
   * The part of `value` (found at `segments` of a `type` resource) that the subjects may see with
   * `permission`; undefined when nothing.
   */
  view(
    type: ResourceType,
    segments: readonly string[],
    value: JsonValue,
    permission: Permission = 'READ',
  ): JsonValue | undefined {
    const { allowed, node } = this.walk(type, segments, permission);
    return project(value, node, allowed, permission, true);
  }
}

function project(
  value: JsonValue,
  node: Node | null,
  allowed: boolean,
  permission: Permission,
  isStart: boolean,
): JsonValue | undefined {
  const here = node && !isStart ? decide(node, permission, allowed) : allowed;
  if (!node || node.children.size === 0) return here ? value : undefined;
  if (!isJsonObject(value)) return here ? value : undefined;
  const result: JsonObject = {};
  for (const [key, child] of Object.entries(value)) {
    const childNode = node.children.get(key);
    const projected = childNode
      ? project(child, childNode, here, permission, false)
      : here
        ? child
        : undefined;
    if (projected !== undefined) result[key] = projected;
  }
  if (Object.keys(result).length > 0) return result;
  // As Ditto's buildJsonView: an object below the target shows only for a readable leaf in it
  // (`{}` is itself a leaf); the readable target stays `{}`.
  return here && (isStart || Object.keys(value).length === 0) ? result : undefined;
}
