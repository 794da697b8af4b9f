// Resolves `twinfold serve` settings from flags, then environment variables, then defaults.
import { parseCorsOrigins } from '../api/cors.js';
import { DEFAULT_SUBJECT_EXPIRY_GRANULARITY_MS, parseDuration } from '../auth/subject-expiry.js';
import { isValidNamespace } from '../core/ids.js';
import type { Durability } from '../store/journal.js';

export interface ServeConfig {
  port: number;
  host: string;
  data: string;
  mqttPort: number;
  /** The address the embedded MQTT broker listens on (default: `host`). */
  mqttHost?: string;
  /** An external MQTT broker (`mqtt://user:pass@host:port`) Twinfold subscribes to instead of embedding one. */
  mqttUrl?: string;
  /** The client id of Twinfold's persistent session at the external broker. */
  mqttClientId: string;
  store: string;
  /** The PostgreSQL schema of a postgres:// store (default `twinfold`). */
  storeSchema?: string;
  bus: string;
  /** Where the search index lives: `memory` (the process) or `store` (the store's database). */
  index: 'memory' | 'store';
  durability: Durability;
  maxThingBytes: number;
  /** Days to keep the history of deleted twins; 0 keeps it forever. */
  historyRetentionDays: number;
  logLevel: string;
  demo: boolean;
  /** Requests per second per identity; 0 = unlimited. */
  rateLimit: number;
  /** Most open HTTP connections; more are refused. */
  maxConnections: number;
  /** Time a client has to send a request's headers, in ms. */
  headersTimeoutMs: number;
  /** Time a search or count may take before it fails with a 408, in ms. */
  searchTimeoutMs: number;
  /** Lifetime of login JWTs in seconds. */
  accessTtlSeconds: number;
  oidcIssuer?: string;
  oidcJwksUrl?: string;
  oidcAudience?: string;
  /** When set, /metrics needs this bearer token or an administrator; unset = public. */
  metricsToken?: string;
  /** Origins whose pages may call the API from a browser (CORS): none by default, `['*']` for any. */
  corsOrigin: string[];
  /** The namespace of things created by `POST /api/2/things` without one. */
  defaultNamespace: string;
  /** The NATS server of `nats` ingest sources and of `--events-nats` (nats://host:port). */
  natsUrl?: string;
  /** The AMQP 0.9.1 broker of `amqp` ingest sources (amqp://user:pass@host:port/vhost). */
  amqpUrl?: string;
  /** The subject prefix committed events are published under on NATS; unset = not published. */
  eventsNats?: string;
  /** Longest delay between two attempts of a webhook delivery, in ms. */
  webhookRetryMaxMs: number;
  /** A webhook receiver that has not answered after this many ms has failed the attempt. */
  webhookTimeoutMs: number;
  /** Most points one time-series answer may hold; a larger one is refused with a 400. */
  maxSeriesPoints: number;
  /** Ditto's `policies.subject-expiry.granularity` in ms: subject expiries round up to it. */
  subjectExpiryGranularity: number;
}

export type ServeFlags = Partial<Record<keyof ServeConfig, string | boolean>>;

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

const ENV: Record<keyof ServeConfig, string> = {
  port: 'TWINFOLD_PORT',
  host: 'TWINFOLD_HOST',
  data: 'TWINFOLD_DATA',
  mqttPort: 'TWINFOLD_MQTT_PORT',
  mqttHost: 'TWINFOLD_MQTT_HOST',
  mqttUrl: 'TWINFOLD_MQTT_URL',
  mqttClientId: 'TWINFOLD_MQTT_CLIENT_ID',
  store: 'TWINFOLD_STORE',
  storeSchema: 'TWINFOLD_STORE_SCHEMA',
  bus: 'TWINFOLD_BUS',
  index: 'TWINFOLD_INDEX',
  durability: 'TWINFOLD_DURABILITY',
  maxThingBytes: 'TWINFOLD_MAX_THING_BYTES',
  historyRetentionDays: 'TWINFOLD_HISTORY_RETENTION_DAYS',
  logLevel: 'TWINFOLD_LOG_LEVEL',
  demo: 'TWINFOLD_DEMO',
  rateLimit: 'TWINFOLD_RATE_LIMIT',
  maxConnections: 'TWINFOLD_MAX_CONNECTIONS',
  headersTimeoutMs: 'TWINFOLD_HEADERS_TIMEOUT_MS',
  searchTimeoutMs: 'TWINFOLD_SEARCH_TIMEOUT_MS',
  accessTtlSeconds: 'TWINFOLD_ACCESS_TTL_SECONDS',
  oidcIssuer: 'TWINFOLD_OIDC_ISSUER',
  oidcJwksUrl: 'TWINFOLD_OIDC_JWKS_URL',
  oidcAudience: 'TWINFOLD_OIDC_AUDIENCE',
  metricsToken: 'TWINFOLD_METRICS_TOKEN',
  corsOrigin: 'TWINFOLD_CORS_ORIGIN',
  defaultNamespace: 'TWINFOLD_DEFAULT_NAMESPACE',
  natsUrl: 'TWINFOLD_NATS_URL',
  amqpUrl: 'TWINFOLD_AMQP_URL',
  eventsNats: 'TWINFOLD_EVENTS_NATS',
  webhookRetryMaxMs: 'TWINFOLD_WEBHOOK_RETRY_MAX_MS',
  webhookTimeoutMs: 'TWINFOLD_WEBHOOK_TIMEOUT_MS',
  maxSeriesPoints: 'TWINFOLD_MAX_SERIES_POINTS',
  subjectExpiryGranularity: 'TWINFOLD_SUBJECT_EXPIRY_GRANULARITY',
};

