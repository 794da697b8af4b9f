// The embedded BehaviourStore: twin types, the alerts projection, pending assessments, fork and job
// records in `behaviour.db` beside the journal.
import type Database from 'better-sqlite3';
import type {
  AlertPage,
  AlertQuery,
  AlertRecord,
  BehaviourStore,
  ForkRecordRow,
  JobRow,
  JobSummaryRow,
  TwinPendingAssessments,
  TypeRecord,
} from '../behaviour-store.js';
import {
  ALERT_COLUMNS,
  ALERT_ORDER,
  alertConditions,
  alertOfRow,
  alertPage,
  alertValues,
  lastPerId,
  lastPerTwin,
  PENDING_SELECT,
  pendingOfRows,
  type AlertRow,
  type PendingAssessmentRow,
} from '../behaviour-store-rows.js';
import { openStoreFile, storeWrite } from './sqlite-store-file.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS behaviour_types (id TEXT PRIMARY KEY, namespace TEXT NOT NULL,
  document TEXT NOT NULL, created INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS behaviour_types_by_namespace ON behaviour_types (namespace, id);
CREATE TABLE IF NOT EXISTS alerts (id TEXT PRIMARY KEY, thing_id TEXT NOT NULL,
  namespace TEXT NOT NULL, type TEXT NOT NULL, assessment TEXT NOT NULL, severity TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('active', 'acknowledged', 'resolved')),
  raised_at INTEGER NOT NULL, raised_revision INTEGER NOT NULL, resolved_at INTEGER,
  resolved_revision INTEGER, acknowledged_at INTEGER, acknowledged_by TEXT, note TEXT);
CREATE INDEX IF NOT EXISTS alerts_by_raised ON alerts (raised_at DESC, id DESC);
CREATE INDEX IF NOT EXISTS alerts_by_thing ON alerts (thing_id, raised_at DESC, id DESC);
CREATE INDEX IF NOT EXISTS alerts_by_namespace ON alerts (namespace);
CREATE TABLE IF NOT EXISTS alert_position (id INTEGER PRIMARY KEY CHECK (id = 1),
  position INTEGER NOT NULL);
