// Ingest specs whose source is `dittoProtocol`: Ditto Protocol twin commands over HTTP and MQTT,
// applied through the WebSocket's path with the spec owner's rights, refusals dead-lettered.
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  admin,
  ADMIN_TOKEN,
  startMqttPlatform,
  type MqttPlatform,
} from './support/mqtt-platform.js';

let fx: MqttPlatform;
const clients: MqttClient[] = [];

const envelope = (
  thing: string,
  action: string,
  path: string,
  value?: unknown,
  headers: Record<string, unknown> = {},
) => {
  const [ns, name] = thing.split(':');
  const message: Record<string, unknown> = {
    topic: `${ns}/${name}/things/twin/commands/${action}`,
    path,
    headers: { 'correlation-id': `c-${Math.random()}`, ...headers },
  };
  if (value !== undefined) message.value = value;
  return message;
};

const ndjson = (lines: unknown[]) =>
  lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n') + '\n';

function post(specId: string, body: string, type = 'application/x-ndjson') {
  return fx.platform.app.inject({
    method: 'POST',
    url: `/api/2/ingest/${specId}`,
    payload: body,
    headers: { authorization: admin, 'content-type': type },
  });
}

async function thing(id: string) {
  const response = await fx.send('GET', `/api/2/things/${id}`, admin);
  return response.statusCode === 200 ? response.json() : null;
}

async function letters(specId: string) {
  const response = await fx.send('GET', `/api/2/ingest/deadletters?spec=${specId}`, admin);
  expect(response.statusCode).toBe(200);
  return response.json().items as { reason: string; detail: string; payload: string }[];
}

beforeAll(async () => {
  fx = await startMqttPlatform();
});

afterAll(async () => {
  for (const c of clients) await c.endAsync(true).catch(() => {});
  await fx.close();
});

beforeEach(async () => {
  await fx.send('DELETE', '/api/2/ingest/deadletters', admin);
});

describe('dittoProtocol specs - validation', () => {
  it('takes {} as HTTP and one transport inside dittoProtocol', async () => {
    const http = await fx.send('PUT', '/api/2/ingest/specs/dp-http', admin, {
      source: { dittoProtocol: {} },
      thingId: 'acme:{{$.name}}',
    });
    expect(http.statusCode).toBe(201);
    const mqttSpec = await fx.send('PUT', '/api/2/ingest/specs/dp-mqtt', admin, {
      source: { dittoProtocol: { mqtt: { topic: 'ditto/+ns/+name', qos: 1 } } },
      thingId: '{{topic.ns}}:{{topic.name}}',
    });
    expect(mqttSpec.statusCode).toBe(201);
  });

  it('refuses a missing topic, an unknown transport and mapping fields, saying where', async () => {
    const noTopic = await fx.send('PUT', '/api/2/ingest/specs/bad', admin, {
      source: { dittoProtocol: { mqtt: {} } },
    });
    expect(noTopic.statusCode).toBe(400);
    expect(noTopic.json().message).toContain('at /source/dittoProtocol/mqtt/topic');
    const unknown = await fx.send('PUT', '/api/2/ingest/specs/bad', admin, {
      source: { dittoProtocol: { kafka: { topic: 'x' } } },
    });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().message).toContain("at /source/dittoProtocol/kafka: 'kafka'");
    const two = await fx.send('PUT', '/api/2/ingest/specs/bad', admin, {
      source: { dittoProtocol: { http: {}, mqtt: { topic: 'a' } } },
    });
    expect(two.statusCode).toBe(400);
    expect(two.json().message).toContain('at /source/dittoProtocol: one transport');
    const values = await fx.send('PUT', '/api/2/ingest/specs/bad', admin, {
      source: { dittoProtocol: {} },
      values: { 'attributes/a': '$.a' },
      create: { definition: 'a:b:1' },
    });
    expect(values.statusCode).toBe(400);
    expect(values.json().message).toContain('at /values: a dittoProtocol source applies');
    expect(values.json().message).toContain('at /create:');
    expect((await fx.send('GET', '/api/2/ingest/specs/bad', admin)).statusCode).toBe(404);
  });

  it('…/test says which command a message would run, or why it would not', async () => {
    const test = (body: unknown) =>
      fx.platform.app.inject({
        method: 'POST',
        url: '/api/2/ingest/specs/dp-http/test',
        payload: JSON.stringify(body),
        headers: { authorization: admin, 'content-type': 'application/json' },
      });
    const ok = await test(envelope('acme:t1', 'modify', '/attributes/a', 1));
    expect(ok.json()).toEqual({
      ok: true,
      command: {
        topic: 'acme/t1/things/twin/commands/modify',
        thingId: 'acme:t1',
        action: 'modify',
        path: '/attributes/a',
        value: 1,
      },
    });
    const outside = await test(envelope('other:t1', 'modify', '/attributes/a', 1));
    expect(outside.json().ok).toBe(false);
    expect(outside.json().errors[0].reason).toBe('thing.outside-spec');
    expect(await thing('acme:t1')).toBeNull();
  });
});