/** The subject prefix of `--events-nats` given without one. */
export const DEFAULT_EVENTS_SUBJECT = 'twinfold.events';

export const DEFAULTS: ServeConfig = {
  port: 8080,
  host: '127.0.0.1',
  data: './data',
  mqttPort: 1883,
  mqttClientId: 'twinfold',
  store: 'sqlite',
  bus: 'local',
  index: 'memory',
  durability: 'process',
  maxThingBytes: 100 * 1024,
  historyRetentionDays: 0,
  logLevel: 'info',
  demo: false,
  rateLimit: 0,
  maxConnections: 10_000,
  headersTimeoutMs: 10_000,
  searchTimeoutMs: 5_000,
  accessTtlSeconds: 900,
  corsOrigin: [],
  defaultNamespace: 'org.eclipse.ditto',
  webhookRetryMaxMs: 300_000,
  webhookTimeoutMs: 10_000,
  maxSeriesPoints: 100_000,
  subjectExpiryGranularity: DEFAULT_SUBJECT_EXPIRY_GRANULARITY_MS,
};

function integer(name: string, raw: string, min: number, max: number): number {
  if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
    throw new ConfigError(`${name} must be a whole number from ${min} to ${max}, got '${raw}'.`);
  }
  return Number(raw);
}

/** An external broker's URL, checked: `mqtt://` or `mqtts://`, a host, a port if any. */
function checkMqttUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(
      `--mqtt-url / TWINFOLD_MQTT_URL must be a URL like mqtt://user:pass@host:1883, got '${raw}'.`,
    );
  }
  if (url.protocol !== 'mqtt:' && url.protocol !== 'mqtts:')
    throw new ConfigError(
      `--mqtt-url / TWINFOLD_MQTT_URL must start with mqtt:// or mqtts://, got '${url.protocol}//'.`,
    );
  if (url.hostname === '')
    throw new ConfigError(`--mqtt-url / TWINFOLD_MQTT_URL names no host: '${raw}'.`);
  if ((url.pathname !== '' && url.pathname !== '/') || url.search !== '' || url.hash !== '')
    throw new ConfigError(
      `--mqtt-url / TWINFOLD_MQTT_URL takes no path, query or fragment (only mqtt://user:pass@host:port), got '${raw}'.`,
    );
  return raw;
}

