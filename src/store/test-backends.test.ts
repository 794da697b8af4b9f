// Tests of the backend selection that every storage contract suite uses.
import { describe, expect, it } from 'vitest';
import { DEFAULT_TEST_POSTGRES_URL, selectedBackends, testPostgresUrl } from './test-backends.js';

describe('test backends', () => {
  it('selects every backend by default and narrows to TWINFOLD_TEST_STORES', () => {
    expect(selectedBackends({})).toEqual(['sqlite', 'postgres']);
    expect(selectedBackends({ TWINFOLD_TEST_STORES: '' })).toEqual(['sqlite', 'postgres']);
    expect(selectedBackends({ TWINFOLD_TEST_STORES: 'postgres' })).toEqual(['postgres']);
    expect(selectedBackends({ TWINFOLD_TEST_STORES: ' postgres , sqlite ' })).toEqual([
      'sqlite',
      'postgres',
    ]);
  });

  it('refuses a store name it does not know, rather than skipping it silently', () => {
    expect(() => selectedBackends({ TWINFOLD_TEST_STORES: 'sqlite,postgress' })).toThrow(
      /unknown store "postgress"/,
    );
  });

  it('uses the machine PostgreSQL unless TWINFOLD_TEST_POSTGRES_URL says otherwise', () => {
    expect(testPostgresUrl({})).toBe(DEFAULT_TEST_POSTGRES_URL);
    expect(testPostgresUrl({ TWINFOLD_TEST_POSTGRES_URL: 'postgres://db/x' })).toBe(
      'postgres://db/x',
    );
  });
});
