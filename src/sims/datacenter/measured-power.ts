// The measured power of a datacenter from Parquet (OpenDT's `consumption.parquet`): the series the
// shadow run is compared with and calibrated against.
import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects } from 'hyparquet';
import type { SchemaElement } from 'hyparquet';
import { DatacenterInputError } from './input-error.js';

/** A measured power series, sorted by time, one value per instant. */
export interface MeasuredPower {
  /** Epoch ms. */
  readonly timestamp: Float64Array;
  /** W. */
  readonly power: Float64Array;
}

export interface ReadMeasuredPowerOptions {
  /**
   * Epoch ms that relative times count from (OpenDT's consumption times are ms after the first
   * task's submission). Required when the time column is a plain integer; a TIMESTAMP column is
   * absolute already, and then `start` must not be given.
   */
  readonly start?: number;
  /** Name of the time column; default `timestamp`. */
  readonly timeColumn?: string;
  /** Name of the power column (W); default `power_draw`. */
  readonly powerColumn?: string;
}

/** True when the Parquet column holds absolute times (hyparquet decodes them to Dates). */
function isTimestampColumn(element: SchemaElement): boolean {
  const converted = element.converted_type;
  return (
    element.logical_type?.type === 'TIMESTAMP' ||
    converted === 'TIMESTAMP_MILLIS' ||
    converted === 'TIMESTAMP_MICROS' ||
    element.type === 'INT96'
  );
}

function isIntegerColumn(element: SchemaElement): boolean {
  return element.type === 'INT64' || element.type === 'INT32';
}

function isNumberColumn(element: SchemaElement): boolean {
  return (
    element.type === 'DOUBLE' ||
    element.type === 'FLOAT' ||
    element.type === 'INT64' ||
    element.type === 'INT32'
  );
}

/**
 * Reads a measured power file into absolute, sorted series. Rows sharing a time (one per host, as
 * a per-host export has them) are summed into the datacenter's total at that time.
 *
 * Throws `DatacenterInputError` naming the file and the column (or row) for a missing file, a
 * missing or mistyped column, a null or non-finite value, or relative times without `start`.
 *
 * @example
 * const measured = await readMeasuredPower('surf/consumption.parquet', { start: workload.submissionTime[0] });
 */
export async function readMeasuredPower(
  file: string,
  options: ReadMeasuredPowerOptions = {},
): Promise<MeasuredPower> {
  const timeName = options.timeColumn ?? 'timestamp';
  const powerName = options.powerColumn ?? 'power_draw';
  let source: Awaited<ReturnType<typeof asyncBufferFromFile>>;
  let schema: SchemaElement[];
  try {
    source = await asyncBufferFromFile(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new DatacenterInputError(
      file,
      '(file)',
      code === 'ENOENT' ? 'no such file' : `cannot be read (${(error as Error).message})`,
    );
  }
  try {
    schema = (await parquetMetadataAsync(source)).schema;
  } catch (error) {
    throw new DatacenterInputError(
      file,
      '(file)',
      `is not a Parquet file (${(error as Error).message})`,
    );
  }
  const columns = schema.slice(1);
  const names = columns.map((c) => c.name).join(', ');
  const timeColumn = columns.find((c) => c.name === timeName);
  const powerColumn = columns.find((c) => c.name === powerName);
  if (timeColumn === undefined)
    throw new DatacenterInputError(file, timeName, `missing column (the file has ${names})`);
  if (powerColumn === undefined)
    throw new DatacenterInputError(file, powerName, `missing column (the file has ${names})`);
  const absolute = isTimestampColumn(timeColumn);
  if (!absolute && !isIntegerColumn(timeColumn))
    throw new DatacenterInputError(
      file,
      timeName,
      `must be a TIMESTAMP or an integer of ms (it is ${timeColumn.type ?? 'a group'})`,
    );
  if (!isNumberColumn(powerColumn))
    throw new DatacenterInputError(
      file,
      powerName,
      `must be a number of W (it is ${powerColumn.type ?? 'a group'})`,
    );
  if (absolute && options.start !== undefined)
    throw new DatacenterInputError(
      file,
      timeName,
      'holds absolute TIMESTAMPs, so a start to count from does not apply',
    );
  if (!absolute && options.start === undefined)
    throw new DatacenterInputError(
      file,
      timeName,
      'holds times relative to the workload start (integer ms): give the start they count from',
    );
  if (options.start !== undefined && !Number.isFinite(options.start))
    throw new DatacenterInputError(file, timeName, `start ${options.start} is not a time`);
  const offset = options.start ?? 0;

  const rows = await parquetReadObjects({ file: source, columns: [timeName, powerName] });
  const times = new Float64Array(rows.length);
  const powers = new Float64Array(rows.length);
  rows.forEach((row, i) => {
    const t = row[timeName] as unknown;
    const time = t instanceof Date ? t.getTime() : typeof t === 'bigint' ? Number(t) : t;
    if (typeof time !== 'number' || !Number.isFinite(time))
      throw new DatacenterInputError(file, `${timeName} (row ${i})`, `${String(t)} is not a time`);
    const p = row[powerName] as unknown;
    const power = typeof p === 'bigint' ? Number(p) : p;
    if (typeof power !== 'number' || !Number.isFinite(power))
      throw new DatacenterInputError(
        file,
        `${powerName} (row ${i})`,
        `${String(p)} is not a power in W`,
      );
    times[i] = time + offset;
    powers[i] = power;
  });

  const order = Array.from(times.keys()).sort((a, b) => times[a] - times[b]);
  const timestamp: number[] = [];
  const power: number[] = [];
  for (const i of order) {
    const last = timestamp.length - 1;
    if (last >= 0 && timestamp[last] === times[i]) power[last] += powers[i];
    else {
      timestamp.push(times[i]);
      power.push(powers[i]);
    }
  }
  return { timestamp: Float64Array.from(timestamp), power: Float64Array.from(power) };
}

/**
 * The measured power at each of `times` (epoch ms): the sample nearest in time when it is at most
 * `toleranceMs` away (default 0: an exact match), NaN otherwise. The samples must be sorted, as
 * {@link readMeasuredPower} returns them.
 *
 * @example
 * measuredAt(measured, [start + 150_000]) // Float64Array [21260]
 */
export function measuredAt(
  measured: MeasuredPower,
  times: ArrayLike<number>,
  toleranceMs = 0,
): Float64Array {
  if (!(toleranceMs >= 0)) throw new RangeError(`toleranceMs must be >= 0, not ${toleranceMs}`);
  const { timestamp, power } = measured;
  const out = new Float64Array(times.length).fill(Number.NaN);
  for (let i = 0; i < times.length; i++) {
    const t = times[i];
    // First sample at or after t.
    let lo = 0;
    let hi = timestamp.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (timestamp[mid] < t) lo = mid + 1;
      else hi = mid;
    }
    let best = -1;
    if (lo < timestamp.length) best = lo;
    if (lo > 0 && (best < 0 || t - timestamp[lo - 1] < timestamp[best] - t)) best = lo - 1;
    if (best >= 0 && Math.abs(timestamp[best] - t) <= toleranceMs) out[i] = power[best];
  }
  return out;
}
