// JSON merge patch (RFC 7396) with Ditto's regex deletion: what PATCH with application/merge-patch+json applies.
import { errors } from './error-registry.js';
import { isJsonObject, type JsonValue } from './json.js';

/** Longest regular expression a `{{ ~regex~ }}` key may hold. */
const MAX_REGEX_LENGTH = 256;

/**
 * The regular expression of a Ditto deletion key `{{ ~regex~ }}` (or the discouraged
 * `{{ /regex/ }}`), matched against whole keys; null for an ordinary key.
 *
 * @throws TwinfoldError `things:merge.invalid` for an invalid or potentially catastrophic regex
 */
export function deletionRegexOf(key: string): RegExp | null {
  if (!key.startsWith('{{') || !key.endsWith('}}')) return null;
  const inner = key.slice(2, -2).trim();
  const delimited =
    inner.length >= 2 &&
    ((inner.startsWith('~') && inner.endsWith('~')) ||
      (inner.startsWith('/') && inner.endsWith('/')));
  if (!delimited) return null;
  const source = inner.slice(1, -1);
  if (source.length > MAX_REGEX_LENGTH)
    throw errors.mergeInvalid(
      `The regular expression of '${key.slice(0, 40)}…' is longer than ${MAX_REGEX_LENGTH} characters.`,
    );
  // A quantified group that itself holds a quantifier, or a back-reference, can take exponential
  // time on a key of 256 characters: such patterns are refused rather than run.
  if (/\((?:[^()\\]|\\.)*[*+}?](?:[^()\\]|\\.)*\)\s*[*+{?]/.test(source) || /\\[1-9k]/.test(source))
    throw errors.mergeInvalid(
      `The regular expression '${source}' is refused: nested quantifiers and back-references are not allowed in deletion keys.`,
    );
  try {
    return new RegExp(`^(?:${source})$`);
  } catch (error) {
    throw errors.mergeInvalid(
      `The regular expression '${source}' is invalid: ${(error as Error).message}`,
    );
  }
}

/**
 * Applies `patch` to `target`: objects merge key by key, `null` deletes, anything else replaces.
 * A key `{{ ~regex~ }}` with the value `null` first deletes every key of the target the regex
 * matches as a whole (Ditto's extension); the patch's other keys then apply.
 */
export function applyMergePatch(
  target: JsonValue | undefined,
  patch: JsonValue,
): JsonValue | undefined {
  if (!isJsonObject(patch)) return patch === null ? undefined : patch;
  const result = isJsonObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value !== null || key[0] !== '{') continue;
    const regex = deletionRegexOf(key);
    if (regex === null) continue;
    for (const existing of Object.keys(result)) if (regex.test(existing)) delete result[existing];
  }
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