INSERT OR IGNORE INTO alert_position (id, position) VALUES (1, 0);
CREATE TABLE IF NOT EXISTS pending_assessments (thing_id TEXT NOT NULL, assessment TEXT NOT NULL,
  type TEXT NOT NULL, since INTEGER NOT NULL, due INTEGER NOT NULL,
  PRIMARY KEY (thing_id, assessment)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS forks (namespace TEXT PRIMARY KEY, record TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS job_records (seq INTEGER PRIMARY KEY, kind TEXT NOT NULL,
  id TEXT NOT NULL, owner TEXT NOT NULL, created INTEGER NOT NULL, record TEXT NOT NULL,
  detail TEXT, UNIQUE (kind, id));
CREATE INDEX IF NOT EXISTS job_records_by_created ON job_records (kind, created DESC, seq DESC);
`;

const storing = <T>(write: () => T): T => storeWrite('behaviour store', write);

const UPSERT = `INSERT INTO alerts (${ALERT_COLUMNS.join(', ')})
  VALUES (${ALERT_COLUMNS.map(() => '?').join(', ')})
  ON CONFLICT (id) DO UPDATE SET ${ALERT_COLUMNS.slice(1)
    .map((c) => `${c} = excluded.${c}`)
    .join(', ')}`;

export class SqliteBehaviourStore implements BehaviourStore {
  private readonly db: Database.Database;

  constructor(path: string) {
    this.db = openStoreFile(path, SCHEMA);
  }

  async listTypes(namespaces?: readonly string[] | null): Promise<TypeRecord[]> {
    const list = namespaces ?? null;
    if (list !== null && list.length === 0) return [];
    const where = list === null ? '' : ` WHERE namespace IN (${list.map(() => '?').join(', ')})`;
    return this.db
      .prepare(`SELECT id, namespace, document, created FROM behaviour_types${where} ORDER BY id`)
      .all(...(list ?? [])) as TypeRecord[];
  }

  async getType(id: string): Promise<TypeRecord | null> {
    const row = this.db
      .prepare('SELECT id, namespace, document, created FROM behaviour_types WHERE id = ?')
      .get(id) as TypeRecord | undefined;
    return row ?? null;
  }

  async createType(type: TypeRecord): Promise<boolean> {
    return storing(
      () =>
        this.db
          .prepare(
            `INSERT INTO behaviour_types (id, namespace, document, created) VALUES (?, ?, ?, ?)
             ON CONFLICT (id) DO NOTHING`,
          )
          .run(type.id, type.namespace, type.document, type.created).changes === 1,
    );
  }

  async deleteType(id: string): Promise<boolean> {
    return storing(
      () => this.db.prepare('DELETE FROM behaviour_types WHERE id = ?').run(id).changes > 0,
    );
  }

  async applyAlerts(alerts: readonly AlertRecord[], position: number): Promise<void> {
    storing(() =>
      this.db.transaction(() => {
        const upsert = this.db.prepare(UPSERT);
        for (const alert of lastPerId(alerts)) upsert.run(...alertValues(alert));
        this.db.prepare('UPDATE alert_position SET position = ? WHERE id = 1').run(position);
      })(),
    );
  }

  async alertPosition(): Promise<number> {
    return this.db
      .prepare('SELECT position FROM alert_position WHERE id = 1')
      .pluck()
      .get() as number;
  }

  async getAlert(id: string): Promise<AlertRecord | null> {
    const row = this.db
      .prepare(`SELECT ${ALERT_COLUMNS.join(', ')} FROM alerts WHERE id = ?`)
      .get(id) as AlertRow | undefined;
    return row === undefined ? null : alertOfRow(row);
  }

  async listAlerts(query: AlertQuery): Promise<AlertPage> {
    const values: unknown[] = [];
    const where = alertConditions(query, (value) => {
      values.push(value);
      return '?';
    });
    if (where === null) return { items: [] };
    const rows = this.db
      .prepare(
        `SELECT ${ALERT_COLUMNS.join(', ')} FROM alerts WHERE ${where} ORDER BY ${ALERT_ORDER} LIMIT ?`,
      )
      .all(...values, query.limit + 1) as AlertRow[];
    return alertPage(query, rows);
  }

  async deleteAlertsOfNamespace(namespace: string): Promise<number> {
    return storing(
      () => this.db.prepare('DELETE FROM alerts WHERE namespace = ?').run(namespace).changes,
    );
  }

  async replacePendingAssessments(twins: readonly TwinPendingAssessments[]): Promise<void> {
    storing(() =>
      this.db.transaction(() => {
        const remove = this.db.prepare('DELETE FROM pending_assessments WHERE thing_id = ?');
        const insert = this.db.prepare(
          `INSERT INTO pending_assessments (thing_id, assessment, type, since, due)
           VALUES (?, ?, ?, ?, ?)`,
        );
        for (const { thingId, assessments } of lastPerTwin(twins)) {
          remove.run(thingId);
          for (const { assessment, type, since, due } of assessments)
            insert.run(thingId, assessment, type, since, due);
        }
      })(),
    );
  }

  async listPendingAssessments(): Promise<TwinPendingAssessments[]> {
    return pendingOfRows(this.db.prepare(PENDING_SELECT).all() as PendingAssessmentRow[]);
  }

  async putFork(fork: ForkRecordRow): Promise<void> {
    storing(() =>
      this.db
        .prepare(
          `INSERT INTO forks (namespace, record) VALUES (?, ?)
           ON CONFLICT (namespace) DO UPDATE SET record = excluded.record`,
        )
        .run(fork.namespace, fork.record),
    );
  }

  async listForks(): Promise<ForkRecordRow[]> {
    return this.db
      .prepare('SELECT namespace, record FROM forks ORDER BY namespace')
      .all() as ForkRecordRow[];
  }

  async deleteFork(namespace: string): Promise<boolean> {
    return storing(
      () => this.db.prepare('DELETE FROM forks WHERE namespace = ?').run(namespace).changes === 1,
    );
  }

  async putJob(job: JobRow): Promise<void> {
    storing(() =>
      this.db
        .prepare(
          `INSERT INTO job_records (kind, id, owner, created, record, detail)
           VALUES (?, ?, ?, ?, ?, ?)
           ON CONFLICT (kind, id) DO UPDATE SET owner = excluded.owner,
             created = excluded.created, record = excluded.record, detail = excluded.detail`,
        )
        .run(job.kind, job.id, job.owner, job.created, job.record, job.detail),
    );
  }

  async getJob(kind: string, id: string): Promise<JobRow | null> {
    const row = this.db
      .prepare(
        `SELECT kind, id, owner, created, record, detail FROM job_records
         WHERE kind = ? AND id = ?`,
      )
      .get(kind, id) as JobRow | undefined;
    return row ?? null;
  }

  async listJobs(kind: string): Promise<JobSummaryRow[]> {
    return this.db
      .prepare(
        `SELECT kind, id, owner, created, record FROM job_records WHERE kind = ?
         ORDER BY created DESC, seq DESC`,
      )
      .all(kind) as JobSummaryRow[];
  }

  async trimJobs(kind: string, keep: number): Promise<number> {
    return storing(
      () =>
        this.db
          .prepare(
            `DELETE FROM job_records WHERE kind = ? AND seq NOT IN (SELECT seq FROM job_records
               WHERE kind = ? ORDER BY created DESC, seq DESC LIMIT ?)`,
          )
          .run(kind, kind, Math.max(0, keep)).changes,
    );
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}
