// The one composition root: builds storage from `--store`, then the runtime, the services and the
// API, and owns their start and stop order. Adapters are imported here and in tests only.
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { pino, type Logger } from 'pino';
import {
  buildApp,
  ingestServiceOf,
  liveServicesOf,
  schedulerOf,
  type AppOptions,
} from './api/app.js';
import { Metrics } from './api/metrics.js';
import { IdentityService } from './auth/identity-service.js';
import { PolicyStore } from './auth/policy-store.js';
import { SigningKeyRing } from './auth/signing-keys.js';
import type { ServeConfig } from './cli/config.js';
import { TwinRuntime, type RuntimeOptions } from './runtime/twin-runtime.js';
import { DEMO_SPEC_ID } from './cli/demo-spec.js';
import { MqttTransport } from './transports/mqtt/mqtt-transport.js';
import { MemoryTwinIndex } from './store/memory/memory-twin-index.js';
import { DataDirectoryLock } from './store/sqlite/data-directory-lock.js';
import { SqliteCatalog } from './store/sqlite/sqlite-catalog.js';
import { openSqliteStorage } from './store/sqlite/sqlite-storage.js';
import { DEFAULT_POSTGRES_SCHEMA, openPostgresStorage } from './store/postgres/postgres-storage.js';
import type { Catalog } from './store/catalog.js';
import type { Storage } from './store/storage.js';
import { Messaging, messagingSourceCheck } from './transports/messaging.js';
import { ConnectionRegistry } from './services/connection-registry.js';
import { TypeService } from './services/type-service.js';
import { BehaviourTimers } from './runtime/behaviour-timers.js';
import { RollupEngine } from './runtime/rollups.js';
import { TwinBehaviours } from './runtime/twin-behaviours.js';
import { PendingAssessmentKeeper } from './runtime/pending-assessment-keeper.js';
import { hasCode } from './core/errors.js';
import { FORECAST_METHODS, forecast } from './models/forecast/index.js';

/** What storage is opened from: the `--store`, `--store-schema`, `--data` and `--durability` settings. */
export type StorageConfig = Pick<ServeConfig, 'store' | 'data' | 'durability'> & {
  /** The PostgreSQL schema (default `twinfold`). */
  storeSchema?: string;
  /** Write the SQLite journal on a worker thread (default true; tests may write inline). */
  writerThread?: boolean;
};

/** Opens every store of the configured backend: SQLite files in the data directory, or PostgreSQL. */
export async function openStorage(config: StorageConfig): Promise<Storage> {
  if (config.store === 'sqlite') {
    return openSqliteStorage({
      dataDir: config.data,
      durability: config.durability,
      writerThread: config.writerThread ?? true,
    });
  }
  return openPostgresStorage({ url: config.store, schema: config.storeSchema });
}

/** Opens only the catalog of the configured backend (for commands that manage users offline). */
export async function openCatalog(
  config: Pick<StorageConfig, 'store' | 'data' | 'storeSchema'>,
): Promise<{ catalog: Catalog; close(): Promise<void> }> {
  if (config.store === 'sqlite') {
    // A running server keeps users in memory: changing its files behind its back would not reach it.
    const lock = DataDirectoryLock.acquire(config.data, {
      holder: 'command',
      waitForCommandMs: 10_000,
    });
    try {
      const catalog = new SqliteCatalog(join(config.data, 'catalog.db'));
      return {
        catalog,
        close: async () => {
          try {
            await catalog.close();
          } finally {
            lock.release();
          }
        },
      };
    } catch (error) {
      lock.release();
      throw error;
    }
  }
  const storage = await openPostgresStorage({
    url: config.store,
    schema: config.storeSchema,
    exclusive: false,
  });
  return { catalog: storage.catalog, close: () => storage.close() };
}

/** A probe taking longer than this counts as storage being away (ms). */
const PROBE_PATIENCE_MS = 2000;

/**
 * Asks storage every second whether it answers, so that readiness shows an outage even while no
 * write fails (a write that fails turns the runtime unhealthy at once anyway).
 */
