// Series as Apache Parquet: the same columns an answer has in JSON, one Parquet column each.
import { parquetWriteBuffer } from 'hyparquet-writer';
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
