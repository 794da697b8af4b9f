// Reads an OpenDC topology JSON (clusters of host groups with CPUs, memory and a CPU power model)
// into a `Topology`, refusing anything it cannot honour with the file and the field at fault.
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { DatacenterInputError } from './input-error.js';
import type { HostGroup, PowerModel, Topology } from './model.js';

export const POWER_MODEL_KINDS = [
  'constant',
  'linear',
  'square',
  'cubic',
  'sqrt',
  'mse',
  'asymptotic',
] as const;

type Json = Record<string, unknown>;

class Fields {
  constructor(readonly file: string) {}

  fail(field: string, problem: string): never {
    throw new DatacenterInputError(this.file, field, problem);
  }

  object(value: unknown, field: string): Json {
    if (typeof value !== 'object' || value === null || Array.isArray(value))
      this.fail(field, `must be an object, not ${describe(value)}`);
    return value as Json;
  }

  array(value: unknown, field: string): unknown[] {
    if (!Array.isArray(value)) this.fail(field, `must be an array, not ${describe(value)}`);
    if (value.length === 0) this.fail(field, 'must not be empty');
    return value;
  }

  number(
    parent: Json,
    key: string,
    at: string,
    rule: {
      min?: number;
      above?: number;
      integer?: boolean;
      fallback?: number;
      quantity?: Quantity;
    } = {},
  ): number {
    const field = `${at}.${key}`;
    let value = parent[key];
    if (value === undefined && rule.fallback !== undefined) return rule.fallback;
    if (value === undefined) this.fail(field, 'is missing');
    if (typeof value === 'string' && rule.quantity !== undefined)
      value = this.withUnit(value, rule.quantity, field);
    if (typeof value !== 'number' || !Number.isFinite(value))
      this.fail(field, `must be a number, not ${describe(value)}`);
    if (rule.integer && !Number.isInteger(value))
      this.fail(field, `must be an integer, not ${value}`);
    if (rule.min !== undefined && value < rule.min)
      this.fail(field, `must be ≥ ${rule.min}, not ${value}`);
    if (rule.above !== undefined && value <= rule.above)
      this.fail(field, `must be > ${rule.above}, not ${value}`);
    return value;
  }

  /** "2.1 GHz" → 2100 (in the quantity's base unit). */
  withUnit(text: string, quantity: Quantity, field: string): number {
    const { base, factors } = UNITS[quantity];
    const match = /^\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?)\s*([a-z]+)\s*$/i.exec(text);
    const factor = match ? (factors as Record<string, number>)[match[2]!.toLowerCase()] : undefined;
    if (!match || factor === undefined)
      this.fail(
        field,
        `must be a number (${base}) or a number with a unit (${Object.keys(factors).join(', ')}), not ${JSON.stringify(text)}`,
      );
    return Number(match[1]) * factor;
  }

  string(parent: Json, key: string, at: string, fallback: string): string {
    const value = parent[key];
    if (value === undefined) return fallback;
    if (typeof value !== 'string')
      this.fail(`${at}.${key}`, `must be a string, not ${describe(value)}`);
    return value;
  }
}

/** OpenDC's units: a bare number is MHz, MiB or W; a string names its unit ("2.1 GHz"). */
const UNITS = {
  frequency: { base: 'MHz', factors: { hz: 1e-6, khz: 1e-3, mhz: 1, ghz: 1e3 } },
  memory: {
    base: 'MiB',
    factors: {
      b: 1 / 2 ** 20,
      bytes: 1 / 2 ** 20,
      kb: 1e3 / 2 ** 20,
      kib: 1 / 1024,
      mb: 1e6 / 2 ** 20,
      mib: 1,
      gb: 1e9 / 2 ** 20,
      gib: 1024,
      tb: 1e12 / 2 ** 20,
      tib: 2 ** 20,
    },
  },
  power: { base: 'W', factors: { w: 1, kw: 1e3 } },
} as const;
type Quantity = keyof typeof UNITS;

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return `the string ${JSON.stringify(value)}`;
  return typeof value === 'object' ? 'an object' : `${typeof value} ${String(value)}`;
}

