// The thing as a change is leaving it, with what the behaviour adds so far: written copy-on-write
// (each object on a written path is copied once, then edited in place while the draft owns it).
import { isJsonObject, type JsonObject, type JsonValue } from '../core/json.js';
import { getAt } from '../core/json-pointer.js';

export class ThingDraft {
  /**
   * @param owned the objects of `root` this draft may edit in place: none by default (each
   *   object is copied on its first write); a caller that keeps a working state across changes
   *   (a replay) passes the set it keeps, and the draft adds the copies it makes to it
   */
  constructor(
    private root: JsonObject,
    private readonly owned: Set<JsonObject> = new Set(),
  ) {}

  get thing(): JsonObject {
    return this.root;
  }

  get(segments: readonly string[]): JsonValue | undefined {
    return getAt(this.root, segments);
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
    let node = this.own(this.root);
    this.root = node;
    for (let i = 0; i < segments.length; i++) {
      const child = node[segments[i]];
      const next = this.own(isJsonObject(child) ? child : null);
      node[segments[i]] = next;
      node = next;
    }
    this.mergeInto(node, patch);
  }

  private mergeInto(target: JsonObject, patch: JsonObject): void {
    for (const key in patch) {
      const value = patch[key];
      if (value === null) {
        delete target[key];
      } else if (isJsonObject(value)) {
        // The patch's objects are never taken in: they may be shared with another state.
        const child = target[key];
        const next = this.own(isJsonObject(child) ? child : null);
        target[key] = next;
        this.mergeInto(next, value);
      } else target[key] = value;
    }
  }

  /** The object holding the last segment, each object on the way owned by this draft. */
  private ownedPath(segments: readonly string[], create: boolean): JsonObject | null {
    let node = this.own(this.root);
    this.root = node;
    for (let i = 0; i < segments.length - 1; i++) {
      const child = node[segments[i]];
      if (!isJsonObject(child) && !create) return null;
      const next = this.own(isJsonObject(child) ? child : null);
      node[segments[i]] = next;
      node = next;
    }
    return node;
  }

  private own(node: JsonObject | null): JsonObject {
    if (node !== null && this.owned.has(node)) return node;
    const copy: JsonObject = node === null ? {} : { ...node };
    this.owned.add(copy);
    return copy;
  }
}
