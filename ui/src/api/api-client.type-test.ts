// Type checks of the generated client, run by `npm run typecheck`: each @ts-expect-error must stay an error.
import type { ApiClient } from './api-client.js';

export async function typedCalls(api: ApiClient): Promise<unknown[]> {
  const deliveries = await api.read('/webhooks/{id}/deliveries', {
    params: { id: 'hook' },
    query: { limit: 5, state: 'dead' },
  });
  const seq: number = deliveries.items[0].seq;
  const count: number = await api.read('/search/things/count', { query: { filter: 'eq(a,1)' } });
  const url: string = (await api.read('/webhooks'))[0].url;
  const token: string = (await api.call('post', '/tokens', { body: { name: 'ci' } })).body.token;
  // A PUT of a thing answers 201 with the thing or 204 without a body.
  const created = await api.call('put', '/things/{thingId}', {
    params: { thingId: 'a:b' },
    body: {},
  });
  const thingId: string | undefined = created.body?.thingId;
  // @ts-expect-error the path's parameter is `id`
  await api.read('/webhooks/{id}', { params: { name: 'hook' } });
  // @ts-expect-error the path needs its parameter
  await api.read('/webhooks/{id}');
  // @ts-expect-error the route takes no query parameters
  await api.read('/webhooks', { query: { state: 'dead' } });
  // @ts-expect-error the document has no such path
  await api.read('/nowhere');
  // @ts-expect-error a token's name is a string
  await api.call('post', '/tokens', { body: { name: 3 } });
  // @ts-expect-error GET /webhooks answers webhooks, not things
  const wrong: string = (await api.read('/webhooks'))[0].thingId;
  return [seq, count, url, token, thingId, wrong];
}
