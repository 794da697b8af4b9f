// A replayed twin's state as one working copy the replay owns across events: a plain write under
// `features` or `attributes` is applied in place (each object copied once, on its first write),
// anything else copy-on-write, after which the copy owns nothing again.
import { isJsonObject, type JsonObject, type JsonValue } from '../../core/json.js';
import { getAt } from '../../core/json-pointer.js';
import { METADATA } from '../../core/metadata.js';
import { applyChange, type ThingChange } from '../../core/thing-change.js';
import { ThingDraft } from '../../types/thing-draft.js';

export class WorkingThing {
  private root: JsonObject | null;
  /** Objects of `root` made by this copy, referenced from nowhere else: edited in place. */
  private readonly owned = new Set<JsonObject>();
  /**
   * The draft writing into `root` while it owns objects of it, kept across changes: it knows where
   * its last write went, which the next change (of the same observed value) mostly writes again.
   */
  private current: ThingDraft | null = null;

  /** @param start the thing to begin from (never changed: copied on the first write) */
  constructor(start: JsonObject | null) {
    this.root = start;
  }

  get thing(): JsonObject | null {
    return this.root;
  }

  /** Takes `thing` as it is (owning none of it). */
  replace(thing: JsonObject | null): void {
    this.root = thing;
    this.owned.clear();
    this.current = null;
  }

  /** Owns nothing from now on: the next write copies, so the current thing stays as it is. */
  release(): void {
    this.owned.clear();
    this.current = null;
  }

  /** A draft over the current thing (not null) writing into this copy; read `thing` after it. */
  draft(): ThingDraft {
    const current = this.current;
    if (current !== null && current.thing === this.root) return current;
    return (this.current = new ThingDraft(this.root as JsonObject, this.owned));
  }

  /** The value at `segments` of the current thing (as `getAt`). */
  at(segments: readonly string[]): JsonValue | undefined {
    const current = this.current;
    if (current !== null && current.thing === this.root) return current.at(segments);
    return getAt(this.root, segments);
  }

  /** The thing after a draft wrote into it. */
  adopt(draft: ThingDraft): void {
    this.root = draft.thing;
  }

  /** Applies `change` as `applyChange` would; true when it was applied in place. */
  apply(change: ThingChange): boolean {
    const root = this.root;
    if (root !== null && appliesInPlace(root, change)) {
      const draft = this.draft();
      if (change.action === 'modified') draft.set(change.path, change.value as JsonValue);
      else if (change.action === 'merged') draft.merge(change.path, change.value as JsonValue);
      else draft.remove(change.path);
      this.root = draft.thing;
      return true;
    }
    this.replace(applyChange(root, change));
    return false;
  }
}

/**
 * True for the writes whose in-place application is exactly `applyChange`: under `features` or
 * `attributes` (or a merge patch of only those at the root), of a thing without metadata, with no
 * Ditto deletion key; never the definition, relations or alerts (the replay reads those before and
 * after a change).
 */
function appliesInPlace(thing: JsonObject, change: ThingChange): boolean {
  if (thing[METADATA] !== undefined || change.action === 'created') return false;
  const { action, path, value } = change;
  if (path.length === 0) {
    if (action !== 'merged' || !isJsonObject(value)) return false;
    for (const key in value) if (key !== 'features' && key !== 'attributes') return false;
    return plainPatch(value);
  }
  if (path[0] !== 'features' && path[0] !== 'attributes') return false;
  return action !== 'merged' || plainPatch(value as JsonValue);
}

/** True when a merge patch holds no key that could be a Ditto deletion key (`{{ ~regex~ }}`). */
function plainPatch(patch: JsonValue): boolean {
  if (!isJsonObject(patch)) return true;
  for (const key in patch) {
    const value = patch[key];
    if (value === null ? key[0] === '{' : !plainPatch(value)) return false;
  }
  return true;
}