class StorageWatch {
  up = true;
  private probing = 0;
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly storage: Storage) {
    this.timer = setInterval(() => this.probe(), 1000).unref();
  }

  private probe(): void {
    if (this.probing !== 0) {
      if (Date.now() - this.probing > PROBE_PATIENCE_MS) this.up = false;
      return;
    }
    this.probing = Date.now();
    this.storage
      .probe()
      .then(
        () => (this.up = true),
        () => (this.up = false),
      )
      .finally(() => (this.probing = 0));
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

/** Options of a platform that the command line does not set: embedding, tests, benchmarks. */
export interface PlatformOptions {
  logger?: Logger;
  /** The bootstrap admin token (TWINFOLD_ADMIN_TOKEN). */
  adminToken?: string;
  /** Where a generated admin token is shown, once (default: stderr). */
  announce?: (text: string) => void;
  /**
   * false trusts every request as an administrator: only for measuring what access control costs
   * (bench/), for tests of the API alone, and for embedding behind another gate. Never reachable
   * from the command line.
   */
  accessControl?: boolean;
  /** Tuning of the runtime (tests): snapshot and checkpoint intervals, cache sizes. */
  runtime?: Partial<Omit<RuntimeOptions, 'journal' | 'index'>>;
  /** The clock of identities and policies (JWT and token expiry). */
  now?: () => number;
  /** Delay before answering the n-th consecutive failed login. */
  failureDelay?: (failures: number) => number;
  /** Replaces authentication (tests of the authentication slot). */
  authenticator?: AppOptions['authenticator'];
  /** Write the SQLite journal on a worker thread (default true). */
  writerThread?: boolean;
  /** Wraps the catalog the policy store writes to (tests that slow policy writes down). */
  policyCatalog?: (catalog: Catalog) => Catalog;
  /** Log the API's requests (default: only when a logger is given). */
  logRequests?: boolean;
  /**
   * The actual series of model compares and forecasts (until the platform reads them from its
   * series store; tests give their own).
   */
  modelActual?: AppOptions['modelActual'];
  /** The built-in forecaster that runs `forecast` models; their runs are refused without it. */
  forecaster?: AppOptions['forecaster'];
  /** Pacing of webhook deliveries beyond what the command line sets (tests: short retries). */
  webhookTiming?: AppOptions['webhookTiming'];
  /** How often series are pruned by retention, in ms (tests: short). */
  seriesPruneEveryMs?: number;
  /** Tuning of the WebSocket and event streams (tests: small buffers, short keep-alives). */
  streams?: AppOptions['streams'];
  /**
   * What service runs may do beyond HTTP and ingest: register model runs, forecast. Until the
   * model registry and forecaster are wired here, runs that need them fail saying so.
   */
  serviceEffects?: AppOptions['serviceEffects'];
  /** How often the scheduler asks which services are due, in ms (default 1000). */
  servicePollMs?: number;
  /** How often expired policy subjects are looked for and removed, in ms (default 1000). */
  expirySweepMs?: number;
}

/**
 * A whole Twinfold node, built but not yet listening.
 *
 * @example
 * const platform = await Platform.open(resolveConfig({ data: '/tmp/tf' }));
 * const url = await platform.listen();
 * await platform.close();
 */
export class Platform {
  /** MQTT in and out, once listening (the embedded broker or the external client). */
  mqtt: MqttTransport | null = null;

  private constructor(
    private readonly watch: StorageWatch,
    readonly config: ServeConfig,
    readonly logger: Logger,
    readonly storage: Storage,
    readonly runtime: TwinRuntime,
    readonly policies: PolicyStore,
    readonly identities: IdentityService,
    readonly keys: SigningKeyRing,
    readonly metrics: Metrics,
    readonly app: FastifyInstance,
    /** Ingest over NATS and AMQP, events out on NATS. */
    readonly messaging: Messaging,
    /** The clients connected now: MQTT (embedded broker), WebSocket, event streams. */
    readonly connections: ConnectionRegistry,
    /** The twins' behaviour states (windows, assessments) and what rebuilding them read. */
    readonly behaviours: TwinBehaviours,
    private readonly pendingAssessments: PendingAssessmentKeeper,
  ) {}

  /** Opens storage, loads the state and builds the API; resolves before anything listens. */
  static async open(config: ServeConfig, options: PlatformOptions = {}): Promise<Platform> {
    const logger = options.logger ?? pino({ level: config.logLevel });
    const metrics = new Metrics();
    const storage = await openStorage({ ...config, writerThread: options.writerThread });
    logger.info({ store: storage.kind }, 'storage opened');
    try {
      // Twin behaviour: the types compiled for the runtime's plan step, and the timers of
      // assessments waiting out their `for` (a write of the twin when due).
      const behaviourHolder: { types?: TypeService; runtime?: TwinRuntime } = {};
      const timers = new BehaviourTimers((thingId, at) => {
        const { runtime } = behaviourHolder;
        if (!runtime) return;
        // The pipeline throws (rather than rejects) what it refuses at once.
        new Promise((resolve) => resolve(runtime.write(behaviours.dueWrite(thingId, at)))).catch(
          (error: unknown) => {
            if (
              !hasCode(error, 'things:precondition.failed') &&
              !hasCode(error, 'things:thing.notfound')
            )
              logger.warn(
                { err: error, thingId },
                'behaviour: a due assessment could not be evaluated',
              );
          },
        );
      });
      // Assessments waiting out their `for`, kept once the write that changed them is durable.
      const pendingAssessments = new PendingAssessmentKeeper({
        store: storage.behaviour,
        settled: () => behaviourHolder.runtime?.settled() ?? Promise.resolve(),
        failed: (error) =>
          logger.warn(
            { err: error },
            'behaviour: assessments waiting out their `for` could not be kept; retrying in 1 s',
          ),
      });
      const behaviours = new TwinBehaviours(
        { compiled: (typeId) => behaviourHolder.types?.compiled(typeId) },
        (thingId, at) => timers.set(thingId, at),
        {
          recent: (thingId, fromRevision, toRevision) =>
            (behaviourHolder.runtime as TwinRuntime).recentHistory(
              thingId,
              fromRevision,
              toRevision,
            ),
        },
        pendingAssessments,
      );
      const runtime = new TwinRuntime({
        journal: storage.journal,
        // The index is a projection: the runtime fills it from the journal at start.
        index:
          config.index === 'store'
            ? await storage.openTwinIndex()
            : new MemoryTwinIndex({ searchTimeoutMs: config.searchTimeoutMs }),
        maxThingBytes: config.maxThingBytes,
        ...options.runtime,
        planSteps: [...(options.runtime?.planSteps ?? []), behaviours.step],
        prepareWrite: (thingId, thing, revision) => behaviours.prepare(thingId, thing, revision),
        observer: {
          committed: (events, seconds) => {
            metrics.observeCommit(events, seconds);
            options.runtime?.observer?.committed?.(events, seconds);
          },
          failed: (error) => {
            logger.error(
              { err: error },
              'journal commit failed; writes are refused until storage works again',
            );
            options.runtime?.observer?.failed?.(error);
          },
          inDoubt: () => {
            logger.warn(
              'the answer to a journal commit was lost; asking storage whether it landed, and refusing writes meanwhile',
            );
            options.runtime?.observer?.inDoubt?.();
          },
          recovered: () => {
            logger.info('storage works again; writes are accepted');
            options.runtime?.observer?.recovered?.();
          },
        },
      });
      const now = options.now ?? Date.now;
      const policies = new PolicyStore(
        options.policyCatalog?.(storage.catalog) ?? storage.catalog,
        now,
        { subjectExpiryGranularityMs: config.subjectExpiryGranularity },
      );
      await policies.load();
      const keys = new SigningKeyRing(
        join(config.data, 'jwt-keys.json'),
        config.accessTtlSeconds * 1000,
        now,
      );
      const identities = new IdentityService({
        catalog: storage.catalog,
        keys,
        accessTtlSeconds: config.accessTtlSeconds,
        oidc:
          config.oidcIssuer && config.oidcJwksUrl
            ? {
                issuer: config.oidcIssuer,
                jwksUrl: config.oidcJwksUrl,
                audience: config.oidcAudience,
              }
            : undefined,
        now,
        failureDelay: options.failureDelay,
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
      const types = new TypeService({
        store: storage.behaviour,
        countTwins: (filter) => runtime.count({ filter }),
        forgetType: (typeId) => behaviours.forgetType(typeId),
      });
      await types.load((typeId, error) =>
        logger.error(
          { err: error, typeId },
          'a stored type no longer compiles; twins of it are not governed',
        ),
      );
      behaviourHolder.types = types;
      behaviourHolder.runtime = runtime;
      await runtime.load();
      // Their timers run again, due at the event times they were due at before the restart.
      behaviours.seedPending(await pendingAssessments.load());
      // Roll-ups follow the relation graph, complete once the index pass after load is done.
      const rollups = new RollupEngine({
        graph: runtime.relations,
        types,
        stream: runtime.events,
        thingOf: (thingId) => runtime.thingOf(thingId),
        write: (request) => runtime.write(request),
        twinsOfTypes: (typeIds) => twinsOfTypes(runtime, typeIds),
        onError: (thingId, error) =>
          logger.warn({ err: error, thingId }, 'roll-ups: a holder could not be updated'),
      });
      types.onCreated = (typeId) => void rollups.typeAdded([typeId]);
      const rollupsStarted = runtime.indexed.then(() => rollups.start(types.ids()));
      rollupsStarted.catch((error: unknown) =>
        logger.error({ err: error }, 'roll-ups could not start; roll-up values are not kept'),
      );
      const watch = new StorageWatch(storage);
      let messaging: Messaging | null = null;
      const holder: { platform?: Platform } = {};
      const connections = new ConnectionRegistry();
      const app = await buildApp({
        ready: () => watch.up,
        runtime,
        policies,
        identities: options.accessControl === false ? undefined : identities,
        metrics,
        logger: (options.logRequests ?? options.logger !== undefined) ? logger : false,
        rateLimit: config.rateLimit,
        metricsToken: config.metricsToken,
        corsOrigin: config.corsOrigin,
        bodyLimit: config.maxThingBytes * 2,
        maxConnections: config.maxConnections,
        headersTimeoutMs: config.headersTimeoutMs,
        defaultNamespace: config.defaultNamespace,
        authenticator: options.authenticator,
        ingestStore: storage.ingest,
        ingestSourceCheck: messagingSourceCheck(config),
        readyDetails: () => ({
          mqtt: holder.platform?.mqtt?.status() ?? { mode: 'off' },
          ...messaging?.readiness(),
        }),
        webhookStore: storage.webhooks,
        modelStore: storage.models,
        modelActual: options.modelActual,
        forecaster: options.forecaster ?? { forecast, methods: FORECAST_METHODS },
        seriesStore: config.series === 'on' ? storage.series : undefined,
        maxSeriesPoints: config.maxSeriesPoints,
        seriesPruneEveryMs: options.seriesPruneEveryMs,
        webhookTiming: {
          retryMaxMs: config.webhookRetryMaxMs,
          timeoutMs: config.webhookTimeoutMs,
          ...options.webhookTiming,
        },
        webhookFailed: (webhook, error) =>
          logger.warn(
            { err: error, webhook },
            'a webhook could not record its progress or read the journal; retrying',
          ),
        streams: options.streams,
        serviceStore: storage.services,
        types,
        behaviourStore: storage.behaviour,
        sharedStore: config.store !== 'sqlite',
        replayJournal:
          config.store === 'sqlite'
            ? { kind: 'sqlite', path: join(config.data, 'journal.db') }
            : {
                kind: 'postgres',
                url: config.store,
                schema: config.storeSchema ?? DEFAULT_POSTGRES_SCHEMA,
              },
        datacenterDir: join(config.data, 'datacenters'),
        experimentsDir: join(config.data, 'experiments'),
        serviceEffects: options.serviceEffects,
        servicePollMs: options.servicePollMs,
        serviceFailed: (service, error) =>
          logger.warn(
            { err: error, service },
            'the scheduler could not read or write the service store; retrying',
          ),
        connections,
        mqttConnections: () => {
          const status = holder.platform?.mqtt?.status() ?? { mode: 'off' };
          const listening = status.mode === 'embedded' && status.state === 'listening';
          return {
            mode: listening ? 'embedded' : status.mode === 'external' ? 'external' : 'off',
            clientsVisible: listening,
          };
        },
      });
      app.addHook('onClose', async () => {
        timers.close();
        await rollupsStarted.catch(() => undefined);
        await rollups.close();
      });
      try {
        messaging = new Messaging(
          { ...config, eventsPositionFile: join(config.data, 'nats-events-position.json') },
          ingestServiceOf(app),
          runtime.events,
          logger,
        );
        messaging.start();
        policies.startExpiryTimer(options.expirySweepMs);
        // After the runtime loaded (the jobs write to twins); stopped in close() before it closes.
        schedulerOf(app)?.start();
      } catch (error) {
        // What the app started (the series keeper, webhooks, the scheduler) stops with it.
        await messaging?.close().catch(() => undefined);
        policies.stopExpiryTimer();
        await app.close().catch(() => undefined);
        watch.stop();
        throw error;
      }
      return (holder.platform = new Platform(
        watch,
        config,
        logger,
        storage,
        runtime,
        policies,
        identities,
        keys,
        metrics,
        app,
        messaging,
        connections,
        behaviours,
        pendingAssessments,
      ));
    } catch (error) {
      await storage.close().catch(() => {});
      throw error;
    }
  }

  /** Listens on the configured host and port (and MQTT, as configured); resolves to the base URL. */
  async listen(): Promise<string> {
    const { host, port } = this.config;
    await this.app.listen({ port, host });
    const ingest = ingestServiceOf(this.app);
    const live = liveServicesOf(this.app);
    if (ingest !== null && this.mqtt === null)
      this.mqtt = await MqttTransport.start({
        port: this.config.mqttPort,
        host: this.config.mqttHost ?? host,
        url: this.config.mqttUrl,
        clientId: this.config.mqttClientId,
        ingest,
        identities: this.identities,
        events: this.runtime.events,
        logger: this.logger,
        // The demo lets devices publish its spec's telemetry without a token, as Ditto's README does.
        anonymousSpecs: this.config.demo ? new Set([DEMO_SPEC_ID]) : undefined,
        connections: this.connections,
        live:
          live === null
            ? undefined
            : {
                router: live.router,
                mayRead: (identity, thingId, resource) =>
                  live.allowed(identity, thingId, resource, 'READ'),
              },
      });
    this.metrics.observeConnections('mqtt', () => this.mqtt?.clients() ?? null);
    const address = this.app.server.address();
    const bound = typeof address === 'object' && address ? address.port : port;
    return `http://${host.includes(':') ? `[${host}]` : host}:${bound}`;
  }

  /** Stops accepting requests, drains those in flight, flushes the journal, closes storage. */
  async close(): Promise<void> {
    this.watch.stop();
    // Transports first: what they received is settled while the runtime still takes it.
    await this.mqtt?.close();
    await this.messaging.close();
    this.policies.stopExpiryTimer();
    // Runs under way are aborted and logged while the runtime and storage still take writes.
    await schedulerOf(this.app)?.stop();
    await this.app.close();
    await this.runtime.close();
    // Every write is durable now: what waits out its `for` is kept as the journal has it.
    await this.pendingAssessments
      .close()
      .catch((error: unknown) =>
        this.logger.warn(
          { err: error },
          'behaviour: assessments waiting out their `for` could not be kept at shutdown',
        ),
      );
    await this.storage.close();
  }
}

/** The ids of the twins whose definition is one of `typeIds`, every page of them. */
async function twinsOfTypes(runtime: TwinRuntime, typeIds: string[]): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await runtime.search({
      filter: { op: 'in', path: 'definition', values: typeIds },
      sort: [],
      size: 200,
      cursor,
    });
    for (const doc of page.docs) ids.push(doc.thingId as string);
    cursor = page.cursor;
  } while (cursor !== undefined);
  return ids;
}
