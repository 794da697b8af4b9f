import { describe, expect, it } from 'vitest';
import { orderOutputs, type OutputNode } from './type-dependencies.js';
import { caught } from './type-test-support.js';

const node = (pointer: string, ...reads: string[]): OutputNode => ({
  pointer,
  segments: pointer.split('/'),
  where: `derived/${pointer}`,
  reads: reads.map((r) => r.split('/')),
});

describe('orderOutputs', () => {
  it('puts each output after the outputs it reads', () => {
    const nodes = [
      node('attributes/c', 'attributes/b', 'attributes/a'),
      node('attributes/b', 'attributes/a'),
      node('attributes/a', 'attributes/raw'),
    ];
    const { order, reads } = orderOutputs(nodes);
    expect(order).toEqual([2, 1, 0]);
    expect(reads).toEqual([[1, 2], [2], []]);
  });

  it('counts reading a whole map holding an output as reading it', () => {
    const { order } = orderOutputs([
      node('attributes/n', 'attributes/x'),
      node('attributes/x/y', 'attributes/raw'),
    ]);
    expect(order).toEqual([1, 0]);
  });

  it('refuses a cycle naming it', () => {
    const err = caught(() =>
      orderOutputs([
        node('attributes/a', 'attributes/b'),
        node('attributes/b', 'attributes/c'),
        node('attributes/c', 'attributes/a'),
      ]),
    );
    expect(err.message).toContain(
      'a cycle of outputs: attributes/a → attributes/b → attributes/c → attributes/a',
    );
    expect(caught(() => orderOutputs([node('attributes/n', 'attributes')])).message).toContain(
      'attributes/n → attributes/n',
    );
  });
});
