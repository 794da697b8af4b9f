// Entity tags: `"rev:N"` for things, `"hash:…"` (a hash of what the requester may read) for sub-resources.
import { hex32 } from './hex-digits.js';
import type { JsonValue } from './json.js';

/**
 * The part of a resource's value a requester may read (undefined: none of it). Entity tags of
 * sub-resources are hashes of this part, so that they tell nothing about what the requester may
 * not read.
 */
export type TagView = (value: JsonValue) => JsonValue | undefined;

export function revisionTag(revision: number): string {
  return `"rev:${revision}"`;
}

/** A 32-bit FNV-1a hash of the value's JSON, as 8 hex digits (Ditto's tags are 32-bit hashes too). */
export function contentTag(value: JsonValue): string {
  const text = JSON.stringify(value);
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return `"hash:${hex32(hash >>> 0)}"`;
}

export interface EntityTagMatcher {
  weak: boolean;
  /** The quoted opaque tag, or `*`. */
  tag: string;
}

const ETAG = /^(W\/)?("[^"*]*")$/;

/** Parses an If-Match / If-None-Match header value; `null` when a part is not an entity tag. */
export function parseEntityTags(header: string): EntityTagMatcher[] | null {
  const result: EntityTagMatcher[] = [];
  for (const part of header.trim().split(/\s*,\s*/)) {
    if (part === '*') {
      result.push({ weak: false, tag: '*' });
      continue;
    }
    const match = ETAG.exec(part);
    if (!match) return null;
    result.push({ weak: match[1] !== undefined, tag: match[2] });
  }
  return result;
}

/** If-Match: strong comparison; `*` matches any existing resource. */
export function strongMatch(matchers: EntityTagMatcher[], current: string | null): boolean {
  if (current === null) return false;
  return matchers.some((m) => m.tag === '*' || (!m.weak && m.tag === current));
}

/** If-None-Match: weak comparison; `*` matches any existing resource. */
export function weakMatch(matchers: EntityTagMatcher[], current: string | null): boolean {
  if (current === null) return false;
  return matchers.some((m) => m.tag === '*' || m.tag === current);
}
