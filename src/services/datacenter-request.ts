// The body of `POST /api/2/datacenters/{id}/shadow` and of a what-if's PUT, checked field by field:
// files exist and parse (topology, workload columns, measured power and carbon columns) before a
// run is accepted, so that bad input is a 400 naming the file and the field, never a failed run.
import { accessSync, constants, existsSync, mkdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { errors } from '../core/error-registry.js';
import { isJsonObject, type JsonObject } from '../core/json.js';
import { DatacenterInputError } from '../sims/datacenter/input-error.js';
import type { Topology } from '../sims/datacenter/model.js';
import { openParquet } from '../sims/datacenter/parquet-columns.js';
import { parseTopology, readTopology } from '../sims/datacenter/topology.js';
import { parseDuration } from '../series/series-window.js';

const SHADOW_FIELDS = [
  'workload',
  'topology',
  'power',
  'carbon',
  'speed',
  'window',
  'exportInterval',
  'calibrate',
  'out',
];

/** A shadow request, checked; paths absolute. */
export interface CheckedShadowRequest {
  readonly workloadDir: string;
  /** A path, or the inline JSON (written to a file of the run before it starts). */
  readonly topology: { readonly path: string } | { readonly inline: JsonObject };
  readonly parsedTopology: Topology;
  /** The name errors and twins' attributes give the topology. */
  readonly topologyName: string;
  readonly powerPath: string;
  readonly carbonPath: string | null;
  readonly speed: number | 'max';
  readonly windowMs: number;
  /** As given (`5m`, or seconds). */
  readonly windowText: string;
  readonly exportIntervalMs: number;
  readonly calibrate: boolean;
  readonly outDir: string;
}

/** A `DatacenterInputError` as the API's 400; anything else unchanged. */
export function apiInputError(error: unknown): unknown {
  return error instanceof DatacenterInputError
    ? errors.datacenterInputInvalid(error.message)
    : error;
}

function pathField(body: JsonObject, field: string, required: boolean): string | null {
  const value = body[field];
  if (value === undefined && !required) return null;
  if (typeof value !== 'string' || value.trim() === '')
    throw errors.datacenterRequestInvalid(
      field,
      'must be a path on the server (a non-empty string)',
    );
  return resolve(value);
}

/** The topology field: a path to OpenDC topology JSON, or the JSON inline. */
export function checkedTopology(body: JsonObject): {
  topology: CheckedShadowRequest['topology'];
  parsed: Topology;
  name: string;
} {
  const value = body.topology;
  if (isJsonObject(value)) {
    const parsed = parseTopology(value, 'topology (inline)');
    return { topology: { inline: value }, parsed, name: 'topology (inline)' };
  }
  const path = pathField(body, 'topology', true)!;
  return { topology: { path }, parsed: readTopology(path), name: path };
}

async function checkWorkload(dir: string): Promise<void> {
  if (!existsSync(dir) || !statSync(dir).isDirectory())
    throw new DatacenterInputError(dir, '(directory)', 'no such workload directory');
  await openParquet(join(dir, 'tasks.parquet'), [
    'id',
    'submission_time',
    'cpu_count',
    'cpu_capacity',
    'mem_capacity',
  ]);
  await openParquet(join(dir, 'fragments.parquet'), ['id', 'duration', 'cpu_usage']);
}

/** Checks a shadow request; throws the API's 400 naming the field (or the file and its field). */
export async function checkShadowRequest(
  body: unknown,
  defaultOut: string,
): Promise<CheckedShadowRequest> {
  if (!isJsonObject(body))
    throw errors.datacenterRequestInvalid('', 'the body must be a JSON object');
  for (const key of Object.keys(body))
    if (!SHADOW_FIELDS.includes(key))
      throw errors.datacenterRequestInvalid(
        key,
        `unknown field (expected ${SHADOW_FIELDS.join(', ')})`,
      );
  const workloadDir = pathField(body, 'workload', true)!;
  const powerPath = pathField(body, 'power', true)!;
  const carbonPath = pathField(body, 'carbon', false);
  if (body.topology === undefined) throw errors.datacenterRequestInvalid('topology', 'is missing');
  const speed = body.speed ?? 300;
  if (speed !== 'max' && !(typeof speed === 'number' && Number.isFinite(speed) && speed > 0))
    throw errors.datacenterRequestInvalid(
      'speed',
      'must be a number above 0 (simulated seconds per second) or "max"',
    );
  const exportInterval = body.exportInterval ?? 150;
  if (
    typeof exportInterval !== 'number' ||
    !Number.isFinite(exportInterval) ||
    exportInterval <= 0 ||
    !Number.isInteger(exportInterval * 1000)
  )
    throw errors.datacenterRequestInvalid(
      'exportInterval',
      'must be a number of seconds above 0 (whole ms)',
    );
  const exportIntervalMs = exportInterval * 1000;
  const window = body.window ?? '5m';
  const windowMs =
    typeof window === 'string'
      ? parseDuration(window)
      : typeof window === 'number' && Number.isFinite(window) && window > 0
        ? window * 1000
        : null;
  if (windowMs === null)
    throw errors.datacenterRequestInvalid(
      'window',
      'must be a duration such as "5m", "15m", "1h", or seconds',
    );
  if (windowMs % exportIntervalMs !== 0)
    throw errors.datacenterRequestInvalid(
      'window',
      `must be a whole number of export intervals (${exportInterval} s), not ${windowMs / 1000} s`,
    );
  const calibrate = body.calibrate ?? true;
  if (typeof calibrate !== 'boolean')
    throw errors.datacenterRequestInvalid('calibrate', 'must be true or false');
  const outDir = pathField(body, 'out', false) ?? defaultOut;
  try {
    const { topology, parsed, name } = checkedTopology(body);
    await checkWorkload(workloadDir);
    await openParquet(powerPath, ['timestamp', 'power_draw']);
    if (carbonPath !== null) await openParquet(carbonPath, ['timestamp', 'carbon_intensity']);
    try {
      mkdirSync(outDir, { recursive: true });
      accessSync(outDir, constants.W_OK);
    } catch (error) {
      throw errors.datacenterRequestInvalid(
        'out',
        `cannot write in ${outDir} (${(error as NodeJS.ErrnoException).code ?? String(error)})`,
      );
    }
    return {
      workloadDir,
      topology,
      parsedTopology: parsed,
      topologyName: name,
      powerPath,
      carbonPath,
      speed,
      windowMs,
      windowText: String(window),
      exportIntervalMs,
      calibrate,
      outDir,
    };
  } catch (error) {
    throw apiInputError(error);
  }
}

/** Checks a what-if body `{"topology": "<file>" | {…}}`. */
export function checkWhatIfRequest(body: unknown): ReturnType<typeof checkedTopology> {
  if (!isJsonObject(body))
    throw errors.datacenterRequestInvalid('', 'the body must be a JSON object');
  for (const key of Object.keys(body))
    if (key !== 'topology')
      throw errors.datacenterRequestInvalid(key, 'unknown field (expected topology)');
  if (body.topology === undefined) throw errors.datacenterRequestInvalid('topology', 'is missing');
  try {
    return checkedTopology(body);
  } catch (error) {
    throw apiInputError(error);
  }
}
