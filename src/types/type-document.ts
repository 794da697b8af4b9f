// The shape of a type document, checked member by member: every unknown key, wrong shape, bad
// duration, bad pointer or unknown op is refused with `errors.typeInvalid` naming the part.
import { errors } from '../core/error-registry.js';
import { TwinfoldError } from '../core/errors.js';
import { assertKey } from '../core/ids.js';
import { isJsonObject, type JsonObject, type JsonValue } from '../core/json.js';
import { formatPointer } from '../core/json-pointer.js';
import type { RollupOp, RollupSpec } from './behaviour.js';
import { compileCel, type CelExpression } from './cel-expression.js';
import type { AssessmentSpec } from './assessments.js';
import { parseTypeDuration } from './type-duration.js';
import { inputSegments, outputSegments, whereOf, whereSegments } from './type-pointer.js';
import { WINDOW_OPS, type WindowOp, type WindowSpec } from './windows.js';

/** A value the type computes: its pointer (canonical: a JSON pointer without the leading `/`). */
export interface OutputDecl {
  pointer: string;
  segments: string[];
  /** The document part declaring it (`derived/features~1power~1properties~1kw`). */
  where: string;
}

export interface DerivedDecl extends OutputDecl {
  expression: CelExpression;
}

export interface WindowDecl extends OutputDecl {
  spec: WindowSpec;
  ofSegments: string[];
}

export interface RollupDecl extends OutputDecl {
  spec: RollupSpec;
  ofSegments: string[];
}

export interface TypeDocument {
  /** As accepted, with defaults filled in (`severity`, `depth`). */
  normalised: JsonObject;
  schema: JsonValue | undefined;
  derived: DerivedDecl[];
  windows: WindowDecl[];
  rollups: RollupDecl[];
  assessments: AssessmentSpec[];
}

const TOP_LEVEL = [
  'schema',
  'derived',
  'windows',
  'rollups',
  'assessments',
  'description',
  'thingModel',
];
const ROLLUP_OPS: readonly RollupOp[] = ['sum', 'avg', 'min', 'max', 'count'];
const MAX_SAMPLES = 100_000;
const MAX_DEPTH = 10;

/** Checks the document's shape and compiles its expressions; cross-member checks come later. */
export function readTypeDocument(body: unknown): TypeDocument {
  if (!isJsonObject(body)) throw errors.typeInvalid('/', 'a type is a JSON object');
  for (const key of Object.keys(body)) {
    if (!TOP_LEVEL.includes(key)) {
      throw errors.typeInvalid(
        whereOf(key),
        `unknown member (expected one of ${TOP_LEVEL.join(', ')})`,
      );
    }
  }
  const normalised: JsonObject = {};
  if (body.description !== undefined) {
    if (typeof body.description !== 'string')
      throw errors.typeInvalid('description', 'must be a string');
    normalised.description = body.description;
  }
  if (body.schema !== undefined) normalised.schema = body.schema;
  // The WoT Thing Model a type was made from (see wot.ts): kept for its Thing Descriptions.
  if (body.thingModel !== undefined) {
    if (!isJsonObject(body.thingModel))
      throw errors.typeInvalid('thingModel', 'must be a WoT Thing Model (a JSON object)');
    normalised.thingModel = body.thingModel;
  }
  const derived = entries(body, 'derived', normalised, readDerived);
  const windows = entries(body, 'windows', normalised, readWindow);
  const rollups = entries(body, 'rollups', normalised, readRollup);
  const assessments = entries(body, 'assessments', normalised, readAssessment);
  return { normalised, schema: body.schema, derived, windows, rollups, assessments };
}

/** Reads each entry of the map `section`, recording its normalised form. */
function entries<T>(
  body: JsonObject,
  section: string,
  normalised: JsonObject,
  read: (key: string, value: JsonValue, where: string) => { decl: T; normal: JsonValue },
): T[] {
  const map = body[section];
  if (map === undefined) return [];
  if (!isJsonObject(map)) throw errors.typeInvalid(section, 'must be an object');
  const decls: T[] = [];
  const normal: JsonObject = {};
  for (const [key, value] of Object.entries(map)) {
    const { decl, normal: entry } = read(key, value, whereOf(section, key));
    decls.push(decl);
    normal[key] = entry;
  }
  normalised[section] = normal;
  return decls;
}

