// The Fastify application: content types, authentication slot, metrics, OpenAPI and route modules.
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { errors } from '../core/error-registry.js';
import type { TwinRuntime } from '../runtime/twin-runtime.js';
import { anonymousAuthenticator, type Authenticator } from './authentication.js';
import { renderError } from './http-errors.js';
import type { Metrics } from './metrics.js';
import { registerHistoryRoutes } from './routes/history-routes.js';
import { registerSearchRoutes } from './routes/search-routes.js';
import { registerSystemRoutes } from './routes/system-routes.js';
import { registerThingsRoutes } from './routes/things-routes.js';

export interface AppOptions {
  runtime: TwinRuntime;
  metrics: Metrics;
  logger?: Logger | false;
  authenticator?: Authenticator;
  /** Largest request body in bytes. */
  bodyLimit?: number;
  /** Reports whether the node is ready to serve (state loaded, journal healthy). */
  ready?: () => boolean;
  version?: string;
}

const PUBLIC_PREFIXES = ['/health', '/ready', '/metrics', '/api/2/docs', '/api/2/openapi.json'];

export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const { runtime, metrics } = options;
  const app = Fastify({
    loggerInstance: options.logger ? (options.logger as FastifyBaseLogger) : undefined,
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: options.bodyLimit ?? 1024 * 1024,
    routerOptions: { maxParamLength: 1024 },
    ajv: { customOptions: { coerceTypes: true, removeAdditional: false, allErrors: false } },
    // Malformed percent-encoding and over-long path parameters fail before routing: answer them
    // with Ditto's error body too, not Fastify's own.
    frameworkErrors: (error, request, reply) => renderError(error, request, reply),
  });

  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.addContentTypeParser('application/merge-patch+json', { parseAs: 'string' }, parseJson);
  app.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => done(null, body));

  const authenticator = options.authenticator ?? anonymousAuthenticator;
  app.decorateRequest('subject', null);
  app.addHook('onRequest', async (request) => {
    if (PUBLIC_PREFIXES.some((p) => request.url.startsWith(p))) return;
    request.subject = await authenticator.authenticate(request);
  });
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    metrics.observeRequest(request.method, route, reply.statusCode, reply.elapsedTime / 1000);
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

  registerSystemRoutes(app, { metrics, runtime, ready: options.ready ?? (() => runtime.healthy) });
  await app.register(
    async (api) => {
      registerThingsRoutes(api, runtime);
      registerHistoryRoutes(api, runtime);
      registerSearchRoutes(api, runtime);
      api.get('/openapi.json', { schema: { hide: true } }, () => app.swagger());
    },
    { prefix: '/api/2' },
  );
  return app;
}
