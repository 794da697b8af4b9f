// The cluster ModelStore: models, scenarios, runs and their series in PostgreSQL, records as JSON text.
import type {
  AddRunOutcome,
  ModelRecord,
  ModelStore,
  PutOutcome,
  RunRecord,
  RunSeriesRecord,
  ScenarioDeleteOutcome,
  ScenarioRecord,
} from '../model-store.js';
import { seriesColumns, seriesOfRow, type RunSeriesRow } from '../model-store-rows.js';
import { PooledStore } from './pooled-store.js';
import type { PgPool } from './postgres-pool.js';

/**
 * The PostgreSQL {@link ModelStore}, on the storage's pool (which it does not own). Foreign keys
 * delete a model's runs and a run's series with them, and keep a scenario that runs name.
 */
export class PostgresModelStore extends PooledStore implements ModelStore {
  constructor(pool: PgPool) {
    super(pool, 'the model store');
  }

  private async one<T>(sql: string, values: unknown[], what: string): Promise<T | null> {
    const [record] = await this.records<T>(sql, values, what);
    return record ?? null;
  }

  private async put(table: 'models' | 'scenarios', id: string, record: object, what: string) {
    // xmax is 0 for a row this statement inserted, and not for one it updated.
    const { rows } = await this.run<{ created: boolean }>(
      `INSERT INTO ${table} (id, record) VALUES ($1, $2)
       ON CONFLICT (id) DO UPDATE SET record = excluded.record RETURNING (xmax = 0) AS created`,
      [id, JSON.stringify(record)],
      what,
    );
    return (rows[0].created ? 'created' : 'replaced') as PutOutcome;
  }

  async listModels(): Promise<ModelRecord[]> {
    return this.records('SELECT record FROM models ORDER BY id', [], 'listing models');
  }

  async getModel(id: string): Promise<ModelRecord | null> {
    return this.one('SELECT record FROM models WHERE id = $1', [id], 'reading a model');
  }

  async putModel(model: ModelRecord): Promise<PutOutcome> {
    return this.put('models', model.id, model, 'writing a model');
  }

  async deleteModel(id: string): Promise<boolean> {
    const result = await this.run('DELETE FROM models WHERE id = $1', [id], 'deleting a model');
    return (result.rowCount ?? 0) > 0;
  }

  async listScenarios(): Promise<ScenarioRecord[]> {
    return this.records('SELECT record FROM scenarios ORDER BY id', [], 'listing scenarios');
  }

  async getScenario(id: string): Promise<ScenarioRecord | null> {
    return this.one('SELECT record FROM scenarios WHERE id = $1', [id], 'reading a scenario');
  }

  async putScenario(scenario: ScenarioRecord): Promise<PutOutcome> {
    return this.put('scenarios', scenario.id, scenario, 'writing a scenario');
  }

  async deleteScenario(id: string): Promise<ScenarioDeleteOutcome> {
    const { rows } = await this.run<{ used: boolean; n: number }>(
      `WITH used AS (SELECT EXISTS (SELECT 1 FROM model_runs WHERE scenario_id = $1) AS yes)
       , gone AS (DELETE FROM scenarios WHERE id = $1 AND NOT (SELECT yes FROM used) RETURNING 1)
       SELECT (SELECT yes FROM used) AS used, (SELECT count(*)::int FROM gone) AS n`,
      [id],
      'deleting a scenario',
    );
    if (rows[0].used) return 'in-use';
    return rows[0].n > 0 ? 'deleted' : 'missing';
  }

  async addRun(run: RunRecord, series: readonly RunSeriesRecord[]): Promise<AddRunOutcome> {
    // One statement, so the run and its series are kept together or not at all.
    const { rows } = await this.run<{ model: boolean; scenario: boolean }>(
      `WITH m AS (SELECT EXISTS (SELECT 1 FROM models WHERE id = $2) AS ok)
       , s AS (SELECT $3::text IS NULL OR EXISTS (SELECT 1 FROM scenarios WHERE id = $3::text) AS ok)
       , run AS (INSERT INTO model_runs (id, model_id, scenario_id, record)
           SELECT $1, $2, $3::text, $4 FROM m, s WHERE m.ok AND s.ok RETURNING id)
       , kept AS (INSERT INTO model_run_series (run_id, thing_id, pointer, record)
           SELECT run.id, u.thing_id, u.pointer, u.record
           FROM run, unnest($5::text[], $6::text[], $7::text[]) AS u(thing_id, pointer, record))
       SELECT m.ok AS model, s.ok AS scenario FROM m, s`,
      [
        run.id,
        run.modelId,
        run.scenarioId,
        JSON.stringify(run),
        series.map((s) => s.thingId),
        series.map((s) => s.pointer),
        series.map(seriesColumns),
      ],
      'adding a model run',
    );
    if (!rows[0].model) return 'no-model';
    return rows[0].scenario ? 'added' : 'no-scenario';
  }

  async getRun(id: string): Promise<RunRecord | null> {
    return this.one('SELECT record FROM model_runs WHERE id = $1', [id], 'reading a model run');
  }

  async listRuns(modelId: string): Promise<RunRecord[]> {
    return this.records(
      'SELECT record FROM model_runs WHERE model_id = $1 ORDER BY id',
      [modelId],
      'listing model runs',
    );
  }

  async listRunSeries(runId: string): Promise<RunSeriesRecord[]> {
    const { rows } = await this.run<RunSeriesRow>(
      `SELECT run_id, thing_id, pointer, record FROM model_run_series WHERE run_id = $1
       ORDER BY thing_id, pointer`,
      [runId],
      'listing the series of a model run',
    );
    return rows.map(seriesOfRow);
  }

  async getRunSeries(
    runId: string,
    thingId: string,
    pointer: string,
  ): Promise<RunSeriesRecord | null> {
    const { rows } = await this.run<RunSeriesRow>(
      `SELECT run_id, thing_id, pointer, record FROM model_run_series
       WHERE run_id = $1 AND thing_id = $2 AND pointer = $3`,
      [runId, thingId, pointer],
      'reading a series of a model run',
    );
    return rows.length === 0 ? null : seriesOfRow(rows[0]);
  }

  async deleteRun(id: string): Promise<boolean> {
    const result = await this.run(
      'DELETE FROM model_runs WHERE id = $1',
      [id],
      'deleting a model run',
    );
    return (result.rowCount ?? 0) > 0;
  }
}
