// The README's Ditto compatibility table cannot drift from the routes: it must be the generated one.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { RouteInfo } from '../src/api/app.js';
import {
  NOTES,
  README,
  compatibilityRows,
  dittoOpenApiPath,
  dittoOperations,
  generatedReadme,
  type CompatibilityNotes,
  type DittoOperation,
} from '../scripts/ditto-compatibility.js';

const openApi = dittoOpenApiPath();
const whyNot = openApi
  ? null
  : "Ditto's OpenAPI document is not at shared/data/ditto/ditto-api-2.yml beside the repository (or TWINFOLD_DITTO_OPENAPI)";
if (whyNot && process.env.CI === 'true') throw new Error(`ditto-compatibility test: ${whyNot}`);

const op = (method: string, path: string): DittoOperation => ({
  method,
  path,
  tag: 'Things',
  summary: '',
});
const route = (method: string, url: string, hidden = false): RouteInfo => ({
  method,
  url,
  hidden,
});
const notes = (operations: CompatibilityNotes['operations'] = {}): CompatibilityNotes => ({
  general: [],
  scopes: [{ prefix: '/api/2/connections', outOfScope: 'connectivity' }],
  operations,
});

describe('ditto compatibility - states', () => {
  it("matches Ditto's path templates to Fastify routes, parameters and wildcards alike", () => {
    const rows = compatibilityRows(
      [
        op('GET', '/api/2/things/{thingId}/attributes/{attributePath}'),
        op('PUT', '/api/2/things/{thingId}/attributes/{attributePath}'),
        op('DELETE', '/api/2/policies/{policyId}'),
        op('GET', '/api/2/connections/{connectionId}'),
        op('POST', '/api/2/things/{thingId}/inbox/claim'),
      ],
      [
        route('GET', '/api/2/things/:thingId/attributes/*'),
        route('PUT', '/api/2/things/:thingId/attributes/*'),
        route('DELETE', '/api/2/policies/:policyId'),
        route('POST', '/api/2/things/:thingId/inbox/*', true),
      ],
      notes({
        'PUT /api/2/things/{thingId}/attributes/{attributePath}': { differs: 'how' },
        'POST /api/2/things/{thingId}/inbox/claim': { notYet: 'later' },
      }),
    );
    expect(rows.map((row) => [row.state, row.reason, row.route])).toEqual([
      ['same', '', '/api/2/things/:thingId/attributes/*'],
      ['differs', 'how', '/api/2/things/:thingId/attributes/*'],
      ['same', '', '/api/2/policies/:policyId'],
      ['out of scope', 'connectivity', undefined],
      // A hidden route (one that only refuses) does not make an operation served.
      ['not yet', 'later', '/api/2/things/:thingId/inbox/*'],
    ]);
  });

  it('refuses an operation without a route and without a reason, and a reason a route contradicts', () => {
    expect(() =>
      compatibilityRows([op('POST', '/api/2/things/{thingId}/migrateDefinition')], [], notes()),
    ).toThrow(/POST \/api\/2\/things\/\{thingId\}\/migrateDefinition: no route serves it/);
    expect(() =>
      compatibilityRows(
        [op('GET', '/api/2/policies/{policyId}/imports')],
        [route('GET', '/api/2/policies/:policyId/imports')],
        notes({ 'GET /api/2/policies/{policyId}/imports': { notYet: 'issue 9' } }),
      ),
    ).toThrow(
      /served by \/api\/2\/policies\/:policyId\/imports, but the notes say it is not there/,
    );
    expect(() =>
      compatibilityRows(
        [op('GET', '/api/2/whoami')],
        [route('GET', '/api/2/whoami')],
        notes({ 'GET /api/2/who': { differs: 'typo' } }),
      ),
    ).toThrow(/GET \/api\/2\/who: in the notes but not in Ditto's OpenAPI document/);
  });
});

describe.skipIf(!openApi)(
  `ditto compatibility - the README's table${openApi ? '' : ` (skipped: ${whyNot})`}`,
  () => {
    it("covers Ditto's 131 operations, 112 of them under /api/2", () => {
      const operations = dittoOperations(readFileSync(openApi as string, 'utf8'));
      expect(operations).toHaveLength(131);
      expect(operations.filter((o) => o.path.startsWith('/api/2/'))).toHaveLength(112);
      const notesFile = JSON.parse(readFileSync(NOTES, 'utf8')) as CompatibilityNotes;
      expect(Object.keys(notesFile.operations).length).toBeGreaterThan(0);
    });

    it('is the table generated from the app routes (run npx tsx scripts/ditto-compatibility.ts)', async () => {
      const expected = await generatedReadme(openApi as string);
      expect(readFileSync(README, 'utf8')).toBe(expected);
    });
  },
);
