// 100,000 random and malformed payloads across every entry point (HTTP ingest, the embedded MQTT
// broker, NATS, AMQP, WebSocket frames): no crash, and for each a dead letter or a clear error.
import amqp from 'amqplib';
import mqtt from 'mqtt';
import { connect } from '@nats-io/transport-node';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { frame, payload, Random, token } from './support/fuzz-payloads.js';
import {
  AMQP_URL,
  NATS_URL,
  amqpUnavailable,
  natsUnavailable,
  requireUnderCi,
  uniqueName,
} from './support/messaging-servers.js';
import {
  admin,
  ADMIN_TOKEN,
  startMqttPlatform,
  type MqttPlatform,
} from './support/mqtt-platform.js';

const natsWhyNot = await natsUnavailable();
const amqpWhyNot = await amqpUnavailable();
requireUnderCi('fuzz test', natsWhyNot ?? amqpWhyNot);
const whyNot = natsWhyNot ?? amqpWhyNot;

const SEED = Number(process.env.TF_FUZZ_SEED ?? 20261201);
/** How the 100,000 payloads are split between the entry points. */
const COUNTS = {
  httpNdjson: 36_000, // 36 NDJSON requests of 1,000 lines
  dittoProtocolHttp: 3_000, // Ditto Protocol messages (mostly malformed), 3 NDJSON requests
  dittoProtocolMqtt: 1_000,
  httpRequests: 1_000, // single documents, arrays, wrong types, broken bodies
  mqtt: 20_000,
  nats: 20_000,
  amqp: 14_000,
  ws: 5_000,
};
const ERROR_FIELDS = ['status', 'error', 'message', 'description'];

let fx: MqttPlatform;
let base: string;
const root = uniqueName('tffuzz');
const queue = `${root}.amqp`;

const values = {
  'attributes/v': '$.v',
  'features/f/properties/a': '$.a',
  'features/f/properties/double': { jsonata: 'v * 2' },
};

async function api(method: string, url: string, body?: unknown) {
  const response = await fx.send(method, url, admin, body);
  return { status: response.statusCode, json: response.body === '' ? {} : response.json() };
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, ms = 60_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Per spec: dead letters and accepted messages, from /metrics. */
async function counted(): Promise<Map<string, { dead: number; accepted: number }>> {
  const text = (await fx.send('GET', '/metrics', admin)).body;
  const counts = new Map<string, { dead: number; accepted: number }>();
  const at = (spec: string) => {
    let c = counts.get(spec);
    if (!c) counts.set(spec, (c = { dead: 0, accepted: 0 }));
    return c;
  };
  for (const line of text.split('\n')) {
    const m = /^twinfold_ingest_(dead_letters|accepted)_total\{spec="([^"]+)"[^}]*\} (\d+)$/.exec(
      line,
    );
    if (m) at(m[2])[m[1] === 'accepted' ? 'accepted' : 'dead'] += Number(m[3]);
  }
  return counts;
}

/** Every stored dead letter of a spec, paged through the API. */
async function storedLetters(spec: string): Promise<number> {
  let total = 0;
  let cursor: string | undefined;
  for (;;) {
    const { status, json } = await api(
      'GET',
      `/api/2/ingest/deadletters?spec=${spec}&limit=1000${cursor ? `&cursor=${cursor}` : ''}`,
    );
    expect(status).toBe(200);
    total += (json.items as unknown[]).length;
    if (!json.cursor) return total;
    cursor = json.cursor as string;
  }
}

/** Waits until a transport's spec has settled every message it was sent; fails on a silent drop. */
async function settled(spec: string, sent: number) {
  let last = { dead: 0, accepted: 0 };
  try {
    await waitFor(`${spec}: dead letters + accepted = ${sent}`, async () => {
      last = (await counted()).get(spec) ?? last;
      return last.dead + last.accepted >= sent ? true : undefined;
    });
  } catch (error) {
    throw new Error(
      `${spec}: ${sent} sent, ${last.accepted} accepted and ${last.dead} dead letters (${sent - last.accepted - last.dead} lost)`,
      { cause: error },
    );
  }
  expect(last.dead + last.accepted).toBe(sent);
  expect(await storedLetters(spec)).toBe(last.dead);
  return last;
}

