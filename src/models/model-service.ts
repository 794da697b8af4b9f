// Models, scenarios and runs as an application service: who may do what, registering and running runs,
// reading their series under the twins' policies, and comparing them with the actual series.
import type { Identity } from '../auth/identity.js';
import { inScope } from '../auth/identity.js';
import type { ThingGuard } from '../auth/thing-guard.js';
import { errors } from '../core/error-registry.js';
import { TwinfoldError } from '../core/errors.js';
import type { JsonObject, JsonValue } from '../core/json.js';
import { namespaceOf } from '../core/thing.js';
import type { TwinRuntime } from '../runtime/twin-runtime.js';
import {
  runId as newRunId,
  type ModelRecord,
  type ModelStore,
  type RunRecord,
  type RunSeriesRecord,
  type ScenarioRecord,
} from '../store/model-store.js';
import {
  DEFAULT_HISTORY_MS,
  checkEntityId,
  checkHorizon,
  parseExternalRun,
  parseForecastParameters,
  parseForecastRequest,
  parseForecastRun,
  parseModelBody,
  parseScenarioBody,
  parseTarget,
  type RunSeriesBody,
  type SeriesTarget,
} from './model-validation.js';
import { compareSeries } from './run-compare.js';

/**
 * The actual numeric points of a twin property with `from <= t <= to`, oldest first. Points that
 * are not numbers are left out. May throw a TwinfoldError (e.g. too many points).
 */
export type ActualSource = (
  thingId: string,
  pointer: string,
  from: number,
  to: number,
) => Promise<{ t: number[]; v: number[] }>;

/** What a forecaster returns for one series: instants after the history, and optionally a band. */
export interface ForecastOutput {
  t: number[];
  mean: number[];
  lower?: number[];
  upper?: number[];
  level?: number;
}

/**
 * The built-in forecaster (src/models/forecast/), injected so that the service does not depend on
 * it: `{ forecast, methods: FORECAST_METHODS }` of that module fits.
 */
export interface Forecaster {
  /** The methods it knows; a forecast model naming another is refused (any when absent). */
  readonly methods?: readonly string[];
  forecast(
    history: { t: number[]; v: number[] },
    options: { horizonMs: number; stepMs?: number; method?: string; levels?: number[] },
  ): ForecastOutput | Promise<ForecastOutput>;
}

/** How a refusal names the field at fault: series `i`'s twin, or its history (too short, …). */
interface Refusal {
  fail: (field: string, detail: string) => TwinfoldError;
  field(i: number, part: 'thingId' | 'history'): string;
}
const RUN_REFUSAL: Refusal = {
  fail: errors.runInvalid,
  field: (i, part) => (part === 'thingId' ? `series/${i}/thingId` : `series/${i}`),
};
/** `POST /forecasts` names its own fields: `thingId`, or the twin property's `history`. */
const FORECAST_REFUSAL: Refusal = {
  fail: errors.forecastInvalid,
  field: (_i, part) => part,
};

/** The model of the runs `POST /forecasts` makes. */
export const BUILT_IN_FORECAST_MODEL = 'twinfold.forecast';

export interface ModelServiceOptions {
  store: ModelStore;
  runtime: Pick<TwinRuntime, 'getThing'>;
  guard: ThingGuard;
  /** Where actual series come from (compare, forecast history); both are refused without it. */
  actual?: ActualSource;
  /** Runs `forecast` models; without it their runs are refused with a 400. */
  forecaster?: Forecaster;
  now?: () => number;
}

/** The outcome of a PUT: the view, and whether it created the resource. */
export interface PutResult {
  created: boolean;
  view: JsonObject;
}

const RUN_ID = /^run-[0-9a-z]{19}$/;

