// The subscribers of the `live` benchmark's latency part, in a process of their own so that the
// clock of an event's arrival does not wait behind the sender's work: opens `count` /ws/2 sockets,
// socket s filtering the twins whose number is s modulo `count` (each event reaches one of them),
// and stamps every event with the system's monotonic clock (process.hrtime, shared by processes).
// Parent messages: {measure: k} records the events of requests k and later; {report: true} answers
// {ks, at}: each recorded event's request number and arrival time (ms), and stops recording.
import WebSocket from 'ws';
import { AUTH_HEADERS } from '../harness/processes.js';
import { twinId } from '../harness/seed.js';

const [url, countText, thingsText] = process.argv.slice(2);
const count = Number(countText);
const things = Number(thingsText);
const now = () => Number(process.hrtime.bigint()) / 1e6;

/** Subscriber s sees the twins whose number is s modulo count. */
function filterOf(s: number): string {
  const ids: string[] = [];
  for (let t = s; t < things; t += count) ids.push(`"${twinId(t)}"`);
  return `in(thingId,${ids.join(',')})`;
}

let from = Infinity;
let ks: number[] = [];
let at: number[] = [];
const watts = /"watts":(\d+)/;

function open(s: number): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`${url.replace('http', 'ws')}/ws/2`, { headers: AUTH_HEADERS });
    socket.once('error', reject);
    socket.once('open', () =>
      socket.send(`START-SEND-EVENTS?filter=${encodeURIComponent(filterOf(s))}`),
    );
    socket.on('message', (data) => {
      const arrived = now();
      const text = data.toString();
      if (text.endsWith(':ACK')) return resolve(socket);
      if (text.includes('"topic":"_/_/things/twin/errors"')) return reject(new Error(text));
      const m = watts.exec(text);
      const k = m ? Number(m[1]) : -1;
      if (k >= from) {
        ks.push(k);
        at.push(arrived);
      }
    });
  });
}

const sockets: WebSocket[] = [];
process.on('message', (message: { measure?: number; report?: boolean }) => {
  if (message.measure !== undefined) from = message.measure;
  if (message.report) {
    process.send?.({ ks, at });
    from = Infinity;
    ks = [];
    at = [];
  }
});
process.on('disconnect', () => {
  for (const socket of sockets) socket.terminate();
  process.exit(0);
});
try {
  for (let s = 0; s < count; s++) sockets.push(await open(s));
  process.send?.({ ready: true });
} catch (error) {
  process.send?.({ failed: String(error) });
}
