// The datacenter twin on a real platform: a small workload (written here as OpenDC Parquet) replayed
// in shadow mode at speed "max" through the API. Twins with their partOf relations, the datacenter's
// features after the last window, one series point per window at simulated times, the measured
// power arriving through ingest, results, utilisation and plot, a what-if with half the hosts
// using less energy, stopping, and the refusals (bad input 400 naming the field, 403, 404, 409).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parquetWriteBuffer } from 'hyparquet-writer';
import type { ColumnSource } from 'hyparquet-writer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sharedDataPath } from '../scripts/workspace.js';
import { expectError } from './support/ditto-error.js';
import { createSecureFixture, type SecureFixture } from './support/secure-app-fixture.js';
import { SseClient } from './support/sse-client.js';

const START = Date.UTC(2022, 9, 6, 22);
const HOUR = 3_600_000;
/** Simulated span of the workload: tasks run for 2 h, the last submitted after 30 min. */
const TASKS = 6;
const FRAGMENTS = 240; // 2 h of 30 s samples

let fx: SecureFixture;
let dir: string;
let workload: string;
let power: string;
let carbon: string;
let user: string;
let http: string;

function parquet(path: string, columns: ColumnSource[]): void {
  writeFileSync(path, Buffer.from(parquetWriteBuffer({ columnData: columns })));
}

function topology(hostsPerCluster: [number, number]): object {
  const host = (name: string, count: number) => ({
    name,
    count,
    cpu: { coreCount: 4, coreSpeed: 2000 },
    memory: { memorySize: 64_000 },
    cpuPowerModel: { modelType: 'linear', idlePower: 100, maxPower: 200 },
  });
  return {
    clusters: [
      { name: 'C1', hosts: [host('H', hostsPerCluster[0])] },
      { name: 'C2', hosts: [host('G', hostsPerCluster[1])] },
    ],
  };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'datacenter-api-'));
  workload = join(dir, 'workload');
  const { mkdirSync } = await import('node:fs');
  mkdirSync(workload);
  parquet(join(workload, 'tasks.parquet'), [
    { name: 'id', data: Array.from({ length: TASKS }, (_, t) => t), type: 'INT32' },
    {
      name: 'submission_time',
      data: Array.from({ length: TASKS }, (_, t) => BigInt(START + t * 360_000)),
      type: 'INT64',
    },
    { name: 'cpu_count', data: Array.from({ length: TASKS }, () => 2), type: 'INT32' },
    { name: 'cpu_capacity', data: Array.from({ length: TASKS }, () => 4000), type: 'DOUBLE' },
    { name: 'mem_capacity', data: Array.from({ length: TASKS }, () => 1000n), type: 'INT64' },
  ]);
  const ids: number[] = [];
  const usage: number[] = [];
  for (let t = 0; t < TASKS; t++)
    for (let f = 0; f < FRAGMENTS; f++) {
      ids.push(t);
      usage.push(1000 + ((f * 37 + t * 500) % 3000));
    }
  parquet(join(workload, 'fragments.parquet'), [
    { name: 'id', data: ids, type: 'INT32' },
    { name: 'duration', data: ids.map(() => 30_000n), type: 'INT64' },
    { name: 'cpu_count', data: ids.map(() => 2), type: 'INT32' },
    { name: 'cpu_usage', data: usage, type: 'DOUBLE' },
  ]);
  // Measured every 30 s (relative to the first submission) for 3 h: 5 % above a linear guess.
  const times: bigint[] = [];
  const watts: number[] = [];
  for (let t = 30_000; t <= 3 * HOUR; t += 30_000) {
    times.push(BigInt(t));
    watts.push(1.05 * (600 + 200 * Math.sin(t / 1_800_000)));
  }
  power = join(dir, 'consumption.parquet');
  parquet(power, [
    { name: 'timestamp', data: times, type: 'INT64' },
    { name: 'power_draw', data: watts, type: 'DOUBLE' },
  ]);
  carbon = join(dir, 'carbon.parquet');
  parquet(carbon, [
    {
      name: 'timestamp',
      data: Array.from({ length: 16 }, (_, i) => new Date(START - HOUR + i * 900_000)),
      type: 'TIMESTAMP',
    },
    {
      name: 'carbon_intensity',
      data: Array.from({ length: 16 }, (_, i) => 300 + i),
      type: 'DOUBLE',
    },
  ]);
  writeFileSync(join(dir, 'topology.json'), JSON.stringify(topology([4, 2])));
  fx = await createSecureFixture();
  user = await fx.addUser('operator');
  http = await fx.app.listen({ port: 0, host: '127.0.0.1' });
}, 30_000);

