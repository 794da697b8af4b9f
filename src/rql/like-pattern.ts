// Matches RQL like/ilike patterns (`*` any sequence, `?` one code unit) in linear time, without RegExp.

/** Longest accepted like/ilike pattern, in UTF-16 code units. */
export const MAX_LIKE_PATTERN_LENGTH = 1_000;
/** Most pattern characters all like/ilike comparisons of one filter may have together. */
export const MAX_LIKE_PATTERN_TOTAL = 2_000;
/**
 * Most like/ilike comparisons in one filter. Each one reads every string it is applied to, so
 * together with the pattern limits this bounds what one document can cost: about 100 passes over
 * its values at most.
 */
export const MAX_LIKE_COMPARISONS = 20;

/**
 * Code units of string values examined by like matchers so far (it only grows). A scan over many
 * documents reads it to notice that its predicate is expensive and check its time budget sooner.
 */
export const likeWork = { units: 0 };

/** A pattern character that matches any one code unit. */
const ANY = -1;

/**
 * The test `s` matches `pattern`, anchored at both ends: `*` matches any sequence, `?` exactly one
 * UTF-16 code unit, every other character itself; `ignoreCase` compares as a non-Unicode JS RegExp
 * with the `i` flag does (each code unit upper-cased on its own).
 *
 * The pattern is split at its stars into fixed-length segments; the first must match at the start,
 * the last at the end, and each one between is placed leftmost after the previous one (which is
 * optimal when every segment has a fixed length). Segments are found with `indexOf` or a
 * bit-parallel shift-and scan, so a test costs O(n·⌈m/32⌉) for a value of n and a pattern of m
 * code units, whatever the number of stars.
 *
 * @example compileLike('*a*a*b', false)('a'.repeat(30_000)) // false, at once
 */
export function compileLike(pattern: string, ignoreCase: boolean): (s: string) => boolean {
  const fold = ignoreCase ? foldTable() : null;
  const parts = pattern.split('*').map((text) => codesOf(text, fold));
  if (parts.length === 1) {
    const only = parts[0];
    return (s) => {
      likeWork.units += s.length;
      return s.length === only.length && matchesAt(s, 0, only, fold);
    };
  }
  const first = parts[0];
  const last = parts[parts.length - 1];
  const middles = parts.slice(1, -1).filter((codes) => codes.length > 0);
  const finders = middles.map((codes) => segmentFinder(codes, fold));
  const minLength = parts.reduce((sum, codes) => sum + codes.length, 0);
  return (s) => {
    likeWork.units += s.length;
    if (s.length < minLength) return false;
    if (!matchesAt(s, 0, first, fold)) return false;
    const end = s.length - last.length;
    if (!matchesAt(s, end, last, fold)) return false;
    let pos = first.length;
    for (let i = 0; i < finders.length; i++) {
      const at = finders[i](s, pos, end);
      if (at < 0) return false;
      pos = at + middles[i].length;
    }
    return true;
  };
}

/** The code units of a segment, folded when matching ignores case; ANY for `?`. */
function codesOf(text: string, fold: Uint16Array | null): Int32Array {
  const codes = new Int32Array(text.length);
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    codes[i] = c === 0x3f ? ANY : fold === null ? c : fold[c];
  }
  return codes;
}

function matchesAt(s: string, at: number, codes: Int32Array, fold: Uint16Array | null): boolean {
  for (let j = 0; j < codes.length; j++) {
    const p = codes[j];
    if (p === ANY) continue;
    const c = s.charCodeAt(at + j);
    if ((fold === null ? c : fold[c]) !== p) return false;
  }
  return true;
}

/** Finds the leftmost match of a segment starting at or after `from` and ending by `end`; -1 if none. */
type Finder = (s: string, from: number, end: number) => number;

// indexOf is fastest on short literals; on long ones its worst case grows with the pattern.
const INDEX_OF_MAX = 32;

