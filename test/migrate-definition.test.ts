// Type evolution through the real application: Ditto's migrateDefinition moves a twin to another
// type version in one revision (the new version's derived values appear), dry-run changes nothing,
// a payload the new schemas refuse is a 400 that changes nothing, patch conditions, schema
// defaults and thing-json placeholders as Ditto has them; and the bulk form over an RQL filter.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectError } from './support/ditto-error.js';
import { createSecureFixture, type SecureFixture } from './support/secure-app-fixture.js';

/** A rack as the tests read it. */
interface Rack {
  _revision: number;
  definition: string;
  attributes: Record<string, unknown>;
  features: { power: { properties: Record<string, unknown> } };
}

/** A twin's result in a bulk migration. */
interface TwinResult {
  thingId: string;
  status: number;
  mergeStatus?: string;
  error?: string;
}

/** A bulk migration as the tests read it. */
interface BulkView {
  migrationId: string;
  state: string;
  progress: Record<string, number>;
  results: TwinResult[];
}

let fx: SecureFixture;
let bob: string;

const V1 = 'mig:rack:1.0.0';
const V2 = 'mig:rack:2.0.0';
const RACK_V1 = {
  schema: {
    features: { power: { type: 'object', properties: { watts: { type: 'number' } } } },
  },
  derived: { 'features/power/properties/kw': 'features.power.properties.watts / 1000.0' },
};
const RACK_V2 = {
  schema: {
    attributes: {
      type: 'object',
      properties: {
        site: { type: 'string', default: 'ams' },
        rack: { type: 'string' },
        label: { type: 'string' },
      },
    },
    features: {
      power: {
        type: 'object',
        properties: {
          watts: { type: 'number', minimum: 0 },
          volts: { type: 'number', default: 230 },
        },
      },
    },
  },
  derived: {
    'features/power/properties/kw': 'features.power.properties.watts / 1000.0',
    'features/power/properties/amps': 'features.power.properties.watts / 230.0',
  },
};

beforeAll(async () => {
  fx = await createSecureFixture();
  bob = await fx.addUser('bob');
  for (const [id, doc] of [
    [V1, RACK_V1],
    [V2, RACK_V2],
  ] as const) {
    const response = await fx.send('PUT', `/api/2/types/${id}`, fx.admin, doc);
    expect(response.statusCode, response.body).toBe(201);
  }
});
afterAll(async () => {
  await fx.close();
});

async function rack(name: string, watts: number, attributes: object = { rack: 'r1' }) {
  const thingId = `mig:${name}`;
  const response = await fx.send('PUT', `/api/2/things/${thingId}`, fx.admin, {
    definition: V1,
    attributes,
    features: { power: { properties: { watts } } },
  });
  expect(response.statusCode, response.body).toBe(201);
  return thingId;
}

async function thing(thingId: string): Promise<Rack> {
  const response = await fx.send(
    'GET',
    `/api/2/things/${thingId}?fields=_revision,definition,attributes,features`,
    fx.admin,
  );
  expect(response.statusCode, response.body).toBe(200);
  return response.json();
}

const migrate = (thingId: string, body: unknown, query = '', auth = fx.admin) =>
  fx.send('POST', `/api/2/things/${thingId}/migrateDefinition${query}`, auth, body);

