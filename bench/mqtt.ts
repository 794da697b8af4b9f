// Benchmark `mqtt`: QoS 1 messages/s from 64 publishing clients through Twinfold's embedded broker
// (each PUBACK once durable) beside aedes with a no-op handler, and through Mosquitto with Twinfold
// as its client (--mqtt-url) beside Mosquitto alone with one subscriber, all in the same run.
import { randomUUID } from 'node:crypto';
import { connect as tcp } from 'node:net';
import mqtt, { type MqttClient } from 'mqtt';
import type { BenchContext } from './harness/context.js';
import {
  AUTH_HEADERS,
  freePort,
  spawnNode,
  startTwinfold,
  type Child,
} from './harness/processes.js';
import { fmt, meets, note, printTable, ratio } from './harness/report.js';

const CLIENTS = 64;
/** QoS 1 messages each client keeps in flight. */
const WINDOW = 16;
const TWINS = 10_000;
const DURATION_S = 10;
/** Messages per run through Mosquitto (measured until the last one is ingested or received). */
const EXTERNAL_MESSAGES = 100_000;
const BAR = 30_000;
const MOSQUITTO = 'mqtt://127.0.0.1:1883';

const spec = (topic: string) => ({
  source: { mqtt: { topic, qos: 1 } },
  thingId: 'mqttbench:{{topic.id}}',
  values: { 'features/t/properties/value': '$.n' },
  create: {},
});

async function connectAll(url: string, password?: string): Promise<MqttClient[]> {
  return Promise.all(
    Array.from({ length: CLIENTS }, () =>
      mqtt.connectAsync(url, {
        username: password === undefined ? undefined : 'bench',
        password,
        reconnectPeriod: 0,
        clean: true,
      }),
    ),
  );
}

/**
 * Every client keeps WINDOW QoS 1 publishes in flight to `prefix/<twin>/t` until `until()`; resolves
 * to the messages acknowledged and the seconds taken.
 */
async function publish(
  clients: MqttClient[],
  prefix: string,
  until: (sent: number, elapsed: number) => boolean,
): Promise<{ acked: number; seconds: number }> {
  let sent = 0;
  let acked = 0;
  let n = 0;
  const started = performance.now();
  const lane = async (client: MqttClient, c: number) => {
    for (;;) {
      if (until(sent, (performance.now() - started) / 1000)) return;
      sent++;
      const twin = (c * 997 + n++) % TWINS;
      await client.publishAsync(`${prefix}/d${twin}/t`, `{"n":${n}}`, { qos: 1 });
      acked++;
    }
  };
  await Promise.all(
    clients.flatMap((client, c) => Array.from({ length: WINDOW }, () => lane(client, c))),
  );
  return { acked, seconds: (performance.now() - started) / 1000 };
}

const forSeconds = (s: number) => (_sent: number, elapsed: number) => elapsed >= s;
const forCount = (count: number) => (sent: number) => sent >= count;

async function closeAll(clients: MqttClient[]): Promise<void> {
  await Promise.all(clients.map((c) => c.endAsync().catch(() => {})));
}

async function putSpec(url: string, id: string, topic: string): Promise<void> {
  const response = await fetch(`${url}/api/2/ingest/specs/${id}`, {
    method: 'PUT',
    headers: { ...AUTH_HEADERS, 'content-type': 'application/json' },
    body: JSON.stringify(spec(topic)),
  });
  if (response.status !== 201) throw new Error(`spec: ${response.status} ${await response.text()}`);
}

async function eventsAppended(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`, { headers: AUTH_HEADERS })).text();
  const line = text.split('\n').find((l) => l.startsWith('twinfold_events_appended_total'));
  return line === undefined ? 0 : Number(line.split(' ').pop());
}

async function waitForLine(
  child: Child,
  key: string,
  timeoutMs = 60_000,
): Promise<Record<string, unknown>> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    for (const line of child.lines) {
      try {
        const parsed = JSON.parse(line) as Record<string, unknown>;
        if (key in parsed) return parsed;
      } catch {
        // a log line
      }
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`no '${key}' from the child within ${timeoutMs} ms`);
}

/**
 * Polls `count` from now until it stops growing for a second; resolves to the final count and
 * the seconds from the first growth to the last.
 */
async function settled(
  count: () => Promise<number>,
  since = performance.now(),
): Promise<{ count: number; seconds: number }> {
  let lastAt = 0;
  let value = 0;
  const t0 = performance.now();
  for (;;) {
    const now = performance.now();
    const next = await count();
    if (next > value) {
      value = next;
      lastAt = now;
    } else if ((value > 0 && now - lastAt > 1000) || now - t0 > 120_000)
      return { count: value, seconds: Math.max(0.001, (lastAt - since) / 1000) };
    await new Promise((r) => setTimeout(r, 20));
  }
}

function mosquittoUp(): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = tcp(1883, '127.0.0.1');
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}

async function embedded(context: BenchContext): Promise<[number, number]> {
  // Reference: aedes alone, its publish handler a no-op.
  const aedesPort = await freePort();
  const aedes = spawnNode('bench/children/aedes-noop.ts', [String(aedesPort)]);
  await waitForLine(aedes, 'listening');
  let clients = await connectAll(`mqtt://127.0.0.1:${aedesPort}`);
  await publish(clients, 'warm', forSeconds(2));
  const bare = await publish(clients, 'bench', forSeconds(DURATION_S));
  await closeAll(clients);
  await aedes.stop();

  const mqttPort = await freePort();
  const server = await startTwinfold({ data: await context.freshDir('mqtt-embedded'), mqttPort });
  try {
    await putSpec(server.url, 'bench', 'bench/+id/t');
    clients = await connectAll(`mqtt://127.0.0.1:${mqttPort}`, AUTH_HEADERS.authorization.slice(7));
    // Warm-up creates the twins.
    await publish(clients, 'bench', forCount(TWINS * 2));
    const twinfold = await publish(clients, 'bench', forSeconds(DURATION_S));
    await closeAll(clients);
    return [twinfold.acked / twinfold.seconds, bare.acked / bare.seconds];
  } finally {
    await server.child.stop();
  }
}

