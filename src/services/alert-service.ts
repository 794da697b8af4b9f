// Alerts over the API: listed from the behaviour store's projection (read-your-writes: it waits
// for the alerts committed before the request), each shown only to who may read it on its twin,
// and acknowledged by a write on the twin's journal.
import { assertWritable, inScope, type Identity } from '../auth/identity.js';
import { errors } from '../core/error-registry.js';
import type { JsonObject } from '../core/json.js';
import { applyChange, type ThingChange } from '../core/thing-change.js';
import { namespaceOf } from '../core/thing.js';
import { resourceOf } from '../core/thing-resource.js';
import type { TwinRuntime } from '../runtime/twin-runtime.js';
import { ALERTS, alertsOf, storedAlert, type TwinAlert } from '../core/alerts.js';
import type {
  AlertPage,
  AlertQuery,
  AlertRecord,
  BehaviourStore,
} from '../store/behaviour-store.js';
import type { PermissionChecks } from './permission-check.js';
import type { AlertRecorder } from './alert-recorder.js';

export interface AlertServiceOptions {
  store: BehaviourStore;
  recorder: AlertRecorder;
  runtime: Pick<TwinRuntime, 'write'>;
  permissions: PermissionChecks;
  now?: () => number;
}

/** The longest acknowledgement note kept. */
const MAX_NOTE_LENGTH = 2000;

/** The twin and assessment of an alert id `<thingId>:<assessment>:<revision>`, or null. */
export function parseAlertId(id: string): { thingId: string; assessment: string } | null {
  const last = id.lastIndexOf(':');
  const middle = last > 0 ? id.lastIndexOf(':', last - 1) : -1;
  if (middle <= 0 || !/^[1-9][0-9]*$/.test(id.slice(last + 1))) return null;
  const thingId = id.slice(0, middle);
  if (!thingId.includes(':')) return null;
  return { thingId, assessment: id.slice(middle + 1, last) };
}

export class AlertService {
  constructor(private readonly options: AlertServiceOptions) {}

  /** A page of the alerts the identity may read, newest raised first. */
  async list(identity: Identity, query: Omit<AlertQuery, 'namespaces'>): Promise<AlertPage> {
    await this.caughtUp();
    const page = await this.options.store.listAlerts({ ...query, namespaces: identity.namespaces });
    return { ...page, items: page.items.filter((alert) => this.readable(identity, alert)) };
  }

  async get(identity: Identity, id: string): Promise<AlertRecord> {
    await this.caughtUp();
    const alert = await this.options.store.getAlert(id);
    if (alert === null || !this.readable(identity, alert)) throw errors.alertNotFound(id);
    return alert;
  }

  /**
   * Acknowledges an active alert (with a note): an event on its twin's journal. Acknowledging one
   * already acknowledged replaces the note; a resolved one cannot be (400).
   */
  async acknowledge(identity: Identity, id: string, note: string | null): Promise<AlertRecord> {
    assertWritable(identity);
    if (note !== null && note.length > MAX_NOTE_LENGTH)
      throw errors.alertQueryInvalid('note', `it is longer than ${MAX_NOTE_LENGTH} characters`);
    const parts = parseAlertId(id);
    if (parts === null) throw errors.alertNotFound(id);
    const { thingId, assessment } = parts;
    const resource = `thing:/${ALERTS}/${assessment}`;
    const may = (permission: 'READ' | 'WRITE') =>
      this.options.permissions.check(identity, {
        p: { resource, entityId: thingId, hasPermissions: [permission] },
      }).p;
    if (!inScope(identity, namespaceOf(thingId)) || !may('READ')) throw errors.alertNotFound(id);
    if (!may('WRITE')) throw errors.alertNotModifiable(id);
    const now = (this.options.now ?? Date.now)();
    let acknowledged: TwinAlert | null = null;
    await this.options.runtime.write({
      kind: 'merge',
      resource: resourceOf(thingId, 'thing'),
      value: {},
      originator: identity.id,
      authorize: (thing) => {
        const alert = alertsOf(thing)[assessment];
        if (thing === null || alert === undefined || alert.id !== id)
          throw errors.alertNotFound(id);
        if (alert.state === 'resolved') throw errors.alertResolved(id);
      },
      steps: [
        (_thingId, _before, after, context) => {
          const alert = alertsOf(after)[assessment];
          acknowledged = {
            ...alert,
            state: 'acknowledged',
            acknowledgedAt: now,
            acknowledgedBy: identity.id,
            acknowledgedRevision: context.revision,
            note,
          };
          const change: ThingChange = {
            action: 'modified',
            path: [ALERTS, assessment],
            value: storedAlert(acknowledged),
          };
          return { changes: [change], next: applyChange(after, change) as JsonObject };
        },
      ],
    });
    await this.caughtUp();
    return (await this.options.store.getAlert(id)) ?? this.recordOf(thingId, acknowledged!);
  }

  private recordOf(thingId: string, alert: TwinAlert): AlertRecord {
    return { ...alert, thingId, namespace: namespaceOf(thingId) };
  }

  private readable(identity: Identity, alert: AlertRecord): boolean {
    return this.options.permissions.check(identity, {
      p: {
        resource: `thing:/${ALERTS}/${alert.assessment}`,
        entityId: alert.thingId,
        hasPermissions: ['READ'],
      },
    }).p;
  }

  private caughtUp(): Promise<void> {
    return this.options.recorder.caughtUp();
  }
}
