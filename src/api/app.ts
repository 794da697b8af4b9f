// The Fastify application: content types, authentication slot, metrics, OpenAPI and route modules.
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, {
  LogController,
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifySchema,
  type onResponseHookHandler,
} from 'fastify';
import type { Logger } from 'pino';
import { errors } from '../core/error-registry.js';
import type { IdentityService } from '../auth/identity-service.js';
import type { PolicyStore } from '../auth/policy-store.js';
import { ThingGuard } from '../auth/thing-guard.js';
import type { TwinRuntime } from '../runtime/twin-runtime.js';
import { accessServices, type ApiContext } from './api-context.js';
import {
  PUBLIC,
  authenticationHook,
  metricsGate,
  trustedAuthenticator,
  type Authenticator,
} from './authentication.js';
import { corsHook, type CorsOrigins } from './cors.js';
import { Dashboard, builtDashboardDir } from './dashboard.js';
import { renderError } from './http-errors.js';
import { processingHook, processingOnSend, routeClassOf } from './processing-headers.js';
import type { Metrics } from './metrics.js';
import { registerHistoryRoutes } from './routes/history-routes.js';
import { registerIngestRoutes } from './routes/ingest-routes.js';
import { IngestService, type IngestServiceOptions } from '../ingest/ingest-service.js';
import type { IngestStore } from '../store/ingest-store.js';
import type { WebhookStore } from '../store/webhook-store.js';
import type { DeliveryTiming } from '../webhooks/webhook-dispatcher.js';
import { WebhookService } from '../webhooks/webhook-service.js';
import { registerWebhookRoutes } from './routes/webhook-routes.js';
import type { ModelStore } from '../store/model-store.js';
import { ModelService, type ActualSource, type Forecaster } from '../models/model-service.js';
import { registerModelRoutes } from './routes/model-routes.js';
import { searchThings, thingIdsMatching } from './routes/search-routes.js';
import { currentServiceOwner } from '../scheduler/service-owner.js';
import { seriesActual } from '../models/series-actual.js';
import { registerTimeseriesRoutes } from './routes/timeseries-routes.js';
import { SeriesRecorder } from '../series/series-recorder.js';
import { SeriesService } from '../series/series-service.js';
import { SeriesKindError, type SeriesStore } from '../store/series-store.js';
import type { LateValues } from '../ingest/observation-writer.js';
import type { ServiceStore } from '../store/service-store.js';
import type { SchedulerClock } from '../scheduler/clock.js';
import { Scheduler } from '../scheduler/scheduler.js';
import { ServiceManager } from '../scheduler/service-manager.js';
import { KindJobs, UNAVAILABLE_EFFECTS, type ServiceEffects } from '../scheduler/service-jobs.js';
import { registerServiceRoutes } from './routes/service-routes.js';
import { registerTypeRoutes } from './routes/type-routes.js';
import { registerAlertRoutes } from './routes/alert-routes.js';
import { AlertRecorder } from '../services/alert-recorder.js';
import { AlertService } from '../services/alert-service.js';
import type { TypeService } from '../services/type-service.js';
import type { BehaviourStore } from '../store/behaviour-store.js';
import { registerIdentityRoutes } from './routes/identity-routes.js';
import { registerPolicyRoutes } from './routes/policy-routes.js';
import { RateLimiter } from '../auth/rate-limiter.js';
import type { Identity } from '../auth/identity.js';
import { registerSearchRoutes } from './routes/search-routes.js';
import { registerSystemRoutes } from './routes/system-routes.js';
import { registerThingsRoutes } from './routes/things-routes.js';
import { registerRelationsRoutes } from './routes/relations-routes.js';
import {
  registerServerSentEvents,
  type ServerSentEventsOptions,
} from './routes/server-sent-events.js';
import { registerWebSocket, type WebSocketOptions } from './routes/websocket.js';
import { ProtocolCommandRunner, SocketIdentities } from './protocol-commands.js';
import { liveServices } from './live-services.js';
import { registerMessageRoutes } from './routes/message-routes.js';
import { registerConnectionRoutes, type MqttVisibility } from './routes/connection-routes.js';
import { ConnectionRegistry } from '../services/connection-registry.js';
import { registerCloudEventsRoute } from './routes/cloudevents-route.js';
import { liveCommandHook } from './live-commands.js';
import { registerReplayRoutes } from './routes/replay-routes.js';
import { registerDatacenterRoutes } from './routes/datacenter-routes.js';
import { DatacenterService } from '../services/datacenter-service.js';
import { registerExperimentRoutes } from './routes/experiment-routes.js';
import { ExperimentService } from '../services/experiment-service.js';
import { WriteRefusal } from '../runtime/write-pipeline.js';
import { registerMigrationRoutes } from './routes/migration-routes.js';
import { registerForkRoutes } from './routes/fork-routes.js';
import { ForkService } from '../services/fork-service.js';
import { defaultPolicy } from '../auth/policy-model.js';
import { DefinitionMigration } from '../services/definition-migration.js';
import { BulkMigration } from '../services/bulk-migration.js';
import type { JobStorage } from '../services/job-records.js';
import { ReplayService } from '../services/replay-service.js';
import { runReplayThread } from '../runtime/replay/replay-thread.js';
import type { JournalLocation } from '../store/journal-pages.js';
import { TwinfoldError } from '../core/errors.js';
import { resourceOf } from '../core/thing-resource.js';
import type { JsonObject } from '../core/json.js';

