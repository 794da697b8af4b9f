// JSON merge patch (RFC 7396): what PATCH with application/merge-patch+json applies.
import { isJsonObject, type JsonValue } from './json.js';

/** Applies `patch` to `target`: objects merge key by key, `null` deletes, anything else replaces. */
export function applyMergePatch(
  target: JsonValue | undefined,
  patch: JsonValue,
): JsonValue | undefined {
  if (!isJsonObject(patch)) return patch === null ? undefined : patch;
  const result = isJsonObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) {
      delete result[key];
    } else {
      const merged = applyMergePatch(result[key], value);
      if (merged !== undefined) result[key] = merged;
    }
  }
  return result;
}
