// Acknowledgements from devices over MQTT: a spec declares labels (commands.acks), a write requesting
// them has its twin event published on the device's command topic, and the device's Ditto Protocol
// acknowledgement is aggregated with twin-persisted as Ditto does (200, 424, 408 per label).
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  admin,
  ADMIN_TOKEN,
  startMqttPlatform,
  type MqttPlatform,
} from './support/mqtt-platform.js';

let fx: MqttPlatform;
const clients: MqttClient[] = [];

const VALVES = {
  source: { mqtt: { topic: 'valves/+name/telemetry', qos: 1 } },
  thingId: 'valves:{{topic.name}}',
  values: { 'features/flow/properties/value': '$.flow' },
  commands: {
    topic: 'valves/{{thingId}}/cmd',
    responseTopic: 'valves/{{thingId}}/cmd/reply',
    acks: ['device-applied'],
  },
};

/** A spec whose devices send Ditto Protocol (their acknowledgements too) on its source topic. */
const PUMPS = {
  source: { dittoProtocol: { mqtt: { topic: 'pumps/+name/ditto', qos: 1 } } },
  thingId: 'pumps:{{topic.name}}',
  commands: {
    topic: 'pumps/{{thingId}}/cmd',
    responseTopic: 'pumps/{{thingId}}/cmd/reply',
    acks: ['pump-done'],
  },
};

interface Event {
  topic: string;
  headers: Record<string, string>;
  path: string;
  value?: unknown;
}

