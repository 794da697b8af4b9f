// The datacenters of a running server: each one's shadow run (the simulation in a worker thread,
// windows paced by the speed factor) written into its twins window by window, the measured power
// brought in through ingest, and what-if topologies simulated beside the live run. Kept in memory.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Identity } from '../auth/identity.js';
import { errors } from '../core/error-registry.js';
import type { JsonObject, JsonValue } from '../core/json.js';
import { isoTime } from '../core/thing.js';
import { mape, mapeOverTime } from '../sims/datacenter/accuracy.js';
import { intervalPower } from '../sims/datacenter/calibration.js';
import { meanIntensity, readCarbonTrace, type CarbonTrace } from '../sims/datacenter/carbon.js';
import { readMeasuredPower, type MeasuredPower } from '../sims/datacenter/measured-power.js';
import type { SimulationResult, Topology } from '../sims/datacenter/model.js';
import type { RunSummary } from '../sims/datacenter/results-file.js';
import type { ShadowRow, ShadowWindow } from '../sims/datacenter/shadow.js';
import { runShadowFromFiles, type ShadowProgress } from '../sims/datacenter/shadow-run.js';
import { simulateInWorker } from '../sims/datacenter/simulate-in-worker.js';
import { parseDuration, parseInstant } from '../series/series-window.js';
import {
  checkShadowRequest,
  checkWhatIfRequest,
  type CheckedShadowRequest,
} from './datacenter-request.js';
import {
  DATACENTER_ID,
  DEFINITIONS,
  HostUtilisation,
  WHATIF_NAME,
  clusterPower,
  datacenterThingId,
  idlePower,
  layoutOf,
  modelJson,
  twinBodies,
  whatIfThingId,
  type DatacenterLayout,
} from './datacenter-twins.js';

/** A merge of one twin, observed at `observedAt` (epoch ms) when given. */
export interface TwinMerge {
  readonly thingId: string;
  readonly patch: JsonObject;
  readonly observedAt?: number;
}

/** What the service needs of the platform: twins, relations and ingest, with a requester's rights. */
export interface DatacenterPorts {
  exists(thingId: string): boolean;
  /** The policy of an existing twin (null when missing). */
  policyIdOf(thingId: string): string | null;
  /** Creates a twin (with the identity's implicit policy). */
  create(identity: Identity, thingId: string, body: JsonObject): Promise<void>;
  /** Merges patches into existing twins, together; rejects with the first refusal. */
  merge(identity: Identity, merges: readonly TwinMerge[]): Promise<void>;
  /** Adds (or replaces) the relation `source --name--> target`. */
  relate(identity: Identity, source: string, name: string, target: string): Promise<void>;
  /** Creates or replaces an ingest spec owned by the identity. */
  putSpec(identity: Identity, specId: string, spec: JsonObject): Promise<void>;
  /** Ingests JSON payloads through the spec; resolves once durable. */
  ingest(
    specId: string,
    payloads: readonly JsonObject[],
  ): Promise<{ accepted: number; rejected: number }>;
}

export interface DatacenterServiceOptions {
  /** `<data dir>/datacenters`: default outputs and inline topologies go below it. */
  readonly dataDir: string;
  readonly ports: DatacenterPorts;
  /** Told when a run's twin write fails (the run goes on). */
  readonly warn?: (message: string, error: unknown) => void;
  readonly now?: () => number;
}

export type RunState = 'running' | 'succeeded' | 'failed' | 'stopped';

/** Host utilisation is written again only when it moved at least this much. */
const HOST_UTILISATION_STEP = 0.005;
/** Most cells of one utilisation answer (hosts × steps). */
const MAX_HEATMAP_CELLS = 2_000_000;

interface ShadowRecord {
  readonly identity: Identity;
  readonly request: CheckedShadowRequest;
  readonly topologyPath: string;
  readonly layout: DatacenterLayout;
  readonly abort: AbortController;
  state: RunState;
  startedAt: number;
  endedAt: number | null;
  windowsDone: number;
  windows: number;
  achievedSpeed: number;
  mape: number | null;
  mapeUncalibrated: number | null;
  rows: ShadowRow[];
  error: string | null;
  summary: RunSummary | null;
  plot: boolean;
  simulation: SimulationResult | null;
  topology: Topology;
  utilisation: HostUtilisation | null;
  lastHost: Float64Array;
  measured: MeasuredPower | null;
  measuredNext: number;
  carbon: CarbonTrace | null;
  done: Promise<void>;
}

