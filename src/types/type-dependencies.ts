// The order outputs are computed in: each after the outputs it reads; a cycle is refused.
import { errors } from '../core/error-registry.js';
import { overlaps } from './type-pointer.js';

export interface OutputNode {
  pointer: string;
  segments: readonly string[];
  where: string;
  /** Pointers the output is computed from. */
  reads: readonly (readonly string[])[];
}

export interface OutputOrder {
  /** Node indices, each after every node it reads. */
  order: number[];
  /** For each node, the nodes it reads. */
  reads: number[][];
}

/** Orders `nodes` topologically; throws `errors.typeInvalid` naming a cycle. */
export function orderOutputs(nodes: readonly OutputNode[]): OutputOrder {
  const reads = nodes.map((node) =>
    nodes.flatMap((other, j) =>
      node.reads.some((read) => overlaps(read, other.segments)) ? [j] : [],
    ),
  );
  const order: number[] = [];
  const state = new Uint8Array(nodes.length); // 0 unvisited, 1 on the path, 2 done
  const pathStack: number[] = [];
  const visit = (i: number): void => {
    if (state[i] === 2) return;
    if (state[i] === 1) {
      const cycle = [...pathStack.slice(pathStack.indexOf(i)), i].map((j) => nodes[j].pointer);
      throw errors.typeInvalid(nodes[i].where, `a cycle of outputs: ${cycle.join(' → ')}`);
    }
    state[i] = 1;
    pathStack.push(i);
    for (const j of reads[i]) visit(j);
    pathStack.pop();
    state[i] = 2;
    order.push(i);
  };
  for (let i = 0; i < nodes.length; i++) visit(i);
  return { order, reads };
}
