// Port: the search index over the current state of every twin (RQL filter, sort, page, count).
import type { JsonPrimitive } from '../core/json.js';
import type { SearchDocument } from '../core/thing.js';
import type { FilterNode, SortKey } from '../rql/ast.js';

export interface SearchQuery {
  filter?: FilterNode;
  /** Only things in these namespaces; all when absent or empty. */
  namespaces?: string[];
  /** Sort keys; the index appends `+thingId` as the final tie-breaker when it is not already there. */
  sort: SortKey[];
  /** Page size, 1…200. */
  size: number;
  /** An opaque cursor returned by a previous page of the same query. */
  cursor?: string;
  /** Results to skip before the page (Ditto's `limit(offset,count)`); not with a cursor. */
  offset?: number;
  /**
   * Only things whose policy this accepts (authorisation), for a thing of `namespace` (policy
   * entries may be restricted to namespaces). Asked once per distinct policyId and namespace in a
   * query; what it hides is invisible to results, counts, sort order and cursors alike.
   */
  visible?: (policyId: string, namespace: string) => boolean;
}

export interface SearchPage {
  /** Thing ids of this page, in sort order. */
  thingIds: string[];
  /** Present when there are more results after this page. */
  cursor?: string;
}

/**
 * The search index. Writes are synchronous so that a search issued after an acknowledged write sees
 * it (read-your-writes), reads may be asynchronous so that a database adapter can implement them.
 */
export interface TwinIndex {
  /** Inserts or replaces the document of `doc.thingId`. */
  put(doc: SearchDocument): void;
  /**
   * Fast path for the commonest write: one scalar replaces a scalar at an existing path, and the
   * thing's `_revision` and `_modified` move on. Returns false when it does not apply (nothing
   * changed); the caller then calls `put`.
   */
  replaceScalar?(
    thingId: string,
    path: string,
    value: JsonPrimitive,
    revision: number,
    modified: string,
  ): boolean;
  /**
   * {@link replaceScalar} for several paths of one thing at once (an ingest merge): all of them
   * apply, or none does (false, nothing changed).
   */
  replaceScalars?(
    thingId: string,
    leaves: readonly (readonly [string, JsonPrimitive])[],
    revision: number,
    modified: string,
  ): boolean;
  /** Removes a thing; a no-op when it is not indexed. */
  remove(thingId: string): void;
  search(query: SearchQuery): Promise<SearchPage>;
  count(query: Pick<SearchQuery, 'filter' | 'namespaces' | 'visible'>): Promise<number>;
  /** Number of indexed things. */
  size(): number;
}