function segmentFinder(codes: Int32Array, fold: Uint16Array | null): Finder {
  if (fold === null && codes.length <= INDEX_OF_MAX && !codes.includes(ANY)) {
    const literal = String.fromCharCode(...codes);
    return (s, from, end) => {
      const at = s.indexOf(literal, from);
      return at >= 0 && at + literal.length <= end ? at : -1;
    };
  }
  return codes.length <= 32 ? shiftAnd(codes, fold) : shiftAndWide(codes, fold);
}

/** The bit masks of shift-and: bit j of mask(c) is set when code c may stand at position j. */
function masks(codes: Int32Array, words: number) {
  const any = new Int32Array(words);
  codes.forEach((p, j) => {
    if (p === ANY) any[j >> 5] |= 1 << (j & 31);
  });
  const byCode = new Map<number, Int32Array>();
  codes.forEach((p, j) => {
    if (p === ANY) return;
    let mask = byCode.get(p);
    if (mask === undefined) byCode.set(p, (mask = any.slice()));
    mask[j >> 5] |= 1 << (j & 31);
  });
  const ascii = new Int32Array(128 * words);
  for (let c = 0; c < 128; c++) ascii.set(byCode.get(c) ?? any, c * words);
  return { any, byCode, ascii };
}

function shiftAnd(codes: Int32Array, fold: Uint16Array | null): Finder {
  const { any, byCode, ascii } = masks(codes, 1);
  const other = new Map<number, number>([...byCode].map(([c, mask]) => [c, mask[0]]));
  const anyMask = any[0];
  const hit = 1 << (codes.length - 1);
  const length = codes.length;
  // Two loops rather than a test of `fold` per character.
  if (fold === null) {
    return (s, from, end) => {
      let state = 0;
      for (let i = from; i < end; i++) {
        const c = s.charCodeAt(i);
        state = ((state << 1) | 1) & (c < 128 ? ascii[c] : (other.get(c) ?? anyMask));
        if ((state & hit) !== 0) return i - length + 1;
      }
      return -1;
    };
  }
  return (s, from, end) => {
    let state = 0;
    for (let i = from; i < end; i++) {
      const c = fold[s.charCodeAt(i)];
      state = ((state << 1) | 1) & (c < 128 ? ascii[c] : (other.get(c) ?? anyMask));
      if ((state & hit) !== 0) return i - length + 1;
    }
    return -1;
  };
}

function shiftAndWide(codes: Int32Array, fold: Uint16Array | null): Finder {
  const words = (codes.length + 31) >> 5;
  const { any, byCode, ascii } = masks(codes, words);
  const last = words - 1;
  const hit = 1 << ((codes.length - 1) & 31);
  const length = codes.length;
  const state = new Int32Array(words);
  return (s, from, end) => {
    state.fill(0);
    for (let i = from; i < end; i++) {
      const raw = s.charCodeAt(i);
      const c = fold === null ? raw : fold[raw];
      let mask: Int32Array = any;
      let offset = 0;
      if (c < 128) {
        mask = ascii;
        offset = c * words;
      } else {
        mask = byCode.get(c) ?? any;
      }
      let carry = 1;
      for (let w = 0; w < words; w++) {
        const v = state[w];
        state[w] = ((v << 1) | carry) & mask[offset + w];
        carry = v >>> 31;
      }
      if ((state[last] & hit) !== 0) return i - length + 1;
    }
    return -1;
  };
}

let folded: Uint16Array | null = null;

/** JS RegExp's case folding without the `u` flag: each code unit upper-cased when that keeps it one unit (and ASCII stays apart from the rest). */
function foldTable(): Uint16Array {
  if (folded !== null) return folded;
  const table = new Uint16Array(0x10000);
  for (let c = 0; c < 0x10000; c++) {
    const upper = String.fromCharCode(c).toUpperCase();
    const u = upper.charCodeAt(0);
    table[c] = upper.length === 1 && !(c >= 128 && u < 128) ? u : c;
  }
  folded = table;
  return table;
}