async function alive() {
  const health = await fetch(`${base}/health`);
  expect(health.status).toBe(200);
}

function expectErrorBody(status: number, text: string, what: string) {
  expect(status, `${what}: ${text.slice(0, 300)}`).toBeGreaterThanOrEqual(400);
  expect(status, `${what}: ${text.slice(0, 300)}`).toBeLessThan(500);
  const body = JSON.parse(text) as Record<string, unknown>;
  for (const field of ERROR_FIELDS) expect(body, what).toHaveProperty(field);
}

beforeAll(async () => {
  if (whyNot !== null) return;
  fx = await startMqttPlatform({ natsUrl: NATS_URL, amqpUrl: AMQP_URL });
  base = `http://127.0.0.1:${(fx.platform.app.server.address() as { port: number }).port}`;
  const specs = {
    'fuzz-http': { source: { http: {} }, thingId: 'fuzz.http:{{$.id}}' },
    'fuzz-mqtt': {
      source: { mqtt: { topic: `${root}/+id/t`, qos: 0 } },
      thingId: 'fuzz.mqtt:{{topic.id}}',
    },
    'fuzz-nats': { source: { nats: { subject: `${root}.*` } }, thingId: 'fuzz.nats:{{subject.1}}' },
    'fuzz-amqp': { source: { amqp: { queue } }, thingId: 'fuzz.amqp:{{$.id}}' },
  };
  for (const [id, spec] of Object.entries(specs)) {
    const put = await api('PUT', `/api/2/ingest/specs/${id}`, { ...spec, values, create: {} });
    expect(put.status, JSON.stringify(put.json)).toBe(201);
  }
  // Sources of Ditto Protocol messages: every thing of the namespace, over HTTP and MQTT.
  const protocolSpecs = {
    'fuzz-dp-http': { source: { dittoProtocol: {} }, thingId: 'fuzz.dp:{{$.any}}' },
    'fuzz-dp-mqtt': {
      source: { dittoProtocol: { mqtt: { topic: `${root}/dp`, qos: 0 } } },
      thingId: 'fuzz.dp:{{$.any}}',
    },
  };
  for (const [id, spec] of Object.entries(protocolSpecs)) {
    const put = await api('PUT', `/api/2/ingest/specs/${id}`, spec);
    expect(put.status, JSON.stringify(put.json)).toBe(201);
  }
  await waitFor('NATS and AMQP subscriptions', async () => {
    const ready = (await api('GET', '/ready')).json as Record<string, Record<string, unknown>>;
    return ready.nats && ready.amqp?.consumers === 1 ? true : undefined;
  });
  // Core NATS delivers to subscribers there at the time: let the subscription become active.
  await new Promise((resolve) => setTimeout(resolve, 300));
}, 60_000);

afterAll(async () => {
  if (whyNot === null && fx) {
    const connection = await amqp.connect(AMQP_URL);
    const channel = await connection.createChannel();
    await channel.deleteQueue(queue).catch(() => {});
    await connection.close();
  }
  await fx?.close();
});

