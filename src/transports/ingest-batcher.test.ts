// The batcher: one ingest call for what arrives together, each message settled by its call's fate.
import { describe, expect, it } from 'vitest';
import type { IngestOutcome, RawMessage } from '../ingest/ingest-service.js';
import { compileSpec } from '../ingest/spec-validation.js';
import { IngestBatcher, rawMessage } from './ingest-batcher.js';

const spec = compileSpec('s', {
  source: { nats: { subject: 'a.*' } },
  thingId: 'ns:{{subject.1}}',
  values: { 'attributes/v': '$.v' },
});

function message(i: number): RawMessage {
  return rawMessage(spec, 'nats', `a.d${i}`, new TextEncoder().encode(`{"v":${i}}`), {}, 0);
}

describe('ingest batcher', () => {
  it('sends what is added in one turn as one call, at most maxBatch a call, and settles each', async () => {
    const calls: number[] = [];
    const batcher = new IngestBatcher(
      {
        ingest: async (_id: string, messages: RawMessage[]): Promise<IngestOutcome> => {
          calls.push(messages.length);
          return { accepted: messages.length, rejected: 0, deadLetters: [] };
        },
      },
      's',
      { maxBatch: 100 },
    );
    const settled: boolean[] = [];
    for (let i = 0; i < 250; i++) batcher.add(message(i), (durable) => settled.push(durable));
    expect(batcher.pending).toBe(250);
    await batcher.drained();
    expect(calls).toEqual([100, 100, 50]);
    expect(settled).toHaveLength(250);
    expect(settled.every((d) => d)).toBe(true);
    expect(batcher.pending).toBe(0);
  });

  it('settles every message of a failed call as not durable (to be redelivered)', async () => {
    const failures: unknown[] = [];
    const batcher = new IngestBatcher(
      { ingest: () => Promise.reject(new Error('storage away')) },
      's',
      { failed: (_id, error) => failures.push(error) },
    );
    const settled: boolean[] = [];
    for (let i = 0; i < 3; i++) batcher.add(message(i), (durable) => settled.push(durable));
    await batcher.drained();
    expect(settled).toEqual([false, false, false]);
    expect(failures).toHaveLength(1);
  });

  it('gives a message its subject tokens, or a parse error when it is not JSON', () => {
    expect(message(4).context.subject).toEqual(['a', 'd4']);
    expect(message(4).payload).toEqual({ v: 4 });
    const bad = rawMessage(spec, 'nats', 'a.x', new TextEncoder().encode('{'), {}, 0);
    expect(bad.payload).toBeUndefined();
    expect(bad.parseError).toMatch(/^not JSON/);
    expect(bad.raw).toBe('{');
  });
});
