import { describe, expect, it } from 'vitest';
import { ConfigError, DEFAULTS, resolveConfig } from './config.js';

describe('serve configuration', () => {
  it('uses the documented defaults', () => {
    expect(resolveConfig({}, {})).toEqual(DEFAULTS);
    expect(DEFAULTS).toMatchObject({
      port: 8080,
      host: '127.0.0.1',
      data: './data',
      mqttPort: 1883,
      store: 'sqlite',
      bus: 'local',
    });
  });

  it('reads TWINFOLD_* variables and lets flags win', () => {
    const env = {
      TWINFOLD_PORT: '9000',
      TWINFOLD_HOST: '0.0.0.0',
      TWINFOLD_DATA: '/d',
      TWINFOLD_MQTT_PORT: '0',
      TWINFOLD_DURABILITY: 'power',
    };
    expect(resolveConfig({}, env)).toMatchObject({
      port: 9000,
      host: '0.0.0.0',
      data: '/d',
      mqttPort: 0,
      durability: 'power',
    });
    expect(resolveConfig({ port: '7000' }, env).port).toBe(7000);
  });

  it('puts the search index in memory by default, or in the store with --index store / TWINFOLD_INDEX', () => {
    expect(resolveConfig({}, {}).index).toBe('memory');
    expect(resolveConfig({}, { TWINFOLD_INDEX: 'store' }).index).toBe('store');
    expect(resolveConfig({ index: 'memory' }, { TWINFOLD_INDEX: 'store' }).index).toBe('memory');
    expect(() => resolveConfig({ index: 'sqlite' }, {})).toThrow(
      /--index must be 'memory' or 'store', got 'sqlite'/,
    );
    // The store index has no time budget: one given with it would be ignored, so it is refused.
    expect(() => resolveConfig({ index: 'store', searchTimeoutMs: '2000' }, {})).toThrow(
      /--search-timeout-ms applies to --index memory only/,
    );
    expect(resolveConfig({ searchTimeoutMs: '2000' }, {}).searchTimeoutMs).toBe(2000);
  });

  it('bounds connections, header and search time', () => {
    expect(DEFAULTS).toMatchObject({
      maxConnections: 10_000,
      headersTimeoutMs: 10_000,
      searchTimeoutMs: 5_000,
    });
    const env = { TWINFOLD_MAX_CONNECTIONS: '50', TWINFOLD_SEARCH_TIMEOUT_MS: '2000' };
    expect(resolveConfig({ headersTimeoutMs: '500' }, env)).toMatchObject({
      maxConnections: 50,
      headersTimeoutMs: 500,
      searchTimeoutMs: 2000,
    });
    expect(() => resolveConfig({ maxConnections: '0' }, {})).toThrow(
      /--max-connections must be a whole number from 1/,
    );
    expect(() => resolveConfig({ searchTimeoutMs: 'soon' }, {})).toThrow(ConfigError);
  });

  it('rejects bad values with messages that say what is allowed', () => {
    expect(() => resolveConfig({ port: 'eighty' }, {})).toThrow(
      /--port .* whole number from 0 to 65535/,
    );
    expect(() => resolveConfig({ port: '70000' }, {})).toThrow(ConfigError);
    expect(() => resolveConfig({ store: 'mysql://x' }, {})).toThrow(
      /'sqlite' or a postgres:\/\/ URL/,
    );
    expect(() => resolveConfig({ bus: 'kafka' }, {})).toThrow(/'local' or a nats:\/\/ URL/);
    expect(() => resolveConfig({ durability: 'maybe' }, {})).toThrow(/'process' or 'power'/);
  });

  it('reads the metrics token from --metrics-token or TWINFOLD_METRICS_TOKEN; unset keeps /metrics public', () => {
    expect(resolveConfig({}, {}).metricsToken).toBeUndefined();
    const env = { TWINFOLD_METRICS_TOKEN: 'scrape-secret-from-env' };
    expect(resolveConfig({}, env).metricsToken).toBe('scrape-secret-from-env');
    expect(resolveConfig({ metricsToken: 'scrape-secret-from-flag' }, env).metricsToken).toBe(
      'scrape-secret-from-flag',
    );
    expect(() => resolveConfig({ metricsToken: 'short' }, {})).toThrow(
      /--metrics-token .* at least 16 visible ASCII/,
    );
    expect(() => resolveConfig({ metricsToken: 'has a space in it, sadly' }, {})).toThrow(
      ConfigError,
    );
  });
});
