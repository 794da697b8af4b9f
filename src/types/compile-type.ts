// Compiles a type document once into what the runtime uses: schemas, outputs in dependency order,
// roll-ups, and a behaviour per twin.
import { errors } from '../core/error-registry.js';
import type { JsonValue } from '../core/json.js';
import { formatPointer } from '../core/json-pointer.js';
import type { CompiledType, RollupSpec } from './behaviour.js';
import { jsonKindOf } from './cel-expression.js';
import { orderOutputs, type OutputNode } from './type-dependencies.js';
import {
  readTypeDocument,
  type DerivedDecl,
  type OutputDecl,
  type WindowDecl,
} from './type-document.js';
import { parseTypeId } from './type-id.js';
import { overlaps, whereOf, whereSegments } from './type-pointer.js';
import { compileSchemas, type TypeSchemas } from './type-schemas.js';
import {
  TwinBehaviourState,
  type BehaviourPlan,
  type OutputStep,
  type Trigger,
} from './twin-behaviour.js';

type Output = ({ kind: 'derived' } & DerivedDecl) | ({ kind: 'window' } & WindowDecl);

/**
 * Compiles the type `typeId` from its document; throws `errors.typeIdInvalid` or
 * `errors.typeInvalid(where, detail)` naming the part at fault.
 *
 * @example compileType('dc:rack:1.0.0', { derived: { 'features/power/properties/kw': 'features.power.properties.watts / 1000.0' } })
 */
export function compileType(typeId: string, body: unknown): CompiledType {
  parseTypeId(typeId);
  const doc = readTypeDocument(body);
  const schemas = compileSchemas(doc.schema);
  const outputs: Output[] = [
    ...doc.derived.map((d) => ({ kind: 'derived' as const, ...d })),
    ...doc.windows.map((w) => ({ kind: 'window' as const, ...w })),
  ];
  refuseOverlaps([...outputs, ...doc.rollups]);
  checkKinds(outputs, doc.rollups, schemas);

  const nodes: OutputNode[] = outputs.map((o) => ({
    pointer: o.pointer,
    segments: o.segments,
    where: o.where,
    reads: o.kind === 'derived' ? o.expression.inputs : [o.ofSegments],
  }));
  const { order, reads } = orderOutputs(nodes);
  const stepOf = new Map(order.map((node, step) => [node, step]));
  const pointers = new Map<string, string>();
  const steps: OutputStep[] = order.map((i) => {
    const o = outputs[i];
    const after = reads[i].map((j) => stepOf.get(j) as number);
    if (o.kind === 'derived') {
      const trigger = triggerOf(o.expression.inputs, after, o.expression.readsPrevious, pointers);
      return {
        kind: 'derived',
        pointer: o.pointer,
        segments: o.segments,
        trigger,
        expression: o.expression,
      };
    }
    const trigger = triggerOf([o.ofSegments], after, false, pointers);
    return {
      kind: 'window',
      pointer: o.pointer,
      segments: o.segments,
      trigger,
      window: o.spec,
      ofSegments: o.ofSegments,
    };
  });
  const assessmentTriggers = doc.assessments.map((a) => {
    const expressions = a.clear === null ? [a.when] : [a.when, a.clear];
    const inputs = expressions.flatMap((e) => e.inputs);
    const after = steps.flatMap((step, s) =>
      inputs.some((input) => overlaps(input, step.segments)) ? [s] : [],
    );
    return triggerOf(
      inputs,
      after,
      expressions.some((e) => e.readsPrevious),
      pointers,
    );
  });
  const plan: BehaviourPlan = { steps, assessments: doc.assessments, assessmentTriggers };

  const rollups: Record<string, RollupSpec> = {};
  for (const r of doc.rollups) rollups[r.pointer] = r.spec;
  return {
    id: typeId,
    // A copy: the caller's body stays its own (and mutable).
    document: deepFreeze(structuredClone(doc.normalised)),
    validateThing: (thingId, thing) => schemas.validateThing(thingId, thing),
    outputs: Object.freeze(steps.map((step) => step.pointer)),
    rollups: Object.freeze(rollups),
    readsPrevious:
      steps.some((step) => step.kind === 'derived' && step.expression.readsPrevious) ||
      doc.assessments.some((a) => a.when.readsPrevious || a.clear?.readsPrevious === true),
    windowed: steps.some((step) => step.kind === 'window'),
    createBehaviour: () => new TwinBehaviourState(plan),
  };
}

