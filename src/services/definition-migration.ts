// Definition migrations (Ditto's POST /things/{thingId}/migrateDefinition): a twin moved to another
// type version by one merge through the write pipeline, so that the new version validates it and
// computes what it derives in the same revision; a dry run computes the same on a copy and
// changes nothing.
import { assertWritable, inScope, type Identity } from '../auth/identity.js';
import type { ThingGuard } from '../auth/thing-guard.js';
import { errors } from '../core/error-registry.js';
import type { JsonObject } from '../core/json.js';
import { applyChange } from '../core/thing-change.js';
import { planMerge } from '../core/thing-commands.js';
import { resourceOf } from '../core/thing-resource.js';
import { parsePointer } from '../core/json-pointer.js';
import { toSearchDocument } from '../core/thing.js';
import { filterPaths } from '../rql/filter-paths.js';
import type { TwinRuntime, WriteRequest } from '../runtime/twin-runtime.js';
import type { CompiledType } from '../types/behaviour.js';
import { parseTypeId } from '../types/type-id.js';
import { migrationPatch, type MigrationRequest } from './migration-patch.js';

/** Ditto's `MigrateThingDefinitionResponse`. */
export interface MigrationResponse {
  thingId: string;
  patch: JsonObject;
  mergeStatus: 'APPLIED' | 'DRY_RUN';
}

/** A migration's answer, with the twin's revision (APPLIED: the new one; DRY_RUN: unchanged). */
export interface MigrationOutcome {
  response: MigrationResponse;
  revision: number;
  etag?: string;
}

/** Thrown out of the pipeline's authorisation by a dry run: the plan stops before anything. */
class DryRunComputed extends Error {
  constructor(
    readonly patch: JsonObject,
    readonly revision: number,
  ) {
    super('dry run');
  }
}

export interface DefinitionMigrationOptions {
  runtime: TwinRuntime;
  guard: ThingGuard;
  types: { compiled(typeId: string): CompiledType | undefined };
}

export class DefinitionMigration {
  constructor(private readonly options: DefinitionMigrationOptions) {}

  /**
   * Migrates one twin. Needs WRITE on what the patch writes (`thing:/definition`, and each
   * attribute or feature it sets), as a merge of the patch would; a dry run too.
   */
  async migrate(
    identity: Identity,
    thingId: string,
    request: MigrationRequest,
    dryRun: boolean,
  ): Promise<MigrationOutcome> {
    const { runtime, guard } = this.options;
    guard.assertInScope(identity, thingId);
    assertWritable(identity);
    const type = this.typeOf(identity, request);
    const resource = resourceOf(thingId, 'thing');
    let patch: JsonObject | null = null;
    const write: WriteRequest = {
      kind: 'merge',
      resource,
      value: {},
      originator: identity.id,
      authorize: (thing) => {
        if (thing === null) throw errors.thingNotFound(thingId);
        const found = runtime.getThing(thingId);
        const doc = found ? toSearchDocument(found.thing, found.meta) : { thingId };
        patch = migrationPatch(request, thing, doc, type.document.schema);
        const view = guard.checkWrite(identity, thing, 'merge', resource, patch);
        if (request.conditions.length > 0)
          for (const { condition } of request.conditions)
            guard.checkConditionReadable(identity, thing, filterPaths(condition));
        if (dryRun) {
          this.preview(thingId, thing, patch, type);
          throw new DryRunComputed(patch, found?.meta.revision ?? 0);
        }
        return view;
      },
      steps: [
        (_id, before) => {
          const merged = planMerge(before, resource, patch as JsonObject);
          return { changes: [merged.change], next: merged.next as JsonObject };
        },
      ],
    };
    try {
      const result = await runtime.write(write);
      return {
        response: { thingId, patch: patch as unknown as JsonObject, mergeStatus: 'APPLIED' },
        revision: result.revision,
        etag: result.etag,
      };
    } catch (error) {
      if (error instanceof DryRunComputed)
        return {
          response: { thingId, patch: error.patch, mergeStatus: 'DRY_RUN' },
          revision: error.revision,
        };
      throw error;
    }
  }

  /** The type a migration names, known and visible to the requester (else Ditto's skeleton 400). */
  typeOf(identity: Identity, request: MigrationRequest): CompiledType {
    const type = this.options.types.compiled(request.typeId);
    if (type === undefined || !inScope(identity, parseTypeId(request.typeId).namespace))
      throw errors.skeletonGenerationFailed(request.definition);
    return type;
  }

  /**
   * What the write would check, on a copy: the new type's schemas over the patched thing and over
   * what the new version computes from it (a fresh behaviour, so no twin's state is touched).
   */
  private preview(thingId: string, thing: JsonObject, patch: JsonObject, type: CompiledType): void {
    const resource = resourceOf(thingId, 'thing');
    let after = planMerge(thing, resource, patch).next as JsonObject;
    type.validateThing(thingId, after);
    const now = Date.now();
    const outcome = type.createBehaviour().apply({
      thingId,
      before: thing,
      after,
      eventTime: now,
      now,
      touches: () => true,
      retyped: true,
    });
    for (const { pointer, value } of outcome.sets)
      after = applyChange(after, {
        action: 'modified',
        path: parsePointer(pointer),
        value,
      }) as JsonObject;
    type.validateThing(thingId, after);
  }
}
