// Where the relation graph puts each twin: a column per depth (parents left, children right), a row
// per twin in its column; each relation once.
import type { Relation } from '../api/api-types.js';

export interface GraphNode {
  id: string;
  /** Negative: an ancestor that many edges up; positive: a descendant; 0: the twin itself. */
  column: number;
  row: number;
  exists: boolean;
}

export interface GraphEdge {
  source: string;
  target: string;
  name: string;
  cycle: boolean;
}

/** Nodes and edges of a twin's outgoing (children) and incoming (parents) relation walks. */
export function graphOf(
  thingId: string,
  out: Relation[],
  incoming: Relation[],
): { nodes: GraphNode[]; edges: GraphEdge[] } {
  const column = new Map<string, number>([[thingId, 0]]);
  const missing = new Set<string>();
  const place = (id: string, at: number) => {
    const known = column.get(id);
    if (known === undefined || Math.abs(at) < Math.abs(known)) column.set(id, at);
  };
  const edges = new Map<string, GraphEdge>();
  const add = (r: Relation, sign: 1 | -1) => {
    if (!r.source || !r.target || !r.name) return;
    const depth = r.depth ?? 1;
    if (sign === 1) place(r.target, depth);
    else place(r.source, -depth);
    if (r.targetExists === false) missing.add(r.target);
    const key = `${r.source}\n${r.name}\n${r.target}`;
    if (!edges.has(key))
      edges.set(key, {
        source: r.source,
        target: r.target,
        name: r.name,
        cycle: r.cycle === true,
      });
  };
  for (const r of out) add(r, 1);
  for (const r of incoming) add(r, -1);
  // Ends of the edges that no walk placed (the twin itself reached again): next to their neighbour.
  for (const edge of edges.values()) {
    if (!column.has(edge.source)) column.set(edge.source, (column.get(edge.target) ?? 0) - 1);
    if (!column.has(edge.target)) column.set(edge.target, (column.get(edge.source) ?? 0) + 1);
  }
  const rows = new Map<number, number>();
  const nodes = [...column.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([id, at]) => {
      const row = rows.get(at) ?? 0;
      rows.set(at, row + 1);
      return { id, column: at, row, exists: !missing.has(id) };
    });
  return { nodes, edges: [...edges.values()] };
}