/** By thingId, then pointer (code unit order, as the stores list run series). */
function byTarget(
  a: { thingId: string; pointer: string },
  b: { thingId: string; pointer: string },
): number {
  const x = `${a.thingId}\u0000${a.pointer}`;
  const y = `${b.thingId}\u0000${b.pointer}`;
  return x < y ? -1 : x > y ? 1 : 0;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function modelView(m: ModelRecord): JsonObject {
  const view: JsonObject = {
    modelId: m.id,
    kind: m.kind,
    parameters: m.parameters as JsonObject,
    owner: m.owner,
    revision: m.revision,
    created: iso(m.created),
    modified: iso(m.modified),
  };
  if (m.description !== null) view.description = m.description;
  return view;
}

function scenarioView(s: ScenarioRecord): JsonObject {
  const view: JsonObject = {
    scenarioId: s.id,
    parameters: s.parameters as JsonObject,
    owner: s.owner,
    revision: s.revision,
    created: iso(s.created),
    modified: iso(s.modified),
  };
  if (s.description !== null) view.description = s.description;
  return view;
}

/** A run series as `GET /runs/{runId}/series` answers it. */
export function runSeriesView(s: RunSeriesRecord): JsonObject {
  const view: JsonObject = { runId: s.runId, thingId: s.thingId, pointer: s.pointer, t: s.t };
  view.mean = s.mean;
  if (s.lower !== null && s.upper !== null) {
    view.lower = s.lower;
    view.upper = s.upper;
  }
  if (s.level !== null) view.level = s.level;
  return view;
}

export class ModelService {
  private readonly now: () => number;

  constructor(private readonly options: ModelServiceOptions) {
    this.now = options.now ?? Date.now;
  }

  // --- access ---

  /** Administrators, and the identity that made the record (not with a read-only credential). */
  private mayChange(identity: Identity, owner: string): boolean {
    return identity.admin || identity.id === owner;
  }

  /** Whether the identity may read the twin property: READ on its pointer under the twin's policy. */
  private mayRead(identity: Identity, target: Pick<SeriesTarget, 'thingId' | 'resource'>): boolean {
    if (!inScope(identity, namespaceOf(target.thingId))) return false;
    const found = this.options.runtime.getThing(target.thingId);
    if (found === null) return identity.admin;
    return (
      this.options.guard.readAccess(
        identity,
        found.thing as unknown as JsonObject,
        target.resource,
      ) !== null
    );
  }

  private readable(identity: Identity, s: Pick<RunSeriesRecord, 'thingId' | 'pointer'>): boolean {
    const target = parseTarget(
      s.thingId,
      s.pointer,
      { thingId: 'thingId', pointer: 'pointer' },
      errors.runInvalid,
    );
    return this.mayRead(identity, target);
  }

  // --- models ---

  async listModels(): Promise<JsonObject[]> {
    return (await this.options.store.listModels()).map(modelView);
  }

  private async model(id: string): Promise<ModelRecord> {
    const found = await this.options.store.getModel(id);
    if (found === null) throw errors.modelNotFound(id);
    return found;
  }

  async getModel(id: string): Promise<JsonObject> {
    return modelView(await this.model(id));
  }

  /** Creates a model (anyone who may write) or replaces one (its creator or an administrator). */
  async putModel(identity: Identity, id: string, body: unknown): Promise<PutResult> {
    if (identity.readOnly) throw errors.readOnlyIdentity();
    checkEntityId(id, 'modelId', errors.modelInvalid);
    const parsed = parseModelBody(body);
    this.checkMethod(parsed.kind === 'forecast' ? parsed.parameters.method : undefined, (f, d) =>
      errors.modelInvalid(f, d),
    );
    const existing = await this.options.store.getModel(id);
    if (existing !== null && !this.mayChange(identity, existing.owner))
      throw errors.modelNotModifiable(id);
    const now = this.now();
    const record: ModelRecord = {
      id,
      ...parsed,
      owner: existing?.owner ?? identity.id,
      revision: (existing?.revision ?? 0) + 1,
      created: existing?.created ?? now,
      modified: now,
    };
    const outcome = await this.options.store.putModel(record);
    return { created: outcome === 'created', view: modelView(record) };
  }

  /** Refuses a forecast method the forecaster does not know. */
  private checkMethod(
    method: unknown,
    fail: (field: string, detail: string) => TwinfoldError,
  ): void {
    const known = this.options.forecaster?.methods;
    if (method === undefined || !known || known.includes(method as string)) return;
    throw fail('parameters/method', `it must be one of '${known.join("', '")}'`);
  }

  /** Deletes a model with all its runs. */
  async deleteModel(identity: Identity, id: string): Promise<void> {
    const existing = await this.model(id);
    if (identity.readOnly) throw errors.readOnlyIdentity();
    if (!this.mayChange(identity, existing.owner)) throw errors.modelNotModifiable(id);
    if (!(await this.options.store.deleteModel(id))) throw errors.modelNotFound(id);
  }

  // --- scenarios ---

  async listScenarios(): Promise<JsonObject[]> {
    return (await this.options.store.listScenarios()).map(scenarioView);
  }

  async getScenario(id: string): Promise<JsonObject> {
    const found = await this.options.store.getScenario(id);
    if (found === null) throw errors.scenarioNotFound(id);
    return scenarioView(found);
  }

  async putScenario(identity: Identity, id: string, body: unknown): Promise<PutResult> {
    if (identity.readOnly) throw errors.readOnlyIdentity();
    checkEntityId(id, 'scenarioId', errors.scenarioInvalid);
    const parsed = parseScenarioBody(body);
    const existing = await this.options.store.getScenario(id);
    if (existing !== null && !this.mayChange(identity, existing.owner))
      throw errors.scenarioNotModifiable(id);
    const now = this.now();
    const record: ScenarioRecord = {
      id,
      ...parsed,
      owner: existing?.owner ?? identity.id,
      revision: (existing?.revision ?? 0) + 1,
      created: existing?.created ?? now,
      modified: now,
    };
    const outcome = await this.options.store.putScenario(record);
    return { created: outcome === 'created', view: scenarioView(record) };
  }

  /** Deletes a scenario; 409 while runs name it. */
  async deleteScenario(identity: Identity, id: string): Promise<void> {
    const existing = await this.options.store.getScenario(id);
    if (existing === null) throw errors.scenarioNotFound(id);
    if (identity.readOnly) throw errors.readOnlyIdentity();
    if (!this.mayChange(identity, existing.owner)) throw errors.scenarioNotModifiable(id);
    const outcome = await this.options.store.deleteScenario(id);
    if (outcome === 'in-use') throw errors.scenarioInUse(id);
    if (outcome === 'missing') throw errors.scenarioNotFound(id);
  }

  // --- runs ---

  private runView(identity: Identity, run: RunRecord): JsonObject {
    const series = run.series.filter((s) => this.readable(identity, s));
    return {
      runId: run.id,
      modelId: run.modelId,
      scenario: run.scenarioId,
      owner: run.owner,
      created: iso(run.created),
      from: run.from,
      to: run.to,
      series: series.map((s) => ({ ...s })),
    };
  }

  private async run(id: string): Promise<RunRecord> {
    const found = RUN_ID.test(id) ? await this.options.store.getRun(id) : null;
    if (found === null) throw errors.runNotFound(id);
    return found;
  }

  /**
   * Runs a model or registers a run of it: an `external` model's run is the body's series; a
   * `forecast` model's run is the built-in forecaster's output for the body's twin properties.
   * Every series needs READ on its twin property. Nothing is kept when anything is refused.
   */
  async createRun(identity: Identity, modelId: string, body: unknown): Promise<JsonObject> {
    const model = await this.model(modelId);
    if (identity.readOnly) throw errors.readOnlyIdentity();
    let scenario: string | null;
    let series: RunSeriesBody[];
    if (model.kind === 'external') {
      const parsed = parseExternalRun(body);
      this.checkTargets(identity, parsed.targets);
      scenario = parsed.run.scenario;
      await this.scenarioOf(scenario);
      series = parsed.run.series;
    } else if (model.kind === 'forecast' && this.options.forecaster) {
      const parsed = parseForecastRun(body);
      this.checkTargets(identity, parsed.targets);
      scenario = parsed.run.scenario;
      series = await this.forecast(model, await this.scenarioOf(scenario), parsed.targets);
    } else throw errors.runUnsupported(model.id, model.kind);
    return this.storeRun(identity, modelId, scenario, series);
  }

  /**
   * Forecasts one twin property with the built-in forecaster (`POST /forecasts`): a run of the
   * built-in model {@link BUILT_IN_FORECAST_MODEL}, made on first use.
   */
  async forecastNow(identity: Identity, body: unknown): Promise<JsonObject> {
    if (identity.readOnly) throw errors.readOnlyIdentity();
    if (!this.options.forecaster) throw errors.runUnsupported(BUILT_IN_FORECAST_MODEL, 'forecast');
    const request = parseForecastRequest(body, errors.forecastInvalid);
    this.checkMethod(request.parameters.method, (_field, detail) =>
      errors.forecastInvalid('method', detail.replace(/^it/, 'the method')),
    );
    const targets = [request.target];
    this.checkTargets(identity, targets, FORECAST_REFUSAL);
    const model = await this.builtInForecastModel();
    const series = await this.forecast(
      { ...model, parameters: request.parameters },
      null,
      targets,
      FORECAST_REFUSAL,
    );
    return this.storeRun(identity, model.id, null, series);
  }

  /** The model the runs of `POST /forecasts` belong to, made when it is missing. */
  private async builtInForecastModel(): Promise<ModelRecord> {
    const found = await this.options.store.getModel(BUILT_IN_FORECAST_MODEL);
    if (found !== null) return found;
    const now = this.now();
    const record: ModelRecord = {
      id: BUILT_IN_FORECAST_MODEL,
      kind: 'forecast',
      parameters: {},
      description: "Twinfold's built-in forecaster, as POST /api/2/forecasts runs it",
      owner: 'twinfold',
      revision: 1,
      created: now,
      modified: now,
    };
    await this.options.store.putModel(record);
    return record;
  }

  /** Keeps a run of `modelId` with its series; refused when the model or scenario went meanwhile. */
  private async storeRun(
    identity: Identity,
    modelId: string,
    scenario: string | null,
    series: RunSeriesBody[],
  ): Promise<JsonObject> {
    const now = this.now();
    const run: RunRecord = {
      id: newRunId(now),
      modelId,
      scenarioId: scenario,
      owner: identity.id,
      created: now,
      from: Math.min(...series.map((s) => s.t[0])),
      to: Math.max(...series.map((s) => s.t[s.t.length - 1])),
      series: series
        .map((s) => ({
          thingId: s.thingId,
          pointer: s.pointer,
          points: s.t.length,
          bounds: s.lower !== null,
          level: s.level,
        }))
        .sort(byTarget),
    };
    const outcome = await this.options.store.addRun(
      run,
      series.map((s) => ({ runId: run.id, ...s })),
    );
    if (outcome === 'no-model') throw errors.modelNotFound(modelId);
    if (outcome === 'no-scenario') throw this.noScenario(scenario ?? '');
    return this.runView(identity, run);
  }

  private noScenario(id: string): TwinfoldError {
    return errors.runInvalid('scenario', `there is no scenario with ID '${id}'`);
  }

  private async scenarioOf(id: string | null): Promise<ScenarioRecord | null> {
    if (id === null) return null;
    const found = await this.options.store.getScenario(id);
    if (found === null) throw this.noScenario(id);
    return found;
  }

  private checkTargets(
    identity: Identity,
    targets: readonly SeriesTarget[],
    refuse: Refusal = RUN_REFUSAL,
  ): void {
    targets.forEach((target, i) => {
      // A run is of twins that exist (its series are read under their policies).
      const exists = this.options.runtime.getThing(target.thingId) !== null;
      if (!exists || !this.mayRead(identity, target))
        throw refuse.fail(
          refuse.field(i, 'thingId'),
          `the Thing with ID '${target.thingId}' could not be found or the requester may not read '/${target.pointer}' of it`,
        );
    });
  }

  private async forecast(
    model: ModelRecord,
    scenario: ScenarioRecord | null,
    targets: readonly SeriesTarget[],
    refuse: Refusal = RUN_REFUSAL,
  ): Promise<RunSeriesBody[]> {
    const actual = this.options.actual;
    const forecaster = this.options.forecaster;
    if (!actual || !forecaster) throw errors.actualSeriesUnavailable();
    const base = parseForecastParameters(model.parameters, errors.modelInvalid);
    const overrides =
      scenario === null
        ? {}
        : parseForecastParameters(
            scenario.parameters,
            (field, detail) =>
              errors.runInvalid('scenario', `its ${field} does not fit a forecast: ${detail}`),
            true,
          );
    const p = { historyMs: DEFAULT_HISTORY_MS, ...base, ...overrides };
    const inScenario = (field: string, detail: string) =>
      errors.runInvalid('scenario', `with it, ${field} does not fit a forecast: ${detail}`);
    this.checkMethod(p.method, inScenario);
    if (p.horizonMs !== undefined && p.stepMs !== undefined)
      checkHorizon(p.horizonMs, p.stepMs, inScenario);
    const now = this.now();
    const out: RunSeriesBody[] = [];
    for (const [i, target] of targets.entries()) {
      const history = await actual(target.thingId, target.pointer, now - p.historyMs, now);
      let result: ForecastOutput;
      try {
        result = await forecaster.forecast(history, {
          horizonMs: p.horizonMs ?? 0,
          stepMs: p.stepMs,
          method: p.method,
          levels: p.level === undefined ? undefined : [p.level],
        });
      } catch (error) {
        if (error instanceof TwinfoldError) throw error;
        throw refuse.fail(
          refuse.field(i, 'history'),
          `the forecaster could not forecast it: ${error instanceof Error ? error.message : String(error)}`,
        );
      }
      // The forecaster's output goes through the same checks as a registered run's.
      const { run } = parseExternalRun({
        series: [
          {
            thingId: target.thingId,
            pointer: target.pointer,
            t: result.t,
            mean: result.mean,
            ...(result.lower && result.upper ? { lower: result.lower, upper: result.upper } : {}),
            ...(result.level !== undefined && result.lower ? { level: result.level } : {}),
          },
        ],
      });
      out.push(run.series[0]);
    }
    return out;
  }

  async getRun(identity: Identity, id: string): Promise<JsonObject> {
    return this.runView(identity, await this.run(id));
  }

  async listRuns(identity: Identity, modelId: string): Promise<JsonObject[]> {
    await this.model(modelId);
    const runs = await this.options.store.listRuns(modelId);
    const views: JsonObject[] = [];
    for (const run of runs) views.push(this.runView(identity, run));
    return views;
  }

  /** One series of a run; 404 when there is none, or the requester may not read the property. */
  /**
   * The one twin whose `pointer` the run predicts (for a series read that names no twin); a 400
   * naming `thingId` when the run predicts it for several twins (or none the identity may read).
   */
  async onlyThingOf(identity: Identity, id: string, pointer: string): Promise<string> {
    const run = await this.run(id);
    const wanted = pointer.replace(/^\//, '');
    const things = run.series
      .filter((s) => s.pointer === wanted && this.readable(identity, s))
      .map((s) => s.thingId);
    if (things.length === 1) return things[0];
    if (things.length === 0) throw errors.runSeriesNotFound(id, '(any)', wanted);
    throw errors.runInvalid(
      'thingId',
      `the run predicts '/${wanted}' of ${things.length} twins: name one with thingId`,
    );
  }

  async runSeries(
    identity: Identity,
    id: string,
    thingId: string,
    pointer: string,
  ): Promise<JsonObject> {
    await this.run(id);
    const target = parseTarget(
      thingId,
      pointer,
      { thingId: 'thingId', pointer: 'pointer' },
      errors.runInvalid,
    );
    const series = this.mayRead(identity, target)
      ? await this.options.store.getRunSeries(id, target.thingId, target.pointer)
      : null;
    if (series === null) throw errors.runSeriesNotFound(id, target.thingId, target.pointer);
    return runSeriesView(series);
  }

  /**
   * The series of a run for (thingId, pointer), or null when there is none or the identity may
   * not read it: for merging predicted with actual series in the series API.
   */
  async predicted(
    identity: Identity,
    id: string,
    thingId: string,
    pointer: string,
  ): Promise<RunSeriesRecord | null> {
    if (!RUN_ID.test(id)) return null;
    const target = parseTarget(
      thingId,
      pointer,
      { thingId: 'thingId', pointer: 'pointer' },
      errors.runInvalid,
    );
    if (!this.mayRead(identity, target)) return null;
    return this.options.store.getRunSeries(id, target.thingId, target.pointer);
  }

  /**
   * Each readable series of a run against its actual series over the series' own range: the
   * metrics of run-compare.ts and the aligned columns.
   */
  async compare(identity: Identity, id: string): Promise<JsonObject> {
    const run = await this.run(id);
    const actual = this.options.actual;
    if (!actual) throw errors.actualSeriesUnavailable();
    const series = (await this.options.store.listRunSeries(id)).filter((s) =>
      this.readable(identity, s),
    );
    const compared: JsonValue[] = [];
    for (const s of series) {
      const points = await actual(s.thingId, s.pointer, s.t[0], s.t[s.t.length - 1]);
      const { metrics, aligned } = compareSeries(s, points);
      compared.push({
        thingId: s.thingId,
        pointer: s.pointer,
        level: s.level,
        ...metrics,
        aligned: aligned as unknown as JsonObject,
      });
    }
    return { runId: run.id, modelId: run.modelId, scenario: run.scenarioId, series: compared };
  }

  /** Deletes a run: its maker, its model's creator, or an administrator. */
  async deleteRun(identity: Identity, id: string): Promise<void> {
    const run = await this.run(id);
    if (identity.readOnly) throw errors.readOnlyIdentity();
    const model = await this.options.store.getModel(run.modelId);
    if (!this.mayChange(identity, run.owner) && !(model && this.mayChange(identity, model.owner)))
      throw errors.runNotModifiable(id);
    if (!(await this.options.store.deleteRun(id))) throw errors.runNotFound(id);
  }
}
