// The embedded ModelStore: models, scenarios, runs and their series in `models.db` beside the journal.
import type Database from 'better-sqlite3';
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
import { openStoreFile, storeWrite } from './sqlite-store-file.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS models (id TEXT PRIMARY KEY, record TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS scenarios (id TEXT PRIMARY KEY, record TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS model_runs (id TEXT PRIMARY KEY, model_id TEXT NOT NULL,
  scenario_id TEXT, record TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS model_runs_by_model ON model_runs (model_id, id);
CREATE INDEX IF NOT EXISTS model_runs_by_scenario ON model_runs (scenario_id);
CREATE TABLE IF NOT EXISTS model_run_series (run_id TEXT NOT NULL, thing_id TEXT NOT NULL,
  pointer TEXT NOT NULL, record TEXT NOT NULL, PRIMARY KEY (run_id, thing_id, pointer)) WITHOUT ROWID;
`;

const storing = <T>(write: () => T): T => storeWrite('model store', write);

export class SqliteModelStore implements ModelStore {
  private readonly db: Database.Database;

  constructor(path: string) {
    this.db = openStoreFile(path, SCHEMA);
  }

  private records<T>(sql: string, ...values: unknown[]): T[] {
    return (
      this.db
        .prepare(sql)
        .pluck()
        .all(...values) as string[]
    ).map((r) => JSON.parse(r) as T);
  }

  private record<T>(sql: string, ...values: unknown[]): T | null {
    const text = this.db
      .prepare(sql)
      .pluck()
      .get(...values) as string | undefined;
    return text === undefined ? null : (JSON.parse(text) as T);
  }

  private put(table: 'models' | 'scenarios', id: string, record: object): PutOutcome {
    return storing(() =>
      this.db.transaction((): PutOutcome => {
        const existed = this.db.prepare(`SELECT 1 FROM ${table} WHERE id = ?`).get(id);
        this.db
          .prepare(`INSERT OR REPLACE INTO ${table} (id, record) VALUES (?, ?)`)
          .run(id, JSON.stringify(record));
        return existed === undefined ? 'created' : 'replaced';
      })(),
    );
  }

  async listModels(): Promise<ModelRecord[]> {
    return this.records('SELECT record FROM models ORDER BY id');
  }

  async getModel(id: string): Promise<ModelRecord | null> {
    return this.record('SELECT record FROM models WHERE id = ?', id);
  }

  async putModel(model: ModelRecord): Promise<PutOutcome> {
    return this.put('models', model.id, model);
  }

  async deleteModel(id: string): Promise<boolean> {
    return storing(() =>
      this.db.transaction(() => {
        this.db
          .prepare(
            'DELETE FROM model_run_series WHERE run_id IN (SELECT id FROM model_runs WHERE model_id = ?)',
          )
          .run(id);
        this.db.prepare('DELETE FROM model_runs WHERE model_id = ?').run(id);
        return this.db.prepare('DELETE FROM models WHERE id = ?').run(id).changes > 0;
      })(),
    );
  }

  async listScenarios(): Promise<ScenarioRecord[]> {
    return this.records('SELECT record FROM scenarios ORDER BY id');
  }

  async getScenario(id: string): Promise<ScenarioRecord | null> {
    return this.record('SELECT record FROM scenarios WHERE id = ?', id);
  }

  async putScenario(scenario: ScenarioRecord): Promise<PutOutcome> {
    return this.put('scenarios', scenario.id, scenario);
  }

  async deleteScenario(id: string): Promise<ScenarioDeleteOutcome> {
    return storing(() =>
      this.db.transaction((): ScenarioDeleteOutcome => {
        if (this.db.prepare('SELECT 1 FROM model_runs WHERE scenario_id = ? LIMIT 1').get(id))
          return 'in-use';
        return this.db.prepare('DELETE FROM scenarios WHERE id = ?').run(id).changes > 0
          ? 'deleted'
          : 'missing';
      })(),
    );
  }

  async addRun(run: RunRecord, series: readonly RunSeriesRecord[]): Promise<AddRunOutcome> {
    return storing(() =>
      this.db.transaction((): AddRunOutcome => {
        if (!this.db.prepare('SELECT 1 FROM models WHERE id = ?').get(run.modelId))
          return 'no-model';
        if (
          run.scenarioId !== null &&
          !this.db.prepare('SELECT 1 FROM scenarios WHERE id = ?').get(run.scenarioId)
        )
          return 'no-scenario';
        this.db
          .prepare('INSERT INTO model_runs (id, model_id, scenario_id, record) VALUES (?, ?, ?, ?)')
          .run(run.id, run.modelId, run.scenarioId, JSON.stringify(run));
        const insert = this.db.prepare(
          'INSERT INTO model_run_series (run_id, thing_id, pointer, record) VALUES (?, ?, ?, ?)',
        );
        for (const s of series) insert.run(run.id, s.thingId, s.pointer, seriesColumns(s));
        return 'added';
      })(),
    );
  }

  async getRun(id: string): Promise<RunRecord | null> {
    return this.record('SELECT record FROM model_runs WHERE id = ?', id);
  }

  async listRuns(modelId: string): Promise<RunRecord[]> {
    return this.records('SELECT record FROM model_runs WHERE model_id = ? ORDER BY id', modelId);
  }

  async listRunSeries(runId: string): Promise<RunSeriesRecord[]> {
    const rows = this.db
      .prepare(
        'SELECT run_id, thing_id, pointer, record FROM model_run_series WHERE run_id = ? ORDER BY thing_id, pointer',
      )
      .all(runId) as RunSeriesRow[];
    return rows.map(seriesOfRow);
  }

  async getRunSeries(
    runId: string,
    thingId: string,
    pointer: string,
  ): Promise<RunSeriesRecord | null> {
    const row = this.db
      .prepare(
        'SELECT run_id, thing_id, pointer, record FROM model_run_series WHERE run_id = ? AND thing_id = ? AND pointer = ?',
      )
      .get(runId, thingId, pointer) as RunSeriesRow | undefined;
    return row === undefined ? null : seriesOfRow(row);
  }

  async deleteRun(id: string): Promise<boolean> {
    return storing(() =>
      this.db.transaction(() => {
        this.db.prepare('DELETE FROM model_run_series WHERE run_id = ?').run(id);
        return this.db.prepare('DELETE FROM model_runs WHERE id = ?').run(id).changes > 0;
      })(),
    );
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}