export interface AppOptions {
  runtime: TwinRuntime;
  policies: PolicyStore;
  metrics: Metrics;
  logger?: Logger | false;
  /** Users, tokens and logins; without it every request is trusted as an administrator. */
  identities?: IdentityService;
  /** Requests per second per identity; 0 or absent = unlimited. */
  rateLimit?: number;
  /** When set, /metrics needs `Authorization: Bearer <metricsToken>` or an administrator. */
  metricsToken?: string;
  authenticator?: Authenticator;
  /** Largest request body in bytes. */
  bodyLimit?: number;
  /** Most open connections; the server refuses more (default 10,000). */
  maxConnections?: number;
  /** A client that has not sent a request's headers after this many ms gets a 408 and is closed (default 10,000). */
  headersTimeoutMs?: number;
  /** Origins whose pages may call the API from a browser (CORS); none when absent or empty. */
  corsOrigin?: CorsOrigins;
  /** The namespace of things created by `POST /api/2/things` without one (Ditto's `org.eclipse.ditto`). */
  defaultNamespace?: string;
  /** Reports whether the node is ready to serve (state loaded, journal healthy). */
  ready?: () => boolean;
  /** More of `/ready`'s body (how the transports stand: `mqtt`, `nats`, `amqp`), added as given. */
  readyDetails?: () => Record<string, unknown>;
  version?: string;
  /** Where ingest specs and dead letters are kept; without it the ingest routes are absent. */
  ingestStore?: IngestStore;
  /** Refuses (throws) on PUT a spec whose source this node cannot serve (transports). */
  ingestSourceCheck?: IngestServiceOptions['checkSource'];
  /** Where webhooks and their deliveries are kept; without it the webhook routes are absent. */
  webhookStore?: WebhookStore;
  /** Where series are kept; without it the time-series routes are absent. */
  seriesStore?: SeriesStore;
  /** Most points one time-series answer may hold (default 100,000). */
  maxSeriesPoints?: number;
  /** How often series are pruned by retention, in ms (default 10 minutes). */
  seriesPruneEveryMs?: number;
  /** Pacing of webhook deliveries (retry delays, timeouts, window): the command line and tests. */
  webhookTiming?: Partial<DeliveryTiming>;
  /** Told when a webhook cannot write its progress or read the journal. */
  webhookFailed?: (webhookId: string, error: unknown) => void;
  /** Where models, scenarios and runs are kept; without it their routes are absent. */
  modelStore?: ModelStore;
  /**
   * The actual series runs are compared with and forecasts start from (default: the raw points of
   * `seriesStore`); without either, both are refused.
   */
  modelActual?: ActualSource;
  /** Runs `forecast` models; without it their runs are refused with a 400. */
  forecaster?: Forecaster;
  /** Where scheduled services and their runs are kept; without it the service routes are absent. */
  serviceStore?: ServiceStore;
  /** What runs may do beyond HTTP and ingest (model runs, forecasts); default: refused, saying so. */
  serviceEffects?: ServiceEffects;
  /** The scheduler's clock and poll interval (tests). */
  serviceClock?: SchedulerClock;
  servicePollMs?: number;
  /** The fetch of http and pull runs (tests). */
  serviceFetch?: typeof fetch;
  /** Told when the scheduler cannot read or write the service store. */
  serviceFailed?: (serviceId: string | null, error: unknown) => void;
  /** Tuning of the WebSocket and event streams (buffers, keep-alive): tests and embedding. */
  streams?: Pick<WebSocketOptions, 'maxBufferedBytes' | 'streamBuffer' | 'pingIntervalMs'> &
    Pick<ServerSentEventsOptions, 'keepAliveMs'>;
  /** Where connected clients are listed (shared with the MQTT broker); default: one of the app's own. */
  connections?: ConnectionRegistry;
  /** How MQTT stands for the list of connections: whether its clients can be seen at all. */
  mqttConnections?: () => MqttVisibility;
  /** The built dashboard's folder, served publicly at `/`; default ui/dist when built, null for none. */
  dashboard?: string | null;
  /** Twin types (compiled, kept in `behaviourStore`); without them the type routes are absent. */
  types?: TypeService;
  /**
   * Where types, alerts and the records of forks, replays and bulk migrations are kept; without it
   * the alert routes are absent and those records are kept in memory only.
   */
  behaviourStore?: BehaviourStore;
  /**
   * Other processes use the same stores (PostgreSQL): a replay or migration another process left
   * running reads back as interrupted only once its record has gone unwritten for 30 s.
   */
  sharedStore?: boolean;
  /**
   * Where the journal is for a reader of its own (replay workers); without it, or without
   * `types`, the replay routes are absent.
   */
  replayJournal?: JournalLocation;
  /**
   * Where datacenter twins keep their outputs (`<data dir>/datacenters`); without it, or without
   * `ingestStore`, the datacenter routes are absent.
   */
  datacenterDir?: string;
  /**
   * Where experiment runs go (`<data dir>/experiments/<name>/run_<n>/`); without it the
   * experiment routes are absent.
   */
  experimentsDir?: string;
}

