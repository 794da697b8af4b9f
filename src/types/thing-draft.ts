// The thing as a change is leaving it, with what the behaviour adds so far: written copy-on-write
// (each object on a written path is copied once per change, then edited in place).
import { isJsonObject, type JsonObject, type JsonValue } from '../core/json.js';
import { getAt } from '../core/json-pointer.js';

export class ThingDraft {
  private readonly owned = new Set<JsonObject>();

  constructor(private root: JsonObject) {}

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
