// The cluster ServiceStore: services, their leases and run log in PostgreSQL, records as JSON text.
import type { RunPage, RunRecord, ServiceRecord, ServiceStore } from '../service-store.js';
import { PooledStore } from './pooled-store.js';
import type { PgPool } from './postgres-pool.js';

interface Row {
  next_due: number | null;
  record: string;
}

function recordOf(row: Row): ServiceRecord {
  return { ...(JSON.parse(row.record) as Omit<ServiceRecord, 'nextDue'>), nextDue: row.next_due };
}

/** The PostgreSQL {@link ServiceStore}, on the storage's pool (which it does not own). */
export class PostgresServiceStore extends PooledStore implements ServiceStore {
  constructor(pool: PgPool) {
    super(pool, 'the service store');
  }

  async listServices(): Promise<ServiceRecord[]> {
    const { rows } = await this.run<Row>(
      'SELECT next_due, record FROM services ORDER BY id',
      [],
      'listing services',
    );
    return rows.map(recordOf);
  }

  async getService(id: string): Promise<ServiceRecord | null> {
    const { rows } = await this.run<Row>(
      'SELECT next_due, record FROM services WHERE id = $1',
      [id],
      'reading a service',
    );
    return rows.length === 0 ? null : recordOf(rows[0]);
  }

  async dueServices(now: number): Promise<ServiceRecord[]> {
    const { rows } = await this.run<Row>(
      'SELECT next_due, record FROM services WHERE next_due <= $1 ORDER BY id',
      [now],
      'listing due services',
    );
    return rows.map(recordOf);
  }

  async putService(service: ServiceRecord): Promise<boolean> {
    const { nextDue, ...rest } = service;
    // `xmax = 0` tells an inserted row from an updated one.
    const { rows } = await this.run<{ inserted: boolean }>(
      `INSERT INTO services (id, next_due, record) VALUES ($1, $2, $3)
       ON CONFLICT (id) DO UPDATE SET next_due = excluded.next_due, record = excluded.record
       RETURNING (xmax = 0) AS inserted`,
      [service.id, nextDue, JSON.stringify(rest)],
      'writing a service',
    );
    return rows[0].inserted;
  }

  async deleteService(id: string): Promise<boolean> {
    // One statement: the runs go with the service.
    const { rows } = await this.run<{ n: number }>(
      `WITH gone AS (DELETE FROM service_runs WHERE service_id = $1)
       , service AS (DELETE FROM services WHERE id = $1 RETURNING 1)
       SELECT count(*)::int AS n FROM service`,
      [id],
      'deleting a service',
    );
    return rows[0].n > 0;
  }

  async claim(
    serviceId: string,
    holder: string,
    dueAt: number,
    nextDue: number | null,
    now: number,
    leaseMs: number,
  ): Promise<boolean> {
    // One statement: the row lock makes a second claimer re-check the condition after the first
    // committed, when next_due has moved and the lease is held, so it matches nothing.
    const result = await this.run(
      `UPDATE services SET next_due = $3, lease_holder = $2, lease_until = $4
       WHERE id = $1 AND next_due = $5 AND (lease_holder IS NULL OR lease_until < $6)
       RETURNING id`,
      [serviceId, holder, nextDue, now + leaseMs, dueAt, now],
      'claiming a service run',
    );
    return result.rows.length === 1;
  }

  async lease(serviceId: string, holder: string, now: number, leaseMs: number): Promise<boolean> {
    const result = await this.run(
      `UPDATE services SET lease_holder = $2, lease_until = $3
       WHERE id = $1 AND (lease_holder IS NULL OR lease_until < $4) RETURNING id`,
      [serviceId, holder, now + leaseMs, now],
      'leasing a service',
    );
    return result.rows.length === 1;
  }

  async renew(serviceId: string, holder: string, until: number): Promise<boolean> {
    const result = await this.run(
      'UPDATE services SET lease_until = $3 WHERE id = $1 AND lease_holder = $2 RETURNING id',
      [serviceId, holder, until],
      'renewing a service lease',
    );
    return result.rows.length === 1;
  }

  async release(serviceId: string, holder: string): Promise<void> {
    await this.run(
      'UPDATE services SET lease_holder = NULL, lease_until = NULL WHERE id = $1 AND lease_holder = $2',
      [serviceId, holder],
      'releasing a service lease',
    );
  }

  async putRun(run: RunRecord): Promise<void> {
    await this.run(
      `INSERT INTO service_runs (service_id, run_id, record)
         SELECT id, $2, $3 FROM services WHERE id = $1
       ON CONFLICT (service_id, run_id) DO UPDATE SET record = excluded.record`,
      [run.serviceId, run.runId, JSON.stringify(run)],
      'recording a service run',
    );
  }

  async getRun(serviceId: string, runId: string): Promise<RunRecord | null> {
    const [run] = await this.records<RunRecord>(
      'SELECT record FROM service_runs WHERE service_id = $1 AND run_id = $2',
      [serviceId, runId],
      'reading a service run',
    );
    return run ?? null;
  }

  async listRuns(serviceId: string, page: RunPage): Promise<RunRecord[]> {
    const before = page.beforeRunId;
    return this.records<RunRecord>(
      `SELECT record FROM service_runs WHERE service_id = $1${before === undefined ? '' : ' AND run_id < $3'}
       ORDER BY run_id DESC LIMIT $2`,
      before === undefined ? [serviceId, page.limit] : [serviceId, page.limit, before],
      'listing service runs',
    );
  }
}