describe('POST /api/2/things/{thingId}/migrateDefinition', () => {
  it('moves the twin to the new version in one revision, with its derived values', async () => {
    const id = await rack('applied', 460);
    const before = await thing(id);
    expect(before.features.power.properties).toEqual({ watts: 460, kw: 0.46 });
    const response = await migrate(id, { thingDefinitionUrl: V2 });
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json()).toEqual({
      thingId: id,
      patch: { definition: V2 },
      mergeStatus: 'APPLIED',
    });
    expect(response.headers.etag).toBe(`"rev:${before._revision + 1}"`);
    const after = await thing(id);
    expect(after._revision).toBe(before._revision + 1);
    expect(after.definition).toBe(V2);
    expect(after.features.power.properties).toEqual({ watts: 460, kw: 0.46, amps: 2 });
    // The new version governs later changes too.
    const write = await fx.send(
      'PUT',
      `/api/2/things/${id}/features/power/properties/watts`,
      fx.admin,
      690,
    );
    expect(write.statusCode, write.body).toBe(204);
    expect((await thing(id)).features.power.properties.amps).toBe(3);
  });

  it('gives a twin moved by a plain PUT of its definition everything the new version derives', async () => {
    const id = await rack('put-definition', 460);
    const response = await fx.send('PUT', `/api/2/things/${id}/definition`, fx.admin, V2);
    expect(response.statusCode, response.body).toBe(204);
    expect((await thing(id)).features.power.properties).toEqual({ watts: 460, kw: 0.46, amps: 2 });
  });

  it('journals the migration and its consequences as one event of one revision', async () => {
    const id = await rack('journaled', 230);
    await migrate(id, { thingDefinitionUrl: V2, migrationPayload: { attributes: { label: 'x' } } });
    const history = await fx.send('GET', `/api/2/things/${id}/history`, fx.admin);
    expect(history.statusCode, history.body).toBe(200);
    const events = history.json() as { revision: number; value: unknown }[];
    expect(events.map((e) => e.revision)).toEqual([1, 2]);
    // The migration's event carries the new definition, the payload and what the new version derived.
    expect(events[1].value).toEqual({
      definition: V2,
      attributes: { label: 'x' },
      features: { power: { properties: { amps: 1 } } },
    });
  });

  it('streams the migration as one committed event; a dry run streams none', async () => {
    const id = await rack('streamed', 460);
    const subscription = fx.runtime.events.subscribe();
    const dry = await migrate(id, { thingDefinitionUrl: V2 }, '?dry-run=true');
    expect(dry.statusCode, dry.body).toBe(202);
    const applied = await migrate(id, { thingDefinitionUrl: V2 });
    expect(applied.statusCode, applied.body).toBe(200);
    const first = await subscription.next();
    subscription.return?.();
    expect(first.done).toBe(false);
    expect(first.value).toMatchObject({
      thingId: id,
      revision: 2,
      value: { definition: V2, features: { power: { properties: { amps: 2 } } } },
    });
  });

  it('dry-run (query or header) answers 202 DRY_RUN with the patch and changes nothing', async () => {
    const id = await rack('dry', 460);
    const before = await thing(id);
    const body = { thingDefinitionUrl: V2, migrationPayload: { attributes: { label: 'new' } } };
    const byQuery = await migrate(id, body, '?dry-run=true');
    expect(byQuery.statusCode, byQuery.body).toBe(202);
    expect(byQuery.json()).toEqual({
      thingId: id,
      patch: { definition: V2, attributes: { label: 'new' } },
      mergeStatus: 'DRY_RUN',
    });
    const byHeader = await fx.request({
      method: 'POST',
      url: `/api/2/things/${id}/migrateDefinition`,
      headers: { authorization: fx.admin, 'content-type': 'application/json', 'dry-run': 'true' },
      payload: JSON.stringify(body),
    });
    expect(byHeader.statusCode, byHeader.body).toBe(202);
    expect(byHeader.json().mergeStatus).toBe('DRY_RUN');
    expect(await thing(id)).toEqual(before);
    // A dry run left no behaviour state of the new version behind: the real one still derives.
    const real = await migrate(id, body);
    expect(real.statusCode, real.body).toBe(200);
    expect((await thing(id)).features.power.properties.amps).toBe(2);
  });

  it('refuses a payload the new schemas refuse with a 400, dry or not, and changes nothing', async () => {
    const id = await rack('invalid', 100);
    const before = await thing(id);
    const body = {
      thingDefinitionUrl: V2,
      migrationPayload: { features: { power: { properties: { watts: -5 } } } },
    };
    expectError(await migrate(id, body), 400, 'wot:payload.validation.error');
    expectError(await migrate(id, body, '?dry-run=true'), 400, 'wot:payload.validation.error');
    // The thing as it is does not fit the new schema either: a wrong attribute type.
    const wrong = await rack('wrong', 100, { rack: 7 });
    expectError(
      await migrate(wrong, { thingDefinitionUrl: V2 }),
      400,
      'wot:payload.validation.error',
    );
    expect(await thing(id)).toEqual(before);
    expect((await thing(wrong)).definition).toBe(V1);
  });

  it('leaves out the parts whose patch condition fails, as Ditto does', async () => {
    const id = await rack('conditions', 100, { rack: 'r9' });
    const response = await migrate(id, {
      thingDefinitionUrl: V2,
      migrationPayload: { attributes: { rack: 'r1', label: 'kept' } },
      patchConditions: {
        'thing:/attributes/rack': 'not(exists(attributes/rack))',
        'thing:/attributes/label': 'eq(attributes/rack,"r9")',
      },
    });
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json().patch).toEqual({ definition: V2, attributes: { label: 'kept' } });
    expect((await thing(id)).attributes).toEqual({ rack: 'r9', label: 'kept' });
    expectError(
      await migrate(id, {
        thingDefinitionUrl: V2,
        patchConditions: { 'thing:/attributes': 'eq(' },
      }),
      400,
      'rql.expression.invalid',
    );
  });

  it('initializes what the thing lacks from the schema defaults, keeping what it has', async () => {
    const id = await rack('defaults', 100, { rack: 'r1', site: 'fra' });
    const response = await migrate(id, {
      thingDefinitionUrl: V2,
      initializeMissingPropertiesFromDefaults: true,
    });
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json().patch).toEqual({
      definition: V2,
      features: { power: { properties: { volts: 230 } } },
    });
    const after = await thing(id);
    expect(after.attributes).toEqual({ rack: 'r1', site: 'fra' });
    expect(after.features.power.properties.volts).toBe(230);
  });

  it('resolves thing-json placeholders from the thing, keeping the JSON type', async () => {
    const id = await rack('placeholders', 460);
    const response = await migrate(id, {
      thingDefinitionUrl: V2,
      migrationPayload: {
        attributes: { label: 'rack {{ thing-json:attributes/rack }}' },
        features: {
          power: { properties: { volts: '{{ thing-json:/features/power/properties/watts }}' } },
        },
      },
    });
    expect(response.statusCode, response.body).toBe(200);
    const after = await thing(id);
    expect(after.attributes.label).toBe('rack r1');
    expect(after.features.power.properties.volts).toBe(460);
    expectError(
      await migrate(id, {
        thingDefinitionUrl: V2,
        migrationPayload: { attributes: { label: '{{ thing-json:attributes/none }}' } },
      }),
      400,
      'placeholder:unresolved',
    );
  });

  it('takes the type as an id or as its URL, and refuses one it cannot resolve', async () => {
    const id = await rack('urls', 230);
    const byUrl = await migrate(id, {
      thingDefinitionUrl: `http://localhost/api/2/types/${V2}`,
    });
    expect(byUrl.statusCode, byUrl.body).toBe(200);
    expect((await thing(id)).definition).toBe(V2);
    for (const definition of ['mig:rack:9.9.9', 'https://models.example.com/rack-1.0.0.tm.jsonld'])
      expectError(
        await migrate(id, { thingDefinitionUrl: definition }),
        400,
        'wot:skeleton.generation.failed',
      );
  });

  it('needs WRITE on thing:/definition and on every part the patch sets', async () => {
    const policy = await fx.send('PUT', '/api/2/policies/mig:definition-only', fx.admin, {
      entries: {
        keeper: {
          subjects: { 'user:keeper': { type: 'user' } },
          resources: { 'policy:/': { grant: ['READ', 'WRITE'], revoke: [] } },
        },
        bob: {
          subjects: { 'user:bob': { type: 'user' } },
          resources: {
            'thing:/': { grant: ['READ'], revoke: [] },
            'thing:/definition': { grant: ['WRITE'], revoke: [] },
          },
        },
      },
    });
    expect(policy.statusCode, policy.body).toBe(201);
    const made = await fx.send('PUT', '/api/2/things/mig:definition-only', fx.admin, {
      policyId: 'mig:definition-only',
      definition: V1,
      features: { power: { properties: { watts: 460 } } },
    });
    expect(made.statusCode, made.body).toBe(201);
    const id = 'mig:definition-only';
    const withPayload = {
      thingDefinitionUrl: V2,
      migrationPayload: { attributes: { label: 'x' } },
    };
    expectError(
      await migrate(id, withPayload, '?dry-run=true', bob),
      403,
      'things:thing.notmodifiable',
    );
    expectError(await migrate(id, withPayload, '', bob), 403, 'things:thing.notmodifiable');
    expect((await thing(id)).definition).toBe(V1);
    const plain = await migrate(id, { thingDefinitionUrl: V2 }, '', bob);
    expect(plain.statusCode, plain.body).toBe(200);
    expect((await thing(id)).features.power.properties.amps).toBe(2);
  });

  it('refuses bad bodies and queries, unknown twins and callers without WRITE', async () => {
    const id = await rack('refusals', 10);
    expectError(await migrate(id, {}), 400, 'things:migration.request.invalid');
    expectError(
      await migrate(id, { thingDefinitionUrl: V2, extra: 1 }),
      400,
      'things:migration.request.invalid',
    );
    expectError(
      await migrate(id, { thingDefinitionUrl: V2, migrationPayload: { policyId: 'x:y' } }),
      400,
      'things:migration.request.invalid',
    );
    expect((await migrate(id, { thingDefinitionUrl: V2 }, '?dry-run=maybe')).statusCode).toBe(400);
    expectError(
      await migrate('mig:nothing', { thingDefinitionUrl: V2 }),
      404,
      'things:thing.notfound',
    );
    // bob may read nothing of it: the twin does not exist for him, dry or not.
    expectError(
      await migrate(id, { thingDefinitionUrl: V2 }, '', bob),
      404,
      'things:thing.notfound',
    );
    expectError(
      await migrate(id, { thingDefinitionUrl: V2 }, '?dry-run=true', bob),
      404,
      'things:thing.notfound',
    );
    expect((await thing(id)).definition).toBe(V1);
  });
});