describe('dittoProtocol specs - over HTTP', () => {
  it('applies create, modify, merge and delete in order, answering once durable', async () => {
    const response = await post(
      'dp-http',
      ndjson([
        envelope('acme:lamp', 'create', '/', { attributes: { room: 'hall' } }),
        envelope('acme:lamp', 'modify', '/features/light', { properties: { on: false } }),
        envelope('acme:lamp', 'modify', '/features/light/properties/on', true),
        envelope('acme:lamp', 'merge', '/attributes', { floor: 2, room: 'kitchen' }),
        envelope('acme:lamp', 'modify', '/features/light/desiredProperties/on', false),
        envelope('acme:lamp', 'modify', '/attributes/tmp', 'x'),
        envelope('acme:lamp', 'delete', '/attributes/tmp'),
        envelope('acme:lamp', 'modify', '/definition', 'acme:lamp:1', {
          'response-required': false,
        }),
      ]),
    );
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ accepted: 8, rejected: 0, deadLetters: [] });
    const lamp = await thing('acme:lamp');
    expect(lamp.attributes).toEqual({ room: 'kitchen', floor: 2 });
    expect(lamp.definition).toBe('acme:lamp:1');
    expect(lamp.features.light).toEqual({
      properties: { on: true },
      desiredProperties: { on: false },
    });
    expect(lamp._revision).toBeUndefined();
    const revision = await fx.send('GET', '/api/2/things/acme:lamp?fields=_revision', admin);
    expect(revision.json()._revision).toBe(8);
  });

  it('dead-letters malformed, unsupported, outside and refused messages with their reasons', async () => {
    await post('dp-http', ndjson([envelope('acme:door', 'create', '/', { attributes: {} })]));
    const body = ndjson([
      '{"topic": "acme/door/things/twin/commands/modify",',
      { path: '/attributes/a', value: 1 },
      envelope('acme:door', 'frobnicate', '/attributes/a', 1),
      envelope('acme:door', 'retrieve', '/'),
      {
        ...envelope('acme:door', 'modify', '/attributes/a', 1),
        topic: 'acme/door/things/live/commands/modify',
      },
      envelope('other:door', 'modify', '/attributes/a', 1),
      envelope('acme:door', 'modify', '/attributes/a', 1, { 'if-match': '"rev:99"' }),
      envelope('acme:door', 'create', '/', {}),
      envelope('acme:nothing', 'modify', '/attributes/a', 1),
      envelope('acme:door', 'modify', '/nowhere', 1),
      envelope('acme:door', 'modify', '/attributes/ok', 'yes'),
    ]);
    const response = await post('dp-http', body);
    expect(response.statusCode).toBe(200);
    const outcome = response.json();
    expect(outcome.accepted).toBe(1);
    expect(outcome.rejected).toBe(10);
    const reasons = (await letters('dp-http')).map((l) => l.reason);
    expect(reasons).toEqual([
      'payload.invalid',
      'illegal.adaptable',
      'unknown.topicpath',
      'command.unsupported',
      'live.unsupported',
      'thing.outside-spec',
      'precondition.failed',
      'thing.conflict',
      'thing.notfound',
      'unknown.path',
    ]);
    const door = await thing('acme:door');
    expect(door.attributes).toEqual({ ok: 'yes' });
    expect(await thing('other:door')).toBeNull();
  });

  it('dead-letters a value nested too deep to be written, and goes on', async () => {
    const deep = '['.repeat(20_000) + ']'.repeat(20_000);
    const body = ndjson([
      `{"topic":"acme/deep/things/twin/commands/modify","path":"/","value":{"attributes":{"a":${deep}}}}`,
      envelope('acme:deep', 'modify', '/', { attributes: { a: 1 } }),
    ]);
    const response = await post('dp-http', body);
    expect(response.json()).toMatchObject({ accepted: 1, rejected: 1 });
    const [letter] = await letters('dp-http');
    expect(letter.reason).toBe('json.invalid');
    expect((await thing('acme:deep')).attributes).toEqual({ a: 1 });
  });

  it('applies with the spec owner rights: a token of one namespace cannot write another', async () => {
    const user = await fx.send('POST', '/api/2/users', admin, {
      username: 'bob',
      password: 'bob-password-1',
    });
    expect(user.statusCode).toBe(201);
    const bob = `Basic ${Buffer.from('bob:bob-password-1').toString('base64')}`;
    const token = await fx.send('POST', '/api/2/tokens', bob, {
      name: 'acme-only',
      namespaces: ['acme'],
    });
    expect(token.statusCode).toBe(201);
    const scoped = `Bearer ${token.json().token}`;
    // Its spec must be limited to its namespace…
    const any = await fx.send('PUT', '/api/2/ingest/specs/dp-any', scoped, {
      source: { dittoProtocol: {} },
    });
    expect(any.statusCode).toBe(403);
    const own = await fx.send('PUT', '/api/2/ingest/specs/dp-scoped', scoped, {
      source: { dittoProtocol: {} },
      thingId: 'acme:{{$.name}}',
    });
    expect(own.statusCode).toBe(201);
    // …and a thing of its namespace whose policy does not let it in is refused.
    // (its default policy lets only its creator, the administrator, in)
    expect((await fx.send('PUT', '/api/2/things/acme:locked', admin, {})).statusCode).toBe(201);
    const response = await fx.platform.app.inject({
      method: 'POST',
      url: '/api/2/ingest/dp-scoped',
      payload: ndjson([envelope('acme:locked', 'modify', '/attributes/a', 1)]),
      headers: { authorization: scoped, 'content-type': 'application/x-ndjson' },
    });
    expect(response.json()).toMatchObject({ accepted: 0, rejected: 1 });
    const [letter] = await letters('dp-scoped');
    expect(letter.reason).toBe('thing.notfound');
    expect((await thing('acme:locked')).attributes).toBeUndefined();
  });
});

