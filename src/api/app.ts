// The Fastify application: content types, authentication slot, metrics, OpenAPI and route modules.
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { errors } from '../core/error-registry.js';
import type { IdentityService } from '../auth/identity-service.js';
import type { PolicyStore } from '../auth/policy-store.js';
import { ThingGuard } from '../auth/thing-guard.js';
import type { TwinRuntime } from '../runtime/twin-runtime.js';
import type { ApiContext } from './api-context.js';
import { PUBLIC, trustedAuthenticator, type Authenticator } from './authentication.js';
import { renderError } from './http-errors.js';
import type { Metrics } from './metrics.js';
import { registerHistoryRoutes } from './routes/history-routes.js';
import { registerIdentityRoutes } from './routes/identity-routes.js';
import { registerPolicyRoutes } from './routes/policy-routes.js';
import { RateLimiter } from '../auth/rate-limiter.js';
import type { Identity } from '../auth/identity.js';
import { registerSearchRoutes } from './routes/search-routes.js';
import { registerSystemRoutes } from './routes/system-routes.js';
import { registerThingsRoutes } from './routes/things-routes.js';

export interface AppOptions {
  runtime: TwinRuntime;
  policies: PolicyStore;
  metrics: Metrics;
  logger?: Logger | false;
  /** Users, tokens and logins; without it every request is trusted as an administrator. */
  identities?: IdentityService;
  /** Requests per second per identity; 0 or absent = unlimited. */
  rateLimit?: number;
  authenticator?: Authenticator;
  /** Largest request body in bytes. */
  bodyLimit?: number;
  /** Reports whether the node is ready to serve (state loaded, journal healthy). */
  ready?: () => boolean;
  version?: string;
}

/** A registered route: one method of one URL pattern, and whether the OpenAPI document hides it. */
export interface RouteInfo {
  method: string;
  url: string;
  hidden: boolean;
}

const routeTables = new WeakMap<FastifyInstance, RouteInfo[]>();

/**
 * Every route of an app made by {@link buildApp}, in registration order (HEAD routes included),
 * so that tests can be generated over all of them.
 *
 * @example routesOf(app).filter((r) => r.method === 'DELETE')
 */
export function routesOf(app: FastifyInstance): RouteInfo[] {
  return [...(routeTables.get(app) ?? [])];
}

export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const { runtime, metrics } = options;
  const app = Fastify({
    loggerInstance: options.logger ? (options.logger as FastifyBaseLogger) : undefined,
    logController: new LogController({ disableRequestLogging: true }),
    // No child logger per request (it costs more than the rest of a small request's logging):
    // the few request-scoped log lines name the request id themselves.
    childLoggerFactory: (logger) => logger,
    bodyLimit: options.bodyLimit ?? 1024 * 1024,
    routerOptions: { maxParamLength: 1024 },
    ajv: { customOptions: { coerceTypes: true, removeAdditional: false, allErrors: false } },
    // Malformed percent-encoding and over-long path parameters fail before routing: answer them
    // with Ditto's error body too, not Fastify's own.
    frameworkErrors: (error, request, reply) => renderError(error, request, reply),
  });
  const routes: RouteInfo[] = [];
  routeTables.set(app, routes);
  app.addHook('onRoute', (route) => {
    // The interactive API page comes from a plugin: its routes are public like the document.
    if (route.url.startsWith('/api/2/docs')) route.config = { ...route.config, ...PUBLIC };
    const hidden = (route.schema as { hide?: boolean } | undefined)?.hide === true;
    for (const method of [route.method].flat()) routes.push({ method, url: route.url, hidden });
  });

  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.addContentTypeParser('application/merge-patch+json', { parseAs: 'string' }, parseJson);
  app.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => done(null, body));

  const { identities } = options;
  const authenticator: Authenticator =
    options.authenticator ??
    (identities
      ? { authenticate: (request) => identities.authenticate(request.headers.authorization) }
      : trustedAuthenticator);
  const limiter = options.rateLimit ? new RateLimiter(options.rateLimit) : null;
  app.decorateRequest('identity', null as unknown as Identity);
  app.addHook('onRequest', async (request, reply) => {
    if (request.routeOptions.config.public) return;
    try {
      request.identity = await authenticator.authenticate(request);
    } catch (error) {
      reply.header('www-authenticate', 'Basic realm="twinfold", Bearer');
      throw error;
    }
    const wait = limiter?.take(request.identity.id) ?? 0;
    if (wait > 0) {
      const seconds = Math.ceil(wait / 1000);
      metrics.rateLimited.inc();
      reply.header('retry-after', String(seconds));
      throw errors.tooManyRequests(seconds);
    }
  });
  app.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? 'unmatched';
    metrics.observeRequest(request.method, route, reply.statusCode, reply.elapsedTime / 1000);
    done();
  });

  app.setErrorHandler((error, request, reply) => renderError(error, request, reply));
  app.setNotFoundHandler((request, reply) =>
    renderError(errors.resourceNotFound(request.url), request, reply),
  );

  await app.register(swagger, {
    openapi: {
      info: {
        title: 'Twinfold API',
        version: options.version ?? '0.0.0',
        description: 'Ditto-compatible digital twins (HTTP API v2) with history and search.',
      },
    },
  });
  await app.register(swaggerUi, { routePrefix: '/api/2/docs' });

  const context: ApiContext = {
    runtime,
    policies: options.policies,
    guard: new ThingGuard(options.policies),
    identities,
  };
  registerSystemRoutes(app, { metrics, runtime, ready: options.ready ?? (() => runtime.healthy) });
  await app.register(
    async (api) => {
      registerThingsRoutes(api, context);
      registerHistoryRoutes(api, context);
      registerSearchRoutes(api, context);
      registerPolicyRoutes(api, context);
      registerIdentityRoutes(api, context);
      api.get('/openapi.json', { config: PUBLIC, schema: { hide: true } }, () => app.swagger());
    },
    { prefix: '/api/2' },
  );
  return app;
}