interface WhatIfRecord {
  readonly name: string;
  readonly thingId: string;
  readonly identity: Identity;
  readonly topology: Topology;
  readonly shadow: ShadowRecord;
  state: RunState;
  simulation: SimulationResult | null;
  /** Windows of the live run written so far. */
  released: number;
  rows: { timestamp: number; windowId: number; predicted: number; live: number }[];
  error: string | null;
  removed: boolean;
  /** The release under way (releases run one after the other). */
  releasing: Promise<void>;
}

interface Datacenter {
  readonly id: string;
  readonly thingId: string;
  shadow: ShadowRecord | null;
  readonly whatifs: Map<string, WhatIfRecord>;
}

export interface ShadowStatus {
  id: string;
  state: RunState;
  startedAt: string;
  endedAt: string | null;
  progress: { windowsDone: number; windows: number; fraction: number; achievedSpeed: number };
  speed: number | 'max';
  window: string;
  calibrate: boolean;
  mape: number | null;
  mapeUncalibrated: number | null;
  latest: {
    timestamp: number;
    predicted: number;
    measured: number | null;
    uncalibrated: number;
  } | null;
  error: { message: string } | null;
  out: string;
  summary: RunSummary | null;
}

const finite = (v: number | null): number | null => (v === null || !Number.isFinite(v) ? null : v);

export class DatacenterService {
  private readonly datacenters = new Map<string, Datacenter>();
  private closing = false;

  constructor(private readonly options: DatacenterServiceOptions) {}

  // --- the registry ---

  list(identity: Identity): JsonValue {
    assertAdmin(identity);
    return {
      items: [...this.datacenters.values()]
        .sort((a, b) => (a.id < b.id ? -1 : 1))
        .map((dc) => this.itemOf(dc)),
    };
  }

  get(identity: Identity, id: string): JsonValue {
    assertAdmin(identity);
    return this.itemOf(this.known(id));
  }

  private itemOf(dc: Datacenter): JsonValue {
    return {
      id: dc.id,
      thingId: dc.thingId,
      shadow: dc.shadow === null ? null : (statusOf(dc.id, dc.shadow) as unknown as JsonValue),
      whatifs: [...dc.whatifs.keys()],
    };
  }

  private known(id: string): Datacenter {
    const dc = this.datacenters.get(id);
    if (dc === undefined) throw errors.datacenterNotFound(id);
    return dc;
  }

  private shadowOf(id: string): ShadowRecord {
    const shadow = this.known(id).shadow;
    if (shadow === null) throw errors.datacenterNotFound(id);
    return shadow;
  }

  // --- shadow runs ---

  /** Checks the request and starts the shadow run in the background; resolves to its status. */
  async startShadow(identity: Identity, id: string, body: unknown): Promise<ShadowStatus> {
    assertAdmin(identity);
    checkId(id);
    if (this.closing) throw errors.datacenterShadowRunning(id);
    const existing = this.datacenters.get(id);
    if (existing?.shadow?.state === 'running') throw errors.datacenterShadowRunning(id);
    const base = join(this.options.dataDir, id);
    const request = await checkShadowRequest(body, join(base, 'shadow'));
    const layout = (() => {
      try {
        return layoutOf(id, request.parsedTopology, request.topologyName);
      } catch (error) {
        throw errors.datacenterInputInvalid((error as Error).message);
      }
    })();
    // Checked again: another start may have come in while the files were read.
    const dc: Datacenter = this.datacenters.get(id) ?? {
      id,
      thingId: datacenterThingId(id),
      shadow: null,
      whatifs: new Map(),
    };
    if (dc.shadow?.state === 'running') throw errors.datacenterShadowRunning(id);
    let topologyPath: string;
    if ('inline' in request.topology) {
      mkdirSync(base, { recursive: true });
      topologyPath = join(base, 'topology.json');
      writeFileSync(topologyPath, `${JSON.stringify(request.topology.inline, null, 2)}\n`);
    } else topologyPath = request.topology.path;
    for (const whatif of dc.whatifs.values()) whatif.removed = true;
    dc.whatifs.clear();
    const record: ShadowRecord = {
      identity,
      request,
      topologyPath,
      layout,
      abort: new AbortController(),
      state: 'running',
      startedAt: this.now(),
      endedAt: null,
      windowsDone: 0,
      windows: 0,
      achievedSpeed: 0,
      mape: null,
      mapeUncalibrated: null,
      rows: [],
      error: null,
      summary: null,
      plot: false,
      simulation: null,
      topology: request.parsedTopology,
      utilisation: null,
      lastHost: new Float64Array(request.parsedTopology.hostCount).fill(Number.NaN),
      measured: null,
      measuredNext: 0,
      carbon: null,
      done: Promise.resolve(),
    };
    dc.shadow = record;
    this.datacenters.set(id, dc);
    record.done = this.run(dc, record);
    return statusOf(id, record);
  }

