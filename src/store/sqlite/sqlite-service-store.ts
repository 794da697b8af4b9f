// The embedded ServiceStore: services, their leases and run log in `services.db` beside the journal.
import type Database from 'better-sqlite3';
import type { RunPage, RunRecord, ServiceRecord, ServiceStore } from '../service-store.js';
import { openStoreFile, storeWrite } from './sqlite-store-file.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS services (id TEXT PRIMARY KEY, next_due INTEGER, lease_holder TEXT,
  lease_until INTEGER, record TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS service_runs (service_id TEXT NOT NULL, run_id TEXT NOT NULL,
  record TEXT NOT NULL, PRIMARY KEY (service_id, run_id)) WITHOUT ROWID;
`;

interface Row {
  next_due: number | null;
  record: string;
}

const storing = <T>(write: () => T): T => storeWrite('service store', write);

function recordOf(row: Row): ServiceRecord {
  return { ...(JSON.parse(row.record) as Omit<ServiceRecord, 'nextDue'>), nextDue: row.next_due };
}

function withoutDue(service: ServiceRecord): string {
  const { nextDue: _nextDue, ...rest } = service;
  return JSON.stringify(rest);
}

export class SqliteServiceStore implements ServiceStore {
  private readonly db: Database.Database;

  constructor(path: string) {
    this.db = openStoreFile(path, SCHEMA);
  }

  async listServices(): Promise<ServiceRecord[]> {
    const rows = this.db
      .prepare('SELECT next_due, record FROM services ORDER BY id')
      .all() as Row[];
    return rows.map(recordOf);
  }

  async getService(id: string): Promise<ServiceRecord | null> {
    const row = this.db.prepare('SELECT next_due, record FROM services WHERE id = ?').get(id) as
      Row | undefined;
    return row === undefined ? null : recordOf(row);
  }

  async dueServices(now: number): Promise<ServiceRecord[]> {
    const rows = this.db
      .prepare(
        'SELECT next_due, record FROM services WHERE next_due IS NOT NULL AND next_due <= ? ORDER BY id',
      )
      .all(now) as Row[];
    return rows.map(recordOf);
  }

  async putService(service: ServiceRecord): Promise<boolean> {
    return storing(() =>
      this.db.transaction(() => {
        const existed =
          this.db.prepare('SELECT 1 FROM services WHERE id = ?').get(service.id) !== undefined;
        this.db
          .prepare(
            `INSERT INTO services (id, next_due, record) VALUES (?, ?, ?)
             ON CONFLICT (id) DO UPDATE SET next_due = excluded.next_due, record = excluded.record`,
          )
          .run(service.id, service.nextDue, withoutDue(service));
        return !existed;
      })(),
    );
  }

  async deleteService(id: string): Promise<boolean> {
    return storing(() =>
      this.db.transaction(() => {
        this.db.prepare('DELETE FROM service_runs WHERE service_id = ?').run(id);
        return this.db.prepare('DELETE FROM services WHERE id = ?').run(id).changes > 0;
      })(),
    );
  }

  async claim(
    serviceId: string,
    holder: string,
    dueAt: number,
    nextDue: number | null,
    now: number,
    leaseMs: number,
  ): Promise<boolean> {
    // One statement: the instant is taken and the schedule moved on together, or neither.
    return storing(
      () =>
        this.db
          .prepare(
            `UPDATE services SET next_due = ?, lease_holder = ?, lease_until = ?
             WHERE id = ? AND next_due = ? AND (lease_holder IS NULL OR lease_until < ?)`,
          )
          .run(nextDue, holder, now + leaseMs, serviceId, dueAt, now).changes === 1,
    );
  }

  async lease(serviceId: string, holder: string, now: number, leaseMs: number): Promise<boolean> {
    return storing(
      () =>
        this.db
          .prepare(
            `UPDATE services SET lease_holder = ?, lease_until = ?
             WHERE id = ? AND (lease_holder IS NULL OR lease_until < ?)`,
          )
          .run(holder, now + leaseMs, serviceId, now).changes === 1,
    );
  }

  async renew(serviceId: string, holder: string, until: number): Promise<boolean> {
    return storing(
      () =>
        this.db
          .prepare('UPDATE services SET lease_until = ? WHERE id = ? AND lease_holder = ?')
          .run(until, serviceId, holder).changes === 1,
    );
  }

  async release(serviceId: string, holder: string): Promise<void> {
    storing(() =>
      this.db
        .prepare(
          'UPDATE services SET lease_holder = NULL, lease_until = NULL WHERE id = ? AND lease_holder = ?',
        )
        .run(serviceId, holder),
    );
  }

  async putRun(run: RunRecord): Promise<void> {
    storing(() =>
      this.db
        .prepare(
          `INSERT OR REPLACE INTO service_runs (service_id, run_id, record)
           SELECT ?, ?, ? WHERE EXISTS (SELECT 1 FROM services WHERE id = ?)`,
        )
        .run(run.serviceId, run.runId, JSON.stringify(run), run.serviceId),
    );
  }

  async getRun(serviceId: string, runId: string): Promise<RunRecord | null> {
    const record = this.db
      .prepare('SELECT record FROM service_runs WHERE service_id = ? AND run_id = ?')
      .pluck()
      .get(serviceId, runId) as string | undefined;
    return record === undefined ? null : (JSON.parse(record) as RunRecord);
  }

  async listRuns(serviceId: string, page: RunPage): Promise<RunRecord[]> {
    const before = page.beforeRunId;
    const rows = this.db
      .prepare(
        `SELECT record FROM service_runs WHERE service_id = ?${before === undefined ? '' : ' AND run_id < ?'}
         ORDER BY run_id DESC LIMIT ?`,
      )
      .pluck()
      .all(...(before === undefined ? [serviceId] : [serviceId, before]), page.limit) as string[];
    return rows.map((r) => JSON.parse(r) as RunRecord);
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}