function output(key: string, where: string): OutputDecl {
  const segments = outputSegments(key);
  if (typeof segments === 'string') throw errors.typeInvalid(where, segments);
  return { pointer: formatPointer(segments).slice(1), segments, where };
}

function readDerived(
  key: string,
  value: JsonValue,
  where: string,
): { decl: DerivedDecl; normal: JsonValue } {
  const out = output(key, where);
  if (typeof value !== 'string' || value.trim() === '') {
    throw errors.typeInvalid(where, 'must be a CEL expression (a non-empty string)');
  }
  return { decl: { ...out, expression: compileCel(value, where) }, normal: value };
}

function readWindow(
  key: string,
  value: JsonValue,
  where: string,
): { decl: WindowDecl; normal: JsonValue } {
  const out = output(key, where);
  const spec = members(value, where, ['of', 'op', 'window', 'samples', 'lateness', 'halfLife']);
  const of = inputOf(spec, where);
  const op = spec.op;
  if (typeof op !== 'string' || !(WINDOW_OPS as readonly string[]).includes(op)) {
    throw errors.typeInvalid(
      whereOf(...whereSegments(where), 'op'),
      `unknown window op ${JSON.stringify(op ?? null)} (expected one of ${WINDOW_OPS.join(', ')})`,
    );
  }
  const windowOp = op as WindowOp;
  const at = (member: string): string => whereOf(...whereSegments(where), member);
  let span: number | null = null;
  let samples: number | null = null;
  let halfLife: number | null = null;
  if (windowOp === 'ewma') {
    for (const member of ['window', 'samples']) {
      if (spec[member] !== undefined)
        throw errors.typeInvalid(at(member), "ewma takes 'halfLife', not a window");
    }
    if (spec.halfLife === undefined)
      throw errors.typeInvalid(at('halfLife'), 'ewma needs a \'halfLife\' such as "1m"');
    halfLife = duration(spec.halfLife, at('halfLife'), false);
  } else {
    if (spec.halfLife !== undefined)
      throw errors.typeInvalid(at('halfLife'), "only ewma takes 'halfLife'");
    if ((spec.window === undefined) === (spec.samples === undefined)) {
      throw errors.typeInvalid(
        where,
        "give exactly one of 'window' (a duration such as \"5m\") and 'samples' (a count)",
      );
    }
    if (spec.window !== undefined) span = duration(spec.window, at('window'), false);
    if (spec.samples !== undefined) {
      const least = windowOp === 'rate' || windowOp === 'integral' ? 2 : 1;
      if (
        !Number.isInteger(spec.samples) ||
        (spec.samples as number) < least ||
        (spec.samples as number) > MAX_SAMPLES
      ) {
        throw errors.typeInvalid(
          at('samples'),
          `must be an integer from ${least} to ${MAX_SAMPLES}`,
        );
      }
      samples = spec.samples as number;
    }
  }
  const lateness = spec.lateness === undefined ? 0 : duration(spec.lateness, at('lateness'), true);
  return {
    decl: {
      ...out,
      ofSegments: of.segments,
      spec: { of: of.pointer, op: windowOp, span, samples, lateness, halfLife },
    },
    normal: spec,
  };
}

