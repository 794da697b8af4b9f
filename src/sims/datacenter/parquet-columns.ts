// Column-wise reads of Parquet files with hyparquet: whole columns into typed arrays, with errors
// that name the file and the column.
import { existsSync } from 'node:fs';
import { basename } from 'node:path';
import { asyncBufferFromFile, parquetMetadataAsync, parquetRead } from 'hyparquet';
import type { DecodedArray, FileMetaData } from 'hyparquet';
import { DatacenterInputError } from './input-error.js';

export interface OpenedFile {
  readonly name: string;
  readonly file: Awaited<ReturnType<typeof asyncBufferFromFile>>;
  readonly metadata: FileMetaData;
  readonly rows: number;
}

/** Opens the Parquet file at `path`, checking it has `columns`; errors name the file's base name. */
export async function openParquet(path: string, columns: readonly string[]): Promise<OpenedFile> {
  const name = basename(path);
  if (!existsSync(path)) throw new DatacenterInputError(name, '(file)', `no such file: ${path}`);
  let file: OpenedFile['file'];
  let metadata: FileMetaData;
  try {
    file = await asyncBufferFromFile(path);
    metadata = await parquetMetadataAsync(file);
  } catch (error) {
    throw new DatacenterInputError(
      name,
      '(file)',
      `not a Parquet file (${(error as Error).message})`,
    );
  }
  const present = new Set(metadata.schema.slice(1).map((s) => s.name));
  for (const column of columns)
    if (!present.has(column))
      throw new DatacenterInputError(
        name,
        column,
        `missing column (the file has ${[...present].join(', ') || 'none'})`,
      );
  return { name, file, metadata, rows: Number(metadata.num_rows) };
}

/** The column `name` of `f`, chunk by chunk in row order. */
export async function column(f: OpenedFile, name: string): Promise<DecodedArray[]> {
  const chunks: { rowStart: number; data: DecodedArray }[] = [];
  try {
    await parquetRead({
      file: f.file,
      metadata: f.metadata,
      columns: [name],
      // Times as epoch ms numbers, never Date objects.
      parsers: {
        timestampFromMilliseconds: (v: bigint) => Number(v),
        timestampFromMicroseconds: (v: bigint) => Number(v / 1000n),
        timestampFromNanoseconds: (v: bigint) => Number(v / 1000000n),
      },
      onChunk: (chunk) => {
        if (chunk.columnName === name)
          chunks.push({ rowStart: chunk.rowStart, data: chunk.columnData });
      },
    });
  } catch (error) {
    throw new DatacenterInputError(f.name, name, `cannot be read (${(error as Error).message})`);
  }
  chunks.sort((a, b) => a.rowStart - b.rowStart);
  return chunks.map((c) => c.data);
}

/** A numeric column as a Float64Array, refusing nulls and non-numbers with the row at fault. */
export async function numbers(f: OpenedFile, name: string): Promise<Float64Array> {
  const out = new Float64Array(f.rows);
  let at = 0;
  for (const data of await column(f, name)) {
    if (
      data instanceof Float64Array ||
      data instanceof Int32Array ||
      data instanceof Float32Array
    ) {
      out.set(data.subarray(0, Math.min(data.length, f.rows - at)), at);
      at += data.length;
      continue;
    }
    for (let i = 0; i < data.length && at < f.rows; i++, at++) {
      const v = (data as ArrayLike<unknown>)[i];
      const n =
        typeof v === 'number'
          ? v
          : typeof v === 'bigint'
            ? Number(v)
            : v instanceof Date
              ? v.getTime()
              : NaN;
      if (!Number.isFinite(n))
        throw new DatacenterInputError(
          f.name,
          `${name}[${at}]`,
          `must be a number, not ${String(v)}`,
        );
      out[at] = n;
    }
  }
  if (at < f.rows)
    throw new DatacenterInputError(f.name, name, `has ${at} values for ${f.rows} rows`);
  return out;
}
