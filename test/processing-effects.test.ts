// The effect of each processing header and parameter in detail: timeout, response-required,
// requested-acks, correlation-id, conditional requests, merge patch conditions and regex deletion,
// limit(offset,count), namespaces, trailing slashes, media types and definition URLs.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { WriteRequest, WriteResult } from '../src/runtime/twin-runtime.js';
import { createAppFixture, type AppFixture } from './support/app-fixture.js';

let f: AppFixture;
const ID = 'org.effects:t1';
const THING = `/api/2/things/${ID}`;

beforeEach(async () => {
  f = await createAppFixture();
  const policy = await f.send('PUT', `/api/2/policies/${ID}`, {
    entries: {
      owner: {
        subjects: { 'user:alice': { type: 'user' } },
        resources: {
          'thing:/': { grant: ['READ', 'WRITE'], revoke: [] },
          'policy:/': { grant: ['READ', 'WRITE'], revoke: [] },
        },
      },
    },
  });
  expect(policy.statusCode).toBe(201);
  const created = await f.send('PUT', THING, {
    policyId: ID,
    attributes: { a: 1, color: 'red', history: { '2022-01': 1, '2022-02': 2, '2023-01': 3 } },
    features: {
      temperature: { properties: { value: 15 } },
      humidity: { properties: { value: 90 } },
      status: { properties: { state: 'active' } },
    },
  });
  expect(created.statusCode).toBe(201);
});
afterEach(async () => {
  await f.close();
});

/** Makes every commit take `ms` longer (the write is applied at once, acknowledged later). */
function slowCommits(ms: number): void {
  const runtime = f.runtime;
  const write = runtime.write.bind(runtime);
  runtime.write = (request: WriteRequest): Promise<WriteResult> =>
    write(request).then((result) => new Promise((done) => setTimeout(() => done(result), ms)));
}

