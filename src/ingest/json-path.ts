// A small JSONPath subset compiled to key lists: `$.a.b`, `$['a b']`, `$.list[0]`, `$.list[*]`, `$$`.
//
// Ingest paths are read once per message and value, so they are compiled once per spec into
// arrays of keys and walked without allocation. Filters, slices, unions and recursive descent are
// refused at validation (with where), never half-supported.

/** One step of a compiled path: an object key, an array index, or every element (`[*]`). */
export type PathStep = string | number | typeof EVERY;

/** The `[*]` step. */
export const EVERY: unique symbol = Symbol('every');

/** A compiled path: from the current element (`$`) or from the whole message (`$$`). */
export interface JsonPath {
  readonly text: string;
  /** True for `$$…`: the path starts at the whole message, not at the `each` element. */
  readonly fromMessage: boolean;
  readonly steps: readonly PathStep[];
  /** True when a step is `[*]` (the path selects a list). */
  readonly many: boolean;
}

/** Why a path does not compile, and at which character. */
export class JsonPathError extends Error {
  override readonly name = 'JsonPathError';
  constructor(
    readonly path: string,
    readonly position: number,
    detail: string,
  ) {
    super(`${detail} at character ${position} of JSONPath '${path}'`);
  }
}

const NAME = /[A-Za-z0-9_$-]/;

/**
 * Compiles a JSONPath of the supported subset; throws {@link JsonPathError} saying where it fails.
 *
 * @example
 * compileJsonPath('$.readings[0].t').steps // ['readings', 0, 't']
 */
export function compileJsonPath(text: string): JsonPath {
  if (typeof text !== 'string' || !text.startsWith('$'))
    throw new JsonPathError(String(text), 0, "a JSONPath starts with '$'");
  let i = 1;
  let fromMessage = false;
  if (text[1] === '$') {
    fromMessage = true;
    i = 2;
  }
  const steps: PathStep[] = [];
  while (i < text.length) {
    const c = text[i];
    if (c === '.') {
      if (text[i + 1] === '.')
        throw new JsonPathError(text, i, 'recursive descent (..) is not supported');
      let j = i + 1;
      if (text[j] === '*') {
        steps.push(EVERY);
        i = j + 1;
        continue;
      }
      while (j < text.length && NAME.test(text[j])) j++;
      if (j === i + 1) throw new JsonPathError(text, i + 1, 'a member name is expected');
      steps.push(text.slice(i + 1, j));
      i = j;
    } else if (c === '[') {
      const close = text.indexOf(']', i);
      if (close < 0) throw new JsonPathError(text, i, "'[' is not closed");
      const inner = text.slice(i + 1, close).trim();
      if (inner === '*') steps.push(EVERY);
      else if (/^\d+$/.test(inner)) steps.push(Number(inner));
      else if (/^'[^']*'$/.test(inner) || /^"[^"]*"$/.test(inner)) steps.push(inner.slice(1, -1));
      else
        throw new JsonPathError(
          text,
          i + 1,
          `'[${inner}]' is not supported (use [n], [*] or ['name'])`,
        );
      i = close + 1;
    } else {
      throw new JsonPathError(text, i, `unexpected '${c}'`);
    }
  }
  return { text, fromMessage, steps, many: steps.includes(EVERY) };
}

function step(node: unknown, key: string | number): unknown {
  if (typeof key === 'number') return Array.isArray(node) ? node[key] : undefined;
  if (node === null || typeof node !== 'object' || Array.isArray(node)) return undefined;
  return Object.prototype.hasOwnProperty.call(node, key)
    ? (node as Record<string, unknown>)[key]
    : undefined;
}

/** The value a path without `[*]` selects, or undefined when a step is missing. */
export function readPath(path: JsonPath, element: unknown, message: unknown): unknown {
  let node = path.fromMessage ? message : element;
  const { steps } = path;
  for (let i = 0; i < steps.length; i++) {
    const key = steps[i];
    if (key === EVERY) return selectAll(path, element, message);
    node = step(node, key);
    if (node === undefined) return undefined;
  }
  return node;
}

/**
 * The values a path selects: with `[*]`, every element of the list it reaches (or of an object's
 * values); without, the one value in a list. Undefined when a step is missing.
 */
export function selectAll(
  path: JsonPath,
  element: unknown,
  message: unknown,
): unknown[] | undefined {
  let nodes: unknown[] = [path.fromMessage ? message : element];
  for (const key of path.steps) {
    const next: unknown[] = [];
    for (const node of nodes) {
      if (key === EVERY) {
        if (Array.isArray(node)) next.push(...node);
        else if (node !== null && typeof node === 'object') next.push(...Object.values(node));
      } else {
        const value = step(node, key);
        if (value !== undefined) next.push(value);
      }
    }
    if (next.length === 0 && key !== EVERY) return undefined;
    nodes = next;
  }
  return nodes;
}
