// `twinfold serve`: a platform that listens, seeds the demo twins and prunes old history.
import { pino, type Logger } from 'pino';
import { Platform, type PlatformOptions } from '../platform.js';
import type { TwinRuntime } from '../runtime/twin-runtime.js';
import type { ServeConfig } from './config.js';
import { seedDemoTwins } from './demo-twins.js';
import { DEMO_SPEC_ID, seedDemoSpec } from './demo-spec.js';
import { ingestServiceOf } from '../api/app.js';

export interface RunningServer {
  url: string;
  runtime: TwinRuntime;
  platform: Platform;
  close(): Promise<void>;
}

const DAY_MS = 86_400_000;

export type ServerOptions = Pick<PlatformOptions, 'adminToken' | 'announce' | 'accessControl'>;

export async function startServer(
  config: ServeConfig,
  logger?: Logger,
  options: ServerOptions = {},
): Promise<RunningServer> {
  const started = Date.now();
  const platform = await Platform.open(config, {
    ...options,
    logger: logger ?? pino({ level: config.logLevel }),
  });
  const { runtime, storage } = platform;
  const log = platform.logger;
  log.info(
    { twins: runtime.size, ms: Date.now() - started, data: config.data, store: storage.kind },
    'state loaded',
  );
  if (config.demo && runtime.size === 0) {
    const seeded = await seedDemoTwins(runtime);
    log.info({ twins: seeded }, 'demo twins created');
  }
  const ingest = ingestServiceOf(platform.app);
  const mqttOn = config.mqttPort !== 0 || config.mqttUrl !== undefined;
  if (config.demo && ingest !== null && !mqttOn)
    log.info({ specId: DEMO_SPEC_ID }, 'demo MQTT ingest spec not created: MQTT is off');
  else if (config.demo && ingest !== null && (await seedDemoSpec(ingest)))
    log.info({ specId: DEMO_SPEC_ID }, 'demo MQTT ingest spec created');
  const url = await platform.listen();
  log.info({ url, ms: Date.now() - started, durability: config.durability }, 'twinfold ready');
  void runtime.indexed.then(() =>
    log.info({ twins: runtime.size, ms: Date.now() - started }, 'search index built'),
  );

  let pruning: NodeJS.Timeout | undefined;
  if (config.historyRetentionDays > 0) {
    const prune = async () => {
      try {
        const removed = await storage.journal.pruneDeletedBefore(
          Date.now() - config.historyRetentionDays * DAY_MS,
        );
        if (removed > 0) log.info({ removed }, 'history of deleted twins pruned');
      } catch (error) {
        log.warn(
          { err: error },
          'pruning the history of deleted twins failed; it is tried again in an hour',
        );
      }
    };
    pruning = setInterval(() => void prune(), 3_600_000).unref();
    void prune();
  }

  return {
    url,
    runtime,
    platform,
    async close() {
      if (pruning) clearInterval(pruning);
      await platform.close();
      log.info('twinfold stopped');
    },
  };
}