/** Flags win over environment variables, which win over defaults. Throws ConfigError on bad values. */
export function resolveConfig(
  flags: ServeFlags,
  env: NodeJS.ProcessEnv = process.env,
): ServeConfig {
  const pick = (key: keyof ServeConfig): string | undefined => {
    const flag = flags[key];
    if (flag !== undefined) return String(flag);
    return env[ENV[key]];
  };
  const config: ServeConfig = { ...DEFAULTS };
  const port = pick('port');
  if (port !== undefined) config.port = integer('--port / TWINFOLD_PORT', port, 0, 65535);
  const mqttPort = pick('mqttPort');
  if (mqttPort !== undefined)
    config.mqttPort = integer('--mqtt-port / TWINFOLD_MQTT_PORT', mqttPort, 0, 65535);
  const mqttHost = pick('mqttHost');
  if (mqttHost !== undefined) {
    if (!/^[A-Za-z0-9.:_-]+$/.test(mqttHost))
      throw new ConfigError(`--mqtt-host must be a host name or IP address, got '${mqttHost}'.`);
    config.mqttHost = mqttHost;
  }
  const mqttUrl = pick('mqttUrl');
  if (mqttUrl !== undefined) {
    config.mqttUrl = checkMqttUrl(mqttUrl);
    if (mqttPort !== undefined && config.mqttPort !== 0)
      throw new ConfigError(
        '--mqtt-url makes Twinfold a client of that broker, which turns the embedded broker off: give --mqtt-url or --mqtt-port, not both.',
      );
    config.mqttPort = 0;
  }
  const clientId = pick('mqttClientId');
  if (clientId !== undefined) {
    if (!/^[A-Za-z0-9_.-]{1,23}$/.test(clientId))
      throw new ConfigError(
        `--mqtt-client-id must be 1 to 23 letters, digits, '.', '_' or '-', got '${clientId}'.`,
      );
    config.mqttClientId = clientId;
  }
  const bytes = pick('maxThingBytes');
  if (bytes !== undefined) {
    config.maxThingBytes = integer(
      '--max-thing-bytes / TWINFOLD_MAX_THING_BYTES',
      bytes,
      1024,
      16 * 1024 * 1024,
    );
  }
  const retention = pick('historyRetentionDays');
  if (retention !== undefined) {
    config.historyRetentionDays = integer('--history-retention-days', retention, 0, 100_000);
  }
  const rate = pick('rateLimit');
  if (rate !== undefined)
    config.rateLimit = integer('--rate-limit / TWINFOLD_RATE_LIMIT', rate, 0, 10_000_000);
  const connections = pick('maxConnections');
  if (connections !== undefined) {
    config.maxConnections = integer('--max-connections', connections, 1, 1_000_000);
  }
  const headers = pick('headersTimeoutMs');
  if (headers !== undefined) {
    config.headersTimeoutMs = integer('--headers-timeout-ms', headers, 100, 300_000);
  }
  const searchTimeout = pick('searchTimeoutMs');
  if (searchTimeout !== undefined) {
    config.searchTimeoutMs = integer('--search-timeout-ms', searchTimeout, 10, 600_000);
  }
  const retryMax = pick('webhookRetryMaxMs');
  if (retryMax !== undefined) {
    config.webhookRetryMaxMs = integer(
      '--webhook-retry-max-ms / TWINFOLD_WEBHOOK_RETRY_MAX_MS',
      retryMax,
      10,
      86_400_000,
    );
  }
  const webhookTimeout = pick('webhookTimeoutMs');
  if (webhookTimeout !== undefined) {
    config.webhookTimeoutMs = integer(
      '--webhook-timeout-ms / TWINFOLD_WEBHOOK_TIMEOUT_MS',
      webhookTimeout,
      100,
      600_000,
    );
  }
  const maxSeriesPoints = pick('maxSeriesPoints');
  if (maxSeriesPoints !== undefined) {
    config.maxSeriesPoints = integer(
      '--max-series-points / TWINFOLD_MAX_SERIES_POINTS',
      maxSeriesPoints,
      10,
      100_000_000,
    );
  }
  const ttl = pick('accessTtlSeconds');
  if (ttl !== undefined) config.accessTtlSeconds = integer('--access-ttl-seconds', ttl, 10, 86_400);
  config.oidcIssuer = pick('oidcIssuer');
  config.oidcJwksUrl = pick('oidcJwksUrl');
  config.oidcAudience = pick('oidcAudience');
  if ((config.oidcIssuer === undefined) !== (config.oidcJwksUrl === undefined)) {
    throw new ConfigError('--oidc-issuer and --oidc-jwks-url go together: give both or neither.');
  }
  if (config.oidcJwksUrl !== undefined && !/^https?:\/\//.test(config.oidcJwksUrl)) {
    throw new ConfigError(`--oidc-jwks-url must be an http(s) URL, got '${config.oidcJwksUrl}'.`);
  }
  const metricsToken = pick('metricsToken');
  if (metricsToken !== undefined) {
    if (metricsToken.length < 16 || !/^[\x21-\x7e]+$/.test(metricsToken)) {
      throw new ConfigError(
        '--metrics-token / TWINFOLD_METRICS_TOKEN must be at least 16 visible ASCII characters without spaces.',
      );
    }
    config.metricsToken = metricsToken;
  }
  const cors = pick('corsOrigin');
  if (cors !== undefined) {
    const origins = parseCorsOrigins(cors);
    if ('error' in origins)
      throw new ConfigError(`--cors-origin / TWINFOLD_CORS_ORIGIN: ${origins.error}.`);
    config.corsOrigin = origins;
  }
  const namespace = pick('defaultNamespace');
  if (namespace !== undefined) {
    if (!isValidNamespace(namespace)) {
      throw new ConfigError(
        `--default-namespace must be a Ditto namespace (e.g. org.acme), got '${namespace}'.`,
      );
    }
    config.defaultNamespace = namespace;
  }
  const granularity = pick('subjectExpiryGranularity');
  if (granularity !== undefined) {
    const ms = parseDuration(granularity);
    if (ms === null || ms > 366 * 86_400_000) {
      throw new ConfigError(
        `--subject-expiry-granularity must be a duration like 1s, 30s, 5m, 1h or 1d (0 = no rounding), got '${granularity}'.`,
      );
    }
    config.subjectExpiryGranularity = ms;
  }
  config.host = pick('host') ?? config.host;
  config.data = pick('data') ?? config.data;
  config.logLevel = pick('logLevel') ?? config.logLevel;
  const demo = pick('demo');
  if (demo !== undefined) config.demo = demo === 'true' || demo === '1';

  const store = pick('store') ?? config.store;
  if (store !== 'sqlite' && !/^postgres(ql)?:\/\//.test(store)) {
    throw new ConfigError(`--store must be 'sqlite' or a postgres:// URL, got '${store}'.`);
  }
  config.store = store;
  const schema = pick('storeSchema');
  if (schema !== undefined) {
    if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) {
      throw new ConfigError(
        `--store-schema must be a plain lower-case PostgreSQL name (letters, digits, _), got '${schema}'.`,
      );
    }
    if (store === 'sqlite') {
      throw new ConfigError('--store-schema applies to a postgres:// --store only.');
    }
    config.storeSchema = schema;
  }
  const bus = pick('bus') ?? config.bus;
  if (bus !== 'local' && !/^nats:\/\//.test(bus)) {
    throw new ConfigError(`--bus must be 'local' or a nats:// URL, got '${bus}'.`);
  }
  if (bus !== 'local') {
    throw new ConfigError(
      'The NATS bus is not available yet in this version; run with --bus local (the default).',
    );
  }
  config.bus = bus;
  const index = pick('index') ?? config.index;
  if (index !== 'memory' && index !== 'store') {
    throw new ConfigError(`--index must be 'memory' or 'store', got '${index}'.`);
  }
  config.index = index;
  if (index === 'store' && searchTimeout !== undefined) {
    // The store indexes run their statements to the end: a budget they would ignore is refused.
    throw new ConfigError(
      '--search-timeout-ms applies to --index memory only; the store index has no search time budget.',
    );
  }
  const durability = pick('durability') ?? config.durability;
  if (durability !== 'process' && durability !== 'power') {
    throw new ConfigError(`--durability must be 'process' or 'power', got '${durability}'.`);
  }
  config.durability = durability;
  resolveMessaging(config, pick);
  return config;
}