describe('timeout', () => {
  it('parses Ditto durations: 500ms, 2s, 1m and plain seconds; over 60 s is a 400', async () => {
    for (const timeout of ['500ms', '2s', '1m', '10', '60s']) {
      const res = await f.send('PUT', `${THING}/attributes/a`, 2, { timeout });
      expect(res.statusCode, timeout).toBe(204);
    }
    const over = await f.send('PUT', `${THING}/attributes/a`, 3, { timeout: '61s' });
    expect(over.statusCode).toBe(400);
    expect(over.json()).toEqual({
      status: 400,
      error: 'gateway:timeout.invalid',
      message: 'The timeout <61000ms> is not inside its allowed bounds <0ms - 60000ms>',
      description: 'Choose a timeout inside the bounds.',
    });
    for (const timeout of ['-1s', '1.5s', '5 s', 'soon', '']) {
      const bad = await f.send('PUT', `${THING}/attributes/a`, 3, { timeout });
      expect(bad.statusCode, timeout).toBe(400);
      expect(bad.json().error).toBe('timeout.invalid');
    }
    expect((await f.request({ url: `${THING}/attributes/a` })).json()).toBe(2);
  });

  it('a write not committed within the timeout is a 408 that says it may still land; it lands', async () => {
    slowCommits(300);
    const res = await f.send('PUT', `${THING}/attributes/a`, 7, { timeout: '50ms' });
    expect(res.statusCode).toBe(408);
    expect(res.json()).toMatchObject({
      status: 408,
      error: 'command.timeout',
      message: 'The Command reached the specified timeout of 50ms.',
    });
    expect(res.json().description).toContain('may still be (or already be) committed');
    await new Promise((done) => setTimeout(done, 400));
    expect((await f.request({ url: `${THING}/attributes/a` })).json()).toBe(7);
  });

  it('a write committed within the timeout answers as usual', async () => {
    slowCommits(20);
    const res = await f.send('PUT', `${THING}/attributes/a`, 8, { timeout: '2s' });
    expect(res.statusCode).toBe(204);
  });

  it('timeout 0 is fire-and-forget: 202 at once, without waiting for the commit', async () => {
    slowCommits(5_000);
    const started = Date.now();
    const res = await f.send('PUT', `${THING}/attributes/a`, 9, { timeout: '0' });
    expect(res.statusCode).toBe(202);
    expect(res.body).toBe('');
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('timeout 0 with a response or acknowledgements required is a 400 (as Ditto)', async () => {
    const cases: Record<string, string>[] = [
      { timeout: '0', 'response-required': 'true' },
      { timeout: '0s', 'requested-acks': 'twin-persisted' },
    ];
    for (const headers of cases) {
      const res = await f.send('PUT', `${THING}/attributes/a`, 10, headers);
      expect(res.statusCode).toBe(400);
      expect(res.json().message).toBe(
        "The value of the header 'timeout' must not be zero if response or acknowledgements are requested.",
      );
    }
    expect((await f.request({ url: `${THING}/attributes/a` })).json()).toBe(1);
  });
});

describe('response-required', () => {
  it('false answers 202 without a body, as header and as query parameter, on things and policies', async () => {
    const header = await f.send('PUT', `${THING}/attributes/a`, 2, {
      'response-required': 'false',
    });
    expect(header.statusCode).toBe(202);
    expect(header.body).toBe('');
    const query = await f.send('PUT', `${THING}/attributes/a?response-required=false`, 3);
    expect(query.statusCode).toBe(202);
    const policy = await f.request({
      method: 'PUT',
      url: `/api/2/policies/${ID}/entries/extra?response-required=false`,
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({
        subjects: { 'user:x': { type: 'user' } },
        resources: { 'thing:/': { grant: ['READ'], revoke: [] } },
      }),
    });
    expect(policy.statusCode).toBe(202);
    expect(policy.body).toBe('');
    expect((await f.request({ url: `/api/2/policies/${ID}/entries/extra` })).statusCode).toBe(200);
    const read = await f.request({ url: `${THING}?response-required=false` });
    expect(read.statusCode).toBe(202);
    expect(read.body).toBe('');
    expect((await f.request({ url: `${THING}/attributes/a` })).json()).toBe(3);
  });

  it('an invalid write without response required still fails, and nothing is written', async () => {
    const res = await f.send('PUT', `${THING}/attributes/a%01`, 2, {
      'response-required': 'false',
    });
    expect(res.statusCode).toBe(400);
    const bad = await f.send('PUT', `${THING}/attributes/a`, 2, { 'response-required': 'yes' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error).toBe('header.invalid');
    expect((await f.request({ url: `${THING}/attributes/a` })).json()).toBe(1);
  });
});

describe('requested-acks', () => {
  it('twin-persisted alone is the usual response; search-persisted alone a 204', async () => {
    const twin = await f.send('PUT', `${THING}/attributes/b`, 1, {
      'requested-acks': 'twin-persisted',
    });
    expect(twin.statusCode).toBe(201);
    expect(twin.json()).toBe(1);
    const search = await f.send('PUT', `${THING}/attributes/b?requested-acks=search-persisted`, 2);
    expect(search.statusCode).toBe(204);
    const found = await f.request({ url: '/api/2/search/things?filter=eq(attributes/b,2)' });
    expect(found.json().items).toHaveLength(1);
  });

  it('both (comma list or JSON array) aggregate as Ditto: 200 with one entry per label', async () => {
    for (const acks of [
      'twin-persisted,search-persisted',
      '["search-persisted","twin-persisted"]',
    ]) {
      const res = await f.send('PUT', `${THING}/attributes/c`, 5, {
        'requested-acks': acks,
        'correlation-id': 'acks-1',
      });
      expect(res.statusCode).toBe(200);
      const body = res.json();
      expect(body['search-persisted']).toEqual({
        status: 204,
        headers: { 'correlation-id': 'acks-1' },
      });
      expect(body['twin-persisted'].headers['correlation-id']).toBe('acks-1');
      expect([201, 204]).toContain(body['twin-persisted'].status);
    }
  });

  it('live-response is a 400 on a write; a custom label nobody acknowledges answers 424 with its 408', async () => {
    const live = await f.send('PUT', `${THING}/attributes/a`, 2, {
      'requested-acks': 'live-response',
    });
    expect(live.statusCode).toBe(400);
    expect(live.json().message).toContain('applies to live messages');
    const syntax = await f.send('PUT', `${THING}/attributes/a`, 2, { 'requested-acks': '[1]' });
    expect(syntax.statusCode).toBe(400);
    expect((await f.request({ url: `${THING}/attributes/a` })).json()).toBe(1);
    const custom = await f.send('PUT', `${THING}/attributes/a`, 1, {
      'requested-acks': 'twin-persisted,my-connection:custom',
      timeout: '200ms',
    });
    expect(custom.statusCode).toBe(424);
    expect(custom.json()).toMatchObject({
      'twin-persisted': { status: 204 },
      'my-connection:custom': {
        status: 408,
        payload: { error: 'acknowledgement:request.timeout' },
      },
    });
  });
});

describe('correlation-id and channel', () => {
  it('echoes the correlation id (header or query) and generates one when absent', async () => {
    const header = await f.request({ url: THING, headers: { 'correlation-id': 'c-42' } });
    expect(header.headers['correlation-id']).toBe('c-42');
    const query = await f.request({ url: `${THING}?correlation-id=c-43` });
    expect(query.headers['correlation-id']).toBe('c-43');
    const error = await f.request({ url: '/api/2/things/org.effects:missing?correlation-id=c-44' });
    expect(error.statusCode).toBe(404);
    expect(error.headers['correlation-id']).toBe('c-44');
    const generated = await f.request({ url: THING });
    expect(generated.headers['correlation-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('channel=live never writes the twin: without a device it times out; live headers elsewhere are a 400', async () => {
    const etag = (await f.request({ url: THING })).headers.etag;
    const live = await f.send('PUT', `${THING}/attributes/a?channel=live&timeout=200ms`, 99);
    expect(live.statusCode).toBe(408);
    expect(live.json().error).toBe('command.timeout');
    // use-twin applies to reads only: a live write still fails
    const strategy = await f.send('PUT', `${THING}/attributes/a`, 99, {
      channel: 'live',
      timeout: '200ms',
      'live-channel-timeout-strategy': 'use-twin',
    });
    expect(strategy.statusCode).toBe(408);
    const condition = await f.send(
      'PUT',
      `${THING}/attributes/a?live-channel-condition=eq(attributes/a,1)`,
      99,
    );
    expect(condition.statusCode).toBe(400);
    expect(condition.json().message).toContain('live retrieve commands');
    expect((await f.request({ url: THING })).headers.etag).toBe(etag);
  });

  it('history headers work as query parameters too', async () => {
    await f.send('PUT', `${THING}/attributes/a`, 2);
    const past = await f.request({ url: `${THING}/attributes/a?at-historical-revision=1` });
    expect(past.json()).toBe(1);
    const onWrite = await f.send('PUT', `${THING}/attributes/a?at-historical-revision=1`, 3);
    expect(onWrite.statusCode).toBe(400);
    expect(onWrite.json().message).toContain("'at-historical-revision' is not supported on PUT");
  });
});

describe('conditional requests in detail', () => {
  it('if-equal: skip answers 412 with the current ETag (as Ditto), on things and policies', async () => {
    const same = await f.send('PUT', `${THING}/attributes/color`, 'red', { 'if-equal': 'skip' });
    expect(same.statusCode).toBe(412);
    expect(same.json()).toEqual({
      status: 412,
      error: 'things:precondition.failed',
      message:
        "The previous value was equal to the new value and the 'if-equal' header was set to 'skip'.",
      description: 'Your changes were not applied, which is probably the expected outcome.',
    });
    const tag = (await f.request({ url: `${THING}/attributes/color` })).headers.etag;
    expect(same.headers.etag).toBe(tag);
    const policy = (await f.request({ url: `/api/2/policies/${ID}` })).json();
    const again = await f.send('PUT', `/api/2/policies/${ID}`, policy, { 'if-equal': 'skip' });
    expect(again.statusCode).toBe(412);
    expect(again.json().error).toBe('policies:precondition.failed');
    expect(again.headers.etag).toBe('"rev:1"');
    const updated = await f.send('PUT', `/api/2/policies/${ID}`, policy, { 'if-equal': 'update' });
    expect(updated.statusCode).toBe(204);
  });

  it('304 and 412 carry the current ETag', async () => {
    const notModified = await f.request({ url: THING, headers: { 'if-none-match': '"rev:1"' } });
    expect(notModified.statusCode).toBe(304);
    expect(notModified.headers.etag).toBe('"rev:1"');
    const failed = await f.send('PUT', `${THING}/attributes/a`, 5, { 'if-match': '"rev:7"' });
    expect(failed.statusCode).toBe(412);
    const current = (await f.request({ url: `${THING}/attributes/a` })).headers.etag;
    expect(failed.headers.etag).toBe(current);
    const policy = await f.request({
      url: `/api/2/policies/${ID}`,
      headers: { 'if-none-match': '*' },
    });
    expect(policy.statusCode).toBe(304);
    expect(policy.headers.etag).toBe('"rev:1"');
  });

  it('skip-minimizing-merge journals only what changes', async () => {
    const res = await f.send(
      'PATCH',
      THING,
      { attributes: { a: 1, color: 'blue' } },
      { 'if-equal': 'skip-minimizing-merge' },
    );
    expect(res.statusCode).toBe(204);
    const events = (await f.request({ url: `${THING}/history?from-revision=2` })).json();
    expect(events[0].value).toEqual({ attributes: { color: 'blue' } });
    const equal = await f.send(
      'PATCH',
      THING,
      { attributes: { color: 'blue' } },
      { 'if-equal': 'skip-minimizing-merge' },
    );
    expect(equal.statusCode).toBe(412);
  });
});

describe('merge patches', () => {
  it('merge-thing-patch-conditions skips the parts whose condition fails (Ditto 3.8)', async () => {
    const res = await f.send(
      'PATCH',
      THING,
      {
        features: {
          temperature: { properties: { value: 25 } },
          humidity: { properties: { value: 60 } },
          status: { properties: { state: 'updated' } },
        },
      },
      {
        'merge-thing-patch-conditions': JSON.stringify({
          'features/temperature/properties/value': 'gt(features/temperature/properties/value,20)',
          'features/humidity/properties/value': 'gt(features/humidity/properties/value,80)',
        }),
      },
    );
    expect(res.statusCode).toBe(204);
    const features = (await f.request({ url: `${THING}/features` })).json();
    expect(features.temperature.properties.value).toBe(15);
    expect(features.humidity.properties.value).toBe(60);
    expect(features.status.properties.state).toBe('updated');
  });

  it('patch condition keys are relative to the merged resource; bad ones are 400s', async () => {
    const res = await f.send(
      'PATCH',
      `${THING}/features`,
      { temperature: { properties: { value: 30 } } },
      {
        'merge-thing-patch-conditions': JSON.stringify({
          'temperature/properties/value': 'lt(features/temperature/properties/value,20)',
        }),
      },
    );
    expect(res.statusCode).toBe(204);
    expect(
      (await f.request({ url: `${THING}/features/temperature/properties/value` })).json(),
    ).toBe(30);
    for (const [value, code] of [
      ['{not json', 'header.invalid'],
      ['{"a":5}', 'header.invalid'],
      ['{"a":"eq(attributes/a"}', 'things:condition.invalid'],
    ] as const) {
      const bad = await f.send(
        'PATCH',
        THING,
        { attributes: { a: 2 } },
        { 'merge-thing-patch-conditions': value },
      );
      expect(bad.statusCode, value).toBe(400);
      expect(bad.json().error).toBe(code);
    }
    expect((await f.request({ url: `${THING}/attributes/a` })).json()).toBe(1);
    const onPut = await f.send('PUT', `${THING}/attributes/a`, 2, {
      'merge-thing-patch-conditions': '{}',
    });
    expect(onPut.statusCode).toBe(400);
  });

  it('{{ ~regex~ }}: null deletes the matching keys before the rest of the patch applies', async () => {
    const res = await f.send('PATCH', `${THING}/attributes/history`, {
      '{{ ~2022-.*~ }}': null,
      '2023-03': 105.21,
    });
    expect(res.statusCode).toBe(204);
    expect((await f.request({ url: `${THING}/attributes/history` })).json()).toEqual({
      '2023-01': 3,
      '2023-03': 105.21,
    });
    // Replayed from the journal, the event gives the same thing.
    await f.restart();
    expect((await f.request({ url: `${THING}/attributes/history` })).json()).toEqual({
      '2023-01': 3,
      '2023-03': 105.21,
    });
  });

  it('an invalid or catastrophic regex is a 400 and changes nothing', async () => {
    for (const key of ['{{ ~(~ }}', '{{ ~(a+)+$~ }}', '{{ ~(a)\\1~ }}']) {
      const res = await f.send('PATCH', `${THING}/attributes/history`, { [key]: null });
      expect(res.statusCode, key).toBe(400);
      expect(res.json().error).toBe('things:merge.invalid');
    }
    expect((await f.request({ url: THING })).headers.etag).toBe('"rev:1"');
  });
});

describe('search and listing parameters', () => {
  beforeEach(async () => {
    for (let i = 0; i < 5; i++) await f.send('PUT', `/api/2/things/org.page:t${i}`, {});
    await f.send('PUT', '/api/2/things/org.other:x', {});
  });

  it('limit(offset,count) pages by offset with nextPageOffset; not with cursor or size', async () => {
    const page = await f.request({
      url: `/api/2/search/things?namespaces=org.page&option=${encodeURIComponent('limit(1,2)')}`,
    });
    expect(page.statusCode).toBe(200);
    expect(page.json()).toEqual({
      items: [
        { thingId: 'org.page:t1', policyId: 'org.page:t1' },
        { thingId: 'org.page:t2', policyId: 'org.page:t2' },
      ],
      nextPageOffset: 3,
    });
    const last = await f.request({
      url: `/api/2/search/things?namespaces=org.page&option=${encodeURIComponent('limit(4,2)')}`,
    });
    expect(last.json()).toEqual({ items: [{ thingId: 'org.page:t4', policyId: 'org.page:t4' }] });
    const withCursor = await f.request({
      url: `/api/2/search/things?option=${encodeURIComponent('limit(0,2),cursor(abc)')}`,
    });
    expect(withCursor.statusCode).toBe(400);
    expect(withCursor.json().description).toBe(
      "The options 'cursor' and 'limit' must not be used together.",
    );
    const withSize = await f.request({
      url: `/api/2/search/things?option=${encodeURIComponent('limit(0,2),size(3)')}`,
    });
    expect(withSize.statusCode).toBe(400);
  });

  it('namespaces limits GET /api/2/things; with ids, and filter there, are 400s', async () => {
    const listed = await f.request({ url: '/api/2/things?namespaces=org.other' });
    expect(listed.json()).toEqual([{ thingId: 'org.other:x', policyId: 'org.other:x' }]);
    const bad = await f.request({ url: '/api/2/things?namespaces=1bad' });
    expect(bad.statusCode).toBe(400);
    const withIds = await f.request({ url: '/api/2/things?ids=org.other:x&namespaces=org.page' });
    expect(withIds.statusCode).toBe(400);
    const filter = await f.request({ url: '/api/2/things?filter=exists(thingId)' });
    expect(filter.statusCode).toBe(400);
  });
});

describe('URLs, media types and definitions', () => {
  it('one trailing slash is tolerated as in Ditto; policy keys keep theirs', async () => {
    expect((await f.request({ url: `${THING}/` })).statusCode).toBe(200);
    expect((await f.request({ url: `${THING}/attributes/` })).json()).toMatchObject({ a: 1 });
    expect((await f.request({ url: `${THING}/attributes/a/` })).json()).toBe(1);
    expect((await f.request({ url: `/api/2/things/?ids=${ID}` })).json()).toHaveLength(1);
    const resource = await f.request({
      url: `/api/2/policies/${ID}/entries/owner/resources/thing:/`,
    });
    expect(resource.statusCode).toBe(200);
    expect((await f.request({ url: `${THING}/attributes//a` })).statusCode).toBe(400);
  });

  it('text/plain bodies are a 415 as in Ditto; octet-stream and no type parse as JSON', async () => {
    const text = await f.request({
      method: 'PUT',
      url: `${THING}/attributes/a`,
      headers: { 'content-type': 'text/plain' },
      payload: '2',
    });
    expect(text.statusCode).toBe(415);
    expect(text.json().error).toBe('mediatype.unsupported');
    const octets = await f.request({
      method: 'PUT',
      url: `${THING}/attributes/a`,
      headers: { 'content-type': 'application/octet-stream' },
      payload: '3',
    });
    expect(octets.statusCode).toBe(204);
    expect((await f.request({ url: `${THING}/attributes/a` })).json()).toBe(3);
  });

  it('definitions may be HTTP(S) URLs (form only, nothing fetched)', async () => {
    const url = 'https://models.example.com/lamp-1.0.0.tm.jsonld';
    expect((await f.send('PUT', `${THING}/definition`, url)).statusCode).toBe(201);
    expect((await f.request({ url: `${THING}/definition` })).json()).toBe(url);
    const feature = await f.send('PUT', `${THING}/features/temperature/definition`, [
      'org.effects:sensor:1.0.0',
      'http://models.example.com/sensor.tm.jsonld',
    ]);
    expect(feature.statusCode).toBe(201);
    for (const bad of ['ftp://models.example.com/x', 'https://', 'http:/x', 'https://a b.com/x']) {
      const res = await f.send('PUT', `${THING}/definition`, bad);
      expect(res.statusCode, bad).toBe(400);
      expect(res.json().error).toBe('things:definition.identifier.invalid');
    }
  });
});
