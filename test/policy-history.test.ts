// Ditto's history headers on policies over HTTP, on SQLite and PostgreSQL: a policy and its parts
// as they were at a revision or an instant, guarded by the policy of today; expiry removals are
// revisions of the history too.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  suiteStore,
  selectedBackends,
  type PostgresTestSchema,
} from '../src/store/test-backends.js';
import { createSecureFixture, type SecureFixture } from './support/secure-app-fixture.js';
import { expectError } from './support/ditto-error.js';

const RW = { grant: ['READ', 'WRITE'], revoke: [] };
const R = { grant: ['READ'], revoke: [] };
const T0 = Date.parse('2031-05-01T10:00:00Z');
const MINUTE = 60_000;

const owner = { subjects: { 'user:alice': { type: 'user' } }, resources: { 'policy:/': RW } };
const readers = (subjects: Record<string, unknown>) => ({ subjects, resources: { 'policy:/': R } });

for (const backend of selectedBackends()) {
  describe(`policy history (${backend})`, () => {
    let clock = T0;
    let fx: SecureFixture;
    let alice: string;
    let bob: string;
    let schema: PostgresTestSchema | null = null;
    let skip = '';

    beforeAll(async () => {
      ({ schema, skip } = await suiteStore(backend));
      if (skip) return;
      fx = await createSecureFixture({
        now: () => clock,
        subjectExpiryGranularity: 1000,
        ...(schema ? { store: schema.url, storeSchema: schema.schema } : {}),
      });
      alice = await fx.addUser('alice');
      bob = await fx.addUser('bob');
    });

    afterAll(async () => {
      await fx?.close();
      await schema?.dispose();
    });

    const get = (url: string, auth: string, headers: Record<string, string> = {}) =>
      fx.request({
        method: 'GET',
        url: `/api/2${url}`,
        headers: { authorization: auth, ...headers },
      });
    const put = async (url: string, body: unknown, status: number) => {
      const response = await fx.send('PUT', `/api/2${url}`, alice, body);
      expect(response.statusCode, response.body).toBe(status);
    };

    /** h:p at revision 1 (T0: bob reads), 2 (T0+1m: carol instead), 3 (T0+2m: an entry more). */
    async function threeRevisions(id: string): Promise<void> {
      clock = T0;
      await put(
        `/policies/${id}`,
        { entries: { owner, readers: readers({ 'user:bob': { type: 'user' } }) } },
        201,
      );
      clock = T0 + MINUTE;
      await put(
        `/policies/${id}/entries/readers/subjects`,
        { 'user:carol': { type: 'user' } },
        204,
      );
      clock = T0 + 2 * MINUTE;
      await put(`/policies/${id}/entries/extra`, readers({ 'user:dave': { type: 'user' } }), 201);
    }

    it('at-historical-revision and -timestamp answer a policy and its parts as they were', async (ctx) => {
      if (skip) return ctx.skip(skip);
      await threeRevisions('h:p');
      const first = await get('/policies/h:p', alice, { 'at-historical-revision': '1' });
      expect(first.statusCode, first.body).toBe(200);
      expect(first.headers.etag).toBe('"rev:1"');
      expect(first.json()).toEqual({
        policyId: 'h:p',
        imports: {},
        entries: { owner, readers: readers({ 'user:bob': { type: 'user' } }) },
      });
      // The current policy is unchanged, and the query parameter form works the same.
      expect((await get('/policies/h:p', alice)).headers.etag).toBe('"rev:3"');
      const subjects = await get(
        '/policies/h:p/entries/readers/subjects?at-historical-revision=2',
        alice,
      );
      expect(subjects.json()).toEqual({ 'user:carol': { type: 'user' } });
      // By time: the last revision at or before it.
      const between = new Date(T0 + MINUTE + 30_000).toISOString();
      const atTime = await get('/policies/h:p', alice, { 'at-historical-timestamp': between });
      expect(atTime.headers.etag).toBe('"rev:2"');
      expect(Object.keys(atTime.json().entries)).toEqual(['owner', 'readers']);
      // fields selects the revision and times of the past revision.
      const fields = await get(
        '/policies/h:p?fields=_revision,_modified&at-historical-revision=1',
        alice,
      );
      expect(fields.json()).toEqual({ _revision: 1, _modified: new Date(T0).toISOString() });
      // A part missing then is named as Ditto names it.
      expectError(
        await get('/policies/h:p/entries/extra', alice, { 'at-historical-revision': '2' }),
        404,
        'policies:entry.notfound',
      );
      // Preconditions weigh the past revision's entity tag.
      const match = await get('/policies/h:p', alice, {
        'at-historical-revision': '1',
        'if-none-match': '"rev:1"',
      });
      expect(match.statusCode).toBe(304);
    });

    it('a revision or time that never was is 404 policies:policy.history.notfound; malformed is 400', async (ctx) => {
      if (skip) return ctx.skip(skip);
      await threeRevisions('h:q');
      const later = await get('/policies/h:q', alice, { 'at-historical-revision': '4' });
      expectError(later, 404, 'policies:policy.history.notfound');
      expect(later.json().message).toBe(
        "The Policy with ID 'h:q' at revision '4' could not be found or requester had insufficient permissions to access it.",
      );
      const before = new Date(T0 - 1).toISOString();
      expectError(
        await get('/policies/h:q', alice, { 'at-historical-timestamp': before }),
        404,
        'policies:policy.history.notfound',
      );
      expectError(
        await get('/policies/h:q', alice, { 'at-historical-revision': 'one' }),
        400,
        'header.invalid',
      );
      expectError(
        await get('/policies/h:q?policy-view=resolved&at-historical-revision=1', alice),
        400,
        'policies:view.invalid',
      );
      // Writes do not take the history headers.
      const write = await fx.request({
        method: 'PUT',
        url: '/api/2/policies/h:q/entries/extra/subjects/user:eve',
        headers: {
          authorization: alice,
          'content-type': 'application/json',
          'at-historical-revision': '1',
        },
        payload: JSON.stringify({ type: 'user' }),
      });
      expect(write.statusCode).toBe(400);
    });

    it('the past is guarded by the policy of today', async (ctx) => {
      if (skip) return ctx.skip(skip);
      await threeRevisions('h:r');
      // bob could read revision 1, but may read nothing today: he learns nothing of it.
      expectError(
        await get('/policies/h:r', bob, { 'at-historical-revision': '1' }),
        404,
        'policies:policy.history.notfound',
      );
      expectError(await get('/policies/h:r', bob), 404, 'policies:policy.notfound');
      // Deleted: gone for its subjects, while an administrator still reads its past.
      clock = T0 + 3 * MINUTE;
      expect((await fx.send('DELETE', '/api/2/policies/h:r', alice)).statusCode).toBe(204);
      expectError(
        await get('/policies/h:r', alice, { 'at-historical-revision': '1' }),
        404,
        'policies:policy.history.notfound',
      );
      expect(
        (await get('/policies/h:r', fx.admin, { 'at-historical-revision': '1' })).statusCode,
      ).toBe(200);
      expectError(
        await get('/policies/h:r', fx.admin, { 'at-historical-revision': '4' }),
        404,
        'policies:policy.history.notfound',
      );
      // Re-created, it continues its revisions and its history.
      await put('/policies/h:r', { entries: { owner } }, 201);
      const again = await get('/policies/h:r', alice, { 'at-historical-revision': '5' });
      expect(again.json()).toEqual({ policyId: 'h:r', imports: {}, entries: { owner } });
      expect(
        (await get('/policies/h:r', alice, { 'at-historical-revision': '2' })).statusCode,
      ).toBe(200);
    });

    it('an expired subject removed from the policy is a revision of its history', async (ctx) => {
      if (skip) return ctx.skip(skip);
      clock = T0;
      // Written back in Ditto's form, without the zero milliseconds.
      const expiry = new Date(T0 + MINUTE).toISOString().replace('.000Z', 'Z');
      await put(
        '/policies/h:x',
        { entries: { owner, readers: readers({ 'user:bob': { type: 'user', expiry } }) } },
        201,
      );
      clock = T0 + 2 * MINUTE;
      const now = await get('/policies/h:x', alice);
      expect(now.headers.etag).toBe('"rev:2"');
      expect(now.json().entries.readers.subjects).toEqual({});
      const past = await get('/policies/h:x/entries/readers/subjects', alice, {
        'at-historical-revision': '1',
      });
      expect(past.json()).toEqual({ 'user:bob': { type: 'user', expiry } });
      const removal = await get('/policies/h:x?fields=_revision,_modified', alice, {
        'at-historical-revision': '2',
      });
      expect(removal.json()._revision).toBe(2);
    });
  });
}
