// CEL expressions of a type (`derived`, `when`, `clear`): compiled and type-checked once, their
// inputs worked out from the syntax tree, evaluated to JSON values.
import { Environment, type ASTNode, type ParseResult } from '@marcbachmann/cel-js';
import { Duration, UnsignedInt } from '@marcbachmann/cel-js/evaluator';
import { errors } from '../core/error-registry.js';
import type { JsonObject, JsonValue } from '../core/json.js';
import { formatPointer } from '../core/json-pointer.js';

/** The variables an expression sees. */
export interface CelContext {
  attributes: JsonObject;
  /** featureId → `{properties, desiredProperties, definition}` as the thing holds them. */
  features: JsonObject;
  thingId: string;
  /** The thing before the change: `{attributes, features}`, empty maps when none. */
  previous: { attributes: JsonObject; features: JsonObject };
  now: Date;
}

export interface CelExpression {
  readonly source: string;
  /**
   * Pointers the expression reads (`['features', 'power', 'properties', 'watts']`): each select
   * chain of literal keys from `attributes` or `features`, cut where a key is computed.
   */
  readonly inputs: readonly (readonly string[])[];
  /** Reads `previous`: it may change with any change, so it depends on everything. */
  readonly readsPrevious: boolean;
  /** CEL's static result type (`double`, `bool`, `string`, `dyn`, …). */
  readonly resultType: string;
  /** The value as JSON; undefined when evaluation fails or yields no JSON value (never throws). */
  evaluate(context: CelContext): JsonValue | undefined;
  /** True only when the expression yields `true` (a failure or any other value counts as false). */
  holds(context: CelContext): boolean;
}

const ROOTS = new Set(['attributes', 'features', 'previous']);

const environment = createEnvironment();

function createEnvironment(): Environment {
  // Derived values are JSON, where a map mixes kinds (`{"state": "ok", "kw": 1.5}`).
  const env = new Environment({ homogeneousAggregateLiterals: false })
    .registerVariable('attributes', 'map')
    .registerVariable('features', 'map')
    .registerVariable('thingId', 'string')
    .registerVariable('previous', 'map')
    .registerVariable('now', 'google.protobuf.Timestamp');
  // JSON numbers reach CEL as doubles, so without these `watts + 1` or `watts * 2` would fail on
  // every value: arithmetic mixing an int literal with a double is done in double.
  const arithmetic: Record<string, (a: number, b: number) => number> = {
    '+': (a, b) => a + b,
    '-': (a, b) => a - b,
    '*': (a, b) => a * b,
    '/': (a, b) => a / b,
  };
  for (const [op, fn] of Object.entries(arithmetic)) {
    env.registerOperator(`double ${op} int`, (a: number, b: bigint) => fn(a, Number(b)));
    env.registerOperator(`int ${op} double`, (a: bigint, b: number) => fn(Number(a), b));
  }
  return env;
}

/** The longest expression accepted: behaviour runs on every change, so it is kept small. */
export const MAX_EXPRESSION_LENGTH = 4096;

/** Result types that have no JSON form. */
const NOT_JSON = new Set(['bytes', 'type']);

/**
 * Parses and type-checks `source`; throws `errors.typeInvalid(where, …)` quoting the expression
 * and the position of a syntax or type error.
 */
export function compileCel(source: string, where: string): CelExpression {
  if (source.length > MAX_EXPRESSION_LENGTH) {
    throw errors.typeInvalid(
      where,
      `the expression is longer than ${MAX_EXPRESSION_LENGTH} characters`,
    );
  }
  let parsed: ParseResult;
  try {
    parsed = environment.parse(source);
  } catch (err) {
    throw errors.typeInvalid(where, describeCelError(source, err));
  }
  const checked = parsed.check();
  if (!checked.valid) throw errors.typeInvalid(where, describeCelError(source, checked.error));
  const resultType = checked.type ?? 'dyn';
  if (NOT_JSON.has(resultType) || resultType.startsWith('optional')) {
    throw errors.typeInvalid(where, `'${source}' is of type ${resultType}, which has no JSON form`);
  }
  const reads = readsOf(parsed.ast);
  const direct = directOf(parsed.ast);
  return {
    source,
    inputs: reads.inputs,
    readsPrevious: reads.previous,
    resultType,
    evaluate(context) {
      const value = direct?.(context);
      if (value !== undefined)
        return typeof value === 'number' && !Number.isFinite(value) ? undefined : value;
      try {
        return toJson(parsed(context));
      } catch {
        return undefined;
      }
    },
    holds(context) {
      const value = direct?.(context);
      if (value !== undefined) return value === true;
      try {
        return parsed(context) === true;
      } catch {
        return false;
      }
    },
  };
}

/** The JSON kind a CEL static type surely yields; null when it is not known (`dyn`). */
export function jsonKindOf(celType: string): string | null {
  if (celType === 'double' || celType === 'int' || celType === 'uint') return 'number';
  if (celType === 'string' || celType === 'google.protobuf.Timestamp') return 'string';
  if (celType === 'google.protobuf.Duration') return 'string';
  if (celType === 'bool') return 'boolean';
  if (celType === 'null_type') return 'null';
  if (celType === 'list' || celType.startsWith('list<')) return 'array';
  if (celType === 'map' || celType.startsWith('map<')) return 'object';
  return null;
}

