// Series as Apache Parquet: the same columns an answer has in JSON, one Parquet column each.
import { parquetReadObjects } from 'hyparquet';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { errors } from '../core/error-registry.js';
import type { SeriesValue } from '../store/series-store.js';

type ParquetType = 'INT64' | 'DOUBLE' | 'BOOLEAN' | 'STRING';

/** The Parquet type of a column: `t` and `count` are INT64; the rest by the values they hold. */
function typeOf(name: string, values: readonly (SeriesValue | null)[]): ParquetType {
  if (name === 't' || name === 'count') return 'INT64';
  for (const value of values) {
    if (typeof value === 'string') return 'STRING';
    if (typeof value === 'boolean') return 'BOOLEAN';
  }
  return 'DOUBLE';
}

/**
 * A Parquet file of column-wise data (nulls are Parquet nulls); `prefix` columns (e.g. thingId,
 * pointer) repeat their value on every row. Several parts (one per series) are stacked.
 */
export function columnsToParquet(
  parts: readonly {
    columns: Record<string, readonly (SeriesValue | null)[]>;
    prefix?: Record<string, string>;
  }[],
): Buffer {
  const names: string[] = [];
  for (const part of parts)
    for (const name of [...Object.keys(part.prefix ?? {}), ...Object.keys(part.columns)])
      if (!names.includes(name)) names.push(name);
  const data = new Map<string, (SeriesValue | null)[]>(names.map((name) => [name, []]));
  for (const part of parts) {
    const length = part.columns.t?.length ?? 0;
    for (const name of names) {
      const out = data.get(name) as (SeriesValue | null)[];
      const fixed = part.prefix?.[name];
      const column = part.columns[name];
      for (let i = 0; i < length; i++) out.push(fixed ?? column?.[i] ?? null);
    }
  }
  const buffer = parquetWriteBuffer({
    columnData: names.map((name) => {
      const values = data.get(name) as (SeriesValue | null)[];
      const type = typeOf(name, values);
      // INT64 columns take bigints.
      const column =
        type === 'INT64' ? values.map((v) => (v === null ? null : BigInt(v as number))) : values;
      return { name, data: column, type };
    }),
  });
  return Buffer.from(buffer);
}

/** A time of a Parquet row as epoch ms: INT64/INT32 numbers, or TIMESTAMP columns (Dates). */
function timeOf(value: unknown): number | null {
  if (value instanceof Date) return value.getTime();
  if (typeof value === 'bigint') return Number.isSafeInteger(Number(value)) ? Number(value) : null;
  return typeof value === 'number' && Number.isSafeInteger(value) ? value : null;
}

/**
 * The points of a backfill upload in Parquet: a time column (`t` or `timestamp`, epoch ms or a
 * TIMESTAMP) and a value column (`v` or `value`: numbers, booleans or strings). Throws
 * `timeseries:body.invalid` naming the row or column at fault.
 */
export async function parseBackfillParquet(
  body: Buffer,
): Promise<{ t: number[]; v: SeriesValue[] }> {
  let rows: Record<string, unknown>[];
  try {
    const file = body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength);
    rows = (await parquetReadObjects({ file: file as ArrayBuffer })) as Record<string, unknown>[];
  } catch (error) {
    throw errors.seriesBodyInvalid('/', `not a Parquet file: ${(error as Error).message}`);
  }
  if (rows.length === 0) throw errors.seriesBodyInvalid('/', 'the Parquet file holds no rows');
  const names = Object.keys(rows[0]);
  const tName = names.find((n) => n === 't' || n === 'timestamp');
  const vName = names.find((n) => n === 'v' || n === 'value');
  if (tName === undefined || vName === undefined)
    throw errors.seriesBodyInvalid(
      '/',
      `the Parquet file needs a time column (t or timestamp) and a value column (v or value); it has ${names.join(', ')}`,
    );
  const t: number[] = [];
  const v: SeriesValue[] = [];
  rows.forEach((row, i) => {
    const time = timeOf(row[tName]);
    if (time === null)
      throw errors.seriesBodyInvalid(`row ${i}`, `${String(row[tName])} is not an epoch-ms time`);
    let value = row[vName];
    if (typeof value === 'bigint') value = Number(value);
    const ok =
      (typeof value === 'number' && Number.isFinite(value)) ||
      typeof value === 'boolean' ||
      typeof value === 'string';
    if (!ok)
      throw errors.seriesBodyInvalid(
        `row ${i}`,
        `${String(value)} is not a number, boolean or string`,
      );
    t.push(time);
    v.push(value as SeriesValue);
  });
  return { t, v };
}
