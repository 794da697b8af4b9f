// The dashboard's generated API types (ui/src/api/generated/openapi.d.ts) are those of the app's OpenAPI document now.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { API_TYPES, generatedApiTypes } from '../scripts/generate-api-types.js';

describe('generated API types', () => {
  it('the committed file is what the OpenAPI document generates (else run npm run generate:api)', async () => {
    const committed = readFileSync(API_TYPES, 'utf8');
    const generated = await generatedApiTypes();
    // A line-wise comparison first: its failure names the first stale line rather than 5,000.
    const first = generated.split('\n').findIndex((line, i) => line !== committed.split('\n')[i]);
    expect(
      first === -1
        ? null
        : generated
            .split('\n')
            .slice(first, first + 3)
            .join('\n'),
    ).toBe(null);
    expect(committed).toBe(generated);
  }, 60_000);

  it('describes the bodies the dashboard reads and sends, not just their paths', () => {
    const committed = readFileSync(API_TYPES, 'utf8');
    // A route without a response schema gives `content?: never`; these must have content.
    for (const path of ['/api/2/search/things', '/api/2/webhooks/{id}/deliveries', '/api/2/tokens'])
      expect(committed.slice(committed.indexOf(`'${path}': {`)).split("\n  '/api/2")[0]).toContain(
        "'application/json':",
      );
  });
});