  status(identity: Identity, id: string): ShadowStatus {
    assertAdmin(identity);
    return statusOf(id, this.shadowOf(id));
  }

  /** Stops the shadow run after the window in progress (its files are still written). */
  async stopShadow(identity: Identity, id: string): Promise<void> {
    assertAdmin(identity);
    const shadow = this.shadowOf(id);
    if (shadow.state !== 'running') return;
    shadow.abort.abort();
    await shadow.done;
  }

  private async run(dc: Datacenter, record: ShadowRecord): Promise<void> {
    const { request } = record;
    const specId = `datacenter.${dc.id}.power`;
    try {
      const twins = this.createTwins(dc, record, specId);
      // The twins are made while the worker simulates; the first window waits for them.
      twins.catch(() => undefined);
      const outcome = await runShadowFromFiles(
        {
          workloadDir: request.workloadDir,
          topologyPath: record.topologyPath,
          powerPath: request.powerPath,
          carbonPath: request.carbonPath ?? undefined,
          windowMs: request.windowMs,
          exportIntervalMs: request.exportIntervalMs,
          calibrate: request.calibrate,
          speed: request.speed,
          outDir: request.outDir,
          title: `Datacenter ${dc.id}: measured and predicted power`,
        },
        {
          signal: record.abort.signal,
          onSimulation: async (simulation, topology) => {
            record.simulation = simulation;
            record.topology = topology;
            record.utilisation = new HostUtilisation(simulation, topology);
            const intervals = record.utilisation.intervals;
            record.windows = Math.ceil(
              (intervals * simulation.exportIntervalMs) / request.windowMs,
            );
            const [measured, carbon] = await Promise.all([
              readMeasuredPower(request.powerPath, { start: simulation.start }),
              request.carbonPath === null ? null : readCarbonTrace(request.carbonPath),
            ]);
            record.measured = measured;
            record.carbon = carbon;
            await twins;
            for (const whatif of dc.whatifs.values()) this.release(whatif);
          },
          onWindow: (window, progress) => this.onWindow(dc, record, window, progress, specId),
        },
      );
      record.summary = outcome.summary;
      record.plot =
        request.outDir !== undefined && existsSync(join(request.outDir, 'power_plot.png'));
      record.state = outcome.stopped ? 'stopped' : 'succeeded';
    } catch (error) {
      record.state = 'failed';
      record.error = error instanceof Error ? error.message : String(error);
    } finally {
      record.endedAt = this.now();
    }
    await this.writeShadowState(dc, record);
    for (const whatif of dc.whatifs.values()) this.release(whatif);
    await Promise.all([...dc.whatifs.values()].map((w) => w.releasing));
  }

