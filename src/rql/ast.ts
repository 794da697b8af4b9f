// The syntax tree of Ditto's RQL: filters (eq, ne, gt, …, and, or, not) and search options.

/** A literal in a filter: numbers, quoted strings, true, false, null (time:now is resolved to an ISO string). */
export type RqlValue = string | number | boolean | null;

export type ComparisonOp = 'eq' | 'ne' | 'gt' | 'ge' | 'lt' | 'le' | 'like' | 'ilike';

/**
 * A filter node. `path` is a slash-separated property path as written in RQL, e.g.
 * `attributes/location/lat`, `features/*\/properties/on` (a `*` segment matches any feature id),
 * `thingId`, `policyId`, `_modified`, `_namespace`.
 */
export type FilterNode =
  | { op: 'and' | 'or'; args: FilterNode[] }
  | { op: 'not'; arg: FilterNode }
  | { op: ComparisonOp; path: string; value: RqlValue }
  | { op: 'in'; path: string; values: RqlValue[] }
  | { op: 'exists' | 'empty'; path: string };

export interface SortKey {
  path: string;
  direction: 'asc' | 'desc';
}

/** Parsed `option=` of a search: sort(+a,-b), size(n), cursor(c). */
export interface SearchOptions {
  sort: SortKey[];
  size: number;
  cursor?: string;
  /** Ditto's deprecated `limit(offset,count)`: skip this many results (`size` is the count). */
  offset?: number;
}
