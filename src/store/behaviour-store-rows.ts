// The BehaviourStore's rows as both SQL adapters keep them: alert columns, the filters of an alert
// query as SQL conditions, the keyset cursor of its pages (newest raised first, then by id), and
// pending assessments grouped by twin.
import { createHash } from 'node:crypto';
import { errors } from '../core/error-registry.js';
import type {
  AlertQuery,
  AlertRecord,
  AlertState,
  TwinPendingAssessments,
} from './behaviour-store.js';

/** The columns of the `alerts` table, in the order {@link alertValues} gives them. */
export const ALERT_COLUMNS = [
  'id',
  'thing_id',
  'namespace',
  'type',
  'assessment',
  'severity',
  'state',
  'raised_at',
  'raised_revision',
  'resolved_at',
  'resolved_revision',
  'acknowledged_at',
  'acknowledged_by',
  'note',
] as const;

/** One row of `alerts` as the drivers return it (bigints already numbers). */
export interface AlertRow {
  id: string;
  thing_id: string;
  namespace: string;
  type: string;
  assessment: string;
  severity: string;
  state: AlertState;
  raised_at: number;
  raised_revision: number;
  resolved_at: number | null;
  resolved_revision: number | null;
  acknowledged_at: number | null;
  acknowledged_by: string | null;
  note: string | null;
}

export function alertOfRow(row: AlertRow): AlertRecord {
  return {
    id: row.id,
    thingId: row.thing_id,
    namespace: row.namespace,
    type: row.type,
    assessment: row.assessment,
    severity: row.severity,
    state: row.state,
    raisedAt: row.raised_at,
    raisedRevision: row.raised_revision,
    resolvedAt: row.resolved_at,
    resolvedRevision: row.resolved_revision,
    acknowledgedAt: row.acknowledged_at,
    acknowledgedBy: row.acknowledged_by,
    note: row.note,
  };
}

/** The values of one alert in {@link ALERT_COLUMNS} order. */
export function alertValues(alert: AlertRecord): unknown[] {
  return [
    alert.id,
    alert.thingId,
    alert.namespace,
    alert.type,
    alert.assessment,
    alert.severity,
    alert.state,
    alert.raisedAt,
    alert.raisedRevision,
    alert.resolvedAt,
    alert.resolvedRevision,
    alert.acknowledgedAt,
    alert.acknowledgedBy,
    alert.note,
  ];
}

/**
 * The batch with one alert per id, the last one given winning: a batch may carry an alert raised
 * and then resolved, and one upsert statement may touch a row only once (PostgreSQL refuses more).
 */
export function lastPerId(alerts: readonly AlertRecord[]): AlertRecord[] {
  const byId = new Map<string, AlertRecord>();
  for (const alert of alerts) {
    byId.delete(alert.id);
    byId.set(alert.id, alert);
  }
  return [...byId.values()];
}

/** Where a page ends: the last item's sort key. */
interface CursorKey {
  raisedAt: number;
  id: string;
}

/** What a cursor is bound to: every filter of the query but the limit and the cursor. */
function queryHash(query: AlertQuery): string {
  const namespaces = query.namespaces === null ? null : [...new Set(query.namespaces)].sort();
  const filters = [
    namespaces,
    query.thingId ?? null,
    query.type ?? null,
    query.assessment ?? null,
    query.severity ?? null,
    query.state ?? null,
    query.from ?? null,
    query.to ?? null,
  ];
  return createHash('sha256').update(JSON.stringify(filters)).digest('base64url').slice(0, 16);
}

export function encodeAlertCursor(query: AlertQuery, last: AlertRecord): string {
  const body = { h: queryHash(query), r: last.raisedAt, i: last.id };
  return Buffer.from(JSON.stringify(body)).toString('base64url');
}

/**
 * The key a cursor holds; throws `alerts:query.invalid` (400) for anything this store did not
 * return for a query with the same filters.
 */
