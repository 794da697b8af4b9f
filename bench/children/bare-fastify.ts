// The reference server: bare Fastify 5 with the same routes shapes as Twinfold's hot paths and no work behind them.
import Fastify from 'fastify';

const port = Number(process.argv[2] ?? 0);

/** About 300 bytes of JSON, the size of a benchmark twin. */
const THING = JSON.stringify({
  thingId: 'bench:twin-1',
  policyId: 'bench:policy',
  attributes: { building: 'b-1', floor: 1, model: 'm1', serial: '1' },
  features: {
    temperature: { properties: { value: 21.53, unit: 'C' } },
    power: { properties: { watts: 1234.56, on: true } },
  },
  _revision: 1,
});

const app = Fastify({ logger: false, routerOptions: { maxParamLength: 1024 } });
app.put('/api/2/things/:thingId/features/:featureId/properties/*', async (request, reply) => {
  if (request.body === undefined) return reply.code(400).send();
  return reply.code(204).send();
});
app.get('/api/2/things/:thingId', async (_request, reply) =>
  reply.type('application/json').send(THING),
);
app.get('/ready', async () => ({ status: 'READY' }));

await app.listen({ port, host: '127.0.0.1' });
const stop = () => void app.close().then(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
