// The cluster BehaviourStore: twin types and the alerts projection in PostgreSQL (migration 12),
// fork records (13), job records (14) and pending assessments (15).
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
import { PooledStore } from './pooled-store.js';
import type { PgPool } from './postgres-pool.js';

/** The array type each of {@link ALERT_COLUMNS} is sent as. */
const ALERT_ARRAY_TYPES: Record<(typeof ALERT_COLUMNS)[number], string> = {
  id: 'text[]',
  thing_id: 'text[]',
  namespace: 'text[]',
  type: 'text[]',
  assessment: 'text[]',
  severity: 'text[]',
  state: 'text[]',
  raised_at: 'bigint[]',
  raised_revision: 'bigint[]',
  resolved_at: 'bigint[]',
  resolved_revision: 'bigint[]',
  acknowledged_at: 'bigint[]',
  acknowledged_by: 'text[]',
  note: 'text[]',
};

const COLUMNS = ALERT_COLUMNS.join(', ');

// One statement, so the alerts and the position move together or not at all; the position's
// UPDATE runs even when the batch is empty (a data-modifying CTE always runs).
const APPLY = `WITH moved AS (UPDATE alert_position SET position = $1 WHERE id = 1)
INSERT INTO alerts (${COLUMNS})
  SELECT * FROM unnest(${ALERT_COLUMNS.map((c, i) => `$${i + 2}::${ALERT_ARRAY_TYPES[c]}`).join(', ')})
    AS u(${COLUMNS})
ON CONFLICT (id) DO UPDATE SET ${ALERT_COLUMNS.slice(1)
  .map((c) => `${c} = excluded.${c}`)
  .join(', ')}`;

// One statement, so that each twin's rows are replaced whole or not at all: the rows of the twins
// given that the batch does not hold are deleted, the others upserted (no row is both).
const REPLACE_PENDING = `WITH given AS (
  SELECT * FROM unnest($2::text[], $3::text[], $4::text[], $5::bigint[], $6::bigint[])
    AS u(thing_id, assessment, type, since, due)
), gone AS (
  DELETE FROM pending_assessments p WHERE p.thing_id = ANY($1::text[]) AND NOT EXISTS (
    SELECT 1 FROM given g WHERE g.thing_id = p.thing_id AND g.assessment = p.assessment)
)
INSERT INTO pending_assessments (thing_id, assessment, type, since, due) SELECT * FROM given
ON CONFLICT (thing_id, assessment) DO UPDATE SET type = excluded.type, since = excluded.since,
  due = excluded.due`;

/** The PostgreSQL {@link BehaviourStore}, on the storage's pool (which it does not own). */
export class PostgresBehaviourStore extends PooledStore implements BehaviourStore {
  constructor(pool: PgPool) {
    super(pool, 'the behaviour store');
  }

  async listTypes(namespaces?: readonly string[] | null): Promise<TypeRecord[]> {
    const list = namespaces ?? null;
    if (list !== null && list.length === 0) return [];
    const { rows } = await this.run<TypeRecord>(
      `SELECT id, namespace, document, created FROM behaviour_types
       ${list === null ? '' : 'WHERE namespace = ANY($1::text[])'} ORDER BY id`,
      list === null ? [] : [list],
      'listing types',
    );
    return rows;
  }

  async getType(id: string): Promise<TypeRecord | null> {
    const { rows } = await this.run<TypeRecord>(
      'SELECT id, namespace, document, created FROM behaviour_types WHERE id = $1',
      [id],
      'reading a type',
    );
    return rows[0] ?? null;
  }

  async createType(type: TypeRecord): Promise<boolean> {
    const { rows } = await this.run(
      `INSERT INTO behaviour_types (id, namespace, document, created) VALUES ($1, $2, $3, $4)
       ON CONFLICT (id) DO NOTHING RETURNING id`,
      [type.id, type.namespace, type.document, type.created],
      'creating a type',
    );
    return rows.length === 1;
  }

  async deleteType(id: string): Promise<boolean> {
    const { rows } = await this.run(
      'DELETE FROM behaviour_types WHERE id = $1 RETURNING id',
      [id],
      'deleting a type',
    );
    return rows.length === 1;
  }

  async applyAlerts(alerts: readonly AlertRecord[], position: number): Promise<void> {
    const rows = lastPerId(alerts).map(alertValues);
    const columns = ALERT_COLUMNS.map((_, i) => rows.map((row) => row[i]));
    await this.run(APPLY, [position, ...columns], 'applying alerts');
  }

