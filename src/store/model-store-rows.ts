// Run series as both adapters keep them: one row per series, its columns as one JSON text.
import type { RunSeriesRecord } from './model-store.js';

/** A stored row of a run series. */
export interface RunSeriesRow {
  run_id: string;
  thing_id: string;
  pointer: string;
  record: string;
}

/** The JSON text of a series' columns (`t`, `mean`, `lower`, `upper`, `level`). */
export function seriesColumns(series: RunSeriesRecord): string {
  const { runId: _runId, thingId: _thingId, pointer: _pointer, ...columns } = series;
  return JSON.stringify(columns);
}

/** The series a row holds. */
export function seriesOfRow(row: RunSeriesRow): RunSeriesRecord {
  const columns = JSON.parse(row.record) as Omit<RunSeriesRecord, 'runId' | 'thingId' | 'pointer'>;
  return { runId: row.run_id, thingId: row.thing_id, pointer: row.pointer, ...columns };
}