/** A registered route: one method of one URL pattern, and whether the OpenAPI document hides it. */
export interface RouteInfo {
  method: string;
  url: string;
  hidden: boolean;
}

const routeTables = new WeakMap<FastifyInstance, RouteInfo[]>();
const schedulers = new WeakMap<FastifyInstance, Scheduler>();

/**
 * The scheduler of an app made by {@link buildApp} with a service store: built, not started (the
 * composition root starts it once the runtime is loaded, and stops it before the runtime closes).
 */
export function schedulerOf(app: FastifyInstance): Scheduler | null {
  return schedulers.get(app) ?? null;
}
const ingestServices = new WeakMap<FastifyInstance, IngestService>();

/** The ingest service of an app made by {@link buildApp} with an ingest store (for other transports). */
export function ingestServiceOf(app: FastifyInstance): IngestService | null {
  return ingestServices.get(app) ?? null;
}

const modelServices = new WeakMap<FastifyInstance, ModelService>();

/**
 * The model service of an app made by {@link buildApp} with a model store: the series API merges
 * a run's predicted series (`ModelService.predicted`) into its answers.
 */
export function modelServiceOf(app: FastifyInstance): ModelService | null {
  return modelServices.get(app) ?? null;
}

const liveServicesByApp = new WeakMap<FastifyInstance, ApiContext['live']>();

/** The live channel's services of an app made by {@link buildApp} (for other device channels). */
export function liveServicesOf(app: FastifyInstance): ApiContext['live'] | null {
  return liveServicesByApp.get(app) ?? null;
}

/**
 * Every route of an app made by {@link buildApp}, in registration order (HEAD routes included),
 * so that tests can be generated over all of them.
 *
 * @example routesOf(app).filter((r) => r.method === 'DELETE')
 */
export function routesOf(app: FastifyInstance): RouteInfo[] {
  return [...(routeTables.get(app) ?? [])];
}

/** A route's hooks of one kind as an array (Fastify accepts one function or an array). */
function hooksOf<T>(hooks: T | T[] | undefined): T[] {
  if (hooks === undefined) return [];
  return Array.isArray(hooks) ? hooks : [hooks];
}

/**
 * Ditto's routes match with or without one trailing slash (`pathEndOrSingleSlash`): the slash is
 * dropped, except in a policy's subject or resource key, where it belongs to the key (`thing:/`).
 */
function withoutTrailingSlash(request: { url?: string }): string {
  const url = request.url ?? '/';
  const end = url.indexOf('?');
  const path = end === -1 ? url : url.slice(0, end);
  if (path.length < 2 || path[path.length - 1] !== '/' || path[path.length - 2] === '/') return url;
  if (path.includes('/resources/') || path.includes('/subjects/')) return url;
  return path.slice(0, -1) + (end === -1 ? '' : url.slice(end));
}

/** The first method of a route (a route of several methods is classed by its first). */
function method(methods: string | string[]): string {
  return Array.isArray(methods) ? methods[0] : methods;
}

