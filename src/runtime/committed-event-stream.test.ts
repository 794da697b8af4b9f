// The committed-event stream over a real SQLite journal: commit order, gap-free positions, resume
// from a position across a restart, and a slow subscriber that neither blocks commits nor misses.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { TwinEvent } from '../core/events.js';
import { resourceOf } from '../core/thing-resource.js';
import { MemoryTwinIndex } from '../store/memory/memory-twin-index.js';
import { SqliteJournal } from '../store/sqlite/sqlite-journal.js';
import type { EventSubscription } from './committed-event-stream.js';
import { TwinRuntime } from './twin-runtime.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function openRuntime(dir?: string): Promise<{ runtime: TwinRuntime; dir: string }> {
  const path = dir ?? mkdtempSync(join(tmpdir(), 'twinfold-stream-'));
  if (!dir) dirs.push(path);
  const runtime = new TwinRuntime({
    journal: new SqliteJournal({ path: join(path, 'journal.db'), writerThread: true }),
    index: new MemoryTwinIndex(),
  });
  await runtime.load();
  return { runtime, dir: path };
}

const put = (runtime: TwinRuntime, id: string, n: number) =>
  runtime.write({
    kind: 'modify',
    resource: resourceOf(id, 'attribute', undefined, ['n']),
    value: n,
  });

const create = (runtime: TwinRuntime, id: string) =>
  runtime.write({ kind: 'modify', resource: resourceOf(id, 'thing'), value: {} });

async function take(subscription: EventSubscription, count: number): Promise<TwinEvent[]> {
  const events: TwinEvent[] = [];
  while (events.length < count) {
    const next = await subscription.next();
    if (next.done) break;
    events.push(next.value);
  }
  return events;
}