export function decodeAlertCursor(query: AlertQuery, cursor: string): CursorKey {
  const forged = () =>
    errors.alertQueryInvalid('cursor', 'it is not a cursor a listing of alerts returned');
  // Node's base64url decoder skips characters outside the alphabet: check them first.
  if (!/^[A-Za-z0-9_-]+$/.test(cursor)) throw forged();
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw forged();
  }
  if (typeof parsed !== 'object' || parsed === null) throw forged();
  const { h, r, i } = parsed as { h?: unknown; r?: unknown; i?: unknown };
  if (typeof h !== 'string' || !Number.isSafeInteger(r) || typeof i !== 'string') throw forged();
  if (h !== queryHash(query))
    throw errors.alertQueryInvalid('cursor', 'it belongs to a listing with other filters');
  return { raisedAt: r as number, id: i };
}

/**
 * The WHERE conditions (joined with AND; `TRUE` when none) of a query and its cursor, with
 * `param(value)` giving each value's placeholder (`?` or `$n`). Null when the query can match
 * nothing (an empty list of namespaces).
 */
export function alertConditions(
  query: AlertQuery,
  param: (value: unknown) => string,
): string | null {
  if (!Number.isSafeInteger(query.limit) || query.limit < 1)
    throw errors.alertQueryInvalid('limit', `${query.limit} is not a whole number of at least 1`);
  for (const bound of ['from', 'to'] as const) {
    const value = query[bound];
    if (value !== undefined && !Number.isSafeInteger(value))
      throw errors.alertQueryInvalid(bound, `${value} is not a time in epoch milliseconds`);
  }
  if (query.namespaces !== null && query.namespaces.length === 0) return null;
  const where: string[] = [];
  if (query.namespaces !== null)
    where.push(`namespace IN (${[...new Set(query.namespaces)].map(param).join(', ')})`);
  const equal = [
    ['thing_id', query.thingId],
    ['type', query.type],
    ['assessment', query.assessment],
    ['severity', query.severity],
    ['state', query.state],
  ] as const;
  for (const [column, value] of equal)
    if (value !== undefined) where.push(`${column} = ${param(value)}`);
  if (query.from !== undefined) where.push(`raised_at >= ${param(query.from)}`);
  if (query.to !== undefined) where.push(`raised_at < ${param(query.to)}`);
  if (query.cursor !== undefined) {
    const after = decodeAlertCursor(query, query.cursor);
    // Newest first, ties by id descending: the next page holds the keys below the last one.
    where.push(
      `(raised_at < ${param(after.raisedAt)} OR (raised_at = ${param(after.raisedAt)} AND id < ${param(after.id)}))`,
    );
  }
  return where.length === 0 ? 'TRUE' : where.join(' AND ');
}

/** The ORDER BY of every alert listing (matching the `alerts_by_raised` index). */
export const ALERT_ORDER = 'raised_at DESC, id DESC';

/** A page of `limit` items from rows fetched with `limit + 1` (the extra one says more follow). */
export function alertPage(
  query: AlertQuery,
  rows: readonly AlertRow[],
): { items: AlertRecord[]; cursor?: string } {
  const items = rows.slice(0, query.limit).map(alertOfRow);
  if (rows.length <= query.limit || items.length === 0) return { items };
  return { items, cursor: encodeAlertCursor(query, items[items.length - 1]) };
}

/** One row of `pending_assessments` as the drivers return it (bigints already numbers). */
export interface PendingAssessmentRow {
  thing_id: string;
  assessment: string;
  type: string;
  since: number;
  due: number;
}

/** The SELECT of every pending assessment, in the order {@link pendingOfRows} groups. */
export const PENDING_SELECT =
  'SELECT thing_id, assessment, type, since, due FROM pending_assessments ORDER BY thing_id, assessment';

/** The batch with one entry per twin, the last one given winning (in the order first given). */
export function lastPerTwin(twins: readonly TwinPendingAssessments[]): TwinPendingAssessments[] {
  const byTwin = new Map<string, TwinPendingAssessments>();
  for (const twin of twins) byTwin.set(twin.thingId, twin);
  return [...byTwin.values()];
}

/** Rows in (thing_id, assessment) order, grouped by twin. */
export function pendingOfRows(rows: readonly PendingAssessmentRow[]): TwinPendingAssessments[] {
  const twins: TwinPendingAssessments[] = [];
  for (const row of rows) {
    let twin = twins[twins.length - 1];
    if (twin?.thingId !== row.thing_id) {
      twin = { thingId: row.thing_id, assessments: [] };
      twins.push(twin);
    }
    const { assessment, type, since, due } = row;
    twin.assessments.push({ assessment, type, since, due });
  }
  return twins;
}