/** A device: subscribes to its command topic and answers each event as `answer` says. */
async function device(
  commandTopic: string,
  answer: (event: Event) => { topic: string; message: unknown } | null,
): Promise<{ events: Event[]; client: MqttClient }> {
  const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${fx.mqttPort}`, {
    username: 'device',
    password: ADMIN_TOKEN,
    reconnectPeriod: 0,
  });
  clients.push(client);
  const events: Event[] = [];
  client.on('message', (_topic, payload) => {
    const event = JSON.parse(payload.toString('utf8')) as Event;
    events.push(event);
    const reply = answer(event);
    // (a reply still in flight when the test ends fails with the closed connection)
    if (reply)
      client.publishAsync(reply.topic, JSON.stringify(reply.message), { qos: 1 }).catch(() => {});
  });
  await client.subscribeAsync(commandTopic, { qos: 1 });
  return { events, client };
}

const ackOf = (thing: string, label: string, event: Event, status: number, value?: unknown) => {
  const [ns, name] = thing.split(':');
  const message: Record<string, unknown> = {
    topic: `${ns}/${name}/things/twin/acks/${label}`,
    headers: { 'correlation-id': event.headers['correlation-id'] },
    path: event.path,
    status,
  };
  if (value !== undefined) message.value = value;
  return message;
};

function write(thing: string, path: string, value: unknown, headers: Record<string, string>) {
  return fx.platform.app.inject({
    method: 'PUT',
    url: `/api/2/things/${thing}${path}`,
    payload: JSON.stringify(value),
    headers: { authorization: admin, 'content-type': 'application/json', ...headers },
  });
}

beforeAll(async () => {
  fx = await startMqttPlatform();
  expect((await fx.send('PUT', '/api/2/ingest/specs/valves', admin, VALVES)).statusCode).toBe(201);
  expect((await fx.send('PUT', '/api/2/ingest/specs/pumps', admin, PUMPS)).statusCode).toBe(201);
  for (const id of ['valves:v1', 'valves:v2', 'valves:v3', 'pumps:p1'])
    expect((await fx.send('PUT', `/api/2/things/${id}`, admin, {})).statusCode).toBe(201);
});

afterAll(async () => {
  for (const c of clients) await c.endAsync(true).catch(() => {});
  await fx.close();
});

describe('device acknowledgements over MQTT', () => {
  it('refuses labels that are malformed or Twinfold issues itself', async () => {
    const bad = await fx.send('PUT', '/api/2/ingest/specs/bad', admin, {
      ...VALVES,
      commands: { acks: ['twin-persisted', 'x', 'ok-label', 'ok-label'] },
    });
    expect(bad.statusCode).toBe(400);
    const message = bad.json().message as string;
    expect(message).toContain("at /commands/acks/0: 'twin-persisted' is issued by Twinfold itself");
    expect(message).toContain('at /commands/acks/1: an acknowledgement label');
    expect(message).toContain("at /commands/acks/3: 'ok-label' is given more than once");
  });

  it('waits for the device: the event reaches its command topic and its ack completes the write', async () => {
    const valve = await device('valves/valves:v1/cmd', (event) => ({
      topic: 'valves/valves:v1/cmd/reply',
      message: ackOf('valves:v1', 'device-applied', event, 200, { applied: event.value }),
    }));
    const response = await write('valves:v1', '/attributes/open', true, {
      'requested-acks': 'twin-persisted,device-applied',
      timeout: '5s',
    });
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body['twin-persisted'].status).toBe(201);
    expect(body['device-applied']).toMatchObject({ status: 200, payload: { applied: true } });
    expect(valve.events).toHaveLength(1);
    expect(valve.events[0].topic.startsWith('valves/v1/things/twin/events/')).toBe(true);
    expect(valve.events[0]).toMatchObject({ path: '/attributes/open', value: true });
    expect(JSON.parse(valve.events[0].headers['requested-acks'])).toEqual(['device-applied']);
    expect(valve.events[0].headers['correlation-id']).toBe(
      body['device-applied'].headers['correlation-id'],
    );
    // One label alone answers with the device's own status and payload.
    const only = await write('valves:v1', '/attributes/open', false, {
      'requested-acks': 'device-applied',
      timeout: '5s',
    });
    expect(only.statusCode).toBe(200);
    expect(only.json()).toEqual({ applied: false });
  });

  it('answers 424 with each label status when the device fails or says nothing', async () => {
    await device('valves/valves:v2/cmd', (event) =>
      event.value === 'jam'
        ? {
            topic: 'valves/valves:v2/cmd/reply',
            message: ackOf('valves:v2', 'device-applied', event, 500, { error: 'jammed' }),
          }
        : null,
    );
    const failed = await write('valves:v2', '/attributes/mode', 'jam', {
      'requested-acks': 'twin-persisted,device-applied',
      timeout: '5s',
    });
    expect(failed.statusCode).toBe(424);
    expect(failed.json()['device-applied']).toMatchObject({
      status: 500,
      payload: { error: 'jammed' },
    });
    expect(failed.json()['twin-persisted'].status).toBe(201);
    const started = Date.now();
    const silent = await write('valves:v2', '/attributes/mode', 'quiet', {
      'requested-acks': 'twin-persisted,device-applied',
      timeout: '1s',
    });
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(silent.statusCode).toBe(424);
    expect(silent.json()['device-applied'].status).toBe(408);
    expect(silent.json()['device-applied'].payload.error).toBe('acknowledgement:request.timeout');
    expect(silent.json()['twin-persisted'].status).toBe(204);
    // The write itself was persisted, whatever the device said.
    const mode = await fx.send('GET', '/api/2/things/valves:v2/attributes/mode', admin);
    expect(mode.json()).toBe('quiet');
  });

  it('takes no acknowledgement of a label the spec does not declare', async () => {
    const valve = await device('valves/valves:v3/cmd', (event) => ({
      topic: 'valves/valves:v3/cmd/reply',
      message: ackOf('valves:v3', 'other-label', event, 200),
    }));
    const response = await write('valves:v3', '/attributes/a', 1, {
      'requested-acks': 'twin-persisted,device-applied,other-label',
      timeout: '1s',
    });
    expect(response.statusCode).toBe(424);
    // The event asks the device only for what its spec declares…
    expect(JSON.parse(valve.events[0].headers['requested-acks'])).toEqual(['device-applied']);
    // …and its acknowledgement of the undeclared 'other-label' is not taken: both time out.
    expect(response.json()['device-applied'].status).toBe(408);
    expect(response.json()['other-label'].status).toBe(408);
  });

  it("acknowledges weakly at once the labels of an event the spec's owner may not read", async () => {
    const user = await fx.send('POST', '/api/2/users', admin, {
      username: 'carol',
      password: 'carol-password-1',
    });
    expect(user.statusCode).toBe(201);
    const carol = `Basic ${Buffer.from('carol:carol-password-1').toString('base64')}`;
    const spec = await fx.send('PUT', '/api/2/ingest/specs/hidden', carol, {
      source: { mqtt: { topic: 'hidden/+name/telemetry', qos: 1 } },
      thingId: 'hidden:{{topic.name}}',
      values: { 'attributes/t': '$.t' },
      commands: { acks: ['device-applied'] },
    });
    expect(spec.statusCode).toBe(201);
    // Its default policy lets only its creator, the administrator, in: carol may not read it.
    expect((await fx.send('PUT', '/api/2/things/hidden:h1', admin, {})).statusCode).toBe(201);
    const watcher = await device('devices/hidden:h1/commands', () => null);
    const started = Date.now();
    const response = await write('hidden:h1', '/attributes/a', 1, {
      'requested-acks': 'twin-persisted,device-applied',
      timeout: '5s',
    });
    expect(Date.now() - started).toBeLessThan(2000);
    expect(response.statusCode).toBe(200);
    expect(response.json()['device-applied']).toMatchObject({
      status: 200,
      headers: { 'ditto-weak-ack': 'true' },
    });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(watcher.events).toEqual([]);
  });

  it('takes acknowledgements on a dittoProtocol source of the spec too', async () => {
    const pump = await device('pumps/pumps:p1/cmd', (event) => ({
      topic: 'pumps/p1/ditto',
      message: ackOf('pumps:p1', 'pump-done', event, 204),
    }));
    const response = await write('pumps:p1', '/attributes/speed', 3, {
      'requested-acks': 'twin-persisted,pump-done',
      timeout: '5s',
    });
    expect(response.statusCode).toBe(200);
    expect(response.json()['pump-done'].status).toBe(204);
    const none = await fx.send('GET', '/api/2/ingest/deadletters?spec=pumps', admin);
    expect(none.json().items).toEqual([]);
    // The same acknowledgement again, once nobody waits for it, is a dead letter saying so.
    await pump.client.publishAsync(
      'pumps/p1/ditto',
      JSON.stringify(ackOf('pumps:p1', 'pump-done', pump.events[0], 204)),
      { qos: 1 },
    );
    const late = await fx.send('GET', '/api/2/ingest/deadletters?spec=pumps', admin);
    expect(late.json().items.map((l: { reason: string }) => l.reason)).toEqual(['ack.unexpected']);
  });
});
