// The contract every ModelStore adapter passes: run it for each backend (see model-store.test.ts).
import { afterEach, describe, expect, it } from 'vitest';
import type { ModelRecord, RunRecord, RunSeriesRecord, ScenarioRecord } from './model-store.js';
import { runId } from './model-store.js';
import type { Storage } from './storage.js';
import type { StorageFixture } from './test-backends.js';

function model(id: string, extra: Partial<ModelRecord> = {}): ModelRecord {
  return {
    id,
    kind: 'external',
    parameters: { source: 'opendc', nested: { a: [1, 2, { b: 'x \u0000 \u{1F600}' }] } },
    description: 'a model',
    owner: 'user:alice',
    revision: 1,
    created: 1000,
    modified: 1000,
    ...extra,
  };
}

function scenario(id: string, extra: Partial<ScenarioRecord> = {}): ScenarioRecord {
  return {
    id,
    parameters: { racks: 12 },
    description: null,
    owner: 'user:bob',
    revision: 1,
    created: 2000,
    modified: 2000,
    ...extra,
  };
}

function run(modelId: string, extra: Partial<RunRecord> = {}): RunRecord {
  return {
    id: runId(),
    modelId,
    scenarioId: null,
    owner: 'user:alice',
    created: 3000,
    from: 10,
    to: 30,
    series: [{ thingId: 'x:y', pointer: 'attributes/a', points: 3, bounds: true, level: 0.9 }],
    ...extra,
  };
}

function series(id: string, thingId: string, pointer: string, bounds = true): RunSeriesRecord {
  return {
    runId: id,
    thingId,
    pointer,
    t: [10, 20, 30],
    mean: [1.5, -2, 1e-9],
    lower: bounds ? [1, -3, -0.5] : null,
    upper: bounds ? [2, -1, 0.5] : null,
    level: bounds ? 0.9 : null,
  };
}

