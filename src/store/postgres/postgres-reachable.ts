// Whether a PostgreSQL server answers, asked once with a short timeout (tests and benchmarks decide
// from it whether their PostgreSQL runs can go ahead).
import pg from 'pg';

/** Null when the server at `url` answers `SELECT 1`; otherwise why not, in the driver's words. */
export async function postgresUnreachable(url: string): Promise<string | null> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
    return null;
  } catch (error) {
    if (error instanceof AggregateError) return error.errors.map(String).join('; ');
    return error instanceof Error ? error.message : String(error);
  } finally {
    await client.end().catch(() => undefined);
  }
}