declare module 'fastify' {
  interface FastifySchema {
    /**
     * The request body as the OpenAPI document describes it, for a route that checks its body
     * itself (with Ditto's error messages) rather than with a validating `body` schema.
     */
    describedBody?: unknown;
  }
}

/** A route as the OpenAPI document shows it: a `describedBody` becomes its request body. */
function documentedRoute({ schema, url }: { schema: FastifySchema; url: string }) {
  if (!schema?.describedBody) return { schema, url };
  const { describedBody, ...rest } = schema;
  return { schema: { ...rest, body: describedBody } as FastifySchema, url };
}

/** The route classes whose commands may go to the live channel. */
const LIVE_ROUTE_CLASSES = new Set(['thing-read', 'thing-write', 'thing-merge', 'thing-delete']);

/** Default of {@link AppOptions.maxConnections}. */
export const DEFAULT_MAX_CONNECTIONS = 10_000;
/** Default of {@link AppOptions.headersTimeoutMs}. */
export const DEFAULT_HEADERS_TIMEOUT_MS = 10_000;
/** Time a client has to send a whole request, headers and body (bodies are at most a few MB). */
const REQUEST_TIMEOUT_MS = 30_000;
/** An idle keep-alive connection is closed after this long (Fastify's default of 72 s holds it longer). */
const KEEP_ALIVE_TIMEOUT_MS = 10_000;
/** A connection on which nothing moves for this long is closed (a slow reader of a response). */
const SOCKET_IDLE_TIMEOUT_MS = 60_000;

