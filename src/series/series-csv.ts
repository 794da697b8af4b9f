// Series as CSV: answers written as `t,<columns>` rows, and backfill uploads read from `t,v` rows.
import { errors } from '../core/error-registry.js';
import type { SeriesValue } from '../store/series-store.js';
import { parseInstant } from './series-window.js';

function field(value: SeriesValue | null | undefined): string {
  if (value === null || value === undefined) return '';
  if (typeof value !== 'string') return String(value);
  return /[",\r\n]/.test(value) || value.trim() !== value
    ? `"${value.replace(/"/g, '""')}"`
    : value;
}

/**
 * CSV of column-wise data: a header of the column names, then one row per index; `prefix` columns
 * (e.g. thingId, pointer) repeat on every row. Empty fields are nulls.
 */
export function columnsToCsv(
  columns: Record<string, readonly (SeriesValue | null)[]>,
  prefix: Record<string, string> = {},
): { header: string; rows: string } {
  const names = Object.keys(columns);
  const header = [...Object.keys(prefix), ...names].join(',');
  const lead = Object.values(prefix).map(field).join(',');
  const length = names.length === 0 ? 0 : columns[names[0]].length;
  let rows = '';
  for (let i = 0; i < length; i++) {
    let row = lead;
    for (let c = 0; c < names.length; c++) {
      if (row !== '' || c > 0) row += ',';
      row += field(columns[names[c]][i]);
    }
    rows += row + '\n';
  }
  return { header, rows };
}

/** Splits one CSV line into fields (quotes with doubled quotes inside). */
function splitLine(line: string): string[] | null {
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    if (line[i] === '"') {
      let value = '';
      i++;
      for (;;) {
        const quote = line.indexOf('"', i);
        if (quote < 0) return null;
        value += line.slice(i, quote);
        if (line[quote + 1] === '"') {
          value += '"';
          i = quote + 2;
        } else {
          i = quote + 1;
          break;
        }
      }
      fields.push(value);
      if (i === line.length) return fields;
      if (line[i] !== ',') return null;
      i++;
    } else {
      const comma = line.indexOf(',', i);
      if (comma < 0) {
        fields.push(line.slice(i));
        return fields;
      }
      fields.push(line.slice(i, comma));
      i = comma + 1;
    }
  }
}

/**
 * The points of a backfill upload in CSV: a header naming the time column (`t` or `timestamp`) and
 * the value column (`v` or `value`), then rows of an epoch-ms or ISO-8601 time and a value (a
 * number, `true`/`false`, or text). Throws `timeseries:body.invalid` naming the line at fault.
 */
export function parseBackfillCsv(text: string): { t: number[]; v: SeriesValue[] } {
  const lines = text.split(/\r?\n/);
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  const header = splitLine(lines[0] ?? '')?.map((name) => name.trim().toLowerCase()) ?? [];
  const tColumn = header.findIndex((name) => name === 't' || name === 'timestamp');
  const vColumn = header.findIndex((name) => name === 'v' || name === 'value');
  if (tColumn < 0 || vColumn < 0)
    throw errors.seriesBodyInvalid(
      'line 1',
      'the CSV header must name a time column (t or timestamp) and a value column (v or value)',
    );
  const t: number[] = [];
  const v: SeriesValue[] = [];
  for (let n = 1; n < lines.length; n++) {
    const fields = splitLine(lines[n]);
    const where = `line ${n + 1}`;
    if (fields === null || fields.length !== header.length)
      throw errors.seriesBodyInvalid(where, `expected ${header.length} fields`);
    const time = parseInstant(fields[tColumn].trim(), 0);
    if (time === null || /^now/.test(fields[tColumn].trim()))
      throw errors.seriesBodyInvalid(
        where,
        `'${fields[tColumn]}' is not an epoch-ms or ISO-8601 time`,
      );
    const raw = fields[vColumn];
    let value: SeriesValue;
    if (raw === 'true' || raw === 'false') value = raw === 'true';
    else if (raw.trim() !== '' && Number.isFinite(Number(raw))) value = Number(raw);
    else if (raw === '') throw errors.seriesBodyInvalid(where, 'the value is empty');
    else value = raw;
    t.push(time);
    v.push(value);
  }
  if (t.length === 0) throw errors.seriesBodyInvalid('line 2', 'the CSV holds no rows');
  return { t, v };
}
