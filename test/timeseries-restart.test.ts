// Late observations across a restart: the new process learns each twin's latest observation times
// from its series, so a late value arriving first after a restart still leaves the twin as it is.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { InjectOptions } from 'fastify';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULTS } from '../src/cli/config.js';
import { Platform } from '../src/platform.js';

const dir = mkdtempSync(join(tmpdir(), 'twinfold-series-restart-'));
const T0 = Date.UTC(2020, 0, 1);
const WATTS = 'features/power/properties/watts';

afterAll(() => rmSync(dir, { recursive: true, force: true }));

function open(): Promise<Platform> {
  return Platform.open(
    { ...DEFAULTS, data: dir, mqttPort: 0 },
    {
      logger: pino({ level: 'silent' }),
      logRequests: false,
      adminToken: 'tft_series-restart-admin-token-01',
      accessControl: false,
      writerThread: false,
    },
  );
}

async function send(platform: Platform, options: InjectOptions) {
  const response = await platform.app.inject({
    ...options,
    headers: { 'content-type': 'application/json', ...options.headers },
  });
  expect(response.statusCode, response.body).toBeLessThan(300);
  return response;
}

describe('time series across a restart', () => {
  it('a late observation arriving first after a restart joins the series, not the twin', async () => {
    let platform = await open();
    try {
      await send(platform, {
        method: 'PUT',
        url: '/api/2/ingest/specs/meter',
        payload: JSON.stringify({
          source: { http: {} },
          thingId: '{{$.id}}',
          timestamp: { path: '$.ts', format: 'epoch-ms' },
          values: { [WATTS]: '$.w' },
        }),
      });
      await send(platform, {
        method: 'PUT',
        url: '/api/2/things/rs:m1',
        payload: JSON.stringify({ features: { power: { properties: {} } } }),
      });
      await send(platform, {
        method: 'POST',
        url: '/api/2/ingest/meter',
        payload: JSON.stringify({ id: 'rs:m1', ts: T0 + 3000, w: 3 }),
      });
      await platform.close();
      platform = await open();
      await send(platform, {
        method: 'POST',
        url: '/api/2/ingest/meter',
        payload: JSON.stringify({ id: 'rs:m1', ts: T0 + 2000, w: 2 }),
      });
      const twin = await send(platform, { method: 'GET', url: `/api/2/things/rs:m1/${WATTS}` });
      expect(twin.json()).toBe(3);
      const raw = await send(platform, {
        method: 'GET',
        url: `/api/2/timeseries/things/rs:m1/${WATTS}?from=${T0}&to=${T0 + 10_000}`,
      });
      expect(raw.json().series).toEqual({ t: [T0 + 2000, T0 + 3000], value: [2, 3] });
      // A newer one still changes the twin.
      await send(platform, {
        method: 'POST',
        url: '/api/2/ingest/meter',
        payload: JSON.stringify({ id: 'rs:m1', ts: T0 + 4000, w: 4 }),
      });
      expect(
        (await send(platform, { method: 'GET', url: `/api/2/things/rs:m1/${WATTS}` })).json(),
      ).toBe(4);
    } finally {
      await platform.close();
    }
  });
});