function triggerOf(
  inputs: readonly (readonly string[])[],
  after: number[],
  always: boolean,
  pointers: Map<string, string>,
): Trigger {
  const touches = [...new Set(inputs.map((segments) => formatPointer(segments).slice(1)))];
  // One string per pointer across the type's triggers: a change's `touches` keeps its answer for
  // the pointer asked last, and the next step mostly asks about that same string.
  for (let i = 0; i < touches.length; i++) {
    const shared = pointers.get(touches[i]);
    if (shared === undefined) pointers.set(touches[i], touches[i]);
    else touches[i] = shared;
  }
  return { touches, after: [...new Set(after)], always };
}

/** A pointer is computed by one part of the type only: never declared twice, nor inside another. */
function refuseOverlaps(declared: readonly OutputDecl[]): void {
  for (let i = 0; i < declared.length; i++) {
    for (let j = 0; j < i; j++) {
      if (overlaps(declared[i].segments, declared[j].segments)) {
        throw errors.typeInvalid(
          declared[i].where,
          `'${declared[i].pointer}' is also computed at '${declared[j].where}': a value has one source`,
        );
      }
    }
  }
}

/** Refuses sure contradictions between what a part computes or reads and the schema there. */
function checkKinds(
  outputs: readonly Output[],
  rollups: readonly OutputDecl[],
  schemas: TypeSchemas,
): void {
  const kindOf = new Map<string, string | null>();
  for (const o of [...outputs, ...rollups]) {
    if (schemas.forbids(o.segments)) {
      throw errors.typeInvalid(
        o.where,
        `the schema refuses any value at '/${o.pointer}' (additionalProperties)`,
      );
    }
  }
  for (const o of outputs) {
    const kind = o.kind === 'derived' ? jsonKindOf(o.expression.resultType) : 'number';
    kindOf.set(o.pointer, kind);
    const allowed = schemas.typesAt(o.segments);
    if (kind !== null && allowed !== null && !allowed.has(kind)) {
      const what =
        o.kind === 'derived'
          ? `'${o.expression.source}' yields ${withArticle(kind)}`
          : `a window yields a number`;
      throw errors.typeInvalid(
        o.where,
        `${what}, but the schema at '/${o.pointer}' allows ${list(allowed)}`,
      );
    }
  }
  for (const r of rollups) kindOf.set(r.pointer, 'number');
  for (const r of rollups) {
    const allowed = schemas.typesAt(r.segments);
    if (allowed !== null && !allowed.has('number')) {
      throw errors.typeInvalid(
        r.where,
        `a roll-up yields a number, but the schema at '/${r.pointer}' allows ${list(allowed)}`,
      );
    }
  }
  for (const o of outputs) {
    if (o.kind !== 'window') continue;
    const where = whereOf(...whereSegments(o.where), 'of');
    const allowed = schemas.typesAt(o.ofSegments);
    if (allowed !== null && !allowed.has('number')) {
      throw errors.typeInvalid(
        where,
        `a window needs numbers, but the schema at '/${o.spec.of}' allows ${list(allowed)}`,
      );
    }
    const source = kindOf.get(o.spec.of);
    if (source !== undefined && source !== null && source !== 'number') {
      throw errors.typeInvalid(
        where,
        `a window needs numbers, but '${o.spec.of}' is computed as ${withArticle(source)}`,
      );
    }
  }
}

function withArticle(kind: string): string {
  return /^[aeiou]/.test(kind) ? `an ${kind}` : `a ${kind}`;
}

function list(types: ReadonlySet<string>): string {
  return [...types].join(', ');
}

function deepFreeze<T extends JsonValue>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