afterAll(async () => {
  await fx?.close();
  rmSync(dir, { recursive: true, force: true });
});

const body = (extra: object = {}) => ({
  workload,
  topology: join(dir, 'topology.json'),
  power,
  carbon,
  speed: 'max',
  window: '5m',
  ...extra,
});

async function until<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
  ms = 30_000,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline)
      throw new Error(`gave up waiting: ${JSON.stringify(value).slice(0, 500)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const get = async (url: string) => {
  const response = await fx.send('GET', url, fx.admin);
  expect(response.statusCode, response.body).toBe(200);
  return response.json();
};

describe('datacenter shadow mode over the API', () => {
  it('refuses a non-administrator (403) and bad input naming the file and field (400)', async () => {
    expectError(
      await fx.send('POST', '/api/2/datacenters/lisa/shadow', user, body()),
      403,
      'gateway:forbidden',
    );
    expectError(await fx.send('GET', '/api/2/datacenters', user), 403, 'gateway:forbidden');
    const cases: [object, string, string][] = [
      [{ workload: join(dir, 'nowhere') }, 'datacenters:input.invalid', 'nowhere: (directory)'],
      [{ topology: { clusters: 3 } }, 'datacenters:input.invalid', 'topology (inline): clusters'],
      [
        {
          topology: {
            clusters: [
              {
                name: 'C',
                hosts: [
                  {
                    cpu: { coreCount: 1, coreSpeed: 1 },
                    memory: { memorySize: 1 },
                    cpuPowerModel: { modelType: 'quartic', idlePower: 1, maxPower: 2 },
                  },
                ],
              },
            ],
          },
        },
        'datacenters:input.invalid',
        'clusters[0].hosts[0].cpuPowerModel.modelType',
      ],
      [
        { power: join(dir, 'missing.parquet') },
        'datacenters:input.invalid',
        'missing.parquet: (file)',
      ],
      [{ window: '7m' }, 'datacenters:request.invalid', "'window'"],
      [{ window: 'soon' }, 'datacenters:request.invalid', "'window'"],
      [{ speed: 0 }, 'datacenters:request.invalid', "'speed'"],
      [{ calibrate: 'yes' }, 'datacenters:request.invalid', "'calibrate'"],
      [{ colour: 'red' }, 'datacenters:request.invalid', "'colour'"],
      [{ out: join(dir, 'topology.json', 'inside') }, 'datacenters:request.invalid', "'out'"],
    ];
    for (const [extra, code, named] of cases) {
      const response = await fx.send(
        'POST',
        '/api/2/datacenters/lisa/shadow',
        fx.admin,
        body(extra),
      );
      expectError(response, 400, code);
      expect(response.json().message, JSON.stringify(extra)).toContain(named);
    }
    expectError(
      await fx.send('GET', '/api/2/datacenters/lisa', fx.admin),
      404,
      'datacenters:datacenter.notfound',
    );
    expectError(
      await fx.send('PUT', '/api/2/datacenters/lisa/whatif/half', fx.admin, {
        topology: topology([2, 1]),
      }),
      409,
      'datacenters:shadow.required',
    );
  });

  it('runs at speed max: twins, features, series, ingest, results, utilisation, plot, what-if', async () => {
    // The datacenter's changes are streamed like any other (SSE streams the changed thing JSON).
    const sse = await SseClient.open(`${http}/api/2/things?ids=dc:lisa`, {
      authorization: fx.admin,
    });
    expect(sse.response.status).toBe(200);
    const started = await fx.send('POST', '/api/2/datacenters/lisa/shadow', fx.admin, body());
    expect(started.statusCode, started.body).toBe(202);
    expect(started.headers.location).toMatch(/\/api\/2\/datacenters\/lisa\/shadow$/);
    expect(started.json()).toMatchObject({
      id: 'lisa',
      state: 'running',
      speed: 'max',
      window: '5m',
      calibrate: true,
    });
    expectError(
      await fx.send('POST', '/api/2/datacenters/lisa/shadow', fx.admin, body()),
      409,
      'datacenters:shadow.running',
    );
    const half = await fx.send('PUT', '/api/2/datacenters/lisa/whatif/half', fx.admin, {
      topology: topology([2, 1]),
    });
    expect(half.statusCode, half.body).toBe(201);

    const status = await until(
      () => get('/api/2/datacenters/lisa/shadow'),
      (s) => s.state !== 'running',
    );
    expect(status.state, JSON.stringify(status.error)).toBe('succeeded');
    const windows = status.progress.windows as number;
    expect(windows).toBeGreaterThan(20);
    expect(status.progress).toMatchObject({ windowsDone: windows, fraction: 1 });
    expect(status.mape).toBeTypeOf('number');
    expect(status.summary.windows).toBe(windows);
    expect(status.latest.timestamp).toBeGreaterThan(START);

    // The twins and their relations: hosts -> clusters -> datacenter.
    const listed = await get('/api/2/datacenters');
    expect(listed.items).toEqual([
      expect.objectContaining({ id: 'lisa', thingId: 'dc:lisa', whatifs: ['half'] }),
    ]);
    const dc = await get('/api/2/things/dc:lisa');
    expect(dc.attributes).toMatchObject({ clusters: 2, hosts: 6, cores: 24 });
    const host = await get('/api/2/things/dc:lisa.C1.H-4');
    // One policy for the datacenter's twins: the datacenter's own.
    expect(host.policyId).toBe(dc.policyId);
    expect(host.attributes).toMatchObject({
      cores: 4,
      coreSpeedMHz: 2000,
      powerModel: { kind: 'linear' },
    });
    await get('/api/2/things/dc:lisa.C2.G-2');
    const relations = await get('/api/2/things/dc:lisa/relations?direction=in&name=partOf&depth=2');
    const edges = (relations.relations as { source: string; target: string }[]).map(
      (r) => `${r.source}>${r.target}`,
    );
    expect(edges.sort()).toEqual(
      [
        'dc:lisa.C1>dc:lisa',
        'dc:lisa.C2>dc:lisa',
        ...[1, 2, 3, 4].map((n) => `dc:lisa.C1.H-${n}>dc:lisa.C1`),
        ...[1, 2].map((n) => `dc:lisa.C2.G-${n}>dc:lisa.C2`),
      ].sort(),
    );

    // The results, and the datacenter's features holding the last window's values.
    const results = await get('/api/2/datacenters/lisa/shadow/results');
    const rows = results.rows as {
      timestamp: number;
      windowId: number;
      predicted: number;
      measured: number | null;
      uncalibrated: number;
      carbon: number;
    }[];
    expect(rows.length).toBe(status.summary.exports);
    expect(results.mapeOverTime.length).toBeGreaterThan(10);
    const lastWindow = rows.filter((r) => r.windowId === windows - 1);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const features = dc.features;
    expect(features.power.properties.predicted).toBeCloseTo(
      mean(lastWindow.map((r) => r.predicted)),
      6,
    );
    expect(features.power.properties.uncalibrated).toBeCloseTo(
      mean(lastWindow.map((r) => r.uncalibrated)),
      6,
    );
    expect(features.shadow.properties).toMatchObject({
      state: 'succeeded',
      windowsDone: windows,
      windows,
    });
    expect(features.carbon.properties.emission).toBeCloseTo(
      lastWindow.reduce((s, r) => s + r.carbon, 0),
      6,
    );
    expect(features.calibration.properties.scale).toBeTypeOf('number');
    const from = new Date(START).toISOString();
    const to = new Date(START + 6 * HOUR).toISOString();
    const range = `from=${from}&to=${to}`;
    // One point per window, at each window's simulated end.
    const predicted = await get(
      `/api/2/timeseries/things/dc:lisa/features/power/properties/predicted?${range}`,
    );
    const ends = [...new Set(rows.map((r) => r.windowId))].map((w) => {
      const of = rows.filter((r) => r.windowId === w);
      return of[of.length - 1]!.timestamp;
    });
    expect(predicted.series.t).toEqual(ends);
    expect(predicted.series.value.length).toBe(windows);
    // Measured power came in through ingest, at the samples' own times.
    const spec = await get('/api/2/ingest/specs/datacenter.lisa.power');
    expect(spec.spec.thingId).toBe('dc:lisa');
    const measured = await get(
      `/api/2/timeseries/things/dc:lisa/features/power/properties/measured?${range}`,
    );
    const lastEnd = ends[ends.length - 1]!;
    const expectedSamples =
      Math.floor((lastEnd - START) / 30_000) > 360 ? 360 : Math.floor((lastEnd - START) / 30_000);
    expect(measured.series.t.length).toBe(expectedSamples);
    expect(measured.series.t[0]).toBe(START + 30_000);
    expect(measured.series.value[0]).toBeCloseTo(
      1.05 * (600 + 200 * Math.sin(30_000 / 1_800_000)),
      6,
    );
    // Clusters carry power and utilisation; hosts utilisation.
    const cluster = await get('/api/2/things/dc:lisa.C1');
    expect(cluster.features.power.properties.predicted).toBeGreaterThan(0);
    expect(cluster.features.utilisation.properties.mean).toBeGreaterThanOrEqual(0);
    expect(
      host.features?.utilisation?.properties?.mean ??
        (await get('/api/2/things/dc:lisa.C1.H-4')).features.utilisation.properties.mean,
    ).toBeGreaterThanOrEqual(0);

    // Streamed: each window's prediction, the last one being the twin's.
    const streamed = () =>
      (sse.json() as { features?: { power?: { properties?: { predicted?: number } } } }[])
        .map((e) => e.features?.power?.properties?.predicted)
        .filter((v) => v !== undefined);
    await until(
      async () => streamed(),
      (values) => values.length >= windows,
    );
    expect(streamed()).toHaveLength(windows);
    expect(streamed()[windows - 1]).toBe(features.power.properties.predicted);
    await sse.close();

    // The heat map.
    const heat = await get('/api/2/datacenters/lisa/shadow/utilisation?step=30m');
    expect(heat.hosts).toHaveLength(6);
    expect(heat.stepMs).toBe(1_800_000);
    expect(heat.start).toBe(START);
    const busy = (heat.values as number[][]).flat();
    expect(busy.every((u) => u >= 0 && u <= 1)).toBe(true);
    expect(Math.max(...busy)).toBeGreaterThan(0.1);
    expectError(
      await fx.send('GET', '/api/2/datacenters/lisa/shadow/utilisation?step=often', fx.admin),
      400,
      'datacenters:query.invalid',
    );

    // The plot.
    const plot = await fx.send('GET', '/api/2/datacenters/lisa/shadow/plot.png', fx.admin);
    expect(plot.statusCode).toBe(200);
    expect(plot.headers['content-type']).toBe('image/png');
    expect(plot.rawPayload.subarray(1, 4).toString()).toBe('PNG');

    // The what-if with half the hosts: less idle energy, released window by window.
    const whatif = await until(
      () => get('/api/2/datacenters/lisa/whatif/half'),
      (w) => w.state !== 'running',
    );
    expect(whatif.state).toBe('succeeded');
    expect(whatif.windows).toBe(windows);
    expect(whatif.difference.energyKwh).toBeLessThan(0);
    expect(whatif.difference.carbonG).toBeLessThan(0);
    expect(whatif.energyKwh).toBeGreaterThan(0);
    const whatifSeries = await get(
      `/api/2/timeseries/things/dc:lisa.whatif.half/features/power/properties/predicted?${range}`,
    );
    expect(whatifSeries.series.t).toEqual(ends);
    const deleted = await fx.send('DELETE', '/api/2/datacenters/lisa/whatif/half', fx.admin);
    expect(deleted.statusCode).toBe(204);
    expectError(
      await fx.send('GET', '/api/2/datacenters/lisa/whatif/half', fx.admin),
      404,
      'datacenters:whatif.notfound',
    );
  }, 60_000);

  it('DELETE stops a paced run after the window in progress', async () => {
    const started = await fx.send(
      'POST',
      '/api/2/datacenters/slow/shadow',
      fx.admin,
      body({ speed: 600, calibrate: false }),
    );
    expect(started.statusCode, started.body).toBe(202);
    expectError(
      await fx.send('GET', '/api/2/datacenters/slow/shadow/plot.png', fx.admin),
      404,
      'datacenters:plot.notfound',
    );
    const inline = await fx.send('PUT', '/api/2/datacenters/slow/whatif/half', fx.admin, {
      topology: topology([2, 1]),
    });
    expect(inline.statusCode, inline.body).toBe(201);
    // The what-if is released in step with the live run: never ahead of it.
    const paced = await until(
      async () => ({
        live: await get('/api/2/datacenters/slow/shadow'),
        whatif: await get('/api/2/datacenters/slow/whatif/half'),
      }),
      ({ whatif }) => whatif.windows >= 2,
    );
    expect(paced.whatif.state).toBe('running');
    expect(paced.whatif.windows).toBeLessThanOrEqual(paced.live.progress.windowsDone);
    expect(paced.live.progress.windowsDone).toBeLessThan(paced.live.progress.windows);
    const stopped = await fx.send('DELETE', '/api/2/datacenters/slow/shadow', fx.admin);
    expect(stopped.statusCode).toBe(204);
    const status = await get('/api/2/datacenters/slow/shadow');
    expect(status.state).toBe('stopped');
    expect(status.progress.windowsDone).toBeLessThan(status.progress.windows);
    const dc = await get('/api/2/things/dc:slow');
    expect(dc.features.shadow.properties.state).toBe('stopped');
    const whatif = await until(
      () => get('/api/2/datacenters/slow/whatif/half?rows=true'),
      (w) => w.state !== 'running',
    );
    expect(whatif.state).toBe('stopped');
    expect(whatif.windows).toBe(status.progress.windowsDone);
    expect(new Set(whatif.rows.map((r: { windowId: number }) => r.windowId)).size).toBe(
      status.progress.windowsDone,
    );
    // The files of a stopped run are written: its plot is there now.
    const plot = await fx.send('GET', '/api/2/datacenters/slow/shadow/plot.png', fx.admin);
    expect(plot.statusCode).toBe(200);
  }, 30_000);

  it('replays the SURF week at speed max: 277 host twins, every measured sample through ingest', async () => {
    const surf = sharedDataPath('surf', 'tasks.parquet');
    if (surf === null) {
      if (process.env.CI === 'true')
        throw new Error('the shared SURF data (shared/data/surf/tasks.parquet) is missing');
      return;
    }
    const S = join(surf, '..');
    const started = await fx.send('POST', '/api/2/datacenters/surf/shadow', fx.admin, {
      workload: S,
      topology: join(S, 'topology-asymptotic.json'),
      power: join(S, 'consumption.parquet'),
      carbon: join(S, 'carbon.parquet'),
      speed: 'max',
    });
    expect(started.statusCode, started.body).toBe(202);
    const status = await until(
      () => get('/api/2/datacenters/surf/shadow'),
      (s) => s.state !== 'running',
      50_000,
    );
    expect(status.state, JSON.stringify(status.error)).toBe('succeeded');
    expect(status.progress).toMatchObject({ windowsDone: 2016, windows: 2016 });
    expect(status.mape).toBe(status.summary.mape);
    expect(status.mape).toBeLessThan(status.mapeUncalibrated);
    const relations = await get('/api/2/things/dc:surf/relations?direction=in&name=partOf&depth=2');
    expect(relations.relations).toHaveLength(1 + 277);
    const week = 'from=2022-10-06T22:00:00Z&to=2022-10-13T22:00:00Z';
    const measured = await get(
      `/api/2/timeseries/things/dc:surf/features/power/properties/measured?${week}`,
    );
    expect(measured.series.t).toHaveLength(20_159);
    const predicted = await get(
      `/api/2/timeseries/things/dc:surf/features/power/properties/predicted?${week}`,
    );
    expect(predicted.series.t).toHaveLength(2016);
    // Host writes are bounded: at most one per window, fewer when utilisation holds still.
    const host = await get(
      `/api/2/timeseries/things/dc:surf.A01.A01-1/features/utilisation/properties/mean?${week}`,
    );
    expect(host.series.t.length).toBeGreaterThan(0);
    expect(host.series.t.length).toBeLessThanOrEqual(2016);
    // The heat map shows each host's own utilisation (hosts of one group differ).
    const heat = await get('/api/2/datacenters/surf/shadow/utilisation?step=1d');
    expect(heat.hosts).toHaveLength(277);
    expect(heat.values[0]).toHaveLength(7);
    expect(new Set((heat.values as number[][]).map((days) => days[0])).size).toBeGreaterThan(10);
  }, 60_000);
});