export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const { runtime, metrics } = options;
  const observeUnmatched = metrics.requests.observer('unmatched');
  const headersTimeout = options.headersTimeoutMs ?? DEFAULT_HEADERS_TIMEOUT_MS;
  const requestTimeout = Math.max(REQUEST_TIMEOUT_MS, headersTimeout);
  const app = Fastify({
    // Node checks the header and request timeouts only every connectionsCheckingInterval
    // (30 s by default): check often enough for the timeouts to mean what they say.
    http: {
      headersTimeout,
      requestTimeout,
      connectionsCheckingInterval: Math.max(25, Math.min(1000, Math.floor(headersTimeout / 4))),
    },
    requestTimeout,
    keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS,
    connectionTimeout: SOCKET_IDLE_TIMEOUT_MS,
    loggerInstance: options.logger ? (options.logger as FastifyBaseLogger) : undefined,
    logController: new LogController({ disableRequestLogging: true }),
    // No child logger per request (it costs more than the rest of a small request's logging):
    // the few request-scoped log lines name the request id themselves.
    childLoggerFactory: (logger) => logger,
    bodyLimit: options.bodyLimit ?? 1024 * 1024,
    routerOptions: { maxParamLength: 1024 },
    rewriteUrl: withoutTrailingSlash,
    ajv: { customOptions: { coerceTypes: true, removeAdditional: false, allErrors: false } },
    // Malformed percent-encoding and over-long path parameters fail before routing: answer them
    // with Ditto's error body too, not Fastify's own.
    frameworkErrors: (error, request, reply) => {
      renderError(error, request, reply);
      observeUnmatched(request.method, reply.statusCode, reply.elapsedTime / 1000);
    },
  });
  app.server.maxConnections = options.maxConnections ?? DEFAULT_MAX_CONNECTIONS;
  const { identities } = options;
  const authenticator: Authenticator =
    options.authenticator ??
    (identities
      ? {
          authenticate: (request) =>
            identities.authenticate(request.headers.authorization, request.ip),
        }
      : trustedAuthenticator);
  // WebSocket commands run through the routes as their socket's identity.
  const sockets = new SocketIdentities();
  // The one path of Ditto Protocol twin commands: WebSocket, CloudEvents, Ditto Protocol ingest.
  const commands = new ProtocolCommandRunner(app, sockets);
  metrics.observeConnections('websocket', () => sockets.size);
  const authenticate = authenticationHook(sockets.wrap(authenticator), {
    limiter: options.rateLimit ? new RateLimiter(options.rateLimit) : null,
    limited: () => metrics.rateLimited.inc(),
  });
  app.decorateRequest('identity', null as unknown as Identity);
  // First of all hooks: a preflight carries no credentials and is answered before authentication.
  if (options.corsOrigin && options.corsOrigin.length > 0)
    app.addHook('onRequest', corsHook(options.corsOrigin));
  // Before the route table: /ws/2 is no HTTP resource (its handshake is authenticated like one).
  await registerWebSocket(app, () => context, {
    sessions: sockets,
    commands,
    authenticate,
    authenticator,
    maxMessageBytes: options.bodyLimit ?? 1024 * 1024,
    ...options.streams,
  });

  const routes: RouteInfo[] = [];
  routeTables.set(app, routes);
  const liveCommand = liveCommandHook(() => context);
  app.addHook('onRoute', (route) => {
    // The interactive API page comes from a plugin: its routes are public like the document.
    if (route.url.startsWith('/api/2/docs')) route.config = { ...route.config, ...PUBLIC };
    const hidden = (route.schema as { hide?: boolean } | undefined)?.hide === true;
    for (const method of [route.method].flat()) routes.push({ method, url: route.url, hidden });
    // Hooks go on each route rather than on the app: an app-wide hook would have to read
    // `request.routeOptions`, which Fastify builds afresh on every read. New arrays, because the
    // HEAD route of a GET route starts from the same options.
    const observe = metrics.requests.observer(route.url);
    const onResponse: onResponseHookHandler = (request, reply, done) => {
      observe(request.method, reply.statusCode, reply.elapsedTime / 1000);
      done();
    };
    route.onResponse = [onResponse, ...hooksOf(route.onResponse)];
    // Ditto's processing headers, read after authentication (a stranger learns nothing from them).
    const routeClass = routeClassOf(method(route.method), route.url);
    const processing = processingHook(routeClass);
    // channel=live and live-channel-condition: the thing routes' commands go to the device.
    if (LIVE_ROUTE_CLASSES.has(routeClass))
      route.preHandler = [liveCommand, ...hooksOf(route.preHandler)];
    route.onRequest =
      route.config?.public === true
        ? [processing, ...hooksOf(route.onRequest)]
        : [authenticate, processing, ...hooksOf(route.onRequest)];
    route.onSend = [processingOnSend, ...hooksOf(route.onSend)];
  });

  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.addContentTypeParser('application/merge-patch+json', { parseAs: 'string' }, parseJson);
  // Ditto's JavaScript client sends `Content-Type: application/json` on every request, DELETEs
  // without a body too; as Ditto, such a DELETE is no malformed JSON.
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    if (body === '' && request.method === 'DELETE') done(null, undefined);
    else parseJson(request, body as string, done);
  });
  app.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => done(null, body));

  app.setErrorHandler((error, request, reply) => renderError(error, request, reply));
  // Unknown URLs need credentials too, checked before their body is read: these app-wide hooks act
  // only on requests that matched no route (`is404` is a cheap getter).
  const dashboardDir = options.dashboard === undefined ? builtDashboardDir() : options.dashboard;
  const dashboard = dashboardDir ? new Dashboard(dashboardDir) : null;
  app.addHook('onRequest', (request, reply, done) => {
    // The dashboard's files are public: they hold no data, the page signs in to the API.
    if (request.is404 && !dashboard?.claims(request)) authenticate.call(app, request, reply, done);
    else done();
  });
  app.addHook('onResponse', (request, reply, done) => {
    if (request.is404) observeUnmatched(request.method, reply.statusCode, reply.elapsedTime / 1000);
    done();
  });
  app.setNotFoundHandler((request, reply) =>
    dashboard?.claims(request)
      ? dashboard.serve(request, reply)
      : renderError(errors.resourceNotFound(request.url), request, reply),
  );

  // Response schemas document the routes' answers (which the routes send as JSON text): they are
  // never compiled into serialisers.
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));
  await app.register(swagger, {
    transform: documentedRoute,
    openapi: {
      info: {
        title: 'Twinfold API',
        version: options.version ?? '0.0.0',
        description: 'Ditto-compatible digital twins (HTTP API v2) with history and search.',
      },
    },
  });
  await app.register(swaggerUi, { routePrefix: '/api/2/docs' });

  const guard = new ThingGuard(options.policies, {
    policiesEnforced: authenticator !== trustedAuthenticator,
  });
  const services = accessServices(runtime, options.policies, guard, {
    defaultNamespace: options.defaultNamespace,
  });
  const context: ApiContext = {
    runtime,
    policies: options.policies,
    guard,
    identities,
    ...services,
    live: liveServices(runtime, services.permissionChecks, guard),
    connections: options.connections ?? new ConnectionRegistry(),
    typeDocument: (typeId) => options.types?.compiled(typeId)?.document,
  };
  liveServicesByApp.set(app, context.live);
  const series = options.seriesStore
    ? seriesServices(options.seriesStore, runtime, context, options)
    : null;
  if (series) {
    await series.recorder.start();
    series.recorder.startPruning(options.seriesPruneEveryMs ?? 600_000);
    app.addHook('onClose', () => series.recorder.close());
  }
  const ingest = options.ingestStore
    ? new IngestService({
        store: options.ingestStore,
        runtime,
        creation: context.creation,
        guard: context.guard,
        deadLettered: (spec, reason) => metrics.ingestDeadLetters.inc({ spec, reason }),
        accepted: (spec, count) => metrics.ingestAccepted.inc({ spec }, count),
        checkSource: options.ingestSourceCheck,
        commands,
        acks: context.live.router,
        late:
          series && options.seriesStore
            ? lateValues(series.recorder, options.seriesStore)
            : undefined,
      })
    : null;
  if (ingest) {
    await ingest.load();
    ingestServices.set(app, ingest);
  }
  const webhooks = options.webhookStore
    ? new WebhookService({
        store: options.webhookStore,
        runtime,
        guard: context.guard,
        timing: options.webhookTiming,
        attempted: (webhook, outcome) => metrics.webhookDeliveries.inc({ webhook, outcome }),
        failed: options.webhookFailed,
      })
    : null;
  if (webhooks) {
    await webhooks.load();
    metrics.observeWebhookBacklogs(() => webhooks.backlogs());
    // Before the runtime and storage close (the platform closes the app first): progress is written.
    app.addHook('onClose', () => webhooks.close());
  }
  const models = options.modelStore
    ? new ModelService({
        store: options.modelStore,
        runtime,
        guard: context.guard,
        actual:
          options.modelActual ??
          (options.seriesStore ? seriesActual(options.seriesStore) : undefined),
        forecaster: options.forecaster,
      })
    : null;
  if (models) modelServices.set(app, models);
  let scheduled: ServiceManager | null = null;
  if (options.serviceStore) {
    const scheduler = new Scheduler({
      store: options.serviceStore,
      jobs: new KindJobs({
        ingest,
        effects:
          options.serviceEffects ?? (models ? modelEffects(models, context) : UNAVAILABLE_EFFECTS),
        fetch: options.serviceFetch,
      }),
      clock: options.serviceClock,
      pollMs: options.servicePollMs,
      failed: options.serviceFailed,
      finished: (service, status) => metrics.serviceRuns.inc({ service, status }),
      owner: identities ? (recorded) => currentServiceOwner(identities, recorded) : undefined,
    });
    schedulers.set(app, scheduler);
    scheduled = new ServiceManager({ store: options.serviceStore, scheduler });
    // On-demand runs may be under way even when nobody started the schedule.
    app.addHook('onClose', () => scheduler.stop());
  }
  let alerts: AlertService | null = null;
  if (options.behaviourStore) {
    const recorder = new AlertRecorder({
      stream: runtime.events,
      store: options.behaviourStore,
      logger: options.logger || undefined,
    });
    await recorder.start();
    app.addHook('onClose', () => recorder.close());
    alerts = new AlertService({
      store: options.behaviourStore,
      recorder,
      runtime,
      permissions: context.permissionChecks,
    });
  }
  const jobStorage: JobStorage = {
    store: options.behaviourStore,
    shared: options.sharedStore,
    writeFailed: (error, id) => {
      if (options.logger)
        options.logger.warn(
          { err: error, job: id },
          'a job record could not be written; it is kept in memory until the node restarts',
        );
    },
  };
  const replays =
    options.types && options.replayJournal
      ? replayService(context, options.types, options.replayJournal, jobStorage)
      : null;
  if (replays) app.addHook('onClose', () => replays.settled());
  const datacenters =
    ingest && options.datacenterDir
      ? datacenterService(context, ingest, options.datacenterDir, options.logger || undefined)
      : null;
  // Before the runtime closes: running shadows stop, write their files and their twins' last state.
  if (datacenters) app.addHook('onClose', () => datacenters.close());
  const experiments = options.experimentsDir
    ? new ExperimentService({ dir: options.experimentsDir })
    : null;
  // Running experiments stop after their window and write their files.
  if (experiments) app.addHook('onClose', () => experiments.close());
  const migrations = options.types ? migrationServices(context, options.types, jobStorage) : null;
  if (migrations) app.addHook('onClose', () => migrations.bulk.settled());
  const behaviourStore = options.behaviourStore;
  const forks = new ForkService({
    runtime,
    guard: context.guard,
    creation: context.creation,
    relations: context.relations,
    select: (identity, filter, max) => thingIdsMatching(context, identity, filter, max),
    createPolicy: async (identity, policyId) => {
      if (context.policies.get(policyId)) return false;
      await context.policies.put(defaultPolicy(policyId, [identity.id]));
      return true;
    },
    deletePolicyIfUnused: (policyId) => context.policyUsage.deleteUnused(policyId),
    deleteAlertsOfNamespace: behaviourStore
      ? (namespace) => behaviourStore.deleteAlertsOfNamespace(namespace)
      : undefined,
    store: behaviourStore,
  });
  await forks.load();
  registerSystemRoutes(app, {
    metrics,
    runtime,
    ready: options.ready ?? (() => runtime.healthy),
    details: options.readyDetails,
    metricsGuard: options.metricsToken
      ? metricsGate(options.metricsToken, authenticate)
      : undefined,
  });
  await app.register(
    async (api) => {
      registerServerSentEvents(api, context, options.streams);
      registerThingsRoutes(api, context);
      registerRelationsRoutes(api, context);
      registerMessageRoutes(api, context);
      registerCloudEventsRoute(api, commands);
      registerHistoryRoutes(api, context);
      registerSearchRoutes(api, context);
      registerPolicyRoutes(api, context);
      registerIdentityRoutes(api, context);
      if (ingest) await registerIngestRoutes(api, ingest);
      if (webhooks) registerWebhookRoutes(api, webhooks);
      if (models) registerModelRoutes(api, models);
      if (series)
        registerTimeseriesRoutes(api, {
          series: series.service,
          api: context,
          predicted: models ? (...args) => models.predicted(...args) : undefined,
        });
      if (scheduled) registerServiceRoutes(api, scheduled);
      if (options.types) registerTypeRoutes(api, options.types);
      if (alerts) registerAlertRoutes(api, alerts);
      if (replays) registerReplayRoutes(api, replays);
      if (datacenters) registerDatacenterRoutes(api, datacenters);
      if (experiments) registerExperimentRoutes(api, experiments);
      if (migrations) registerMigrationRoutes(api, migrations.single, migrations.bulk);
      registerForkRoutes(api, forks);
      registerConnectionRoutes(api, {
        connections: context.connections,
        mqtt: options.mqttConnections ?? (() => ({ mode: 'off', clientsVisible: false })),
      });
      api.get('/openapi.json', { config: PUBLIC, schema: { hide: true } }, () => app.swagger());
    },
    { prefix: '/api/2' },
  );
  return app;
}