function readRollup(
  key: string,
  value: JsonValue,
  where: string,
): { decl: RollupDecl; normal: JsonValue } {
  const out = output(key, where);
  const spec = members(value, where, ['relation', 'from', 'of', 'op', 'depth']);
  const at = (member: string): string => whereOf(...whereSegments(where), member);
  if (typeof spec.relation !== 'string' || spec.relation === '') {
    throw errors.typeInvalid(at('relation'), 'must be the name of a relation (a non-empty string)');
  }
  keyCheck(spec.relation, at('relation'));
  if (spec.from !== 'children' && spec.from !== 'parents') {
    throw errors.typeInvalid(at('from'), "must be 'children' or 'parents'");
  }
  const of = inputOf(spec, where);
  if (typeof spec.op !== 'string' || !(ROLLUP_OPS as readonly string[]).includes(spec.op)) {
    throw errors.typeInvalid(
      at('op'),
      `unknown rollup op ${JSON.stringify(spec.op ?? null)} (expected one of ${ROLLUP_OPS.join(', ')})`,
    );
  }
  const depth = spec.depth ?? 1;
  if (!Number.isInteger(depth) || (depth as number) < 1 || (depth as number) > MAX_DEPTH) {
    throw errors.typeInvalid(at('depth'), `must be an integer from 1 to ${MAX_DEPTH}`);
  }
  const rollup: RollupSpec = {
    relation: spec.relation,
    from: spec.from,
    of: of.pointer,
    op: spec.op as RollupOp,
    depth: depth as number,
  };
  return { decl: { ...out, ofSegments: of.segments, spec: rollup }, normal: { ...spec, depth } };
}

function readAssessment(
  name: string,
  value: JsonValue,
  where: string,
): { decl: AssessmentSpec; normal: JsonValue } {
  keyCheck(name, where);
  const spec = members(value, where, ['when', 'clear', 'for', 'severity']);
  const at = (member: string): string => whereOf(...whereSegments(where), member);
  const expression = (member: string): CelExpression => {
    const source = spec[member];
    if (typeof source !== 'string' || source.trim() === '') {
      throw errors.typeInvalid(at(member), 'must be a CEL expression (a non-empty string)');
    }
    const compiled = compileCel(source, at(member));
    if (compiled.resultType !== 'bool' && compiled.resultType !== 'dyn') {
      throw errors.typeInvalid(
        at(member),
        `'${source}' is of type ${compiled.resultType}, not bool`,
      );
    }
    return compiled;
  };
  const when = expression('when');
  const clear = spec.clear === undefined ? null : expression('clear');
  const holdFor = spec.for === undefined ? 0 : duration(spec.for, at('for'), false);
  const severity = spec.severity ?? 'warning';
  if (typeof severity !== 'string' || severity.trim() === '' || severity.length > 64) {
    throw errors.typeInvalid(at('severity'), 'must be a non-empty string of at most 64 characters');
  }
  return { decl: { name, when, clear, holdFor, severity }, normal: { ...spec, severity } };
}

/** The entry as an object holding only `allowed` members. */
function members(value: JsonValue, where: string, allowed: string[]): JsonObject {
  if (!isJsonObject(value))
    throw errors.typeInvalid(where, `must be an object with ${allowed.join(', ')}`);
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key)) {
      throw errors.typeInvalid(
        whereOf(...whereSegments(where), key),
        `unknown member (expected one of ${allowed.join(', ')})`,
      );
    }
  }
  return value;
}

function inputOf(spec: JsonObject, where: string): { pointer: string; segments: string[] } {
  const at = whereOf(...whereSegments(where), 'of');
  if (typeof spec.of !== 'string')
    throw errors.typeInvalid(at, 'must be the pointer of the value read');
  const segments = inputSegments(spec.of);
  if (typeof segments === 'string') throw errors.typeInvalid(at, segments);
  return { pointer: formatPointer(segments).slice(1), segments };
}

function duration(value: JsonValue | undefined, where: string, zeroAllowed: boolean): number {
  const ms = typeof value === 'string' ? parseTypeDuration(value) : null;
  if (ms === null || (ms === 0 && !zeroAllowed)) {
    throw errors.typeInvalid(
      where,
      `${JSON.stringify(value)} is not a ${zeroAllowed ? '' : 'positive '}duration (such as "250ms", "30s", "5m", "1h", "1d")`,
    );
  }
  return ms;
}

function keyCheck(key: string, where: string): void {
  try {
    assertKey(key);
  } catch (err) {
    if (err instanceof TwinfoldError) throw errors.typeInvalid(where, err.message);
    throw err;
  }
}