async function settled(migrationId: string): Promise<BulkView> {
  for (let i = 0; i < 200; i++) {
    const response = await fx.send('GET', `/api/2/migrations/${migrationId}`, fx.admin);
    expect(response.statusCode, response.body).toBe(200);
    const view = response.json();
    if (view.state !== 'running') return view;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error('the migration did not finish');
}

describe('POST /api/2/migrations (the bulk form)', () => {
  it('migrates every twin the filter selects, dry first, with per-twin results', async () => {
    const ids = [
      await rack('bulk-a', 230),
      await rack('bulk-b', 460),
      await rack('bulk-c', 100, { rack: 3 }),
    ];
    const body = {
      filter: 'and(like(thingId,"mig:bulk-*"),eq(definition,"mig:rack:1.0.0"))',
      thingDefinitionUrl: V2,
    };
    const dry = await fx.send('POST', '/api/2/migrations?dry-run=true', fx.admin, body);
    expect(dry.statusCode, dry.body).toBe(202);
    expect(dry.headers.location).toMatch(/\/api\/2\/migrations\/[0-9a-f-]+$/);
    const dryView = await settled(dry.json().migrationId);
    expect(dryView).toMatchObject({
      state: 'succeeded',
      dryRun: true,
      progress: { twins: 3, done: 3, succeeded: 2, failed: 1, fraction: 1 },
    });
    expect(
      dryView.results.map((r: TwinResult) => [r.thingId, r.status, r.mergeStatus ?? r.error]),
    ).toEqual([
      [ids[0], 202, 'DRY_RUN'],
      [ids[1], 202, 'DRY_RUN'],
      [ids[2], 400, 'wot:payload.validation.error'],
    ]);
    for (const id of ids) expect((await thing(id)).definition).toBe(V1);

    const real = await fx.send('POST', '/api/2/migrations', fx.admin, body);
    expect(real.statusCode, real.body).toBe(202);
    const view = await settled(real.json().migrationId);
    expect(view.progress).toMatchObject({ twins: 3, succeeded: 2, failed: 1 });
    expect((await thing(ids[0])).features.power.properties.amps).toBe(1);
    expect((await thing(ids[1])).features.power.properties.amps).toBe(2);
    expect((await thing(ids[2])).definition).toBe(V1);
    const list = await fx.send('GET', '/api/2/migrations', fx.admin);
    expect(list.json().map((m: BulkView) => m.migrationId)).toContain(real.json().migrationId);
  });

  it('migrates a set larger than one chunk, every twin once, results in id order', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 150; i++) ids.push(await rack(`many-${String(i).padStart(3, '0')}`, 230));
    const started = await fx.send('POST', '/api/2/migrations', fx.admin, {
      filter: 'like(thingId,"mig:many-*")',
      thingDefinitionUrl: V2,
    });
    expect(started.statusCode, started.body).toBe(202);
    const view = await settled(started.json().migrationId);
    expect(view.progress).toMatchObject({ twins: 150, done: 150, succeeded: 150, failed: 0 });
    expect(view.results.map((r) => r.thingId)).toEqual(ids);
    for (const id of [ids[0], ids[64], ids[149]]) {
      const after = await thing(id);
      expect(after._revision).toBe(2);
      expect(after.features.power.properties.amps).toBe(1);
    }
  });

  it('checks each twin against its own policy', async () => {
    const entries = (rights: string[]) => ({
      entries: {
        admin: {
          subjects: { 'user:keeper': { type: 'user' } },
          resources: { 'policy:/': { grant: ['READ', 'WRITE'], revoke: [] } },
        },
        bob: {
          subjects: { 'user:bob': { type: 'user' } },
          resources: { 'thing:/': { grant: rights, revoke: [] } },
        },
      },
    });
    for (const [policyId, rights] of [
      ['mig:bob-writes', ['READ', 'WRITE']],
      ['mig:bob-reads', ['READ']],
    ] as const) {
      const response = await fx.send(
        'PUT',
        `/api/2/policies/${policyId}`,
        fx.admin,
        entries([...rights]),
      );
      expect(response.statusCode, response.body).toBe(201);
    }
    for (const [name, policyId] of [
      ['perm-w', 'mig:bob-writes'],
      ['perm-r', 'mig:bob-reads'],
    ]) {
      const response = await fx.send('PUT', `/api/2/things/mig:${name}`, fx.admin, {
        policyId,
        definition: V1,
        features: { power: { properties: { watts: 230 } } },
      });
      expect(response.statusCode, response.body).toBe(201);
    }
    const started = await fx.send('POST', '/api/2/migrations', bob, {
      filter: 'like(thingId,"mig:perm-*")',
      thingDefinitionUrl: V2,
    });
    expect(started.statusCode, started.body).toBe(202);
    // bob sees his own migration; the administrator sees it too; nobody else would.
    const view = await settled(started.json().migrationId);
    expect(view.results.map((r: TwinResult) => [r.thingId, r.status])).toEqual([
      ['mig:perm-r', 403],
      ['mig:perm-w', 200],
    ]);
    expect((await thing('mig:perm-r')).definition).toBe(V1);
    expect((await thing('mig:perm-w')).definition).toBe(V2);
  });

  it('refuses a request without a filter or with a bad one', async () => {
    expectError(
      await fx.send('POST', '/api/2/migrations', fx.admin, { thingDefinitionUrl: V2 }),
      400,
      'things:migration.request.invalid',
    );
    expectError(
      await fx.send('POST', '/api/2/migrations', fx.admin, {
        thingDefinitionUrl: V2,
        filter: 'eq(',
      }),
      400,
      'things:migration.request.invalid',
    );
    expectError(
      await fx.send('GET', '/api/2/migrations/none', fx.admin),
      404,
      'things:migration.notfound',
    );
  });
});