  /** The datacenter's, clusters' and hosts' twins, related by `partOf`, and the ingest spec. */
  private async createTwins(dc: Datacenter, record: ShadowRecord, specId: string): Promise<void> {
    const { ports } = this.options;
    const { identity } = record;
    const bodies = twinBodies(dc.id, record.topology, record.layout);
    // The clusters and hosts share the datacenter's policy (one policy, not one per twin).
    let policyId: string | null = null;
    const write = async ({ thingId, body, partOf }: (typeof bodies)[number]) => {
      if (ports.exists(thingId)) await ports.merge(identity, [{ thingId, patch: body }]);
      else await ports.create(identity, thingId, policyId === null ? body : { ...body, policyId });
      if (partOf !== null) await ports.relate(identity, thingId, 'partOf', partOf);
    };
    await write(bodies[0]!);
    policyId = ports.policyIdOf(dc.thingId);
    await ports.merge(identity, [
      {
        thingId: dc.thingId,
        patch: {
          attributes: {
            topology: record.request.topologyName,
            workload: record.request.workloadDir,
          },
          features: { shadow: { properties: { state: 'running', windowsDone: 0 } } },
        },
      },
    ]);
    const clusters = bodies.slice(1, 1 + record.layout.clusters.length);
    await Promise.all(clusters.map(write));
    const hosts = bodies.slice(1 + clusters.length);
    for (let i = 0; i < hosts.length; i += 32) await Promise.all(hosts.slice(i, i + 32).map(write));
    await ports.putSpec(identity, specId, {
      source: { http: {} },
      thingId: dc.thingId,
      timestamp: { path: '$.t', format: 'epoch-ms' },
      values: { 'features/power/properties/measured': '$.w' },
    });
  }

  private async onWindow(
    dc: Datacenter,
    record: ShadowRecord,
    window: ShadowWindow,
    progress: ShadowProgress,
    specId: string,
  ): Promise<void> {
    const { ports } = this.options;
    record.rows.push(...window.rows);
    record.windowsDone = progress.windowsDone;
    record.windows = progress.windows;
    record.achievedSpeed = progress.achievedSpeed;
    const rows = record.rows;
    const measuredSeries = {
      timestamp: rows.map((r) => r.timestamp),
      power: rows.map((r) => r.measuredPower ?? Number.NaN),
    };
    record.mape = mape(measuredSeries, {
      timestamp: measuredSeries.timestamp,
      power: rows.map((r) => r.predictedPower),
    }).mape;
    record.mapeUncalibrated = mape(measuredSeries, {
      timestamp: measuredSeries.timestamp,
      power: rows.map((r) => r.powerUncalibrated),
    }).mape;
    const end =
      window.rows.length > 0 ? window.rows[window.rows.length - 1]!.timestamp : window.end;
    try {
      // The measured samples of the window, through ingest, at their own times.
      const measured = record.measured;
      if (measured !== null) {
        const payloads: JsonObject[] = [];
        let i = record.measuredNext;
        while (i < measured.timestamp.length && measured.timestamp[i]! <= end) {
          if (measured.timestamp[i]! > window.start)
            payloads.push({ t: measured.timestamp[i]!, w: measured.power[i]! });
          i++;
        }
        record.measuredNext = i;
        if (payloads.length > 0) await ports.ingest(specId, payloads);
      }
      await ports.merge(record.identity, this.windowMerges(dc, record, window, end));
    } catch (error) {
      this.options.warn?.(`datacenter ${dc.id}: window ${window.windowId} was not written`, error);
    }
    for (const whatif of dc.whatifs.values()) this.release(whatif);
  }