function powerModel(f: Fields, value: unknown, at: string): PowerModel {
  const spec = f.object(value, at);
  const type = spec.modelType;
  if (type === undefined) f.fail(`${at}.modelType`, 'is missing');
  if (typeof type !== 'string' || !(POWER_MODEL_KINDS as readonly string[]).includes(type))
    f.fail(
      `${at}.modelType`,
      `unknown power model ${JSON.stringify(type)} (one of ${POWER_MODEL_KINDS.join(', ')})`,
    );
  const kind = type as PowerModel['kind'];
  if (kind === 'constant')
    return {
      kind,
      power: f.number(spec, 'power', at, { min: 0, fallback: 400, quantity: 'power' }),
    };
  const idlePower = f.number(spec, 'idlePower', at, { min: 0, quantity: 'power' });
  const maxPower = f.number(spec, 'maxPower', at, { min: 0, quantity: 'power' });
  if (maxPower < idlePower)
    f.fail(`${at}.maxPower`, `must be ≥ idlePower (${idlePower}), not ${maxPower}`);
  if (kind === 'mse')
    return {
      kind,
      idlePower,
      maxPower,
      calibrationFactor: f.number(spec, 'calibrationFactor', at, { above: 0, fallback: 1 }),
    };
  if (kind === 'asymptotic') {
    const dvfs = spec.dvfs ?? true;
    if (typeof dvfs !== 'boolean')
      f.fail(`${at}.dvfs`, `must be true or false, not ${describe(dvfs)}`);
    // OpenDC's default asymUtil of 0 divides by zero at idle: require one.
    return {
      kind,
      idlePower,
      maxPower,
      asymUtil: f.number(spec, 'asymUtil', at, { above: 0 }),
      dvfs,
    };
  }
  return { kind, idlePower, maxPower };
}

/**
 * A topology from the parsed JSON of `file` (named in errors). As OpenDC: a cluster's `count`
 * repeats it, a host's `count` repeats the host, `cpu.count` CPUs of `coreCount` cores each; a
 * bare number is MHz (`coreSpeed`), MiB (`memorySize`) or W (powers), a string names its unit
 * (`"2.1 GHz"`, `"128 GiB"`, `"0.2 kW"`).
 */
export function parseTopology(json: unknown, file: string): Topology {
  const f = new Fields(file);
  const root = f.object(json, '(root)');
  if (root.clusters === undefined) f.fail('clusters', 'is missing');
  const clusters: { name: string; groups: HostGroup[] }[] = [];
  const groups: (HostGroup & { firstHost: number })[] = [];
  let hostCount = 0;
  f.array(root.clusters, 'clusters').forEach((c, ci) => {
    const at = `clusters[${ci}]`;
    const cluster = f.object(c, at);
    const clusterName = f.string(cluster, 'name', at, 'Cluster');
    const repeat = f.number(cluster, 'count', at, { min: 1, integer: true, fallback: 1 });
    if (cluster.hosts === undefined) f.fail(`${at}.hosts`, 'is missing');
    const hosts = f.array(cluster.hosts, `${at}.hosts`).map((h, hi) => {
      const hat = `${at}.hosts[${hi}]`;
      const host = f.object(h, hat);
      if (host.cpu === undefined) f.fail(`${hat}.cpu`, 'is missing');
      const cpu = f.object(host.cpu, `${hat}.cpu`);
      if (host.memory === undefined) f.fail(`${hat}.memory`, 'is missing');
      const memory = f.object(host.memory, `${hat}.memory`);
      const cpus = f.number(cpu, 'count', `${hat}.cpu`, { min: 1, integer: true, fallback: 1 });
      return {
        cluster: clusterName,
        name: f.string(host, 'name', hat, 'Host'),
        count: f.number(host, 'count', hat, { min: 1, integer: true, fallback: 1 }),
        coreCount: cpus * f.number(cpu, 'coreCount', `${hat}.cpu`, { min: 1, integer: true }),
        coreSpeed: f.number(cpu, 'coreSpeed', `${hat}.cpu`, { above: 0, quantity: 'frequency' }),
        memorySize: f.number(memory, 'memorySize', `${hat}.memory`, {
          above: 0,
          quantity: 'memory',
        }),
        powerModel:
          host.cpuPowerModel === undefined
            ? // OpenDC's default when a host names none.
              ({ kind: 'linear', idlePower: 200, maxPower: 400 } as const)
            : powerModel(f, host.cpuPowerModel, `${hat}.cpuPowerModel`),
      };
    });
    for (let r = 0; r < repeat; r++) {
      const name = repeat === 1 ? clusterName : `${clusterName}-${r}`;
      const own = hosts.map((h) => ({ ...h, cluster: name }));
      for (const g of own) {
        groups.push({ ...g, firstHost: hostCount });
        hostCount += g.count;
      }
      clusters.push({ name, groups: own });
    }
  });
  return { clusters, groups, hostCount };
}

/** Reads and parses the topology JSON at `path`. */
export function readTopology(path: string): Topology {
  const file = basename(path);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new DatacenterInputError(
      file,
      '(file)',
      code === 'ENOENT'
        ? `no such file: ${path}`
        : `cannot read ${path} (${code ?? String(error)})`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new DatacenterInputError(file, '(root)', `not valid JSON: ${(error as Error).message}`);
  }
  return parseTopology(json, file);
}