/** Definition migrations, one twin at a time and over a filter, through the runtime's writes. */
function migrationServices(
  context: ApiContext,
  types: TypeService,
  records: JobStorage,
): { single: DefinitionMigration; bulk: BulkMigration } {
  const single = new DefinitionMigration({
    runtime: context.runtime,
    guard: context.guard,
    types,
  });
  const bulk = new BulkMigration({
    records,
    migration: single,
    select: (identity, filter, max) => thingIdsMatching(context, identity, filter, max),
  });
  return { single, bulk };
}

/** Replays over the runtime's journal and time travel, choosing and writing twins as the API does. */
function replayService(
  context: ApiContext,
  types: TypeService,
  journal: JournalLocation,
  records: JobStorage,
): ReplayService {
  const { runtime, guard, creation } = context;
  return new ReplayService({
    records,
    journal,
    types,
    select: async (identity, filter, max) => {
      const ids: string[] = [];
      let cursor: string | undefined;
      try {
        do {
          const page = await searchThings(context, identity, {
            filter: filter === null ? [] : [filter],
            option: [`size(200)${cursor ? `,cursor(${cursor})` : ''}`],
            fields: ['thingId'],
          });
          for (const item of page.items) {
            const thingId = (item as { thingId: string }).thingId;
            // A replay reads a twin's whole journal: only a twin readable as a whole is replayed.
            if (
              guard.readsWholeThing(
                identity,
                (runtime.getThing(thingId)?.thing ?? null) as JsonObject | null,
              )
            )
              ids.push(thingId);
          }
          cursor = page.cursor;
        } while (cursor !== undefined && ids.length < max);
      } catch (error) {
        if (error instanceof TwinfoldError && error.status === 400)
          throw errors.replayRequestInvalid('filter', error.message);
        throw error;
      }
      return ids.slice(0, max);
    },
    durable: () => runtime.flush(),
    writeTwin: async (identity: Identity, thingId, thing) => {
      const resource = resourceOf(thingId, 'thing');
      const { pending } = await creation.write(identity, {
        kind: 'modify',
        resource,
        value: thing,
        originator: identity.id,
        authorize: (current) => guard.checkWrite(identity, current, 'modify', resource, thing),
      });
      await pending;
    },
    run: runReplayThread,
  });
}

