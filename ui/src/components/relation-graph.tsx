// A twin's relations as a graph: its ancestors to the left, its descendants to the right (a column
// per depth), an arrow per relation; each node links to its twin. Drawn as SVG by hand.
import type { Relation } from '../api/api-types.js';
import { graphOf } from './relation-layout.js';
import { navigate } from '../shell/router.js';

const NODE_W = 180;
const NODE_H = 34;
const GAP_X = 90;
const GAP_Y = 22;

export function RelationGraph({
  thingId,
  out,
  incoming,
}: {
  thingId: string;
  out: Relation[];
  incoming: Relation[];
}) {
  const { nodes, edges } = graphOf(thingId, out, incoming);
  const min = Math.min(...nodes.map((n) => n.column));
  const max = Math.max(...nodes.map((n) => n.column));
  const tallest = Math.max(...nodes.map((n) => n.row)) + 1;
  const width = (max - min + 1) * (NODE_W + GAP_X) - GAP_X + 20;
  const height = tallest * (NODE_H + GAP_Y) - GAP_Y + 20;
  const at = new Map(
    nodes.map((n) => [
      n.id,
      { x: 10 + (n.column - min) * (NODE_W + GAP_X), y: 10 + n.row * (NODE_H + GAP_Y), node: n },
    ]),
  );
  const short = (id: string) => (id.length > 24 ? `${id.slice(0, 23)}…` : id);
  return (
    <div class="table-box graph-box" data-testid="relation-graph">
      <svg
        width={width}
        height={height}
        viewBox={`0 0 ${width} ${height}`}
        role="group"
        aria-label={`Relations of ${thingId}: ${nodes.length - 1} related twins`}
      >
        <defs>
          <marker
            id="arrow"
            viewBox="0 0 10 10"
            refX="10"
            refY="5"
            markerWidth="7"
            markerHeight="7"
            orient="auto-start-reverse"
          >
            <path d="M 0 0 L 10 5 L 0 10 z" class="graph-arrow" />
          </marker>
        </defs>
        {edges.map((edge) => {
          const from = at.get(edge.source)!;
          const to = at.get(edge.target)!;
          const forward = to.x >= from.x;
          const x1 = forward ? from.x + NODE_W : from.x;
          const x2 = forward ? to.x : to.x + NODE_W;
          const y1 = from.y + NODE_H / 2;
          const y2 = to.y + NODE_H / 2;
          return (
            <g
              key={`${edge.source} ${edge.name} ${edge.target}`}
              class={edge.cycle ? 'graph-edge cycle' : 'graph-edge'}
              data-edge={`${edge.source} ${edge.name} ${edge.target}`}
            >
              <line x1={x1} y1={y1} x2={x2} y2={y2} marker-end="url(#arrow)" />
              <text x={x1 + (x2 - x1) * 0.35} y={y1 + (y2 - y1) * 0.35 - 5} text-anchor="middle">
                {edge.name}
                {edge.cycle ? ' (cycle)' : ''}
              </text>
            </g>
          );
        })}
        {nodes.map((node) => {
          const { x, y } = at.get(node.id)!;
          const url = `/twins/${encodeURIComponent(node.id)}`;
          const box = (
            <>
              <rect x={x} y={y} width={NODE_W} height={NODE_H} rx={5} />
              <text x={x + NODE_W / 2} y={y + NODE_H / 2 + 5} text-anchor="middle">
                {short(node.id)}
              </text>
            </>
          );
          const kind =
            node.column === 0
              ? 'graph-node self'
              : node.exists
                ? 'graph-node'
                : 'graph-node missing';
          if (node.column === 0 || !node.exists)
            return (
              <g key={node.id} class={kind} data-node={node.id}>
                <title>
                  {node.column === 0 ? `${node.id} (this twin)` : `${node.id} (deleted)`}
                </title>
                {box}
              </g>
            );
          return (
            <a
              key={node.id}
              href={url}
              class={kind}
              data-node={node.id}
              aria-label={`Go to ${node.id}`}
              onClick={(event: MouseEvent) => {
                event.preventDefault();
                navigate(url);
              }}
            >
              <title>{node.id}</title>
              {box}
            </a>
          );
        })}
      </svg>
    </div>
  );
}