  /** One merge per twin for a window, observed at the window's simulated end. */
  private windowMerges(
    dc: Datacenter,
    record: ShadowRecord,
    window: ShadowWindow,
    end: number,
  ): TwinMerge[] {
    const simulation = record.simulation!;
    const { rows } = window;
    const n = rows.length;
    const mean = (f: (r: ShadowRow) => number) => rows.reduce((s, r) => s + f(r), 0) / n;
    const predicted = mean((r) => r.predictedPower);
    const uncalibrated = mean((r) => r.powerUncalibrated);
    const measuredRows = rows.filter((r) => r.measuredPower !== null);
    const power: JsonObject = { predicted, uncalibrated };
    if (measuredRows.length > 0) {
      const measuredMean =
        measuredRows.reduce((s, r) => s + (r.measuredPower as number), 0) / measuredRows.length;
      const predictedThere =
        measuredRows.reduce((s, r) => s + r.predictedPower, 0) / measuredRows.length;
      if (measuredMean !== 0)
        power.errorPercent =
          (100 * Math.abs(predictedThere - measuredMean)) / Math.abs(measuredMean);
    }
    const features: JsonObject = {
      power: { properties: power },
      shadow: {
        properties: {
          state: 'running',
          windowsDone: record.windowsDone,
          windows: record.windows,
          achievedSpeed: record.achievedSpeed,
          ...(finite(record.mape) === null ? {} : { mape: record.mape }),
          ...(finite(record.mapeUncalibrated) === null
            ? {}
            : { mapeUncalibrated: record.mapeUncalibrated }),
        },
      },
    };
    if (record.carbon !== null)
      features.carbon = {
        properties: {
          emission: rows.reduce((s, r) => s + (r.carbonEmission ?? 0), 0),
          intensity: meanIntensity(record.carbon, window.start, end),
        },
      };
    if (window.calibration !== null)
      features.calibration = {
        properties: {
          scale: window.calibration.scale,
          lookbackMape: window.calibration.lookbackMape,
          models: window.calibration.models.map(modelJson),
        },
      };
    const merges: TwinMerge[] = [{ thingId: dc.thingId, patch: { features }, observedAt: end }];
    const first =
      Math.round((rows[0]!.timestamp - simulation.start) / simulation.exportIntervalMs) - 1;
    const last = first + n;
    const models = window.calibration?.models ?? record.topology.groups.map((g) => g.powerModel);
    const clusterWatts = clusterPower(simulation, record.layout, models, first, last);
    const hostMeans = record.utilisation!.mean(first, last);
    record.layout.clusters.forEach((cluster, ci) => {
      let sum = 0;
      for (const h of cluster.hosts) sum += hostMeans[h]!;
      merges.push({
        thingId: cluster.thingId,
        observedAt: end,
        patch: {
          features: {
            power: { properties: { predicted: clusterWatts[ci]! } },
            utilisation: {
              properties: { mean: cluster.hosts.length > 0 ? sum / cluster.hosts.length : 0 },
            },
          },
        },
      });
    });
    record.layout.hosts.forEach((host, h) => {
      const u = hostMeans[h]!;
      const before = record.lastHost[h]!;
      if (!Number.isNaN(before) && Math.abs(u - before) < HOST_UTILISATION_STEP) return;
      record.lastHost[h] = u;
      merges.push({
        thingId: host.thingId,
        observedAt: end,
        patch: { features: { utilisation: { properties: { mean: u } } } },
      });
    });
    return merges;
  }

  private async writeShadowState(dc: Datacenter, record: ShadowRecord): Promise<void> {
    if (!this.options.ports.exists(dc.thingId)) return;
    const last = record.rows[record.rows.length - 1];
    try {
      await this.options.ports.merge(record.identity, [
        {
          thingId: dc.thingId,
          ...(last === undefined ? {} : { observedAt: last.timestamp }),
          patch: {
            features: {
              shadow: {
                properties: {
                  state: record.state,
                  windowsDone: record.windowsDone,
                  windows: record.windows,
                  achievedSpeed: record.achievedSpeed,
                  ...(finite(record.mape) === null ? {} : { mape: record.mape }),
                  ...(finite(record.mapeUncalibrated) === null
                    ? {}
                    : { mapeUncalibrated: record.mapeUncalibrated }),
                },
              },
            },
          },
        },
      ]);
    } catch (error) {
      this.options.warn?.(`datacenter ${dc.id}: the final state was not written`, error);
    }
  }

  /** The rows so far (within `from`/`to` when given) and the MAPE per window. */
  results(identity: Identity, id: string, query: Record<string, unknown>): JsonValue {
    assertAdmin(identity);
    const shadow = this.shadowOf(id);
    for (const key of Object.keys(query))
      if (key !== 'from' && key !== 'to')
        throw errors.datacenterQueryInvalid(key, 'unknown parameter (expected from, to)');
    const bound = (name: 'from' | 'to', fallback: number) => {
      const raw = query[name];
      if (raw === undefined) return fallback;
      const at = typeof raw === 'string' ? parseInstant(raw, this.now()) : null;
      if (at === null)
        throw errors.datacenterQueryInvalid(
          name,
          'must be an ISO-8601 time, epoch ms, or now-<duration>',
        );
      return at;
    };
    const from = bound('from', -Infinity);
    const to = bound('to', Infinity);
    const rows = shadow.rows.filter((r) => r.timestamp >= from && r.timestamp <= to);
    const timestamp = rows.map((r) => r.timestamp);
    const origin = shadow.simulation?.start ?? 0;
    return {
      rows: rows.map((r) => ({
        timestamp: r.timestamp,
        windowId: r.windowId,
        predicted: r.predictedPower,
        measured: r.measuredPower,
        uncalibrated: r.powerUncalibrated,
        carbon: r.carbonEmission,
      })),
      mapeOverTime: mapeOverTime(
        { timestamp, power: rows.map((r) => r.measuredPower ?? Number.NaN) },
        { timestamp, power: rows.map((r) => r.predictedPower) },
        { periodMs: shadow.request.windowMs, origin },
      ).map((row) => ({
        start: row.start,
        end: row.end,
        mape: row.mape,
        cumulativeMape: row.cumulativeMape,
      })),
    };
  }

