// The keeper of pending assessments: a twin's set reaches the store only once the writes made
// before it are durable, each twin's latest set wins, and a failed store write is tried again.
import { describe, expect, it } from 'vitest';
import type { PendingAssessment, TwinPendingAssessments } from '../store/behaviour-store.js';
import { PendingAssessmentKeeper } from './pending-assessment-keeper.js';

const pending = (since: number): PendingAssessment => ({
  assessment: 'overload',
  type: 'dc:rack:1',
  since,
  due: since + 1000,
});

/** A store recording each batch, failing the first `failures` of them. */
function store(failures = 0) {
  const batches: TwinPendingAssessments[][] = [];
  return {
    batches,
    async replacePendingAssessments(twins: readonly TwinPendingAssessments[]) {
      if (failures-- > 0) throw new Error('disk full');
      batches.push([...twins]);
    },
    async listPendingAssessments() {
      return [];
    },
  };
}

const turn = () => new Promise((resolve) => setImmediate(resolve));

describe('pending assessment keeper', () => {
  it('writes a set once the writes before it are durable, the latest of each twin', async () => {
    const kept = store();
    let durable!: () => void;
    const settled = new Promise<void>((resolve) => (durable = resolve));
    const keeper = new PendingAssessmentKeeper({ store: kept, settled: () => settled });
    keeper.note('dc:a', [pending(1)]);
    keeper.note('dc:b', [pending(2)]);
    keeper.note('dc:a', []);
    for (let i = 0; i < 5; i++) await turn();
    expect(kept.batches).toEqual([]);
    durable();
    for (let i = 0; i < 5 && kept.batches.length === 0; i++) await turn();
    expect(kept.batches).toEqual([
      [
        { thingId: 'dc:a', assessments: [] },
        { thingId: 'dc:b', assessments: [pending(2)] },
      ],
    ]);
    await keeper.close();
  });

  it('tries a failed write again, a set noted meanwhile winning; close writes what is left', async () => {
    const kept = store(1);
    const errors: unknown[] = [];
    let durable!: () => void;
    const first = new Promise<void>((resolve) => (durable = resolve));
    let rounds = 0;
    const keeper = new PendingAssessmentKeeper({
      store: kept,
      settled: () => (rounds++ === 0 ? first : Promise.resolve()),
      failed: (error) => errors.push(error),
      retryMs: 20,
    });
    keeper.note('dc:a', [pending(1)]);
    keeper.note('dc:b', [pending(2)]);
    for (let i = 0; i < 5; i++) await turn();
    // Noted while the first write waits: newer than what that write fails with.
    keeper.note('dc:b', [pending(3)]);
    durable();
    for (let i = 0; i < 5 && errors.length === 0; i++) await turn();
    expect(errors).toHaveLength(1);
    for (let i = 0; i < 50 && kept.batches.length === 0; i++)
      await new Promise((resolve) => setTimeout(resolve, 5));
    expect(kept.batches).toEqual([
      [
        { thingId: 'dc:b', assessments: [pending(3)] },
        { thingId: 'dc:a', assessments: [pending(1)] },
      ],
    ]);
    keeper.note('dc:c', [pending(4)]);
    await keeper.close();
    expect(kept.batches.slice(1)).toEqual([[{ thingId: 'dc:c', assessments: [pending(4)] }]]);
    // Closed: nothing more is written.
    keeper.note('dc:d', [pending(5)]);
    for (let i = 0; i < 5; i++) await turn();
    expect(kept.batches).toHaveLength(2);
  });
});
