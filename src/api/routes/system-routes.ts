// Liveness, readiness and Prometheus metrics.
import type { FastifyInstance, onRequestHookHandler } from 'fastify';
import type { TwinRuntime } from '../../runtime/twin-runtime.js';
import { PUBLIC } from '../authentication.js';
import type { Metrics } from '../metrics.js';

export interface SystemDeps {
  metrics: Metrics;
  runtime: TwinRuntime;
  ready: () => boolean;
  /** More of `/ready`'s body (how the transports stand). */
  details?: () => Record<string, unknown>;
  /** Guards /metrics (see `metricsGate`); absent = /metrics is public. */
  metricsGuard?: onRequestHookHandler;
}

export function registerSystemRoutes(app: FastifyInstance, deps: SystemDeps): void {
  const tags = ['System'];
  app.get('/health', { config: PUBLIC, schema: { tags, summary: 'Liveness' } }, async () => ({
    status: 'UP',
  }));
  app.get(
    '/ready',
    { config: PUBLIC, schema: { tags, summary: 'Readiness: state loaded and journal healthy' } },
    async (_req, reply) => {
      const ready = deps.ready() && deps.runtime.healthy;
      return reply.code(ready ? 200 : 503).send({
        status: ready ? 'READY' : 'NOT_READY',
        twins: deps.runtime.size,
        searchIndex: deps.runtime.indexComplete ? 'ready' : 'building',
        ...deps.details?.(),
      });
    },
  );
  app.get(
    '/metrics',
    {
      config: PUBLIC,
      onRequest: deps.metricsGuard ? [deps.metricsGuard] : undefined,
      schema: {
        tags,
        summary: 'Prometheus metrics (needs the metrics token or an administrator when one is set)',
      },
    },
    async (_req, reply) => {
      deps.metrics.twins.set(deps.runtime.size);
      return reply
        .type(deps.metrics.registry.contentType)
        .send(await deps.metrics.registry.metrics());
    },
  );
}
