// Which table format a series read answers in: JSON unless the Accept header prefers CSV or Parquet.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { columnsToCsv } from '../series/series-csv.js';
import { columnsToParquet } from '../series/series-parquet.js';
import type { SeriesValue } from '../store/series-store.js';

export const PARQUET = 'application/vnd.apache.parquet';

/**
 * `csv` or `parquet` when the Accept header names one of them before any JSON type (or without
 * one), null for JSON.
 */
export function tableFormat(request: FastifyRequest): 'csv' | 'parquet' | null {
  const accept = request.headers.accept;
  if (accept === undefined) return null;
  for (const part of accept.split(',')) {
    const type = part.split(';')[0].trim().toLowerCase();
    if (type === 'text/csv') return 'csv';
    if (type === PARQUET) return 'parquet';
    if (type === 'application/json' || type === '*/*' || type === 'application/*') return null;
  }
  return null;
}

/** One series' columns in an answer, with the columns that name it in a table of several. */
export interface SeriesPart {
  columns: Record<string, readonly (SeriesValue | null)[]>;
  prefix?: Record<string, string>;
}

/** Sends series parts as the Accept header asks: CSV or Parquet (else the caller sends JSON). */
export function sendTable(
  request: FastifyRequest,
  reply: FastifyReply,
  parts: readonly SeriesPart[],
  emptyHeader: string,
): FastifyReply | null {
  const format = tableFormat(request);
  if (format === null) return null;
  if (format === 'parquet') return reply.code(200).type(PARQUET).send(columnsToParquet(parts));
  let text = '';
  for (const part of parts) {
    const { header, rows } = columnsToCsv(part.columns, part.prefix);
    if (text === '') text = `${header}\n`;
    text += rows;
  }
  return reply
    .code(200)
    .type('text/csv; charset=utf-8')
    .send(text === '' ? `${emptyHeader}\n` : text);
}