/** Datacenter twins, written with the requester's rights as the API writes (creation, relations, ingest). */
function datacenterService(
  context: ApiContext,
  ingest: IngestService,
  dataDir: string,
  logger: Logger | undefined,
): DatacenterService {
  const { runtime, guard, creation, relations } = context;
  return new DatacenterService({
    dataDir,
    warn: (message, error) => logger?.warn({ err: error }, message),
    ports: {
      exists: (thingId) => runtime.getThing(thingId) !== null,
      policyIdOf: (thingId) => {
        const policyId = runtime.getThing(thingId)?.thing.policyId;
        return typeof policyId === 'string' ? policyId : null;
      },
      create: async (identity, thingId, body) => {
        const resource = resourceOf(thingId, 'thing');
        const { pending } = await creation.write(identity, {
          kind: 'modify',
          resource,
          value: body,
          originator: identity.id,
          authorize: (current) => guard.checkWrite(identity, current, 'modify', resource, body),
        });
        await pending;
      },
      merge: async (identity, merges) => {
        const outcomes = await runtime.writeMany(
          merges.map(({ thingId, patch, observedAt }) => {
            const resource = resourceOf(thingId, 'thing');
            return {
              kind: 'merge' as const,
              resource,
              value: patch,
              originator: identity.id,
              ...(observedAt === undefined ? {} : { observedAt }),
              authorize: (current: JsonObject | null) => {
                if (current === null) throw errors.thingNotFound(thingId);
                return guard.checkWrite(identity, current, 'merge', resource, patch);
              },
            };
          }),
        );
        for (const outcome of outcomes) if (outcome instanceof WriteRefusal) throw outcome.error;
      },
      relate: async (identity, source, name, target) => {
        await relations.put(identity, source, name, target, {});
      },
      putSpec: async (identity, specId, spec) => {
        await ingest.put(identity, specId, spec);
      },
      ingest: async (specId, payloads) => {
        const received = Date.now();
        const outcome = await ingest.ingest(
          specId,
          payloads.map((payload) => ({
            payload,
            transport: 'datacenter',
            topic: null,
            headers: {},
            context: {},
            received,
          })),
        );
        return { accepted: outcome.accepted, rejected: outcome.rejected };
      },
    },
  });
}

