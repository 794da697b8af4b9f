// A listening platform for MQTT tests: an embedded broker on a free port, or a client of a broker.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { DEFAULTS, type ServeConfig } from '../../src/cli/config.js';
import { Platform } from '../../src/platform.js';

export const ADMIN_TOKEN = 'tft_mqtt-admin-token-0123456789';
export const admin = `Bearer ${ADMIN_TOKEN}`;

/** A TCP port nobody listens on right now. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export interface MqttPlatform {
  platform: Platform;
  mqttPort: number;
  send(
    method: string,
    url: string,
    auth: string | undefined,
    body?: unknown,
  ): Promise<{
    statusCode: number;
    json(): any; // eslint-disable-line @typescript-eslint/no-explicit-any -- test bodies are any JSON
    body: string;
  }>;
  close(): Promise<void>;
}

/** Starts a platform; with `dir`, on that data directory, which `close` then leaves in place. */
export async function startMqttPlatform(
  config: Partial<ServeConfig> = {},
  dataDir?: string,
): Promise<MqttPlatform> {
  const dir = dataDir ?? mkdtempSync(join(tmpdir(), 'twinfold-mqtt-'));
  const mqttPort = config.mqttPort ?? (await freePort());
  const platform = await Platform.open(
    { ...DEFAULTS, port: 0, data: dir, ...config, mqttPort },
    {
      logger: pino({ level: process.env.TF_TEST_LOG ?? 'silent' }),
      logRequests: false,
      adminToken: ADMIN_TOKEN,
      writerThread: false,
      failureDelay: () => 0,
    },
  );
  await platform.listen();
  return {
    platform,
    mqttPort,
    send: (method, url, auth, body) =>
      platform.app.inject({
        method: method as 'GET',
        url,
        payload: body === undefined ? undefined : JSON.stringify(body),
        headers: {
          ...(auth ? { authorization: auth } : {}),
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
      }),
    async close() {
      await platform.close();
      if (dataDir === undefined) rmSync(dir, { recursive: true, force: true });
    },
  };
}
