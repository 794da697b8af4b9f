// The demo's MQTT ingest spec: the telemetry of Eclipse Ditto's README example, unchanged.
import type { Identity } from '../auth/identity.js';
import type { IngestService } from '../ingest/ingest-service.js';

export const DEMO_SPEC_ID = 'demo-devices';

/**
 * `mosquitto_pub -t "devices/com.example:temperature-sensor-01/telemetry" -m '{"temperature": 25.5, "humidity": 60}'`
 * creates the twin and sets its temperature and humidity features.
 */
export const DEMO_SPEC = {
  source: { mqtt: { topic: 'devices/+thingId/telemetry', qos: 1 } },
  thingId: '{{topic.thingId}}',
  values: {
    'features/temperature/properties/value': '$.temperature',
    'features/humidity/properties/value': '$.humidity',
  },
  create: { attributes: { createdBy: 'twinfold demo: MQTT telemetry' } },
  // `mosquitto_sub -t "devices/+/commands" -v` receives the twins' messages and live commands.
  commands: {},
};

/** The demo spec's owner: an administrator, so a device of any namespace may report. */
const DEMO_OWNER: Identity = {
  id: 'twinfold:demo',
  subjects: ['twinfold:demo'],
  admin: true,
  namespaces: null,
  readOnly: false,
  via: 'token',
};

/** The demo spec as it was before it had `commands` (data directories of earlier versions hold it). */
function previousDemoSpec(): object {
  const { commands: _commands, ...rest } = DEMO_SPEC;
  return rest;
}

/**
 * Puts the demo spec unless a spec of that id exists; resolves to whether it was created. A demo
 * spec left unchanged by an earlier version (without `commands`) is brought up to date; one a user
 * changed is left alone.
 */
export async function seedDemoSpec(ingest: IngestService): Promise<boolean> {
  const existing = ingest.specsOfSource('mqtt').find((s) => s.specId === DEMO_SPEC_ID);
  if (existing !== undefined) {
    const view = ingest.get(DEMO_OWNER, DEMO_SPEC_ID);
    if (
      view.owner === DEMO_OWNER.id &&
      JSON.stringify(view.spec) === JSON.stringify(previousDemoSpec())
    )
      await ingest.put(DEMO_OWNER, DEMO_SPEC_ID, DEMO_SPEC);
    return false;
  }
  await ingest.put(DEMO_OWNER, DEMO_SPEC_ID, DEMO_SPEC);
  return true;
}
