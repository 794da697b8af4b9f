// The reference evaluator of RQL filters over one JSON document (search semantics, condition header).
import { isJsonObject } from '../core/json.js';
import type { ComparisonOp, FilterNode, RqlValue } from './ast.js';
import { compileLike } from './like-pattern.js';

/** A JSON scalar, the only kind of value a comparison can match. */
export type Scalar = string | number | boolean | null;

/**
 * Semantics (shared with the search index, which must agree exactly):
 * - A path resolves through objects only; a `*` segment matches every key at that level. Keys that
 *   are empty or contain `/` cannot be addressed and are skipped; `undefined` counts as absent.
 * - The values of a path are its resolutions; an array contributes its scalar elements (nested
 *   objects and arrays in an array never match a comparison), an object contributes nothing.
 * - eq, gt, ge, lt, le, like, ilike, in match when ANY value matches. Values compare only with the
 *   same JSON type (number, string by UTF-16 code units, boolean with false < true); null equals
 *   only null (so ge/le null match null, gt/lt null match nothing).
 * - ne(p, v) = exists(p) and not eq(p, v), as MongoDB's `$ne` plus Ditto's existence check: an
 *   array matches ne only when NO element equals v.
 * - like/ilike: `*` any sequence, `?` one UTF-16 code unit, anchored; ilike ignores case. Matched
 *   in time linear in the value (see {@link compileLike}), never by a RegExp.
 * - exists(p): some resolution exists (null, objects and arrays included).
 * - empty(p): no resolution holds a non-empty value; null, "", [] and {} are empty.
 */
type ComparisonNode = Exclude<FilterNode, { op: 'and' | 'or' | 'not' | 'exists' | 'empty' }>;

/**
 * The scalar test of a comparison, built once per filter node: a filter is evaluated for every
 * event of every subscriber, and building the test (a Set for `in`, a RegExp for `like`) each time
 * cost more than the test itself.
 */
const tests = new WeakMap<ComparisonNode, (x: Scalar) => boolean>();

function testOf(node: ComparisonNode): (x: Scalar) => boolean {
  let test = tests.get(node);
  if (test === undefined) {
    test =
      node.op === 'in'
        ? scalarTest('in', node.values)
        : scalarTest(node.op === 'ne' ? 'eq' : node.op, [node.value]);
    tests.set(node, test);
  }
  return test;
}

export function evaluateFilter(node: FilterNode, doc: object): boolean {
  switch (node.op) {
    case 'and':
      return node.args.every((arg) => evaluateFilter(arg, doc));
    case 'or':
      return node.args.some((arg) => evaluateFilter(arg, doc));
    case 'not':
      return !evaluateFilter(node.arg, doc);
    case 'exists':
      return resolvePath(doc, node.path).length > 0;
    case 'empty':
      return resolvePath(doc, node.path).every(isEmptyJson);
    case 'ne': {
      const found = resolvePath(doc, node.path);
      const eq = testOf(node);
      return found.length > 0 && !found.some((v) => valueMatches(v, eq));
    }
    default: {
      const test = testOf(node);
      return resolvePath(doc, node.path).some((v) => valueMatches(v, test));
    }
  }
}

/** True when a key can be addressed by an RQL path segment. */
export function isAddressableKey(key: string): boolean {
  return key !== '' && !key.includes('/');
}

/** Every value `path` resolves to in `doc`, `*` segments expanded. */
export function resolvePath(doc: unknown, path: string): unknown[] {
  const out: unknown[] = [];
  walk(doc, path.split('/'), 0, out);
  return out;
}

function walk(node: unknown, segs: string[], i: number, out: unknown[]): void {
  if (i === segs.length) {
    out.push(node);
    return;
  }
  if (!isJsonObject(node)) return;
  const seg = segs[i];
  if (seg === '*') {
    for (const key of Object.keys(node)) {
      if (isAddressableKey(key) && node[key] !== undefined) walk(node[key], segs, i + 1, out);
    }
  } else if (Object.hasOwn(node, seg) && node[seg] !== undefined) {
    walk(node[seg], segs, i + 1, out);
  }
}

/** True for null, "", [] and an object without (defined) keys. */
function isEmptyJson(v: unknown): boolean {
  if (v === null || v === '') return true;
  if (Array.isArray(v)) return v.length === 0;
  if (isJsonObject(v)) return !Object.keys(v).some((k) => v[k] !== undefined);
  return false;
}

/** True for a JSON scalar (string, finite or not number, boolean, null). */
export function isScalar(v: unknown): v is Scalar {
  return v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
}

function valueMatches(v: unknown, test: (x: Scalar) => boolean): boolean {
  if (isScalar(v)) return test(v);
  if (Array.isArray(v)) {
    for (const el of v) if (isScalar(el) && test(el)) return true;
  }
  return false;
}

/** Compares two scalars of the same JSON type; undefined when the types differ. */
function compareScalars(x: Scalar, v: Scalar): number | undefined {
  if (x === null || v === null) return x === v ? 0 : undefined;
  if (typeof x !== typeof v) return undefined;
  return x < v ? -1 : x > v ? 1 : 0;
}

/** The test a comparison applies to one scalar value (`ne` is derived from `eq` by the caller). */
export function scalarTest(
  op: Exclude<ComparisonOp, 'ne'> | 'in' | 'ne',
  values: readonly RqlValue[],
): (x: Scalar) => boolean {
  const v = values[0] ?? null;
  switch (op) {
    case 'eq':
    case 'ne':
      return (x) => x === v;
    case 'in': {
      const set = new Set<Scalar>(values);
      return (x) => set.has(x);
    }
    case 'gt':
      return (x) => (compareScalars(x, v) ?? 0) > 0;
    case 'ge': {
      return (x) => {
        const c = compareScalars(x, v);
        return c !== undefined && c >= 0;
      };
    }
    case 'lt':
      return (x) => (compareScalars(x, v) ?? 0) < 0;
    case 'le': {
      return (x) => {
        const c = compareScalars(x, v);
        return c !== undefined && c <= 0;
      };
    }
    case 'like':
    case 'ilike': {
      if (typeof v !== 'string') return () => false;
      const matches = compileLike(v, op === 'ilike');
      return (x) => typeof x === 'string' && matches(x);
    }
  }
}