/** `--nats-url`, `--amqp-url` and `--events-nats`. */
function resolveMessaging(
  config: ServeConfig,
  pick: (key: keyof ServeConfig) => string | undefined,
): void {
  const nats = pick('natsUrl');
  if (nats !== undefined) {
    if (!/^(nats|tls|wss?):\/\/[^/\s]+\/?$/.test(nats))
      throw new ConfigError(
        `--nats-url / TWINFOLD_NATS_URL must be a nats:// URL such as nats://127.0.0.1:4222, got '${nats}'.`,
      );
    config.natsUrl = nats;
  }
  const amqp = pick('amqpUrl');
  if (amqp !== undefined) {
    if (!/^amqps?:\/\/[^\s]+$/.test(amqp))
      throw new ConfigError(
        `--amqp-url / TWINFOLD_AMQP_URL must be an amqp:// URL such as amqp://guest:guest@127.0.0.1:5672, got an invalid value.`,
      );
    config.amqpUrl = amqp;
  }
  const events = pick('eventsNats');
  if (events === undefined || events === 'false' || events === '0') return;
  const prefix = events === 'true' || events === '1' ? DEFAULT_EVENTS_SUBJECT : events;
  if (!/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/.test(prefix))
    throw new ConfigError(
      `--events-nats takes no value or a NATS subject prefix without wildcards (e.g. twinfold.events), got '${prefix}'.`,
    );
  if (config.natsUrl === undefined)
    throw new ConfigError('--events-nats needs --nats-url (or TWINFOLD_NATS_URL) to publish to.');
  config.eventsNats = prefix;
}