/** Registers the ModelStore contract for one backend. */
export function modelStoreContract(name: string, storages: StorageFixture): void {
  describe(`ModelStore contract (${name})`, () => {
    let storage: Storage;
    afterEach(async () => {
      await storage?.close();
    });

    it('models and scenarios - put (created, then replaced), get, list in id order, delete, across a restart', async () => {
      storage = await storages.open();
      const store = storage.models;
      expect(await store.listModels()).toEqual([]);
      expect(await store.putModel(model('m-b'))).toBe('created');
      expect(await store.putModel(model('m-a', { kind: 'forecast' }))).toBe('created');
      expect(await store.putModel(model('m-b', { revision: 2, description: null }))).toBe(
        'replaced',
      );
      expect(await store.putScenario(scenario('s-1'))).toBe('created');
      expect(await store.putScenario(scenario('s-1', { revision: 2 }))).toBe('replaced');
      storage = await storages.reopen(storage);
      const again = storage.models;
      expect(await again.listModels()).toEqual([
        model('m-a', { kind: 'forecast' }),
        model('m-b', { revision: 2, description: null }),
      ]);
      expect(await again.getModel('m-b')).toEqual(model('m-b', { revision: 2, description: null }));
      expect(await again.getModel('m-zz')).toBeNull();
      expect(await again.listScenarios()).toEqual([scenario('s-1', { revision: 2 })]);
      expect(await again.getScenario('nope')).toBeNull();
      expect(await again.deleteModel('m-a')).toBe(true);
      expect(await again.deleteModel('m-a')).toBe(false);
      expect((await again.listModels()).map((m) => m.id)).toEqual(['m-b']);
      expect(await again.deleteScenario('s-1')).toBe('deleted');
      expect(await again.deleteScenario('s-1')).toBe('missing');
    });

    it('runs - kept with their series, read back whole and one by one, across a restart', async () => {
      storage = await storages.open();
      const store = storage.models;
      await store.putModel(model('m'));
      await store.putScenario(scenario('s'));
      const r = run('m', { scenarioId: 's' });
      const kept = [
        series(r.id, 'dc:rack-2', 'features/power/properties/watts'),
        series(r.id, 'dc:rack-1', 'features/power/properties/watts', false),
        series(r.id, 'dc:rack-1', 'attributes/load'),
      ];
      expect(await store.addRun(r, kept)).toBe('added');
      storage = await storages.reopen(storage);
      const again = storage.models;
      expect(await again.getRun(r.id)).toEqual(r);
      expect(await again.listRuns('m')).toEqual([r]);
      expect(await again.listRuns('other')).toEqual([]);
      expect(await again.listRunSeries(r.id)).toEqual([kept[2], kept[1], kept[0]]);
      expect(
        await again.getRunSeries(r.id, 'dc:rack-1', 'features/power/properties/watts'),
      ).toEqual(kept[1]);
      expect(await again.getRunSeries(r.id, 'dc:rack-1', 'features/other')).toBeNull();
      expect(await again.getRunSeries('run-missing', 'dc:rack-1', 'attributes/load')).toBeNull();
    });

    it('runs - refused, keeping nothing, when their model or scenario is missing', async () => {
      storage = await storages.open();
      const store = storage.models;
      await store.putModel(model('m'));
      const a = run('gone');
      expect(await store.addRun(a, [series(a.id, 'x:y', 'attributes/a')])).toBe('no-model');
      const b = run('m', { scenarioId: 'gone' });
      expect(await store.addRun(b, [series(b.id, 'x:y', 'attributes/a')])).toBe('no-scenario');
      expect(await store.getRun(a.id)).toBeNull();
      expect(await store.getRun(b.id)).toBeNull();
      expect(await store.listRuns('m')).toEqual([]);
      expect(await store.listRunSeries(b.id)).toEqual([]);
    });

    it('runs - listed in creation order; deleting one deletes its series only', async () => {
      storage = await storages.open();
      const store = storage.models;
      await store.putModel(model('m'));
      const first = run('m');
      const second = run('m', { created: 4000 });
      await store.addRun(first, [series(first.id, 'x:y', 'attributes/a')]);
      await store.addRun(second, [series(second.id, 'x:y', 'attributes/a')]);
      expect((await store.listRuns('m')).map((r) => r.id)).toEqual([first.id, second.id]);
      expect(await store.deleteRun(first.id)).toBe(true);
      expect(await store.deleteRun(first.id)).toBe(false);
      expect(await store.getRun(first.id)).toBeNull();
      expect(await store.listRunSeries(first.id)).toEqual([]);
      expect(await store.listRunSeries(second.id)).toHaveLength(1);
      // The run id is free again: nothing of the deleted run is left to clash with.
      expect(await store.addRun(first, [series(first.id, 'x:y', 'attributes/b')])).toBe('added');
      expect((await store.listRunSeries(first.id)).map((s) => s.pointer)).toEqual(['attributes/b']);
    });

    it('deleting a model deletes its runs and their series; other models keep theirs', async () => {
      storage = await storages.open();
      const store = storage.models;
      await store.putModel(model('m1'));
      await store.putModel(model('m2'));
      const a = run('m1');
      const b = run('m2');
      await store.addRun(a, [series(a.id, 'x:y', 'attributes/a')]);
      await store.addRun(b, [series(b.id, 'x:y', 'attributes/a')]);
      expect(await store.deleteModel('m1')).toBe(true);
      expect(await store.getRun(a.id)).toBeNull();
      expect(await store.listRunSeries(a.id)).toEqual([]);
      expect(await store.listRuns('m1')).toEqual([]);
      expect(await store.getRun(b.id)).toEqual(b);
      // A model made again under the same id starts without runs.
      await store.putModel(model('m1'));
      expect(await store.listRuns('m1')).toEqual([]);
    });

    it('a scenario that runs name is kept (in-use) until those runs are gone', async () => {
      storage = await storages.open();
      const store = storage.models;
      await store.putModel(model('m'));
      await store.putScenario(scenario('s'));
      const r = run('m', { scenarioId: 's' });
      await store.addRun(r, [series(r.id, 'x:y', 'attributes/a')]);
      expect(await store.deleteScenario('s')).toBe('in-use');
      expect(await store.getScenario('s')).toEqual(scenario('s'));
      await store.deleteRun(r.id);
      expect(await store.deleteScenario('s')).toBe('deleted');
    });

    it('long series keep every value exactly', async () => {
      storage = await storages.open();
      const store = storage.models;
      await store.putModel(model('m'));
      const r = run('m');
      const n = 20_000;
      const long: RunSeriesRecord = {
        runId: r.id,
        thingId: 'x:y',
        pointer: 'attributes/a',
        t: Array.from({ length: n }, (_, i) => 1_700_000_000_000 + i * 1000),
        mean: Array.from({ length: n }, (_, i) => Math.sin(i) * 1e6 + 0.1),
        lower: null,
        upper: null,
        level: null,
      };
      await store.addRun(r, [long]);
      expect(await store.getRunSeries(r.id, 'x:y', 'attributes/a')).toEqual(long);
    });
  });
}
