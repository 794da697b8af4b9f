// The cluster IngestStore: specs and dead letters in PostgreSQL, each record kept whole as JSON text.
import type {
  DeadLetterFilter,
  DeadLetterPage,
  DeadLetterRecord,
  IngestSpecRecord,
  IngestStore,
} from '../ingest-store.js';
import { deadLetterWhere } from '../ingest-store-rows.js';
import { PooledStore } from './pooled-store.js';
import type { PgPool } from './postgres-pool.js';

/** The PostgreSQL {@link IngestStore}, on the storage's pool (which it does not own). */
export class PostgresIngestStore extends PooledStore implements IngestStore {
  constructor(pool: PgPool) {
    super(pool, 'the ingest store');
  }

  async listSpecs(): Promise<IngestSpecRecord[]> {
    return this.records<IngestSpecRecord>(
      'SELECT record FROM ingest_specs ORDER BY spec_id',
      [],
      'listing ingest specs',
    );
  }

  async putSpec(spec: IngestSpecRecord): Promise<void> {
    await this.run(
      `INSERT INTO ingest_specs (spec_id, record) VALUES ($1, $2)
       ON CONFLICT (spec_id) DO UPDATE SET record = excluded.record`,
      [spec.specId, JSON.stringify(spec)],
      'writing an ingest spec',
    );
  }

  async deleteSpec(specId: string): Promise<boolean> {
    const result = await this.run(
      'DELETE FROM ingest_specs WHERE spec_id = $1',
      [specId],
      'deleting an ingest spec',
    );
    return (result.rowCount ?? 0) > 0;
  }

  async putDeadLetters(letters: DeadLetterRecord[]): Promise<void> {
    if (letters.length === 0) return;
    // One statement: all of them or none.
    await this.run(
      `INSERT INTO dead_letters (id, spec_id, reason, received, record)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::text[])
       ON CONFLICT (id) DO UPDATE SET spec_id = excluded.spec_id, reason = excluded.reason,
         received = excluded.received, record = excluded.record`,
      [
        letters.map((l) => l.id),
        letters.map((l) => l.specId),
        letters.map((l) => l.reason),
        letters.map((l) => l.received),
        letters.map((l) => JSON.stringify(l)),
      ],
      'writing dead letters',
    );
  }

  async getDeadLetter(id: string): Promise<DeadLetterRecord | null> {
    const [letter] = await this.records<DeadLetterRecord>(
      'SELECT record FROM dead_letters WHERE id = $1',
      [id],
      'reading a dead letter',
    );
    return letter ?? null;
  }

  async listDeadLetters(page: DeadLetterPage): Promise<DeadLetterRecord[]> {
    const { where, values } = deadLetterWhere(page, (n) => `$${n}`);
    return this.records<DeadLetterRecord>(
      `SELECT record FROM dead_letters ${where} ORDER BY id LIMIT $${values.length + 1}`,
      [...values, page.limit],
      'listing dead letters',
    );
  }

  async deleteDeadLetters(filter: DeadLetterFilter & { ids?: string[] }): Promise<number> {
    const { where, values } = deadLetterWhere(filter, (n) => `$${n}`);
    const result = await this.run(
      `DELETE FROM dead_letters ${where}`,
      values,
      'purging dead letters',
    );
    return result.rowCount ?? 0;
  }
}
