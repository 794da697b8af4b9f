// The relation graph: both directions kept in step as states change, and walks that stop at depth,
// never loop, and mark the edges that close a loop.
import { describe, expect, it } from 'vitest';
import type { JsonObject } from '../core/json.js';
import { RelationGraph } from './relation-graph.js';

/** A twin state holding these relations (`name` -> targets). */
function stateWith(relations: Record<string, string[]>): JsonObject {
  const table: JsonObject = {};
  for (const [name, targets] of Object.entries(relations))
    table[name] = Object.fromEntries(targets.map((t) => [t, {}]));
  return { thingId: 'x', policyId: 'x', _relations: table };
}

describe('RelationGraph', () => {
  it('relation graph - sync adds edges both ways, by name', () => {
    const graph = new RelationGraph();
    graph.sync('dc:rack-1', stateWith({ partOf: ['dc:hall-1'], feeds: ['dc:pdu-1'] }));
    graph.sync('dc:rack-2', stateWith({ partOf: ['dc:hall-1'] }));
    expect(graph.size).toBe(3);
    expect(graph.outgoing('dc:rack-1')).toEqual([
      { name: 'feeds', target: 'dc:pdu-1' },
      { name: 'partOf', target: 'dc:hall-1' },
    ]);
    expect(graph.incoming('dc:hall-1', 'partOf')).toEqual([
      { name: 'partOf', source: 'dc:rack-1' },
      { name: 'partOf', source: 'dc:rack-2' },
    ]);
    expect(graph.incoming('dc:hall-1', 'feeds')).toEqual([]);
  });

  it('relation graph - sync removes what a state lost, and everything of a deleted twin', () => {
    const graph = new RelationGraph();
    graph.sync('a:1', stateWith({ partOf: ['a:p', 'a:q'] }));
    graph.sync('a:1', stateWith({ partOf: ['a:q'] }));
    expect(graph.outgoing('a:1')).toEqual([{ name: 'partOf', target: 'a:q' }]);
    expect(graph.incoming('a:p')).toEqual([]);
    graph.sync('a:1', null);
    expect(graph.size).toBe(0);
    expect(graph.incoming('a:q')).toEqual([]);
    expect(graph.outgoing('a:1')).toEqual([]);
  });

  it('relation graph - re-pointing a relation moves its incoming edge to the new target', () => {
    const graph = new RelationGraph();
    graph.sync('a:rack', stateWith({ partOf: ['a:hall-1'] }));
    graph.sync('a:rack', stateWith({ partOf: ['a:hall-2'] }));
    expect(graph.incoming('a:hall-1')).toEqual([]);
    expect(graph.incoming('a:hall-2')).toEqual([{ name: 'partOf', source: 'a:rack' }]);
    expect(graph.size).toBe(1);
  });

  it('relation graph - a walk goes breadth-first down to its depth, both directions', () => {
    const graph = new RelationGraph();
    graph.sync('a:server', stateWith({ partOf: ['a:rack'] }));
    graph.sync('a:rack', stateWith({ partOf: ['a:row'] }));
    graph.sync('a:row', stateWith({ partOf: ['a:hall'] }));
    expect(graph.walk('a:server', { direction: 'out', depth: 2 })).toEqual([
      { source: 'a:server', name: 'partOf', target: 'a:rack', depth: 1 },
      { source: 'a:rack', name: 'partOf', target: 'a:row', depth: 2 },
    ]);
    expect(graph.walk('a:hall', { direction: 'in', depth: 16 })).toEqual([
      { source: 'a:row', name: 'partOf', target: 'a:hall', depth: 1 },
      { source: 'a:rack', name: 'partOf', target: 'a:row', depth: 2 },
      { source: 'a:server', name: 'partOf', target: 'a:rack', depth: 3 },
    ]);
    expect(graph.walk('a:hall', { direction: 'in', depth: 3, name: 'feeds' })).toEqual([]);
  });

  it('relation graph - a walk never loops and marks the edge that closes a cycle', () => {
    const graph = new RelationGraph();
    graph.sync('c:a', stateWith({ next: ['c:b'] }));
    graph.sync('c:b', stateWith({ next: ['c:c'] }));
    graph.sync('c:c', stateWith({ next: ['c:a'] }));
    const edges = graph.walk('c:a', { direction: 'out', depth: 16 });
    expect(edges).toEqual([
      { source: 'c:a', name: 'next', target: 'c:b', depth: 1 },
      { source: 'c:b', name: 'next', target: 'c:c', depth: 2 },
      { source: 'c:c', name: 'next', target: 'c:a', depth: 3, cycle: true },
    ]);
  });

  it('relation graph - two paths meeting (a diamond) are no cycle', () => {
    const graph = new RelationGraph();
    graph.sync('d:top', stateWith({ feeds: ['d:left', 'd:right'] }));
    graph.sync('d:left', stateWith({ feeds: ['d:bottom'] }));
    graph.sync('d:right', stateWith({ feeds: ['d:bottom'] }));
    const edges = graph.walk('d:top', { direction: 'out', depth: 5 });
    expect(edges).toHaveLength(4);
    expect(edges.some((e) => e.cycle)).toBe(false);
    expect(edges.filter((e) => e.target === 'd:bottom').map((e) => e.depth)).toEqual([2, 2]);
  });

  it('relation graph - a walk leaves out twins it may not show, and what lies beyond them', () => {
    const graph = new RelationGraph();
    graph.sync('v:a', stateWith({ partOf: ['v:hidden', 'v:shown'] }));
    graph.sync('v:hidden', stateWith({ partOf: ['v:beyond'] }));
    const edges = graph.walk('v:a', {
      direction: 'out',
      depth: 4,
      visible: (id) => id !== 'v:hidden',
    });
    expect(edges.map((e) => e.target)).toEqual(['v:shown']);
  });
});