describe('dittoProtocol specs - over MQTT', () => {
  async function connect(): Promise<MqttClient> {
    const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${fx.mqttPort}`, {
      username: 'device',
      password: ADMIN_TOKEN,
      reconnectPeriod: 0,
    });
    clients.push(client);
    return client;
  }

  it('PUBACKs a QoS 1 command once the twin has it', async () => {
    const client = await connect();
    await client.publishAsync(
      'ditto/acme/sensor',
      JSON.stringify(envelope('acme:sensor', 'modify', '/', { attributes: { kind: 'sensor' } })),
      { qos: 1 },
    );
    expect((await thing('acme:sensor'))?.attributes).toEqual({ kind: 'sensor' });
    await client.publishAsync(
      'ditto/acme/sensor',
      JSON.stringify(envelope('acme:sensor', 'merge', '/features/t/properties', { value: 21.5 })),
      { qos: 1 },
    );
    expect((await thing('acme:sensor')).features.t.properties.value).toBe(21.5);
  });

  it('dead-letters a message about another thing than its topic names, and one that is not JSON', async () => {
    const client = await connect();
    await client.publishAsync(
      'ditto/acme/sensor',
      JSON.stringify(envelope('acme:intruder', 'modify', '/', { attributes: {} })),
      { qos: 1 },
    );
    await client.publishAsync('ditto/acme/sensor', 'not json', { qos: 1 });
    const dead = await letters('dp-mqtt');
    expect(dead.map((l) => l.reason)).toEqual(['thing.outside-spec', 'payload.invalid']);
    expect(dead[0].detail).toContain("'acme:intruder'");
    expect(dead[1].payload).toBe('not json');
    expect(await thing('acme:intruder')).toBeNull();
  });

  it('closes the connection of a token that publishes about a namespace it may not write', async () => {
    const user = await fx.send('POST', '/api/2/users', admin, {
      username: 'dave',
      password: 'dave-password-1',
    });
    expect(user.statusCode).toBe(201);
    const dave = `Basic ${Buffer.from('dave:dave-password-1').toString('base64')}`;
    const token = await fx.send('POST', '/api/2/tokens', dave, {
      name: 'acme',
      namespaces: ['acme'],
    });
    const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${fx.mqttPort}`, {
      username: 'device',
      password: token.json().token,
      reconnectPeriod: 0,
    });
    clients.push(client);
    await client.publishAsync(
      'ditto/acme/own',
      JSON.stringify(envelope('acme:own', 'modify', '/', { attributes: { by: 'dave' } })),
      { qos: 1 },
    );
    expect((await thing('acme:own')).attributes).toEqual({ by: 'dave' });
    const gone = new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), 3000);
      client.once('close', () => {
        clearTimeout(timer);
        resolve(true);
      });
    });
    // The topic names acme, the message another namespace: the message is what counts.
    client.publish(
      'ditto/acme/theirs',
      JSON.stringify(envelope('other:theirs', 'modify', '/', { attributes: {} })),
      { qos: 1 },
    );
    expect(await gone).toBe(true);
    expect(await thing('other:theirs')).toBeNull();
  });

  it('redrives a dead letter with its topic: the template is filled from it again', async () => {
    const client = await connect();
    await client.publishAsync(
      'ditto/acme/later',
      JSON.stringify(envelope('acme:later', 'modify', '/attributes/x', 1)),
      { qos: 1 },
    );
    const [letter] = await letters('dp-mqtt');
    expect(letter.reason).toBe('thing.notfound');
    expect((await fx.send('PUT', '/api/2/things/acme:later', admin, {})).statusCode).toBe(201);
    const redrive = await fx.send('POST', '/api/2/ingest/deadletters/redrive?spec=dp-mqtt', admin);
    expect(redrive.json()).toEqual({ redriven: 1, failed: 0, deadLetters: [] });
    expect((await thing('acme:later')).attributes).toEqual({ x: 1 });
  });
});