describe.skipIf(whyNot !== null)(`fuzzing every entry point${whyNot ? ` (${whyNot})` : ''}`, () => {
  it('HTTP ingest: NDJSON lines each accepted or dead-lettered; malformed requests a 4xx with an error body', async () => {
    const r = new Random(SEED);
    const url = `${base}/api/2/ingest/fuzz-http`;
    const headers = { authorization: admin };
    let sentLines = 0;
    for (let request = 0; request < COUNTS.httpNdjson / 1000; request++) {
      const lines: Buffer[] = [];
      for (let i = 0; i < 1000; i++) {
        // Lines are split at \n and blank lines are no messages: keep each payload one line.
        let line = payload(r);
        line = Buffer.from(line.map((b) => (b === 10 ? 32 : b)));
        if (line.toString('latin1').trim() === '') line = Buffer.from('~');
        lines.push(line, Buffer.from('\n'));
      }
      const response = await fetch(url, {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/x-ndjson' },
        body: Buffer.concat(lines),
      });
      const text = await response.text();
      expect(response.status, text.slice(0, 300)).toBe(200);
      const outcome = JSON.parse(text) as { accepted: number; rejected: number; deadLetters: [] };
      expect(outcome.accepted + outcome.rejected).toBe(1000);
      expect(outcome.deadLetters).toHaveLength(outcome.rejected);
      sentLines += 1000;
    }
    // Whole requests: single documents, arrays, wrong types, broken and oversized bodies.
    let arrayMessages = 0;
    let singleAccepted = 0;
    const statuses = new Map<number, number>();
    for (let i = 0; i < COUNTS.httpRequests; i++) {
      const kind = r.int(8);
      let body: Buffer;
      let type: string | undefined = 'application/json';
      let messages = 1;
      if (kind === 0) {
        const docs = Array.from({ length: 1 + r.int(20) }, () => payload(r)).filter((p) => {
          try {
            JSON.parse(p.toString('utf8'));
            return true;
          } catch {
            return false;
          }
        });
        messages = docs.length;
        body = Buffer.from(`[${docs.join(',')}]`);
      } else if (kind === 1) {
        type = r.pick([
          'text/plain',
          'application/xml',
          'multipart/form-data; boundary=x',
          'application/octet-stream',
          'application/x-www-form-urlencoded',
          'application/json; charset=latin1',
          'application/x-ndjson; charset=utf-8',
          'APPLICATION/JSON',
          'application/vnd.ditto+json',
          'garbage',
        ]);
        body = payload(r);
      } else if (kind === 2) {
        type = r.chance(0.5) ? undefined : 'application/json';
        body = Buffer.from(r.pick(['', '   ', '\n', '[', '{"id":', '[1,]', '\u0000']));
      } else if (kind === 3) {
        type = r.chance(0.5) ? 'application/x-ndjson' : 'application/json';
        body = Buffer.from(r.pick(['\n\n', '\r\n', '']));
      } else if (kind === 4 && i % 50 === 0) {
        body = Buffer.alloc(33 * 1024 * 1024, 0x20); // over the ingest body limit
      } else body = payload(r);
      if (messages === 0) continue;
      const response = await fetch(url, {
        method: 'POST',
        headers: type === undefined ? headers : { ...headers, 'content-type': type },
        body: new Uint8Array(body),
      });
      const text = await response.text();
      statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
      // A charset the body is not read in is refused, not ignored.
      if (type?.includes('latin1')) expect(response.status, text).toBe(415);
      if (response.status === 200) {
        if (type?.toLowerCase().startsWith('application/x-ndjson'))
          messages = body
            .toString('utf8')
            .split('\n')
            .filter((line) => line.trim() !== '').length;
        else if (kind !== 0) {
          const parsed: unknown = JSON.parse(body.toString('utf8'));
          messages = Array.isArray(parsed) ? parsed.length : 1;
        }
        const outcome = JSON.parse(text) as { accepted: number; rejected: number };
        expect(outcome.accepted + outcome.rejected, text).toBe(messages);
        if (kind === 0) arrayMessages += messages;
        else singleAccepted += messages;
      } else expectErrorBody(response.status, text, `kind ${kind} ${type ?? '(no type)'}`);
    }
    expect([...statuses.keys()].every((s) => s < 500)).toBe(true);
    expect(statuses.get(200) ?? 0).toBeGreaterThan(0);
    expect(statuses.get(400) ?? 0).toBeGreaterThan(0);
    expect(statuses.get(415) ?? 0).toBeGreaterThan(0);
    await alive();
    const counts = (await counted()).get('fuzz-http');
    expect(counts).toBeDefined();
    expect(counts!.dead + counts!.accepted).toBe(sentLines + arrayMessages + singleAccepted);
    expect(await storedLetters('fuzz-http')).toBe(counts!.dead);
    expect(counts!.accepted).toBeGreaterThan(0);
  }, 300_000);

  it('Ditto Protocol sources (HTTP, MQTT): every message accepted or dead-lettered', async () => {
    const r = new Random(SEED + 5);
    for (let request = 0; request < COUNTS.dittoProtocolHttp / 1000; request++) {
      // Mostly malformed; one in ten a well-formed command that creates or replaces a thing.
      const lines = Array.from({ length: 1000 }, (_, i) => {
        if (i % 10 === 0)
          return `{"topic":"fuzz.dp/w${r.int(20)}/things/twin/commands/modify","path":"/","value":{"attributes":{"v":${i}}}}`;
        const line = frame(r, 'fuzz.dp').replace(/[\r\n]/g, ' ');
        return line.trim() === '' ? '~' : line;
      });
      // In process: the HTTP layer is fuzzed above; here the Ditto Protocol path is the point.
      const response = await fx.platform.app.inject({
        method: 'POST',
        url: '/api/2/ingest/fuzz-dp-http',
        headers: { authorization: admin, 'content-type': 'application/x-ndjson' },
        payload: lines.join('\n') + '\n',
      });
      expect(response.statusCode, response.body.slice(0, 300)).toBe(200);
      const outcome = response.json() as { accepted: number; rejected: number };
      expect(outcome.accepted + outcome.rejected).toBe(1000);
    }
    const http = await settled('fuzz-dp-http', COUNTS.dittoProtocolHttp);
    expect(http.accepted).toBeGreaterThan(0);
    const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${fx.mqttPort}`, {
      username: 'fuzz',
      password: ADMIN_TOKEN,
      reconnectPeriod: 0,
    });
    try {
      for (let i = 0; i < COUNTS.dittoProtocolMqtt - 1; i++) {
        client.publish(`${root}/dp`, frame(r, 'fuzz.dp'), { qos: 0 });
        if (i % 200 === 199) await new Promise((resolve) => setTimeout(resolve, 5));
      }
      await client.publishAsync(
        `${root}/dp`,
        '{"topic":"fuzz.dp/last/things/twin/commands/modify","path":"/","value":{}}',
        { qos: 1 },
      );
    } finally {
      await client.endAsync();
    }
    const overMqtt = await settled('fuzz-dp-mqtt', COUNTS.dittoProtocolMqtt);
    expect(overMqtt.accepted).toBeGreaterThan(0);
    await alive();
  }, 180_000);

  it('MQTT (embedded broker, QoS 0): every publish accepted or dead-lettered', async () => {
    const r = new Random(SEED + 1);
    const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${fx.mqttPort}`, {
      username: 'fuzz',
      password: ADMIN_TOKEN,
      reconnectPeriod: 0,
    });
    try {
      for (let i = 0; i < COUNTS.mqtt; i++) {
        client.publish(`${root}/${token(r)}/t`, payload(r), { qos: 0 });
        if (i % 500 === 499) await new Promise((resolve) => setTimeout(resolve, 5));
      }
      await new Promise<void>((resolve) =>
        client.publish(`${root}/d0/t`, '{"id":"d0","v":0}', () => resolve()),
      );
    } finally {
      await client.endAsync();
    }
    const counts = await settled('fuzz-mqtt', COUNTS.mqtt + 1);
    expect(counts.accepted).toBeGreaterThan(0);
    await alive();
  }, 180_000);

  it('NATS (core): every message accepted or dead-lettered', async () => {
    const r = new Random(SEED + 2);
    const nc = await connect({ servers: NATS_URL });
    try {
      for (let i = 0; i < COUNTS.nats; i++) {
        nc.publish(`${root}.${token(r).replace(/[.\s*>]/g, '_')}`, payload(r));
        if (i % 500 === 499) await nc.flush();
      }
      await nc.flush();
    } finally {
      await nc.close();
    }
    const counts = await settled('fuzz-nats', COUNTS.nats);
    expect(counts.accepted).toBeGreaterThan(0);
    await alive();
  }, 180_000);

  it('AMQP (RabbitMQ): every message accepted or dead-lettered', async () => {
    const r = new Random(SEED + 3);
    const connection = await amqp.connect(AMQP_URL);
    try {
      const channel = await connection.createConfirmChannel();
      for (let i = 0; i < COUNTS.amqp; i++) {
        channel.sendToQueue(queue, payload(r), {
          contentType: r.pick([undefined, 'application/json', 'text/plain', 'x/y']),
          headers: r.chance(0.1) ? { 'device-id': token(r), weird: [1, { a: null }] } : undefined,
        });
        if (i % 1000 === 999) await channel.waitForConfirms();
      }
      await channel.waitForConfirms();
    } finally {
      await connection.close();
    }
    const counts = await settled('fuzz-amqp', COUNTS.amqp);
    expect(counts.accepted).toBeGreaterThan(0);
    await alive();
  }, 180_000);

  it('WebSocket /ws/2: every frame answered or refused with an error, the socket usable after', async () => {
    const r = new Random(SEED + 4);
    const namespace = 'fuzz.ws';
    const socket = new WebSocket(`${base.replace('http', 'ws')}/ws/2`, {
      headers: { authorization: admin },
    });
    const queued: string[] = [];
    let wake: (() => void) | null = null;
    let closed: string | null = null;
    socket.on('message', (data) => {
      const text = data.toString();
      // Events of a subscription a frame started are not answers.
      if (
        text.includes('"/things/twin/events/') ||
        /"topic":"[^"]*\/things\/twin\/events\//.test(text)
      )
        return;
      queued.push(text);
      wake?.();
    });
    socket.on('close', (code, reason) => {
      closed = `${code} ${reason.toString()}`;
      wake?.();
    });
    await new Promise((resolve, reject) => {
      socket.once('open', resolve);
      socket.once('error', reject);
    });
    const answer = async (sent: string): Promise<string> => {
      const deadline = Date.now() + 10_000;
      while (queued.length === 0) {
        if (closed !== null)
          throw new Error(`socket closed (${closed}) after ${sent.slice(0, 300)}`);
        if (Date.now() > deadline) throw new Error(`no answer to ${sent.slice(0, 300)}`);
        await new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(resolve, 100);
        });
        wake = null;
      }
      return queued.shift()!;
    };
    let errorsSeen = 0;
    for (let i = 0; i < COUNTS.ws; i++) {
      const binary = r.chance(0.02);
      const text = frame(r, namespace);
      socket.send(binary ? Buffer.from(text) : text, { binary });
      const reply = await answer(text);
      let json: Record<string, unknown> | null = null;
      try {
        json = JSON.parse(reply) as Record<string, unknown>;
      } catch {
        expect(reply, `answer to ${text.slice(0, 200)}`).toMatch(/^(START|STOP)-SEND-[A-Z-]+:ACK$/);
      }
      if (json !== null) {
        expect(typeof json.topic, reply.slice(0, 300)).toBe('string');
        expect(typeof json.status, reply.slice(0, 300)).toBe('number');
        expect(
          json.status as number,
          `${text.slice(0, 200)} -> ${reply.slice(0, 300)}`,
        ).toBeLessThan(500);
        if ((json.status as number) >= 400) {
          errorsSeen++;
          for (const field of ['status', 'error', 'message'])
            expect(json.value, reply.slice(0, 300)).toHaveProperty(field);
        }
      }
    }
    expect(errorsSeen).toBeGreaterThan(COUNTS.ws / 4);
    // Still usable: a command gets its answer.
    socket.send(
      JSON.stringify({
        topic: `${namespace}/after/things/twin/commands/create`,
        headers: { 'correlation-id': 'after' },
        path: '/',
        value: { attributes: { ok: true } },
      }),
    );
    const after = JSON.parse(await answer('the create after')) as Record<string, unknown>;
    expect((after.headers as Record<string, string>)['correlation-id']).toBe('after');
    expect(after.status).toBe(201);
    socket.close();
    await alive();
  }, 180_000);
});
