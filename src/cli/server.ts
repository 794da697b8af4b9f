// The composition root: wires journal, index, runtime and API into a running server.
import { join } from 'node:path';
import { pino, type Logger } from 'pino';
import { buildApp } from '../api/app.js';
import { Metrics } from '../api/metrics.js';
import { IdentityService } from '../auth/identity-service.js';
import { PolicyStore } from '../auth/policy-store.js';
import { SigningKeyRing } from '../auth/signing-keys.js';
import { SqliteCatalog } from '../store/sqlite/sqlite-catalog.js';
import { TwinRuntime } from '../runtime/twin-runtime.js';
import { MemoryTwinIndex } from '../store/memory/memory-twin-index.js';
import { SqliteJournal } from '../store/sqlite/sqlite-journal.js';
import type { ServeConfig } from './config.js';
import { seedDemoTwins } from './demo-twins.js';

export interface RunningServer {
  url: string;
  runtime: TwinRuntime;
  close(): Promise<void>;
}

const DAY_MS = 86_400_000;

export interface ServerOptions {
  /** The bootstrap admin token (TWINFOLD_ADMIN_TOKEN). */
  adminToken?: string;
  /** Where a generated admin token is shown, once. */
  announce?: (text: string) => void;
  /**
   * false trusts every request as an administrator: only for measuring what access control costs
   * (bench/) and for embedding behind another gate. Never reachable from the command line.
   */
  accessControl?: boolean;
}

export async function startServer(
  config: ServeConfig,
  logger: Logger = pino({ level: config.logLevel }),
  options: ServerOptions = {},
): Promise<RunningServer> {
  const started = Date.now();
  const metrics = new Metrics();
  const journal = new SqliteJournal({
    path: join(config.data, 'journal.db'),
    durability: config.durability,
    writerThread: true,
  });
  const runtime = new TwinRuntime({
    journal,
    index: new MemoryTwinIndex({ searchTimeoutMs: config.searchTimeoutMs }),
    maxThingBytes: config.maxThingBytes,
    observer: {
      committed: (events, seconds) => metrics.observeCommit(events, seconds),
      failed: (error) => logger.fatal({ err: error }, 'journal commit failed; restart the server'),
    },
  });
  const catalog = new SqliteCatalog(join(config.data, 'catalog.db'));
  const policies = new PolicyStore(catalog);
  await policies.load();
  const identities = new IdentityService({
    catalog,
    keys: new SigningKeyRing(join(config.data, 'jwt-keys.json'), config.accessTtlSeconds * 1000),
    accessTtlSeconds: config.accessTtlSeconds,
    oidc:
      config.oidcIssuer && config.oidcJwksUrl
        ? { issuer: config.oidcIssuer, jwksUrl: config.oidcJwksUrl, audience: config.oidcAudience }
        : undefined,
    onFailure: (reason) => metrics.authFailures.inc({ reason }),
  });
  const { generatedAdminToken } = await identities.init(options.adminToken);
  if (generatedAdminToken) {
    (options.announce ?? ((text) => process.stderr.write(text)))(
      `\nTwinfold created the admin token below. It is shown only this once; keep it safe.\n` +
        `  Authorization: Bearer ${generatedAdminToken}\n` +
        `Set TWINFOLD_ADMIN_TOKEN to choose your own.\n\n`,
    );
    logger.warn('a bootstrap admin token was generated and printed on stderr');
  }
  const twins = await runtime.load();
  logger.info({ twins, ms: Date.now() - started, data: config.data }, 'state loaded');
  if (config.demo && twins === 0) {
    const seeded = await seedDemoTwins(runtime);
    logger.info({ twins: seeded }, 'demo twins created');
  }
  if (config.mqttPort !== 0) {
    logger.info(
      { mqttPort: config.mqttPort },
      'the embedded MQTT broker is not part of this version yet',
    );
  }

  const app = await buildApp({
    runtime,
    policies,
    identities: options.accessControl === false ? undefined : identities,
    metrics,
    logger,
    rateLimit: config.rateLimit,
    bodyLimit: config.maxThingBytes * 2,
    maxConnections: config.maxConnections,
    headersTimeoutMs: config.headersTimeoutMs,
  });
  await app.listen({ port: config.port, host: config.host });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
  logger.info({ url, ms: Date.now() - started, durability: config.durability }, 'twinfold ready');
  void runtime.indexed.then(() =>
    logger.info({ twins: runtime.size, ms: Date.now() - started }, 'search index built'),
  );

  let pruning: NodeJS.Timeout | undefined;
  if (config.historyRetentionDays > 0) {
    const prune = async () => {
      const removed = await journal.pruneDeletedBefore(
        Date.now() - config.historyRetentionDays * DAY_MS,
      );
      if (removed > 0) logger.info({ removed }, 'history of deleted twins pruned');
    };
    pruning = setInterval(() => void prune(), 3_600_000).unref();
    void prune();
  }

  return {
    url,
    runtime,
    async close() {
      if (pruning) clearInterval(pruning);
      await app.close();
      await runtime.close();
      await catalog.close();
      logger.info('twinfold stopped');
    },
  };
}
