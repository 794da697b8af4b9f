// Alerts as a twin carries them: the latest alert of each assessment, at `_alerts/<assessment>`
// beside its values (journaled with the change that raised, resolved or acknowledged it).
import { isJsonObject, type JsonObject } from './json.js';
import type { TwinEvent } from './events.js';

/** The key of a twin's alerts in its stored JSON (one per assessment: the latest; never shown as a value). */
export const ALERTS = '_alerts';

/** An alert as the twin carries it at `_alerts/<assessment>` (times epoch ms). */
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

/** The alerts a twin carries, by assessment (none when it carries none). */
export function alertsOf(thing: JsonObject | null): Record<string, TwinAlert> {
  const alerts = thing?.[ALERTS];
  return alerts && typeof alerts === 'object' && !Array.isArray(alerts)
    ? (alerts as unknown as Record<string, TwinAlert>)
    : {};
}

/** The alerts an event sets (whole: a twin's alert is always written as one value). */
export function alertsInEvent(event: TwinEvent): TwinAlert[] {
  const { path, value, action } = event;
  if (action === 'deleted' || value === undefined) return [];
  if (path.length === 2 && path[0] === ALERTS)
    return isJsonObject(value) ? [value as unknown as TwinAlert] : [];
  if (path.length !== 0 || !isJsonObject(value)) return [];
  const alerts = value[ALERTS];
  if (!isJsonObject(alerts)) return [];
  const found: TwinAlert[] = [];
  for (const alert of Object.values(alerts))
    if (isJsonObject(alert) && typeof alert.id === 'string')
      found.push(alert as unknown as TwinAlert);
  return found;
}

/** The alerts an event raised, resolved or acknowledged (not those it merely carries along). */
export function alertsChangedBy(event: TwinEvent): TwinAlert[] {
  const r = event.revision;
  return alertsInEvent(event).filter(
    (a) => a.raisedRevision === r || a.resolvedRevision === r || a.acknowledgedRevision === r,
  );
}
