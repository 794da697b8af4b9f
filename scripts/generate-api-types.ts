// Writes the dashboard's API types (ui/src/api/generated/openapi.d.ts) from the app's own OpenAPI document.
//
//   npm run generate:api            rewrites the file
//   npm run generate:api -- --check exits 1 when the committed file is out of date
//
// The document comes from the app as the composition root builds it (access control on, so the
// identity routes are there), asked in-process: no port is opened.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import openapiTS, { astToString, type OpenAPI3 } from 'openapi-typescript';
import { format, resolveConfig } from 'prettier';
import { withThrowawayPlatform } from './throwaway-platform.js';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const API_TYPES = join(REPO, 'ui', 'src', 'api', 'generated', 'openapi.d.ts');

const HEADER = `// The API's types, generated from its OpenAPI document by scripts/generate-api-types.ts: do not edit.
// Regenerate with \`npm run generate:api\` after changing a route's schema.
`;

/** The OpenAPI document that GET /api/2/openapi.json serves, from a throw-away app. */
export async function openApiDocument(): Promise<OpenAPI3> {
  return withThrowawayPlatform(async (platform) => {
    const response = await platform.app.inject({ method: 'GET', url: '/api/2/openapi.json' });
    if (response.statusCode !== 200)
      throw new Error(`GET /api/2/openapi.json answered ${response.statusCode}`);
    return JSON.parse(response.body) as OpenAPI3;
  });
}

/** The text of ui/src/api/generated/openapi.d.ts as it should be (formatted like the rest). */
export async function generatedApiTypes(): Promise<string> {
  const document = await openApiDocument();
  // The version would make every release a change of the file, for nothing a type depends on.
  document.info = { ...document.info, version: '' };
  const types = astToString(await openapiTS(document, { alphabetize: true }));
  const options = (await resolveConfig(API_TYPES)) ?? {};
  return format(HEADER + types, { ...options, filepath: API_TYPES });
}

async function main(): Promise<void> {
  const next = await generatedApiTypes();
  let current = '';
  try {
    current = readFileSync(API_TYPES, 'utf8');
  } catch {
    // Not generated yet.
  }
  if (process.argv.includes('--check')) {
    if (next !== current) {
      process.stderr.write(`${API_TYPES} is out of date: run npm run generate:api\n`);
      process.exit(1);
    }
    return;
  }
  if (next !== current) writeFileSync(API_TYPES, next);
  process.stdout.write(next === current ? 'API types are up to date\n' : 'API types written\n');
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  });
}
