// Conditional requests as Ditto evaluates them: If-Match, If-None-Match and if-equal.
import { errors, type PreconditionEntity } from './error-registry.js';
import { strongMatch, weakMatch, type EntityTagMatcher } from './etag.js';

export interface Preconditions {
  ifMatch?: { raw: string; matchers: EntityTagMatcher[] };
  ifNoneMatch?: { raw: string; matchers: EntityTagMatcher[] };
  /**
   * `skip`: a write that would not change the resource is not applied (412, as Ditto);
   * `skip-minimizing-merge`: as `skip`, and a merge journals only what it changes.
   */
  ifEqual?: 'update' | 'skip' | 'skip-minimizing-merge';
}

/**
 * Checks If-Match then If-None-Match against the current entity tag of the addressed resource
 * (`null` when it does not exist). Reads and deletes of absent resources skip the check (they 404).
 */
export function checkPreconditions(
  p: Preconditions,
  current: string | null,
  mode: 'read' | 'write' | 'delete',
  entity: PreconditionEntity = 'Thing',
): void {
  const isRead = mode === 'read';
  if (current === null && mode !== 'write') return;
  if (p.ifMatch && !strongMatch(p.ifMatch.matchers, current)) {
    throw errors.preconditionFailed('if-match', p.ifMatch.raw, current, entity).withEtag(current);
  }
  if (p.ifNoneMatch && weakMatch(p.ifNoneMatch.matchers, current)) {
    if (isRead)
      throw errors
        .preconditionNotModified(p.ifNoneMatch.raw, current ?? '', entity)
        .withEtag(current);
    throw errors
      .preconditionFailed('if-none-match', p.ifNoneMatch.raw, current, entity)
      .withEtag(current);
  }
}