  /** Each host's mean utilisation per step, over the windows done so far (the heat map). */
  utilisation(identity: Identity, id: string, query: Record<string, unknown>): JsonValue {
    assertAdmin(identity);
    const shadow = this.shadowOf(id);
    for (const key of Object.keys(query))
      if (key !== 'step')
        throw errors.datacenterQueryInvalid(key, 'unknown parameter (expected step)');
    const raw = query.step ?? '1h';
    const stepMs = typeof raw === 'string' ? parseDuration(raw) : null;
    if (stepMs === null)
      throw errors.datacenterQueryInvalid('step', 'must be a duration such as "15m", "1h", "1d"');
    const hosts = shadow.layout.hosts.map((h) => h.thingId);
    const simulation = shadow.simulation;
    const utilisation = shadow.utilisation;
    if (simulation === null || utilisation === null)
      return { hosts, start: null, stepMs, values: hosts.map(() => []) };
    const intervalMs = simulation.exportIntervalMs;
    if (stepMs < intervalMs)
      throw errors.datacenterQueryInvalid(
        'step',
        `must be at least the export interval (${intervalMs / 1000} s)`,
      );
    const intervals = shadow.rows.length;
    const steps = Math.ceil((intervals * intervalMs) / stepMs);
    if (steps * hosts.length > MAX_HEATMAP_CELLS)
      throw errors.datacenterQueryInvalid(
        'step',
        `gives ${steps * hosts.length} cells (hosts × steps), more than ${MAX_HEATMAP_CELLS}: ask for a larger step`,
      );
    const values = hosts.map((_, h) => {
      const sums = new Float64Array(steps);
      const counts = new Uint32Array(steps);
      for (let k = 0; k < intervals; k++) {
        const s = Math.floor((k * intervalMs) / stepMs);
        sums[s]! += utilisation.at(k, h);
        counts[s]!++;
      }
      return Array.from(sums, (sum, s) => (counts[s] ? sum / counts[s]! : 0));
    });
    return { hosts, start: simulation.start, stepMs, values };
  }

  /** The run's power_plot.png, once written. */
  plot(identity: Identity, id: string): Buffer {
    assertAdmin(identity);
    const shadow = this.shadowOf(id);
    const path = join(shadow.request.outDir, 'power_plot.png');
    if (!shadow.plot || !existsSync(path)) throw errors.datacenterPlotNotFound(id);
    return readFileSync(path);
  }

  // --- what-ifs ---

