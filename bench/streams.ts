// Benchmark `streams`: latency from an HTTP write to its Ditto Protocol event on 100 WebSocket
// subscribers at a moderate, paced write rate; beside it, in the same run, the HTTP write's own
// latency (request to 204), which the event cannot beat since events follow the durable commit.
import WebSocket from 'ws';
import type { BenchContext } from './harness/context.js';
import { AUTH_HEADERS, startTwinfold } from './harness/processes.js';
import { fmt, meets, ms, note, percentile, printTable } from './harness/report.js';

const SUBSCRIBERS = 100;
const THINGS = 100;
const RATE = 50; // writes per second (a loaded 2-vCPU machine sustains little more)
const DURATION_S = 10;
const WARMUP_S = 2;

function subscribe(url: string, onEvent: (value: number) => void): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`${url.replace('http', 'ws')}/ws/2`, { headers: AUTH_HEADERS });
    socket.once('error', reject);
    socket.once('open', () => socket.send('START-SEND-EVENTS?namespaces=bench.streams'));
    socket.on('message', (data) => {
      const text = data.toString();
      if (text === 'START-SEND-EVENTS:ACK') return resolve(socket);
      const event = JSON.parse(text) as { value?: unknown };
      if (typeof event.value === 'number') onEvent(event.value);
    });
  });
}

export async function streamsBenchmark(context: BenchContext): Promise<void> {
  const server = await startTwinfold({ data: await context.freshDir('streams') });
  const sockets: WebSocket[] = [];
  try {
    const put = async (path: string, body: unknown) => {
      const response = await fetch(`${server.url}/api/2/things/${path}`, {
        method: 'PUT',
        headers: { ...AUTH_HEADERS, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      await response.arrayBuffer();
      if (response.status >= 300) throw new Error(`PUT ${path}: ${response.status}`);
    };
    for (let i = 0; i < THINGS; i++) await put(`bench.streams:t${i}`, { attributes: { n: -1 } });

    // The write with number n was sent at sent[n]; each subscriber's receipt is one sample.
    const sent: number[] = [];
    let measuring = false;
    const eventLatency: number[] = [];
    const run = async (seconds: number, record: boolean) => {
      measuring = record;
      const latency: number[] = [];
      let failed = 0;
      const pending: Promise<void>[] = [];
      const start = performance.now();
      for (let i = 0; i < seconds * RATE; i++) {
        const wait = start + (i * 1000) / RATE - performance.now();
        if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
        const n = sent.length;
        sent.push(performance.now());
        pending.push(
          put(`bench.streams:t${n % THINGS}/attributes/n`, n).then(
            () => void latency.push(performance.now() - sent[n]),
            () => void failed++,
          ),
        );
      }
      await Promise.all(pending);
      await new Promise((resolve) => setTimeout(resolve, 500));
      measuring = false;
      return { latency, failed, writes: seconds * RATE };
    };
    // Reference, same server and run: the writes alone, nobody subscribed.
    await run(WARMUP_S, false);
    const alone = await run(DURATION_S, true);
    for (let s = 0; s < SUBSCRIBERS; s++) {
      sockets.push(
        await subscribe(server.url, (n) => {
          if (measuring && n >= 0 && sent[n] !== undefined)
            eventLatency.push(performance.now() - sent[n]);
        }),
      );
    }
    await run(WARMUP_S, false);
    eventLatency.length = 0;
    const watched = await run(DURATION_S, true);
    const row = (name: string, samples: number[], failed: number) => [
      name,
      fmt(samples.length),
      ms(percentile(samples, 0.5)),
      ms(percentile(samples, 0.99)),
      ms(percentile(samples, 1)),
      fmt(failed),
    ];
    printTable(
      `streams: ${fmt(RATE)} HTTP writes/s for ${DURATION_S} s over ${THINGS} things; then the same with ${SUBSCRIBERS} WebSocket subscribers (START-SEND-EVENTS)`,
      ['measure', 'samples', 'p50', 'p99', 'max', 'failed'],
      [
        row('HTTP PUT -> 204, no subscriber (reference)', alone.latency, alone.failed),
        row(`HTTP PUT -> 204, ${SUBSCRIBERS} subscribers`, watched.latency, watched.failed),
        row('HTTP PUT -> event at a subscriber', eventLatency, 0),
      ],
    );
    note(
      `events delivered: ${fmt(eventLatency.length)} of ${fmt((watched.writes - watched.failed) * SUBSCRIBERS)} expected`,
    );
    note(`bar: event p99 <= 50 ms -> ${meets(percentile(eventLatency, 0.99) <= 50)}`);
  } finally {
    for (const socket of sockets) socket.terminate();
    await server.child.stop();
  }
}
