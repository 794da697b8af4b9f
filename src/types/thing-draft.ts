// The thing as a change is leaving it, with what the behaviour adds so far: written copy-on-write
// (each object on a written path is copied once, then edited in place while the draft owns it).
// The object holding the last value written is kept, so that writes and reads beside it (a type's
// outputs share a parent with its input) do not walk the path again.
import { isJsonObject, type JsonObject, type JsonValue } from '../core/json.js';
import { getAt } from '../core/json-pointer.js';

export class ThingDraft {
  /**
   * The path of the object that held the last value written (owned by this draft), and that
   * object: every write goes through {@link ownedPath}, which walks anew only for another path;
   * a merge, which may replace any object under its path, forgets it.
   */
  private parentPath: readonly string[] | null = null;
  private parent: JsonObject | null = null;

  /**
   * @param owned the objects of `root` this draft may edit in place: none by default (each
   *   object is copied on its first write); a caller that keeps a working state across changes
   *   (a replay) passes the set it keeps, and the draft adds the copies it makes to it
   * @param base with it, the objects of `root` that are not the object at the same path of `base`
   *   are owned too: for a `root` made from `base` by a change that built every object it changed
   *   afresh and shares none of them (a telemetry merge), so the draft edits those in place
   */
  constructor(
    private root: JsonObject,
    private owned: Set<JsonObject> | null = null,
    private readonly base?: JsonObject,
  ) {}

  get thing(): JsonObject {
    return this.root;
  }

  get(segments: readonly string[]): JsonValue | undefined {
    const parent = this.parentPath !== null ? this.parentOf(segments) : null;
    if (parent === null) return getAt(this.root, segments);
    const key = segments[segments.length - 1];
    return Object.prototype.hasOwnProperty.call(parent, key) ? parent[key] : undefined;
  }

  /** The value at `segments` (as {@link get}), an object where the last write went found at once. */
  at(segments: readonly string[]): JsonValue | undefined {
    const path = this.parentPath;
    if (path !== null && path.length === segments.length && samePrefix(path, segments, path.length))
      return this.parent as JsonObject;
    return this.get(segments);
  }

  /** The object holding the last segment of `segments` when it is the one kept, else null. */
  private parentOf(segments: readonly string[]): JsonObject | null {
    const path = this.parentPath as readonly string[];
    const depth = segments.length - 1;
    return path.length === depth && samePrefix(path, segments, depth) ? this.parent : null;
  }

  /** Sets `value` at `segments`, creating (or replacing non-object) objects on the way. */
  set(segments: readonly string[], value: JsonValue): void {
    const parent = this.ownedPath(segments, true) as JsonObject;
    parent[segments[segments.length - 1]] = value;
  }

  remove(segments: readonly string[]): void {
    if (this.get(segments) === undefined) return;
    const parent = this.ownedPath(segments, false);
    if (parent !== null) delete parent[segments[segments.length - 1]];
  }

  /**
   * Applies the merge patch `patch` at `segments` (RFC 7396: objects merge key by key, `null`
   * deletes, anything else replaces), creating objects on the way. Ditto's deletion keys
   * (`{{ ~regex~ }}`) are not read here: a caller with such a patch applies it otherwise.
   */
  merge(segments: readonly string[], patch: JsonValue): void {
    if (!isJsonObject(patch)) {
      if (patch === null) this.remove(segments);
      else this.set(segments, patch);
      return;
    }
    this.parentPath = null;
    this.parent = null;
    let base = this.base;
    let node = this.own(this.root, base);
    this.root = node;
    for (let i = 0; i < segments.length; i++) {
      base = childOf(base, segments[i]);
      const child = node[segments[i]];
      const next = this.own(isJsonObject(child) ? child : null, base);
      node[segments[i]] = next;
      node = next;
    }
    this.mergeInto(node, patch, base);
  }

  private mergeInto(target: JsonObject, patch: JsonObject, base: JsonObject | undefined): void {
    for (const key in patch) {
      const value = patch[key];
      if (value === null) {
        delete target[key];
      } else if (isJsonObject(value)) {
        // The patch's objects are never taken in: they may be shared with another state.
        const child = target[key];
        const childBase = childOf(base, key);
        const next = this.own(isJsonObject(child) ? child : null, childBase);
        target[key] = next;
        this.mergeInto(next, value, childBase);
      } else target[key] = value;
    }
  }

  /** The object holding the last segment, each object on the way owned by this draft. */
  private ownedPath(segments: readonly string[], create: boolean): JsonObject | null {
    if (this.parentPath !== null) {
      const kept = this.parentOf(segments);
      if (kept !== null) return kept;
    }
    let base = this.base;
    let node = this.own(this.root, base);
    this.root = node;
    for (let i = 0; i < segments.length - 1; i++) {
      const child = node[segments[i]];
      if (!isJsonObject(child) && !create) return null;
      base = childOf(base, segments[i]);
      const next = this.own(isJsonObject(child) ? child : null, base);
      node[segments[i]] = next;
      node = next;
    }
    this.parentPath = segments.slice(0, -1);
    this.parent = node;
    return node;
  }

  /** `node` when this draft owns it, else a copy it owns (`{}` for none). */
  private own(node: JsonObject | null, base: JsonObject | undefined): JsonObject {
    if (node !== null) {
      if (this.base !== undefined && node !== base) return node;
      if (this.owned?.has(node)) return node;
    }
    const copy: JsonObject = node === null ? {} : { ...node };
    // With a base, the copy differs from the base's object and is owned without being listed.
    if (this.base === undefined) (this.owned ??= new Set()).add(copy);
    else this.owned?.add(copy);
    return copy;
  }
}

/** True when the first `length` segments of `a` and `b` are the same. */
function samePrefix(a: readonly string[], b: readonly string[], length: number): boolean {
  for (let i = 0; i < length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * The object at `key` of `base`, when both are objects; undefined otherwise. With a base, an
 * object at a path where the base has none is one the change made.
 */
function childOf(base: JsonObject | undefined, key: string): JsonObject | undefined {
  if (base === undefined) return undefined;
  const child = base[key];
  return isJsonObject(child) ? child : undefined;
}
