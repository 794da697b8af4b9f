// Benchmark `evolve`: type evolution and what-if forks over 10,000 twins of one server. The bulk
// migration (POST /api/2/migrations, every twin moved to a version deriving one more value) beside
// the same twins merge-patched from the client 64 at a time; the fork (POST /api/2/forks of every
// twin as it was before those changes) beside the same twins created from the client 64 at a time;
// and the fork deleted in one call. The longest /health answer during each shows the event loop
// stayed free.
import type { BenchContext } from './harness/context.js';
import { AUTH_HEADERS, startTwinfold } from './harness/processes.js';
import { fmt, note, printTable, ratio } from './harness/report.js';
import { benchTwin, twinIds } from './harness/seed.js';

const TWINS = Number(process.env.EVOLVE_TWINS ?? 10_000);
const IN_FLIGHT = 64;
const V1 = 'bench:rack:1';
const V2 = 'bench:rack:2';
const DERIVED = { 'features/power/properties/kw': 'features.power.properties.watts / 1000.0' };
const RACK_V1 = { derived: DERIVED };
const RACK_V2 = {
  derived: {
    ...DERIVED,
    'features/power/properties/amps': 'features.power.properties.watts / 230.0',
  },
};

async function call(url: string, method: string, path: string, body?: unknown): Promise<unknown> {
  const response = await fetch(`${url}${path}`, {
    method,
    headers: {
      ...AUTH_HEADERS,
      ...(body === undefined
        ? {}
        : {
            'content-type':
              method === 'PATCH' ? 'application/merge-patch+json' : 'application/json',
          }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (response.status >= 300) throw new Error(`${method} ${path}: ${response.status} ${text}`);
  return text === '' ? null : JSON.parse(text);
}

/** Runs `each` over `items` with {@link IN_FLIGHT} requests in flight; resolves to the seconds. */
async function driven<T>(
  items: readonly T[],
  each: (item: T) => Promise<unknown>,
): Promise<number> {
  const started = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (next < items.length) await each(items[next++]);
    }),
  );
  return (performance.now() - started) / 1000;
}

/** Times `work` while probing /health every 20 ms; resolves to the seconds and the longest probe. */
async function probed(
  url: string,
  work: () => Promise<void>,
): Promise<{ s: number; maxMs: number }> {
  let maxMs = 0;
  let running = true;
  const probe = (async () => {
    while (running) {
      const t0 = performance.now();
      await fetch(`${url}/health`);
      maxMs = Math.max(maxMs, performance.now() - t0);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  })();
  const started = performance.now();
  try {
    await work();
  } finally {
    running = false;
    await probe;
  }
  return { s: (performance.now() - started) / 1000, maxMs };
}

async function waitFor(url: string, migrationId: string): Promise<{ failed: number }> {
  for (;;) {
    const view = (await call(url, 'GET', `/api/2/migrations/${migrationId}`)) as {
      state: string;
      progress: { failed: number };
      error?: string;
    };
    if (view.state === 'failed') throw new Error(`the migration failed: ${view.error}`);
    if (view.state === 'succeeded') return view.progress;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export async function evolveBenchmark(context: BenchContext): Promise<void> {
  const data = await context.freshSeededDir(TWINS, false, V1);
  const server = await startTwinfold({ data });
  const { url } = server;
  const ids = twinIds(TWINS);
  try {
    await call(url, 'PUT', `/api/2/types/${V1}`, RACK_V1);
    await call(url, 'PUT', `/api/2/types/${V2}`, RACK_V2);
    await new Promise((resolve) => setTimeout(resolve, 20));
    const at = new Date().toISOString();
    await new Promise((resolve) => setTimeout(resolve, 20));

    const patched = await probed(url, async () => {
      await driven(ids, (id) =>
        call(url, 'PATCH', `/api/2/things/${id}`, { attributes: { tag: 'patched' } }),
      );
    });
    let failed = 0;
    const migrated = await probed(url, async () => {
      const started = (await call(url, 'POST', '/api/2/migrations', {
        filter: `eq(definition,"${V1}")`,
        thingDefinitionUrl: V2,
      })) as { migrationId: string };
      failed = (await waitFor(url, started.migrationId)).failed;
    });
    const created = await probed(url, async () => {
      await driven(ids, (id) => {
        const { thingId: _id, policyId: _policy, ...twin } = benchTwin(Number(id.slice(11)));
        return call(url, 'PUT', `/api/2/things/bench.ref:${id.slice(6)}`, {
          ...twin,
          definition: V2,
        });
      });
    });
    let forkedTwins = 0;
    const forked = await probed(url, async () => {
      const view = (await call(url, 'POST', '/api/2/forks', {
        filter: 'like(thingId,"bench:twin-*")',
        at,
        into: 'bench.whatif',
      })) as { twins: unknown[] };
      forkedTwins = view.twins.length;
    });
    const deleted = await probed(url, async () => {
      await call(url, 'DELETE', '/api/2/forks/bench.whatif');
    });

    const rate = (n: number, s: number) => fmt(n / s);
    printTable(
      `evolve — ${fmt(TWINS)} twins, one server (SQLite), client requests ${IN_FLIGHT} in flight`,
      ['operation', 'twins', 'seconds', 'twins/s', 'vs reference', 'longest /health'],
      [
        [
          'merge-patch from the client (reference)',
          fmt(TWINS),
          fmt(patched.s, 2),
          rate(TWINS, patched.s),
          '',
          `${fmt(patched.maxMs)} ms`,
        ],
        [
          'bulk migration POST /migrations',
          fmt(TWINS),
          fmt(migrated.s, 2),
          rate(TWINS, migrated.s),
          ratio(patched.s, migrated.s),
          `${fmt(migrated.maxMs)} ms`,
        ],
        [
          'PUT creations from the client (reference)',
          fmt(TWINS),
          fmt(created.s, 2),
          rate(TWINS, created.s),
          '',
          `${fmt(created.maxMs)} ms`,
        ],
        [
          'fork at an instant POST /forks',
          fmt(forkedTwins),
          fmt(forked.s, 2),
          rate(forkedTwins, forked.s),
          ratio(created.s, forked.s),
          `${fmt(forked.maxMs)} ms`,
        ],
        [
          'fork deleted DELETE /forks/{ns}',
          fmt(forkedTwins),
          fmt(deleted.s, 2),
          rate(forkedTwins, deleted.s),
          '',
          `${fmt(deleted.maxMs)} ms`,
        ],
      ],
    );
    note(
      `"vs reference": the reference's time over the operation's (100 % = as fast as the client doing the same writes itself); ${failed} twin(s) failed the migration`,
    );
  } finally {
    await server.child.stop();
  }
}