describe('committed event stream', () => {
  it('hands every committed event to a subscriber once, in commit order, numbered gap-free', async () => {
    const { runtime } = await openRuntime();
    const subscription = runtime.events.subscribe();
    for (let t = 0; t < 5; t++) await create(runtime, `ns:s${t}`);
    const writes: Promise<unknown>[] = [];
    for (let n = 0; n < 40; n++) writes.push(put(runtime, `ns:s${n % 5}`, n));
    await Promise.all(writes);
    const events = await take(subscription, 45);
    expect(events.map((e) => e.seq)).toEqual(Array.from({ length: 45 }, (_, i) => i + 1));
    // Per twin the revisions only grow; across twins the order is the order of the writes.
    expect(events.slice(5).map((e) => e.value)).toEqual(Array.from({ length: 40 }, (_, i) => i));
    expect(runtime.events.position).toBe(45);
    expect(subscription.position).toBe(45);
    await runtime.close();
    expect((await subscription.next()).done).toBe(true);
  });

  it('resumes from a position after a restart: journal first, then live, with no gap or repeat', async () => {
    const first = await openRuntime();
    await create(first.runtime, 'ns:r');
    for (let n = 1; n <= 9; n++) await put(first.runtime, 'ns:r', n);
    await first.runtime.close();

    const { runtime } = await openRuntime(first.dir);
    expect(runtime.events.position).toBe(10);
    const subscription = runtime.events.subscribe({ fromSeq: 4 });
    const early = await take(subscription, 3);
    expect(early.map((e) => [e.seq, e.value])).toEqual([
      [4, 3],
      [5, 4],
      [6, 5],
    ]);
    // Written while the subscriber is still reading the journal.
    const writes = [put(runtime, 'ns:r', 10), put(runtime, 'ns:r', 11)];
    const rest = await take(subscription, 6);
    await Promise.all(writes);
    expect(rest.map((e) => e.seq)).toEqual([7, 8, 9, 10, 11, 12]);
    expect(rest.map((e) => e.value)).toEqual([6, 7, 8, 9, 10, 11]);
    await subscription.return();
    expect(runtime.events.subscriberCount).toBe(0);
    await runtime.close();
  });

  it('a subscriber that stops reading does not hold up commits, and later gets everything', async () => {
    const { runtime } = await openRuntime();
    const slow = runtime.events.subscribe({ bufferSize: 16 });
    await create(runtime, 'ns:slow');
    const writes: Promise<unknown>[] = [];
    for (let n = 0; n < 2000; n++) writes.push(put(runtime, 'ns:slow', n));
    // Every write is acknowledged while the subscriber has read nothing.
    await Promise.all(writes);
    const internal = slow as unknown as { queue: unknown[] };
    expect(internal.queue.length).toBeLessThanOrEqual(16);
    const events = await take(slow, 2001);
    expect(events.map((e) => e.seq)).toEqual(Array.from({ length: 2001 }, (_, i) => i + 1));
    expect(events[2000].value).toBe(1999);
    // Caught up, it is fed from commits again.
    const live = put(runtime, 'ns:slow', 5000);
    const [next] = await take(slow, 1);
    await live;
    expect([next.seq, next.value]).toEqual([2002, 5000]);
    await runtime.close();
  });

  it('a subscription to some twins gets their events only, in order, and holds only those', async () => {
    const { runtime } = await openRuntime();
    for (const id of ['ns:w1', 'ns:w2', 'ns:other']) await create(runtime, id);
    const some = runtime.events.subscribe({ thingIds: new Set(['ns:w1', 'ns:w2']), bufferSize: 8 });
    const writes: Promise<unknown>[] = [];
    // Eight events of the watched twins among 400 of another: its buffer of 8 holds them all.
    for (let n = 0; n < 400; n++) {
      writes.push(put(runtime, 'ns:other', n));
      if (n % 50 === 0) writes.push(put(runtime, n % 100 === 0 ? 'ns:w1' : 'ns:w2', n));
    }
    await Promise.all(writes);
    const internal = some as unknown as { behind: boolean };
    expect(internal.behind).toBe(false);
    const events = await take(some, 8);
    expect(events.map((e) => [e.thingId, e.value])).toEqual(
      [0, 50, 100, 150, 200, 250, 300, 350].map((n) => [n % 100 === 0 ? 'ns:w1' : 'ns:w2', n]),
    );
    expect(events.map((e) => e.seq)).toEqual([...events.map((e) => e.seq)].sort((a, b) => a! - b!));
    // Nothing else was queued for it.
    expect(some.poll()).toBeUndefined();
    await some.return();
    await runtime.close();
  });

  it('a subscription to some twins that falls behind reads only their events from the journal', async () => {
    const { runtime } = await openRuntime();
    for (const id of ['ns:w', 'ns:other']) await create(runtime, id);
    const some = runtime.events.subscribe({ thingIds: new Set(['ns:w']), bufferSize: 4 });
    const writes: Promise<unknown>[] = [];
    for (let n = 0; n < 300; n++) {
      writes.push(put(runtime, 'ns:other', n));
      if (n % 10 === 0) writes.push(put(runtime, 'ns:w', n));
    }
    await Promise.all(writes);
    const internal = some as unknown as { behind: boolean };
    expect(internal.behind).toBe(true);
    const events = await take(some, 30);
    expect(events.map((e) => [e.thingId, e.value])).toEqual(
      Array.from({ length: 30 }, (_, i) => ['ns:w', i * 10]),
    );
    // Caught up, it is fed from commits again, still with its twins only.
    const live = [put(runtime, 'ns:other', 1000), put(runtime, 'ns:w', 1001)];
    const [next] = await take(some, 1);
    await Promise.all(live);
    expect([next.thingId, next.value]).toEqual(['ns:w', 1001]);
    expect(internal.behind).toBe(false);
    await some.return();
    expect(runtime.events.subscriberCount).toBe(0);
    await runtime.close();
  });

  it('poll hands out what is queued without waiting, and nothing once it is drained', async () => {
    const { runtime } = await openRuntime();
    const subscription = runtime.events.subscribe();
    expect(subscription.poll()).toBeUndefined();
    await Promise.all([create(runtime, 'ns:p1'), create(runtime, 'ns:p2')]);
    expect([subscription.poll()?.thingId, subscription.poll()?.thingId]).toEqual([
      'ns:p1',
      'ns:p2',
    ]);
    expect(subscription.poll()).toBeUndefined();
    expect(subscription.position).toBe(2);
    await runtime.close();
    expect(subscription.poll()).toBeUndefined();
  });

  it('a subscription from position 1 replays the whole journal', async () => {
    const { runtime } = await openRuntime();
    await create(runtime, 'ns:a');
    await create(runtime, 'ns:b');
    const all = await take(runtime.events.subscribe({ fromSeq: 1 }), 2);
    expect(all.map((e) => [e.seq, e.thingId, e.action])).toEqual([
      [1, 'ns:a', 'created'],
      [2, 'ns:b', 'created'],
    ]);
    await runtime.close();
  });
});