  /** Simulates the same workload on another topology beside the live run (replacing one so named). */
  async putWhatIf(
    identity: Identity,
    id: string,
    name: string,
    body: unknown,
  ): Promise<{ created: boolean; view: JsonValue }> {
    assertAdmin(identity);
    if (!WHATIF_NAME.test(name))
      throw errors.datacenterRequestInvalid('name', 'must be 1-64 of A-Z a-z 0-9 _ -');
    const dc = this.datacenters.get(id);
    const shadow = dc?.shadow ?? null;
    if (dc === undefined || shadow === null) throw errors.datacenterShadowRequired(id);
    const { topology, parsed } = checkWhatIfRequest(body);
    let topologyPath: string;
    if ('inline' in topology) {
      const base = join(this.options.dataDir, id);
      mkdirSync(base, { recursive: true });
      topologyPath = join(base, `whatif-${name}.json`);
      writeFileSync(topologyPath, `${JSON.stringify(topology.inline, null, 2)}\n`);
    } else topologyPath = topology.path;
    const old = dc.whatifs.get(name);
    if (old !== undefined) old.removed = true;
    const record: WhatIfRecord = {
      name,
      thingId: whatIfThingId(id, name),
      identity,
      topology: parsed,
      shadow,
      state: 'running',
      simulation: null,
      released: 0,
      rows: [],
      error: null,
      removed: false,
      releasing: Promise.resolve(),
    };
    const { ports } = this.options;
    const twin: JsonObject = {
      definition: DEFINITIONS.whatif,
      attributes: {
        datacenter: id,
        whatif: name,
        hosts: parsed.hostCount,
        topology: 'inline' in topology ? 'inline' : topology.path,
      },
    };
    const policyId = ports.policyIdOf(dc.thingId);
    if (ports.exists(record.thingId))
      await ports.merge(identity, [{ thingId: record.thingId, patch: twin }]);
    else
      await ports.create(
        identity,
        record.thingId,
        policyId === null ? twin : { ...twin, policyId },
      );
    if (ports.exists(dc.thingId))
      await ports.relate(identity, record.thingId, 'whatIfOf', dc.thingId);
    dc.whatifs.set(name, record);
    simulateInWorker({
      workloadDir: shadow.request.workloadDir,
      topologyPath,
      exportIntervalMs: shadow.request.exportIntervalMs,
    }).then(
      (simulation) => {
        record.simulation = simulation;
        this.release(record);
      },
      (error: unknown) => {
        record.state = 'failed';
        record.error = error instanceof Error ? error.message : String(error);
      },
    );
    return { created: old === undefined, view: this.whatIfView(record, false) };
  }

  getWhatIf(
    identity: Identity,
    id: string,
    name: string,
    query: Record<string, unknown>,
  ): JsonValue {
    assertAdmin(identity);
    for (const key of Object.keys(query))
      if (key !== 'rows')
        throw errors.datacenterQueryInvalid(key, 'unknown parameter (expected rows)');
    const rows = query.rows;
    if (rows !== undefined && rows !== 'true' && rows !== 'false')
      throw errors.datacenterQueryInvalid('rows', 'must be true or false');
    return this.whatIfView(this.whatIf(id, name), rows === 'true');
  }

  async deleteWhatIf(identity: Identity, id: string, name: string): Promise<void> {
    assertAdmin(identity);
    const record = this.whatIf(id, name);
    record.removed = true;
    if (record.state === 'running') record.state = 'stopped';
    this.known(id).whatifs.delete(name);
    await record.releasing;
  }

  private whatIf(id: string, name: string): WhatIfRecord {
    const record = this.known(id).whatifs.get(name);
    if (record === undefined) throw errors.datacenterWhatIfNotFound(id, name);
    return record;
  }

  /** Writes the what-if's windows up to where the live run is, one after the other. */
  private release(record: WhatIfRecord): void {
    record.releasing = record.releasing
      .then(() => this.releaseNow(record))
      .catch((error: unknown) => {
        this.options.warn?.(`what-if ${record.name}: windows were not written`, error);
      });
  }

  private async releaseNow(record: WhatIfRecord): Promise<void> {
    const live = record.shadow;
    const simulation = record.simulation;
    const liveSimulation = live.simulation;
    if (record.removed || simulation === null || liveSimulation === null) return;
    const intervalMs = liveSimulation.exportIntervalMs;
    const seconds = intervalMs / 1000;
    const models = record.topology.groups.map((g) => g.powerModel);
    const intervals = simulation.masses[0] ? simulation.masses[0].offsets.length - 1 : 0;
    const idle = idlePower(record.topology);
    const perWindow = live.request.windowMs / intervalMs;
    const merges: TwinMerge[] = [];
    while (record.released < live.windowsDone) {
      const w = record.released;
      const liveRows = live.rows.slice(w * perWindow, (w + 1) * perWindow);
      let sum = 0;
      for (const row of liveRows) {
        const k = Math.round((row.timestamp - liveSimulation.start) / intervalMs) - 1;
        const predicted =
          k < intervals ? intervalPower(simulation.masses, models, k, seconds) : idle;
        sum += predicted;
        record.rows.push({
          timestamp: row.timestamp,
          windowId: w,
          predicted,
          live: row.powerUncalibrated,
        });
      }
      record.released++;
      if (liveRows.length === 0) continue;
      merges.push({
        thingId: record.thingId,
        observedAt: liveRows[liveRows.length - 1]!.timestamp,
        patch: { features: { power: { properties: { predicted: sum / liveRows.length } } } },
      });
    }
    for (let i = 0; i < merges.length; i += 256) {
      if (record.removed) return;
      await this.options.ports.merge(record.identity, merges.slice(i, i + 256));
    }
    if (
      live.state !== 'running' &&
      record.released >= live.windowsDone &&
      record.state === 'running'
    )
      record.state = live.state === 'succeeded' ? 'succeeded' : 'stopped';
  }

