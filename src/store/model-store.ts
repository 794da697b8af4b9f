// Port: models, scenarios (named sets of parameters), runs of a model and the predicted series of each run.

/** What a model is: run by the built-in forecaster, by a simulator, or computed elsewhere and registered. */
export type ModelKind = 'forecast' | 'simulation' | 'external';

/** A model as stored; `parameters` and `description` as validated. */
export interface ModelRecord {
  id: string;
  kind: ModelKind;
  parameters: Record<string, unknown>;
  description: string | null;
  /** The identity id that created it (Ditto's originator). */
  owner: string;
  revision: number;
  /** Epoch ms. */
  created: number;
  modified: number;
}

/** A scenario: a named set of parameters (a "what if"). */
export interface ScenarioRecord {
  id: string;
  parameters: Record<string, unknown>;
  description: string | null;
  owner: string;
  revision: number;
  created: number;
  modified: number;
}

/** One run of a model, optionally under a scenario. */
export interface RunRecord {
  id: string;
  modelId: string;
  scenarioId: string | null;
  /** The identity id that ran or registered it. */
  owner: string;
  /** Epoch ms. */
  created: number;
  /** The earliest and the latest instant of its series (epoch ms). */
  from: number;
  to: number;
  /** What its series are, so that runs are listed without reading their columns. */
  series: RunSeriesSummary[];
}

/** One series of a run, described. */
export interface RunSeriesSummary {
  thingId: string;
  pointer: string;
  /** How many instants it has. */
  points: number;
  /** Whether it has lower and upper bounds. */
  bounds: boolean;
  level: number | null;
}

/** The predicted series of one twin property in one run: equal-length columns, `t` increasing. */
export interface RunSeriesRecord {
  runId: string;
  thingId: string;
  /** A JSON pointer without its leading slash, as in the SeriesStore (`features/f/properties/v`). */
  pointer: string;
  t: number[];
  mean: number[];
  /** The interval's bounds, both or neither. */
  lower: number[] | null;
  upper: number[] | null;
  /** The interval's confidence level in (0, 1); null when not given or without bounds. */
  level: number | null;
}

/** Whether a put made the record or replaced one of the same id. */
export type PutOutcome = 'created' | 'replaced';

/** What a scenario delete did: `in-use` when runs name it (then nothing is deleted). */
export type ScenarioDeleteOutcome = 'deleted' | 'missing' | 'in-use';

/** What adding a run did: `no-model` / `no-scenario` when those are missing (then nothing is kept). */
export type AddRunOutcome = 'added' | 'no-model' | 'no-scenario';

export interface ModelStore {
  /** Every model, in id order. */
  listModels(): Promise<ModelRecord[]>;
  getModel(id: string): Promise<ModelRecord | null>;
  /** Creates a model or replaces the one with its id (its runs stay). */
  putModel(model: ModelRecord): Promise<PutOutcome>;
  /** Deletes a model with its runs and their series; false when there was no such model. */
  deleteModel(id: string): Promise<boolean>;
  /** Every scenario, in id order. */
  listScenarios(): Promise<ScenarioRecord[]>;
  getScenario(id: string): Promise<ScenarioRecord | null>;
  putScenario(scenario: ScenarioRecord): Promise<PutOutcome>;
  /** Deletes a scenario unless a run names it. */
  deleteScenario(id: string): Promise<ScenarioDeleteOutcome>;
  /**
   * Keeps a run with its series, all or none, when its model (and its scenario, if any) exist.
   * Each (thingId, pointer) appears at most once in `series`.
   */
  addRun(run: RunRecord, series: readonly RunSeriesRecord[]): Promise<AddRunOutcome>;
  getRun(id: string): Promise<RunRecord | null>;
  /** The runs of a model, in id order (which is creation order for ids made by {@link runId}). */
  listRuns(modelId: string): Promise<RunRecord[]>;
  /** The series of a run, ordered by thingId then pointer (their columns included). */
  listRunSeries(runId: string): Promise<RunSeriesRecord[]>;
  /** One series of a run; null when the run has none for (thingId, pointer). */
  getRunSeries(runId: string, thingId: string, pointer: string): Promise<RunSeriesRecord | null>;
  /** Deletes a run with its series; false when there was no such run. */
  deleteRun(id: string): Promise<boolean>;
  close(): Promise<void>;
}

let lastMs = 0;
let counter = 0;

/** A new run id that sorts after every id made before it in this process: `run-<ms><n><random>`. */
export function runId(now: number = Date.now()): string {
  if (now > lastMs) {
    lastMs = now;
    counter = 0;
  } else counter++;
  const random = Math.floor(Math.random() * 36 ** 4);
  return `run-${lastMs.toString(36).padStart(11, '0')}${counter.toString(36).padStart(4, '0')}${random
    .toString(36)
    .padStart(4, '0')}`;
}
