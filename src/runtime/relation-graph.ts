// The relation graph: an in-memory projection of every twin's outgoing relations (its `_relations`),
// indexed both ways (out: source -> name -> targets, in: target -> name -> sources), so that
// children, parents and walks of either direction cost a few map lookups, not a scan of the twins.
import type { JsonObject } from '../core/json.js';
import { relationsOf } from '../core/relations.js';

export type RelationDirection = 'out' | 'in';

/** One edge met on a walk: `depth` is how many edges from the start it lies (1 = adjacent). */
export interface WalkedEdge {
  source: string;
  name: string;
  target: string;
  depth: number;
  /** The edge leads back to a twin already reached from which its own start is reachable: a loop. */
  cycle?: true;
}

export interface WalkOptions {
  direction: RelationDirection;
  /** Only relations of this name (all names when absent). */
  name?: string;
  /** How many edges deep to walk (1 = adjacent twins only). */
  depth: number;
  /**
   * Whether the walk may show and go through a twin (the far end of an edge); edges to twins it
   * may not are left out, and nothing beyond them is walked.
   */
  visible?: (thingId: string) => boolean;
}

type Adjacency = Map<string, Map<string, Set<string>>>;

function link(adjacency: Adjacency, from: string, name: string, to: string): void {
  let byName = adjacency.get(from);
  if (byName === undefined) adjacency.set(from, (byName = new Map()));
  let ends = byName.get(name);
  if (ends === undefined) byName.set(name, (ends = new Set()));
  ends.add(to);
}

function unlink(adjacency: Adjacency, from: string, name: string, to: string): void {
  const byName = adjacency.get(from);
  const ends = byName?.get(name);
  if (!byName || !ends) return;
  ends.delete(to);
  if (ends.size === 0) byName.delete(name);
  if (byName.size === 0) adjacency.delete(from);
}

/** The far ends of `from`'s edges in one adjacency, as `[name, end]`, sorted for stable answers. */
function neighbours(adjacency: Adjacency, from: string, name?: string): [string, string][] {
  const byName = adjacency.get(from);
  if (!byName) return [];
  const result: [string, string][] = [];
  const names = name === undefined ? [...byName.keys()].sort() : byName.has(name) ? [name] : [];
  for (const n of names) for (const end of [...(byName.get(n) ?? [])].sort()) result.push([n, end]);
  return result;
}

export class RelationGraph {
  private readonly out: Adjacency = new Map();
  private readonly in: Adjacency = new Map();
  private edgeCount = 0;

  /** Number of edges held. */
  get size(): number {
    return this.edgeCount;
  }

  /**
   * Makes the outgoing edges of `source` those its state holds (none once deleted): the edges it
   * lost are removed, the new ones added. A twin without relations, before and after, costs a
   * lookup.
   */
  sync(source: string, thing: JsonObject | null): void {
    const current = this.out.get(source);
    const wanted = relationsOf(thing);
    if (current === undefined && wanted.length === 0) return;
    const keep = new Set<string>();
    for (const { name, target } of wanted) {
      keep.add(`${name}\u0000${target}`);
      if (!current?.get(name)?.has(target)) this.add(source, name, target);
    }
    if (current === undefined) return;
    for (const [name, target] of neighbours(this.out, source)) {
      if (!keep.has(`${name}\u0000${target}`)) this.remove(source, name, target);
    }
  }

  add(source: string, name: string, target: string): void {
    if (this.out.get(source)?.get(name)?.has(target)) return;
    link(this.out, source, name, target);
    link(this.in, target, name, source);
    this.edgeCount++;
  }

  remove(source: string, name: string, target: string): void {
    if (!this.out.get(source)?.get(name)?.has(target)) return;
    unlink(this.out, source, name, target);
    unlink(this.in, target, name, source);
    this.edgeCount--;
  }

  has(source: string, name: string, target: string): boolean {
    return this.out.get(source)?.get(name)?.has(target) ?? false;
  }

  /** The edges leaving `source` (its children), of one name or all. */
  outgoing(source: string, name?: string): { name: string; target: string }[] {
    return neighbours(this.out, source, name).map(([n, target]) => ({ name: n, target }));
  }

  /** The edges arriving at `target` (who points at it: its parents), of one name or all. */
  incoming(target: string, name?: string): { name: string; source: string }[] {
    return neighbours(this.in, target, name).map(([n, source]) => ({ name: n, source }));
  }

  /**
   * Walks breadth-first from `start` up to `depth` edges: descendants (`out`) or ancestors (`in`).
   * Each edge met is listed once, at the depth of its near end plus one; a twin is gone through
   * once, so the walk never loops. An edge to a twin already reached is listed but not followed,
   * and marked `cycle` when that twin leads back to the edge's near end (it closes a loop; in a
   * diamond, where two paths meet, it does not).
   */
  walk(start: string, options: WalkOptions): WalkedEdge[] {
    const { direction, name, depth } = options;
    const visible = options.visible ?? (() => true);
    const adjacency = direction === 'out' ? this.out : this.in;
    const reached = new Set<string>([start]);
    const edges: WalkedEdge[] = [];
    let frontier = [start];
    for (let level = 1; level <= depth && frontier.length > 0; level++) {
      const next: string[] = [];
      for (const near of frontier) {
        for (const [n, far] of neighbours(adjacency, near, name)) {
          if (!visible(far)) continue;
          const edge: WalkedEdge =
            direction === 'out'
              ? { source: near, name: n, target: far, depth: level }
              : { source: far, name: n, target: near, depth: level };
          if (reached.has(far)) {
            if (this.leadsTo(adjacency, far, near, name, visible)) edge.cycle = true;
          } else {
            reached.add(far);
            next.push(far);
          }
          edges.push(edge);
        }
      }
      frontier = next;
    }
    return edges;
  }

  /** Whether `to` is reachable from `from` along visible edges of the walk's direction and name. */
  private leadsTo(
    adjacency: Adjacency,
    from: string,
    to: string,
    name: string | undefined,
    visible: (thingId: string) => boolean,
  ): boolean {
    if (from === to) return true;
    const seen = new Set<string>([from]);
    const stack = [from];
    while (stack.length > 0) {
      const node = stack.pop() as string;
      for (const [, far] of neighbours(adjacency, node, name)) {
        if (far === to) return true;
        if (seen.has(far) || !visible(far)) continue;
        seen.add(far);
        stack.push(far);
      }
    }
    return false;
  }
}