/** The series keeper and the service reading and writing series, on the given store. */
function seriesServices(
  store: SeriesStore,
  runtime: TwinRuntime,
  context: ApiContext,
  options: AppOptions,
): { recorder: SeriesRecorder; service: SeriesService } {
  const recorder = new SeriesRecorder({
    stream: runtime.events,
    store,
    logger: options.logger || undefined,
  });
  const service = new SeriesService({
    store,
    recorder,
    checks: context.permissionChecks,
    maxPoints: options.maxSeriesPoints ?? 100_000,
  });
  return { recorder, service };
}

/** Late observations into the series, a kind that does not fit refused as a Ditto error. */
function lateValues(recorder: SeriesRecorder, store: SeriesStore): LateValues {
  return {
    latestOf: async (thingIds) => {
      // What the process before this one committed must be in the series first (the keeper
      // replays it after a restart); later writes of this process are known without them.
      await recorder.caughtUp(recorder.startedAt);
      return store.latestTimes(thingIds);
    },
    keep: (points) =>
      recorder.keep(points).catch((error: unknown) => {
        if (error instanceof SeriesKindError)
          throw errors.seriesKindMismatch(
            error.thingId,
            error.pointer,
            error.expected,
            error.actual,
          );
        throw error;
      }),
  };
}

/** Most twins one scheduled forecast takes. */
const MAX_FORECAST_TWINS = 1000;

/** What scheduled services do with models: register runs, and forecast every twin a filter selects. */
function modelEffects(models: ModelService, context: ApiContext): ServiceEffects {
  return {
    registerRun: async (owner, modelId, body) => {
      const view = await models.createRun(owner, modelId, body);
      return { runId: String(view.runId) };
    },
    forecast: async (owner, request) => {
      const runIds: string[] = [];
      for (const thingId of await thingIdsMatching(
        context,
        owner,
        request.filter,
        MAX_FORECAST_TWINS,
      )) {
        const view = await models.forecastNow(owner, {
          thingId,
          pointer: request.pointer,
          horizon: `${request.horizonMs}ms`,
          ...(request.stepMs === undefined ? {} : { step: `${request.stepMs}ms` }),
          ...(request.method === undefined ? {} : { method: request.method }),
        });
        runIds.push(String(view.runId));
      }
      return { runIds };
    },
  };
}
