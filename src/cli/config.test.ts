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

  it('keeps series unless --series off / TWINFOLD_SERIES=off; the series points limit is checked', () => {
    expect(resolveConfig({}, {}).series).toBe('on');
    expect(resolveConfig({}, { TWINFOLD_SERIES: 'off' }).series).toBe('off');
    expect(resolveConfig({ series: 'on' }, { TWINFOLD_SERIES: 'off' }).series).toBe('on');
    expect(() => resolveConfig({ series: 'no' }, {})).toThrow(
      /--series must be 'on' or 'off', got 'no'/,
    );
    expect(resolveConfig({}, {}).maxSeriesPoints).toBe(100_000);
    expect(resolveConfig({ maxSeriesPoints: '5000' }, {}).maxSeriesPoints).toBe(5000);
    expect(() => resolveConfig({}, { TWINFOLD_MAX_SERIES_POINTS: 'lots' })).toThrow(
      /--max-series-points \/ TWINFOLD_MAX_SERIES_POINTS must be a whole number/,
    );
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

  it('reads allowed CORS origins from --cors-origin or TWINFOLD_CORS_ORIGIN, none by default', () => {
    expect(resolveConfig({}, {}).corsOrigin).toEqual([]);
    const env = { TWINFOLD_CORS_ORIGIN: 'http://127.0.0.1:5173' };
    expect(resolveConfig({}, env).corsOrigin).toEqual(['http://127.0.0.1:5173']);
    expect(
      resolveConfig(
        { corsOrigin: ' https://ui.example , http://localhost:3000,https://ui.example' },
        env,
      ).corsOrigin,
    ).toEqual(['https://ui.example', 'http://localhost:3000']);
    expect(resolveConfig({ corsOrigin: '*' }, {}).corsOrigin).toEqual(['*']);
  });

  it('refuses CORS origins that browsers never send, saying what an origin is', () => {
    const refuse = (value: string, message: RegExp) =>
      expect(() => resolveConfig({ corsOrigin: value }, {})).toThrow(message);
    refuse(
      'https://ui.example/',
      /--cors-origin .*'https:\/\/ui.example\/' is not an origin.*\(https:\/\/ui.example\)/,
    );
    refuse('https://ui.example/app', /not an origin: give scheme, host and port only/);
    refuse('http://ui.example:80', /\(http:\/\/ui.example\)/);
    refuse('HTTPS://UI.example', /\(https:\/\/ui.example\)/);
    refuse('ui.example', /'ui.example' is not an origin such as https:\/\/ui.example:8443/);
    refuse('ftp://ui.example', /must be an http:\/\/ or https:\/\/ origin/);
    refuse('null', /'null' is not an origin/);
    refuse('*,https://ui.example', /'\*' allows every origin: give it alone/);
    refuse(' , ', /at least one origin/);
    expect(() => resolveConfig({}, { TWINFOLD_CORS_ORIGIN: 'https://x.example/' })).toThrow(
      /TWINFOLD_CORS_ORIGIN/,
    );
  });

  it('reads the namespace of POST /things from --default-namespace or TWINFOLD_DEFAULT_NAMESPACE', () => {
    expect(resolveConfig({}, {}).defaultNamespace).toBe('org.eclipse.ditto');
    const env = { TWINFOLD_DEFAULT_NAMESPACE: 'org.env' };
    expect(resolveConfig({}, env).defaultNamespace).toBe('org.env');
    expect(resolveConfig({ defaultNamespace: 'org.flag' }, env).defaultNamespace).toBe('org.flag');
    expect(() => resolveConfig({ defaultNamespace: 'not a namespace' }, {})).toThrow(
      /--default-namespace must be a Ditto namespace/,
    );
  });

  it('reads --nats-url, --amqp-url and --events-nats, refusing what they cannot use', () => {
    const none = resolveConfig({}, {});
    expect([none.natsUrl, none.amqpUrl, none.eventsNats]).toEqual([
      undefined,
      undefined,
      undefined,
    ]);
    const env = {
      TWINFOLD_NATS_URL: 'nats://127.0.0.1:4222',
      TWINFOLD_AMQP_URL: 'amqp://guest:guest@127.0.0.1:5672',
      TWINFOLD_EVENTS_NATS: 'true',
    };
    expect(resolveConfig({}, env)).toMatchObject({
      natsUrl: 'nats://127.0.0.1:4222',
      amqpUrl: 'amqp://guest:guest@127.0.0.1:5672',
      eventsNats: 'twinfold.events',
    });
    expect(resolveConfig({ eventsNats: true, natsUrl: 'nats://n:4222' }, {}).eventsNats).toBe(
      'twinfold.events',
    );
    expect(resolveConfig({ eventsNats: 'acme.twins' }, env).eventsNats).toBe('acme.twins');
    expect(resolveConfig({ eventsNats: 'false' }, env).eventsNats).toBeUndefined();
    expect(() => resolveConfig({ eventsNats: true }, {})).toThrow(/--events-nats needs --nats-url/);
    expect(() => resolveConfig({ eventsNats: 'a.*' }, env)).toThrow(/without wildcards/);
    expect(() => resolveConfig({ natsUrl: 'http://x:4222' }, {})).toThrow(
      /--nats-url .* nats:\/\//,
    );
    expect(() => resolveConfig({ amqpUrl: 'rabbit' }, {})).toThrow(/--amqp-url .* amqp:\/\//);
  });

  it('reads the webhook retry cap and timeout from flags or TWINFOLD_WEBHOOK_*, refusing bad values', () => {
    expect(DEFAULTS).toMatchObject({ webhookRetryMaxMs: 300_000, webhookTimeoutMs: 10_000 });
    const env = { TWINFOLD_WEBHOOK_RETRY_MAX_MS: '2000', TWINFOLD_WEBHOOK_TIMEOUT_MS: '500' };
    expect(resolveConfig({}, env)).toMatchObject({
      webhookRetryMaxMs: 2000,
      webhookTimeoutMs: 500,
    });
    expect(resolveConfig({ webhookRetryMaxMs: '50' }, env).webhookRetryMaxMs).toBe(50);
    expect(() => resolveConfig({ webhookRetryMaxMs: 'soon' }, {})).toThrow(
      /--webhook-retry-max-ms \/ TWINFOLD_WEBHOOK_RETRY_MAX_MS must be a whole number/,
    );
    expect(() => resolveConfig({}, { TWINFOLD_WEBHOOK_TIMEOUT_MS: '10' })).toThrow(
      /--webhook-timeout-ms \/ TWINFOLD_WEBHOOK_TIMEOUT_MS must be a whole number from 100/,
    );
  });

  it('reads the subject expiry granularity (Ditto default 1h) from its flag or TWINFOLD_SUBJECT_EXPIRY_GRANULARITY', () => {
    expect(resolveConfig({}, {}).subjectExpiryGranularity).toBe(3_600_000);
    const env = { TWINFOLD_SUBJECT_EXPIRY_GRANULARITY: '10s' };
    expect(resolveConfig({}, env).subjectExpiryGranularity).toBe(10_000);
    expect(resolveConfig({ subjectExpiryGranularity: '1d' }, env).subjectExpiryGranularity).toBe(
      86_400_000,
    );
    expect(resolveConfig({ subjectExpiryGranularity: '0' }, {}).subjectExpiryGranularity).toBe(0);
    for (const bad of ['1 hour', '-1s', '5w', ''])
      expect(() => resolveConfig({ subjectExpiryGranularity: bad }, {})).toThrow(
        /--subject-expiry-granularity must be a duration/,
      );
  });

  it('takes an external MQTT broker, which turns the embedded one off, and refuses bad MQTT settings', () => {
    const external = resolveConfig({}, { TWINFOLD_MQTT_URL: 'mqtt://u:p@broker.local:1884' });
    expect(external).toMatchObject({ mqttUrl: 'mqtt://u:p@broker.local:1884', mqttPort: 0 });
    expect(resolveConfig({ mqttClientId: 'twinfold-a' }, {}).mqttClientId).toBe('twinfold-a');
    expect(resolveConfig({ mqttHost: '0.0.0.0' }, {}).mqttHost).toBe('0.0.0.0');
    expect(() => resolveConfig({ mqttUrl: 'http://broker:1883' }, {})).toThrow(
      /--mqtt-url \/ TWINFOLD_MQTT_URL must start with mqtt:\/\/ or mqtts:\/\/, got 'http:\/\/'/,
    );
    expect(() => resolveConfig({ mqttUrl: 'broker:1883' }, {})).toThrow(ConfigError);
    expect(() => resolveConfig({ mqttUrl: 'not a url' }, {})).toThrow(/must be a URL like mqtt:/);
    expect(() => resolveConfig({ mqttUrl: 'mqtt://broker:1883/topic' }, {})).toThrow(
      /takes no path, query or fragment/,
    );
    expect(() => resolveConfig({ mqttUrl: 'mqtt://broker:1883', mqttPort: '1884' }, {})).toThrow(
      /give --mqtt-url or --mqtt-port, not both/,
    );
    expect(resolveConfig({ mqttUrl: 'mqtt://broker', mqttPort: '0' }, {}).mqttPort).toBe(0);
    expect(() => resolveConfig({ mqttPort: '70000' }, {})).toThrow(
      /--mqtt-port \/ TWINFOLD_MQTT_PORT must be a whole number from 0 to 65535, got '70000'/,
    );
    expect(() => resolveConfig({ mqttPort: 'abc' }, {})).toThrow(ConfigError);
    expect(() => resolveConfig({ mqttClientId: 'has space' }, {})).toThrow(/--mqtt-client-id/);
    expect(() => resolveConfig({ mqttHost: 'a b' }, {})).toThrow(/--mqtt-host/);
  });
});
