// The experiment service on the SURF week with real files: progress while a paced run goes, and a
// run stopped by close() (the server stopping) that writes its files and reads back as stopped.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { sharedDataPath } from '../../scripts/workspace.js';
import type { Identity } from '../auth/identity.js';
import { ExperimentService } from './experiment-service.js';

const surf = sharedDataPath('surf');
if (surf === null && process.env.CI === 'true')
  throw new Error(
    'shared/data/surf is missing (see its README): the experiment service test needs it',
  );

const ADMIN: Identity = {
  id: 'user:admin',
  subjects: ['user:admin'],
  admin: true,
  namespaces: null,
  readOnly: false,
  via: 'token',
};

// Skipped only outside CI without shared/data/surf (under CI its absence fails above).
describe.skipIf(surf === null)('experiment service', () => {
  const dir = mkdtempSync(join(tmpdir(), 'experiment-service-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('shows progress while a paced run goes; close() stops it and it reads back as stopped', async () => {
    const service = new ExperimentService({ dir });
    // The week (604,800 s) at 100,000×: about 6 s of windows, an hour each.
    const config = JSON.stringify({
      name: 'paced',
      workload: surf,
      topology: join(surf!, 'topology-asymptotic.json'),
      power: join(surf!, 'consumption.parquet'),
      simulation: { speed_factor: 100_000, window_size_minutes: 60 },
    });
    const started = service.start(ADMIN, config);
    expect(started).toMatchObject({ name: 'paced', run: 1, state: 'running' });
    let view = service.get(ADMIN, 'paced', '1');
    const deadline = Date.now() + 30_000;
    while (view.progress.windowsDone < 10 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      view = service.get(ADMIN, 'paced', '1');
    }
    const { windowsDone, windows, fraction, achievedSpeed } = view.progress;
    expect(view.state).toBe('running');
    expect(windows).toBe(168);
    expect(windowsDone).toBeGreaterThanOrEqual(10);
    expect(windowsDone).toBeLessThan(windows);
    expect(fraction).toBeCloseTo(windowsDone / windows, 10);
    // Paced: close to the speed asked for, never much above it.
    expect(achievedSpeed).toBeGreaterThan(50_000);
    expect(achievedSpeed).toBeLessThan(110_000);

    await service.close();
    expect(() => service.start(ADMIN, config)).toThrow(/stopping/);
    // A fresh service (the server started again) reads the run from its folder.
    const again = new ExperimentService({ dir });
    const stopped = again.get(ADMIN, 'paced', '1');
    expect(stopped.state).toBe('stopped');
    expect(stopped.summary?.stopped).toBe(true);
    expect(stopped.summary!.windows).toBeGreaterThanOrEqual(windowsDone);
    expect(stopped.summary!.windows).toBeLessThan(168);
    expect(stopped.config).toMatchObject({ name: 'paced', speedFactor: 100_000 });
    for (const file of ['results.parquet', 'summary.json', 'power_plot.png', 'windows.jsonl'])
      expect(existsSync(join(dir, 'paced', 'run_1', file))).toBe(true);
    expect((await again.results(ADMIN, 'paced', '1')).rows).toHaveLength(stopped.summary!.exports);
  }, 60_000);

  it('refuses what is not an administrator', () => {
    const service = new ExperimentService({ dir });
    expect(() => service.list({ ...ADMIN, admin: false })).toThrow(/administrators/);
  });
});