  private whatIfView(record: WhatIfRecord, withRows: boolean): JsonValue {
    const seconds =
      (record.shadow.simulation?.exportIntervalMs ?? record.shadow.request.exportIntervalMs) / 1000;
    const carbon = record.shadow.carbon;
    const figures = (power: (r: WhatIfRecord['rows'][number]) => number) => {
      let kwh = 0;
      let peak = record.rows.length > 0 ? -Infinity : 0;
      let grams = 0;
      for (const row of record.rows) {
        const p = power(row);
        const e = (p * seconds) / 3.6e6;
        kwh += e;
        peak = Math.max(peak, p);
        if (carbon !== null)
          grams += e * meanIntensity(carbon, row.timestamp - seconds * 1000, row.timestamp);
      }
      return { energyKwh: kwh, peakPowerW: peak, carbonG: carbon === null ? null : grams };
    };
    const own = figures((r) => r.predicted);
    const live = figures((r) => r.live);
    const view: JsonObject = {
      name: record.name,
      thingId: record.thingId,
      state: record.state,
      windows: record.released,
      ...own,
      difference: {
        energyKwh: own.energyKwh - live.energyKwh,
        peakPowerW: own.peakPowerW - live.peakPowerW,
        carbonG: own.carbonG === null || live.carbonG === null ? null : own.carbonG - live.carbonG,
      },
      live,
      error: record.error === null ? null : { message: record.error },
    };
    if (withRows) view.rows = record.rows.map((r) => ({ ...r }));
    return view;
  }

  // --- lifetime ---

  /** Stops every shadow run (their files are written) and waits for them: platform stop. */
  async close(): Promise<void> {
    this.closing = true;
    const runs: Promise<void>[] = [];
    for (const dc of this.datacenters.values()) {
      for (const whatif of dc.whatifs.values()) whatif.removed = true;
      if (dc.shadow !== null) {
        dc.shadow.abort.abort();
        runs.push(dc.shadow.done);
      }
    }
    await Promise.all(runs);
  }

  /** Resolves once the shadow run of `id` (if any) has ended (tests). */
  async settled(id: string): Promise<void> {
    await this.datacenters.get(id)?.shadow?.done;
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }
}

function assertAdmin(identity: Identity): void {
  if (!identity.admin)
    throw errors.forbidden(
      'Only administrators may run datacenter twins: their inputs are files on the server.',
    );
}

function checkId(id: string): void {
  if (!DATACENTER_ID.test(id))
    throw errors.datacenterRequestInvalid('id', 'must be 1-64 of A-Z a-z 0-9 _ -');
}

function statusOf(id: string, record: ShadowRecord): ShadowStatus {
  const last = record.rows[record.rows.length - 1];
  return {
    id,
    state: record.state,
    startedAt: isoTime(record.startedAt),
    endedAt: record.endedAt === null ? null : isoTime(record.endedAt),
    progress: {
      windowsDone: record.windowsDone,
      windows: record.windows,
      fraction:
        record.state === 'succeeded'
          ? 1
          : record.windows > 0
            ? record.windowsDone / record.windows
            : 0,
      achievedSpeed: record.achievedSpeed,
    },
    speed: record.request.speed,
    window: record.request.windowText,
    calibrate: record.request.calibrate,
    mape: finite(record.mape),
    mapeUncalibrated: finite(record.mapeUncalibrated),
    latest:
      last === undefined
        ? null
        : {
            timestamp: last.timestamp,
            predicted: last.predictedPower,
            measured: last.measuredPower,
            uncalibrated: last.powerUncalibrated,
          },
    error: record.error === null ? null : { message: record.error },
    out: record.request.outDir,
    summary: record.summary,
  };
}