async function external(context: BenchContext): Promise<[number, number]> {
  // Reference: Mosquitto alone, with one subscriber acknowledging at once.
  const prefix = `mqttbench-${randomUUID().slice(0, 8)}`;
  const sink = spawnNode('bench/children/mqtt-sink.ts', [MOSQUITTO, `${prefix}-ref/+/t`]);
  await waitForLine(sink, 'subscribed');
  let clients = await connectAll(MOSQUITTO);
  const t0 = performance.now();
  await publish(clients, `${prefix}-ref`, forCount(EXTERNAL_MESSAGES));
  const got = await settled(async () => {
    const line = sink.lines[sink.lines.length - 1];
    return line === undefined ? 0 : (JSON.parse(line) as { received: number }).received;
  }, t0);
  const alone = got.count / got.seconds;
  note(
    `Mosquitto alone: its subscriber received ${fmt(got.count)} of ${fmt(EXTERNAL_MESSAGES)} (Mosquitto drops QoS 1 messages past max_queued_messages for a subscriber that lags)`,
  );
  await closeAll(clients);
  await sink.stop();

  const clientId = `tfbench-${randomUUID().slice(0, 8)}`;
  const server = await startTwinfold({
    data: await context.freshDir('mqtt-external'),
    mqttUrl: MOSQUITTO,
    mqttClientId: clientId,
  });
  try {
    await putSpec(server.url, 'bench', `${prefix}/+id/t`);
    await new Promise((r) => setTimeout(r, 500)); // the subscription is granted
    clients = await connectAll(MOSQUITTO);
    // Warm-up creates the twins.
    await publish(clients, prefix, forCount(TWINS * 2));
    await settled(() => eventsAppended(server.url));
    const start = await eventsAppended(server.url);
    const t1 = performance.now();
    await publish(clients, prefix, forCount(EXTERNAL_MESSAGES));
    // Each message changes its twin: one event each once ingested.
    const ingested = await settled(async () => (await eventsAppended(server.url)) - start, t1);
    const twinfold = ingested.count / ingested.seconds;
    note(
      `Twinfold via Mosquitto ingested ${fmt(ingested.count)} of ${fmt(EXTERNAL_MESSAGES)} messages published (the rest Mosquitto dropped, see above)`,
    );
    await closeAll(clients);
    return [twinfold, alone];
  } finally {
    await server.child.stop();
    // Leave no persistent session behind at Mosquitto.
    const cleaner = await mqtt.connectAsync(MOSQUITTO, {
      clientId,
      clean: true,
      reconnectPeriod: 0,
    });
    await cleaner.endAsync();
  }
}

export async function mqttBenchmark(context: BenchContext): Promise<void> {
  const [twinfold, aedes] = await embedded(context);
  const rows = [
    [
      'Twinfold embedded broker (PUBACK once durable)',
      fmt(twinfold),
      ratio(twinfold, aedes),
      meets(twinfold >= BAR),
    ],
    ['aedes, no-op handler (reference)', fmt(aedes), '100 %', ''],
  ];
  printTable(
    `MQTT QoS 1 through the embedded broker, ${CLIENTS} publishing clients × ${WINDOW} in flight, ${fmt(TWINS)} twins, one mapped value`,
    ['path', 'messages/s', 'of reference', `≥ ${fmt(BAR)}`],
    rows,
  );
  rows.length = 0;
  if (await mosquittoUp()) {
    const [viaMosquitto, mosquitto] = await external(context);
    rows.push(
      [
        'Twinfold via Mosquitto (--mqtt-url, ack once durable)',
        fmt(viaMosquitto),
        ratio(viaMosquitto, mosquitto),
        meets(viaMosquitto >= BAR),
      ],
      ['Mosquitto alone, one subscriber (reference)', fmt(mosquitto), '100 %', ''],
    );
  } else note('Mosquitto is not on 127.0.0.1:1883: the external-broker rows are skipped.');
  printTable(
    `MQTT QoS 1 through Mosquitto, ${CLIENTS} publishing clients × ${WINDOW} in flight, ${fmt(EXTERNAL_MESSAGES)} messages`,
    ['path', 'messages/s', 'of reference', `≥ ${fmt(BAR)}`],
    rows,
  );
}
