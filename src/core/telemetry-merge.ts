// The merge of a telemetry patch (scalar values under attributes and feature properties) into an existing thing, valid by construction.
import { assertFeatureId, assertKey } from './ids.js';
import { isJsonObject, type JsonObject, type JsonValue } from './json.js';
import { MAX_JSON_DEPTH } from './thing-validation.js';

/** Keys and feature ids seen valid lately (a telemetry stream repeats a handful of them). */
const validKeys = new Set<string>();
const validFeatureIds = new Set<string>();
const MAX_REMEMBERED = 4096;

function remembered(seen: Set<string>, key: string, check: (key: string) => void): boolean {
  if (seen.has(key)) return true;
  try {
    check(key);
  } catch {
    return false;
  }
  if (seen.size >= MAX_REMEMBERED) seen.clear();
  seen.add(key);
  return true;
}

/**
 * `target` with `patch` merged in, where `patch` is an object of `depth` (the thing is 1) holding
 * objects and scalar leaves only; undefined when it holds anything else (a null, an array, `{}`,
 * a non-finite number, an invalid key) or nests too deep.
 */
function mergedValues(
  target: JsonValue | undefined,
  patch: JsonObject,
  depth: number,
): JsonObject | undefined {
  if (depth > MAX_JSON_DEPTH) return undefined;
  const result: JsonObject = isJsonObject(target) ? { ...target } : {};
  let empty = true;
  for (const key in patch) {
    empty = false;
    if (!remembered(validKeys, key, assertKey)) return undefined;
    const value = patch[key];
    if (typeof value === 'object') {
      if (value === null || Array.isArray(value)) return undefined;
      const merged = mergedValues(result[key], value, depth + 1);
      if (merged === undefined) return undefined;
      result[key] = merged;
    } else if (typeof value === 'number' && !Number.isFinite(value)) return undefined;
    else result[key] = value;
  }
  return empty ? undefined : result;
}

/**
 * The thing after a thing-level merge `patch` when the patch is telemetry: only `attributes` and
 * `features/<id>/properties|desiredProperties`, objects down to non-null scalars. Such a merge of
 * a valid thing is valid once its keys and feature ids are, so the general path's validation of
 * what the patch reached is not needed. Undefined for any other patch: the general path then
 * applies it (and gives the errors).
 */
export function mergedTelemetry(thing: JsonObject, patch: JsonObject): JsonObject | undefined {
  const result: JsonObject = { ...thing };
  let empty = true;
  for (const key in patch) {
    empty = false;
    const part = patch[key];
    if (!isJsonObject(part)) return undefined;
    if (key === 'attributes') {
      const current = thing.attributes;
      if (current !== undefined && !isJsonObject(current)) return undefined;
      const merged = mergedValues(current, part, 2);
      if (merged === undefined) return undefined;
      result.attributes = merged;
    } else if (key === 'features') {
      const current = thing.features;
      if (current !== undefined && !isJsonObject(current)) return undefined;
      const features: JsonObject = current === undefined ? {} : { ...current };
      let none = true;
      for (const id in part) {
        none = false;
        const featurePatch = part[id];
        if (!isJsonObject(featurePatch) || !remembered(validFeatureIds, id, assertFeatureId))
          return undefined;
        const existing = features[id];
        if (existing !== undefined && !isJsonObject(existing)) return undefined;
        const feature: JsonObject = existing === undefined ? {} : { ...existing };
        let sections = false;
        for (const section in featurePatch) {
          sections = true;
          if (section !== 'properties' && section !== 'desiredProperties') return undefined;
          const sectionPatch = featurePatch[section];
          const values = feature[section];
          if (!isJsonObject(sectionPatch) || (values !== undefined && !isJsonObject(values)))
            return undefined;
          const merged = mergedValues(values, sectionPatch, 4);
          if (merged === undefined) return undefined;
          feature[section] = merged;
        }
        if (!sections) return undefined;
        features[id] = feature;
      }
      if (none) return undefined;
      result.features = features;
    } else return undefined;
  }
  return empty ? undefined : result;
}
