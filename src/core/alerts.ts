// Alerts as a twin carries them: the latest alert of each assessment, at `_alerts/<assessment>`
// beside its values (journaled with the change that raised, resolved or acknowledged it).
import { isJsonObject, type JsonObject, type JsonValue } from './json.js';
import type { TwinEvent } from './events.js';

/** The key of a twin's alerts in its stored JSON (one per assessment: the latest; never shown as a value). */
export const ALERTS = '_alerts';

/**
 * An alert as its readers see it (times epoch ms). The twin carries it at `_alerts/<assessment>`
 * without its null members ({@link storedAlert}), so that a revision raising, resolving or
 * acknowledging it journals as a merge patch; journals of earlier versions hold them as null.
 */
export interface TwinAlert {
  id: string;
  type: string;
  assessment: string;
  severity: string;
  state: 'active' | 'acknowledged' | 'resolved';
  raisedAt: number;
  raisedRevision: number;
  resolvedAt: number | null;
  resolvedRevision: number | null;
  acknowledgedAt: number | null;
  acknowledgedBy: string | null;
  /** The revision that acknowledged it. */
  acknowledgedRevision: number | null;
  note: string | null;
}

/** The stable id of the alert an assessment of a twin raised in a revision. */
export function alertId(thingId: string, assessment: string, revision: number): string {
  return `${thingId}:${assessment}:${revision}`;
}

/**
 * An alert as the twin carries it: without its null members (absent means null).
 *
 * @example
 * storedAlert({ ...alert, resolvedAt: null }) // { id, type, ..., raisedRevision } — no resolvedAt
 */
export function storedAlert(alert: TwinAlert): JsonObject {
  const stored: JsonObject = {
    id: alert.id,
    type: alert.type,
    assessment: alert.assessment,
    severity: alert.severity,
    state: alert.state,
    raisedAt: alert.raisedAt,
    raisedRevision: alert.raisedRevision,
  };
  if (alert.resolvedAt !== null) stored.resolvedAt = alert.resolvedAt;
  if (alert.resolvedRevision !== null) stored.resolvedRevision = alert.resolvedRevision;
  if (alert.acknowledgedAt !== null) stored.acknowledgedAt = alert.acknowledgedAt;
  if (alert.acknowledgedBy !== null) stored.acknowledgedBy = alert.acknowledgedBy;
  if (alert.acknowledgedRevision !== null) stored.acknowledgedRevision = alert.acknowledgedRevision;
  if (alert.note !== null) stored.note = alert.note;
  return stored;
}

/** An alert as its readers see it, from the twin's JSON (with or without its null members). */
export function wholeAlert(stored: JsonObject): TwinAlert {
  const alert = stored as unknown as Partial<TwinAlert>;
  return {
    id: alert.id as string,
    type: alert.type as string,
    assessment: alert.assessment as string,
    severity: alert.severity as string,
    state: alert.state as TwinAlert['state'],
    raisedAt: alert.raisedAt as number,
    raisedRevision: alert.raisedRevision as number,
    resolvedAt: alert.resolvedAt ?? null,
    resolvedRevision: alert.resolvedRevision ?? null,
    acknowledgedAt: alert.acknowledgedAt ?? null,
    acknowledgedBy: alert.acknowledgedBy ?? null,
    acknowledgedRevision: alert.acknowledgedRevision ?? null,
    note: alert.note ?? null,
  };
}

/** The alerts a twin carries, by assessment, whole (none when it carries none). */
export function alertsOf(thing: JsonObject | null): Record<string, TwinAlert> {
  const alerts = thing?.[ALERTS];
  const found: Record<string, TwinAlert> = {};
  if (!isJsonObject(alerts)) return found;
  for (const [name, alert] of Object.entries(alerts))
    if (isJsonObject(alert)) found[name] = wholeAlert(alert);
  return found;
}

/**
 * The alerts an event sets, whole. An alert is always written as one value: the whole thing, the
 * alert at `_alerts/<assessment>`, or a merge patch replacing it, which holds every member of the
 * alert that is not null (and null for those it drops).
 */
export function alertsInEvent(event: TwinEvent): TwinAlert[] {
  const { path, value, action } = event;
  if (action === 'deleted' || value === undefined) return [];
  if (path.length === 2 && path[0] === ALERTS)
    return isJsonObject(value) && typeof value.id === 'string' ? [wholeAlert(value)] : [];
  if (path.length !== 0 || !isJsonObject(value)) return [];
  const alerts = value[ALERTS];
  if (!isJsonObject(alerts)) return [];
  const found: TwinAlert[] = [];
  for (const alert of Object.values(alerts))
    if (isJsonObject(alert) && typeof alert.id === 'string') found.push(wholeAlert(alert));
  return found;
}

/** The alerts an event raised, resolved or acknowledged (not those it merely carries along). */
export function alertsChangedBy(event: TwinEvent): TwinAlert[] {
  const r = event.revision;
  return alertsInEvent(event).filter(
    (a) => a.raisedRevision === r || a.resolvedRevision === r || a.acknowledgedRevision === r,
  );
}

/** The alerts of a thing's JSON (or of a merge patch of it) under `_alerts`, each one whole. */
function wholeAlerts(alerts: JsonObject): JsonObject {
  const whole: JsonObject = {};
  for (const [name, alert] of Object.entries(alerts))
    whole[name] =
      isJsonObject(alert) && typeof alert.id === 'string'
        ? (wholeAlert(alert) as unknown as JsonValue)
        : alert;
  return whole;
}

/**
 * The value an event sets at `path` with the alerts in it whole (null members shown), as events
 * showed them before the twin carried them without; the value itself when it holds none.
 */
export function withWholeAlerts(path: readonly string[], value: JsonValue): JsonValue {
  if (!isJsonObject(value)) return value;
  if (path.length === 0) {
    const alerts = value[ALERTS];
    return isJsonObject(alerts) ? { ...value, [ALERTS]: wholeAlerts(alerts) } : value;
  }
  if (path[0] !== ALERTS) return value;
  if (path.length === 1) return wholeAlerts(value);
  return path.length === 2 && typeof value.id === 'string'
    ? (wholeAlert(value) as unknown as JsonValue)
    : value;
}