function describeCelError(source: string, err: unknown): string {
  const detail = err as { summary?: string; message?: string; range?: { start: number } };
  const summary = detail.summary ?? detail.message ?? String(err);
  if (detail.range === undefined) return `'${source}': ${summary}`;
  const before = source.slice(0, detail.range.start);
  const line = before.split('\n').length;
  const column = detail.range.start - before.lastIndexOf('\n');
  const position = line > 1 ? `line ${line}, column ${column}` : `column ${column}`;
  return `'${source}' at ${position}: ${summary}`;
}

interface Reads {
  inputs: string[][];
  previous: boolean;
}

function readsOf(ast: ASTNode): Reads {
  const reads: Reads = { inputs: [], previous: false };
  const seen = new Set<string>();
  const record = (chain: string[]): void => {
    if (chain[0] === 'previous') {
      reads.previous = true;
      return;
    }
    const key = formatPointer(chain);
    if (!seen.has(key)) {
      seen.add(key);
      reads.inputs.push(chain);
    }
  };
  walk(ast, record);
  return reads;
}

// The tree's `args` hold nodes, arrays of them, names and literals depending on the operator;
// this walk only needs to tell nodes from the rest.
function walk(node: unknown, record: (chain: string[]) => void): void {
  if (Array.isArray(node)) {
    for (const child of node) walk(child, record);
    return;
  }
  if (!isNode(node) || node.op === 'value') return;
  if (node.op === 'id' || node.op === '.' || node.op === '[]') {
    const chain = chainOf(node);
    if (chain !== null) {
      record(chain);
      return;
    }
  }
  if (node.op === 'id') return;
  walk(node.args, record);
}

interface LooseNode {
  op: string;
  args: unknown;
}

function isNode(value: unknown): value is LooseNode {
  return typeof value === 'object' && value !== null && typeof (value as LooseNode).op === 'string';
}

/** `features.power["properties"].watts` → its keys; null when not a literal chain from a root. */
function chainOf(node: LooseNode): string[] | null {
  if (node.op === 'id')
    return typeof node.args === 'string' && ROOTS.has(node.args) ? [node.args] : null;
  if (!Array.isArray(node.args) || !isNode(node.args[0])) return null;
  const [target, key] = node.args as [LooseNode, unknown];
  let name: string | null = null;
  if (node.op === '.' && typeof key === 'string') name = key;
  if (node.op === '[]' && isNode(key) && key.op === 'value' && typeof key.args === 'string')
    name = key.args;
  if (name === null) return null;
  const base = chainOf(target);
  return base === null ? null : [...base, name];
}

/** Binary operators of two doubles, as CEL computes them (IEEE 754, as JavaScript does). */
const DOUBLE_OPERATORS: Record<string, (a: number, b: number) => number | boolean> = {
  '+': (a, b) => a + b,
  '-': (a, b) => a - b,
  '*': (a, b) => a * b,
  '/': (a, b) => a / b,
  '<': (a, b) => a < b,
  '<=': (a, b) => a <= b,
  '>': (a, b) => a > b,
  '>=': (a, b) => a >= b,
  '==': (a, b) => a === b,
  '!=': (a, b) => a !== b,
};

/**
 * The most common expression, a value read from the thing and a double literal on either side of
 * an arithmetic or comparison operator (`features.power.properties.watts / 1000.0`), computed
 * directly when the value read is a number (a JSON number is a CEL double): what the interpreter
 * gives, without it. Gives undefined when the value is anything else (the interpreter decides);
 * null for every other expression.
 */
function directOf(ast: ASTNode): ((context: CelContext) => number | boolean | undefined) | null {
  const node = ast as unknown as LooseNode;
  const operator = DOUBLE_OPERATORS[node.op];
  if (operator === undefined || !Array.isArray(node.args) || node.args.length !== 2) return null;
  const [left, right] = node.args as unknown[];
  if (!isNode(left) || !isNode(right)) return null;
  const literalOf = (side: LooseNode) =>
    side.op === 'value' && typeof side.args === 'number' ? side.args : null;
  const chainFirst = literalOf(right) !== null;
  const chainNode = chainFirst ? left : right;
  const literal = chainFirst ? literalOf(right) : literalOf(left);
  if (literal === null || chainNode.op === 'value') return null;
  const chain = chainOf(chainNode);
  if (chain === null || chain.length < 2) return null;
  const [root, ...keys] = chain;
  return (context) => {
    let node: unknown = (context as unknown as Record<string, unknown>)[root];
    for (const key of keys) {
      if (typeof node !== 'object' || node === null || Array.isArray(node)) return undefined;
      if (!Object.prototype.hasOwnProperty.call(node, key)) return undefined;
      node = (node as Record<string, unknown>)[key];
    }
    if (typeof node !== 'number') return undefined;
    return chainFirst ? operator(node, literal) : operator(literal, node);
  };
}

/** A CEL value as JSON: ints and doubles as numbers, timestamps as ISO strings; throws otherwise. */
function toJson(value: unknown): JsonValue {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      if (!Number.isFinite(value)) throw new RangeError('not a finite number');
      return value;
    case 'bigint':
      return Number(value);
  }
  if (value === null) return null;
  if (value instanceof Date) return value.toISOString();
  if (value instanceof UnsignedInt) return Number(value.value);
  if (value instanceof Duration) return value.toString();
  if (Array.isArray(value)) return value.map(toJson);
  if (value instanceof Map) {
    const object: JsonObject = {};
    for (const [key, item] of value) object[String(key)] = toJson(item);
    return object;
  }
  if (typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    const object: JsonObject = {};
    for (const [key, item] of Object.entries(value)) object[key] = toJson(item);
    return object;
  }
  throw new TypeError('no JSON form');
}
