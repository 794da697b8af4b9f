// The property paths an RQL filter reads (for permission checks on conditions and searches).
import type { FilterNode } from './ast.js';

export function filterPaths(
  node: FilterNode | undefined,
  into: Set<string> = new Set(),
): Set<string> {
  if (!node) return into;
  if ('args' in node) node.args.forEach((arg) => filterPaths(arg, into));
  else if ('arg' in node) filterPaths(node.arg, into);
  else into.add(node.path);
  return into;
}