  async alertPosition(): Promise<number> {
    const { rows } = await this.run<{ position: number }>(
      'SELECT position FROM alert_position WHERE id = 1',
      [],
      'reading the alerts position',
    );
    return rows[0].position;
  }

  async getAlert(id: string): Promise<AlertRecord | null> {
    const { rows } = await this.run<AlertRow>(
      `SELECT ${COLUMNS} FROM alerts WHERE id = $1`,
      [id],
      'reading an alert',
    );
    return rows.length === 0 ? null : alertOfRow(rows[0]);
  }

  async listAlerts(query: AlertQuery): Promise<AlertPage> {
    const values: unknown[] = [];
    const where = alertConditions(query, (value) => {
      values.push(value);
      return `$${values.length}`;
    });
    if (where === null) return { items: [] };
    values.push(query.limit + 1);
    const { rows } = await this.run<AlertRow>(
      `SELECT ${COLUMNS} FROM alerts WHERE ${where} ORDER BY ${ALERT_ORDER} LIMIT $${values.length}`,
      values,
      'listing alerts',
    );
    return alertPage(query, rows);
  }

  async deleteAlertsOfNamespace(namespace: string): Promise<number> {
    const { rowCount } = await this.run(
      'DELETE FROM alerts WHERE namespace = $1',
      [namespace],
      'deleting the alerts of a namespace',
    );
    return rowCount ?? 0;
  }

  async replacePendingAssessments(twins: readonly TwinPendingAssessments[]): Promise<void> {
    const batch = lastPerTwin(twins);
    if (batch.length === 0) return;
    const columns: unknown[][] = [[], [], [], [], []];
    for (const { thingId, assessments } of batch)
      for (const { assessment, type, since, due } of assessments) {
        columns[0].push(thingId);
        columns[1].push(assessment);
        columns[2].push(type);
        columns[3].push(since);
        columns[4].push(due);
      }
    await this.run(
      REPLACE_PENDING,
      [batch.map((twin) => twin.thingId), ...columns],
      'replacing pending assessments',
    );
  }

  async listPendingAssessments(): Promise<TwinPendingAssessments[]> {
    const { rows } = await this.run<PendingAssessmentRow>(
      PENDING_SELECT,
      [],
      'listing pending assessments',
    );
    return pendingOfRows(rows);
  }

  async putFork(fork: ForkRecordRow): Promise<void> {
    await this.run(
      `INSERT INTO forks (namespace, record) VALUES ($1, $2)
       ON CONFLICT (namespace) DO UPDATE SET record = EXCLUDED.record`,
      [fork.namespace, fork.record],
      'storing a fork',
    );
  }

  async listForks(): Promise<ForkRecordRow[]> {
    const { rows } = await this.run<ForkRecordRow>(
      'SELECT namespace, record FROM forks ORDER BY namespace',
      [],
      'listing forks',
    );
    return rows;
  }

  async deleteFork(namespace: string): Promise<boolean> {
    const { rows } = await this.run(
      'DELETE FROM forks WHERE namespace = $1 RETURNING namespace',
      [namespace],
      'deleting a fork',
    );
    return rows.length === 1;
  }

  async putJob(job: JobRow): Promise<void> {
    await this.run(
      `INSERT INTO job_records (kind, id, owner, created, record, detail)
       VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (kind, id) DO UPDATE SET owner = EXCLUDED.owner, created = EXCLUDED.created,
         record = EXCLUDED.record, detail = EXCLUDED.detail`,
      [job.kind, job.id, job.owner, job.created, job.record, job.detail],
      'storing a job record',
    );
  }

  async getJob(kind: string, id: string): Promise<JobRow | null> {
    const { rows } = await this.run<JobRow>(
      `SELECT kind, id, owner, created, record, detail FROM job_records
       WHERE kind = $1 AND id = $2`,
      [kind, id],
      'reading a job record',
    );
    return rows[0] ?? null;
  }

  async listJobs(kind: string): Promise<JobSummaryRow[]> {
    const { rows } = await this.run<JobSummaryRow>(
      `SELECT kind, id, owner, created, record FROM job_records WHERE kind = $1
       ORDER BY created DESC, seq DESC`,
      [kind],
      'listing job records',
    );
    return rows;
  }

  async trimJobs(kind: string, keep: number): Promise<number> {
    const { rowCount } = await this.run(
      `DELETE FROM job_records WHERE kind = $1 AND seq NOT IN (SELECT seq FROM job_records
         WHERE kind = $1 ORDER BY created DESC, seq DESC LIMIT $2)`,
      [kind, Math.max(0, keep)],
      'trimming job records',
    );
    return rowCount ?? 0;
  }
}
