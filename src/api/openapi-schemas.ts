// JSON schemas of the API's bodies for its OpenAPI document (and the dashboard's generated client).
//
// They describe; they do not validate or serialise: the routes send JSON text themselves and check
// request bodies by hand (Ditto's error messages), so a request body is given as `describedBody`
// (moved into the document's requestBody by the app's swagger transform) and the app serialises
// any schema'd response with JSON.stringify.

/** Any JSON value. */
const anyJson = {};
const stringList = { type: 'array', items: { type: 'string' } } as const;
const isoTime = { type: 'string', format: 'date-time' } as const;

/** A thing (Ditto's model); a `fields` selection gives a subset of it. */
export const thingSchema = {
  type: 'object',
  additionalProperties: true,
  properties: {
    thingId: { type: 'string', description: 'namespace:name' },
    policyId: { type: 'string' },
    definition: { type: 'string' },
    attributes: { type: 'object', additionalProperties: true },
    features: {
      type: 'object',
      additionalProperties: {
        type: 'object',
        properties: {
          definition: stringList,
          properties: { type: 'object', additionalProperties: true },
          desiredProperties: { type: 'object', additionalProperties: true },
        },
      },
    },
    _revision: { type: 'integer' },
    _created: isoTime,
    _modified: isoTime,
  },
} as const;

/** One page of a search or listing. */
export const searchPageSchema = {
  type: 'object',
  required: ['items'],
  properties: {
    items: { type: 'array', items: thingSchema },
    cursor: { type: 'string', description: 'Pass as option=cursor(…) for the next page' },
    nextPageOffset: {
      type: 'integer',
      description: 'After paging with option=limit(offset,count)',
    },
  },
} as const;

/** A Ditto Protocol event of a thing's history. */
export const thingEventSchema = {
  type: 'object',
  required: ['topic', 'path', 'revision'],
  properties: {
    topic: { type: 'string', description: 'e.g. org.acme/sensor-1/things/twin/events/modified' },
    path: { type: 'string' },
    value: anyJson,
    revision: { type: 'integer' },
    timestamp: isoTime,
    headers: { type: 'object', additionalProperties: { type: 'string' } },
  },
} as const;

const policyEntrySchema = {
  type: 'object',
  required: ['subjects', 'resources'],
  properties: {
    subjects: {
      type: 'object',
      additionalProperties: {
        type: 'object',
        properties: { type: { type: 'string' }, expiry: isoTime },
      },
    },
    resources: {
      type: 'object',
      additionalProperties: {
        type: 'object',
        required: ['grant', 'revoke'],
        properties: { grant: stringList, revoke: stringList },
      },
    },
    importable: { type: 'string', enum: ['implicit', 'explicit', 'never'] },
  },
} as const;

/** A policy (Ditto's model). */
export const policySchema = {
  type: 'object',
  additionalProperties: true,
  required: ['entries'],
  properties: {
    policyId: { type: 'string' },
    imports: { type: 'object', additionalProperties: true },
    entries: { type: 'object', additionalProperties: policyEntrySchema },
  },
} as const;

/** The body of POST /checkPermissions: labelled checks. */
export const permissionChecksSchema = {
  type: 'object',
  additionalProperties: {
    type: 'object',
    required: ['resource', 'entityId', 'hasPermissions'],
    properties: {
      resource: { type: 'string', description: 'e.g. thing:/attributes/location' },
      entityId: { type: 'string' },
      hasPermissions: stringList,
    },
  },
} as const;

/** The answer of POST /checkPermissions: each label's verdict. */
export const permissionVerdictsSchema = {
  type: 'object',
  additionalProperties: { type: 'boolean' },
} as const;

export const whoAmISchema = {
  type: 'object',
  required: ['defaultSubject', 'subjects'],
  properties: { defaultSubject: { type: 'string' }, subjects: stringList },
} as const;

export const tokenPairSchema = {
  type: 'object',
  required: ['access_token', 'token_type', 'expires_in', 'refresh_token'],
  properties: {
    access_token: { type: 'string' },
    token_type: { type: 'string' },
    expires_in: { type: 'integer', description: 'Seconds' },
    refresh_token: { type: 'string' },
  },
} as const;

export const userSchema = {
  type: 'object',
  required: ['username', 'subject', 'roles', 'disabled', 'created'],
  properties: {
    username: { type: 'string' },
    subject: { type: 'string' },
    roles: stringList,
    disabled: { type: 'boolean' },
    created: isoTime,
  },
} as const;

const tokenProperties = {
  id: { type: 'string' },
  name: { type: 'string' },
  subject: { type: 'string' },
  namespaces: { type: 'array', items: { type: 'string' }, nullable: true },
  readOnly: { type: 'boolean' },
  expires: { type: 'string', format: 'date-time', nullable: true },
  created: isoTime,
  revoked: { type: 'boolean' },
} as const;
const tokenRequired = [
  'id',
  'name',
  'subject',
  'namespaces',
  'readOnly',
  'expires',
  'created',
  'revoked',
] as const;

export const tokenSchema = {
  type: 'object',
  required: tokenRequired,
  properties: tokenProperties,
} as const;

/** A token just created: its view and, this once, the token itself. */
export const newTokenSchema = {
  type: 'object',
  required: [...tokenRequired, 'token'],
  properties: { ...tokenProperties, token: { type: 'string' } },
} as const;

export const webhookConfigSchema = {
  type: 'object',
  required: ['url'],
  properties: {
    url: { type: 'string', format: 'uri' },
    filter: { type: 'string', description: 'RQL the changed thing must match' },
    namespaces: stringList,
    events: stringList,
    extraFields: { type: 'string' },
    secret: { type: 'string', description: 'Signs each delivery (HMAC-SHA256); never shown' },
    maxAttempts: { type: 'integer', minimum: 1 },
    maxAgeHours: { type: 'number' },
  },
} as const;

export const webhookSchema = {
  type: 'object',
  required: [
    'id',
    'url',
    'events',
    'maxAttempts',
    'maxAgeHours',
    'signed',
    'paused',
    'revision',
    'created',
    'modified',
    'owner',
    'position',
    'backlog',
  ],
  properties: {
    id: { type: 'string' },
    url: { type: 'string' },
    events: stringList,
    maxAttempts: { type: 'integer' },
    maxAgeHours: { type: 'number' },
    signed: { type: 'boolean' },
    paused: { type: 'boolean' },
    revision: { type: 'integer' },
    created: isoTime,
    modified: isoTime,
    owner: { type: 'string' },
    position: { type: 'integer', description: 'The last event seq handed to the webhook' },
    backlog: { type: 'integer', description: 'Committed events not yet handed to it' },
    filter: { type: 'string' },
    extraFields: { type: 'string' },
    namespaces: stringList,
  },
} as const;

export const deliveryPageSchema = {
  type: 'object',
  required: ['items'],
  properties: {
    items: {
      type: 'array',
      items: {
        type: 'object',
        required: [
          'eventId',
          'seq',
          'thingId',
          'state',
          'attempts',
          'firstAttempt',
          'lastAttempt',
          'nextAttempt',
          'status',
          'error',
        ],
        properties: {
          eventId: { type: 'string' },
          seq: { type: 'integer' },
          thingId: { type: 'string' },
          state: { type: 'string', enum: ['pending', 'delivered', 'dead'] },
          attempts: { type: 'integer' },
          firstAttempt: isoTime,
          lastAttempt: isoTime,
          nextAttempt: { type: 'string', format: 'date-time', nullable: true },
          status: { type: 'integer', nullable: true, description: "The receiver's HTTP status" },
          error: { type: 'string', nullable: true },
        },
      },
    },
    cursor: { type: 'integer', description: 'Pass as cursor for the next page' },
  },
} as const;

export const specViewSchema = {
  type: 'object',
  required: ['specId', 'revision', 'created', 'modified', 'owner', 'spec'],
  properties: {
    specId: { type: 'string' },
    revision: { type: 'integer' },
    created: isoTime,
    modified: isoTime,
    owner: { type: 'string' },
    spec: { type: 'object', additionalProperties: true },
  },
} as const;

/** An ingest spec as PUT takes it (validated by the ingest service, which names what is wrong). */
export const specBodySchema = {
  type: 'object',
  additionalProperties: true,
  required: ['thingId'],
  properties: {
    source: { type: 'object', additionalProperties: true, description: 'http, mqtt, nats or amqp' },
    thingId: { type: 'string', description: 'A template, e.g. org.acme:{{$.id}}' },
    values: {
      type: 'object',
      additionalProperties: { type: 'string' },
      description: 'Property path → JSONata expression',
    },
    create: { type: 'object', additionalProperties: true },
  },
} as const;

/** What one sample message gives: observations, or the errors that would dead-letter it. */
const specTestResultSchema = {
  type: 'object',
  required: ['ok'],
  properties: {
    ok: { type: 'boolean' },
    observations: {
      type: 'array',
      items: {
        type: 'object',
        required: ['thingId', 'timestamp', 'values'],
        properties: {
          thingId: { type: 'string' },
          timestamp: { type: 'number', description: 'Epoch ms' },
          values: {
            type: 'array',
            items: { type: 'array', items: anyJson, description: '[path, value]' },
          },
        },
      },
    },
    errors: {
      type: 'array',
      items: {
        type: 'object',
        required: ['reason', 'detail'],
        properties: {
          reason: { type: 'string' },
          at: { type: 'string' },
          detail: { type: 'string' },
        },
      },
    },
  },
} as const;

/** One result for one message; an array for NDJSON or a JSON array of messages. */
export const specTestSchema = {
  oneOf: [specTestResultSchema, { type: 'array', items: specTestResultSchema }],
} as const;

export const deadLetterSchema = {
  type: 'object',
  required: [
    'id',
    'spec',
    'transport',
    'topic',
    'headers',
    'received',
    'reason',
    'detail',
    'payload',
    'encoding',
    'attempts',
  ],
  properties: {
    id: { type: 'string' },
    spec: { type: 'string', nullable: true },
    transport: { type: 'string' },
    topic: { type: 'string', nullable: true },
    headers: { type: 'object', additionalProperties: { type: 'string' } },
    received: isoTime,
    reason: { type: 'string' },
    detail: { type: 'string' },
    payload: { type: 'string' },
    encoding: { type: 'string', enum: ['utf8', 'base64'] },
    attempts: { type: 'integer' },
  },
} as const;

export const deadLetterPageSchema = {
  type: 'object',
  required: ['items'],
  properties: {
    items: { type: 'array', items: deadLetterSchema },
    cursor: { type: 'string', description: 'Pass as cursor for the next page' },
  },
} as const;

/** The answer to a redrive of a webhook's dead letters. */
export const webhookRedriveSchema = {
  type: 'object',
  required: ['redriven'],
  properties: {
    redriven: { type: 'integer', description: 'How many dead letters are sent again' },
  },
} as const;

export const redriveSchema = {
  type: 'object',
  required: ['redriven', 'failed', 'deadLetters'],
  properties: {
    redriven: { type: 'integer' },
    failed: { type: 'integer' },
    deadLetters: { ...stringList, description: 'The new dead letters of those that failed again' },
  },
} as const;

export const purgeSchema = {
  type: 'object',
  required: ['purged'],
  properties: { purged: { type: 'integer' } },
} as const;

/** The clients connected now (GET /api/2/clients). */
export const connectionListSchema = {
  type: 'object',
  required: ['items', 'mqtt'],
  properties: {
    items: {
      type: 'array',
      items: {
        type: 'object',
        required: ['transport', 'identity', 'remoteAddress', 'connectedSince', 'subscriptions'],
        properties: {
          transport: { type: 'string', enum: ['mqtt', 'websocket', 'sse'] },
          clientId: { type: 'string', description: 'The MQTT client id (MQTT clients)' },
          id: { type: 'string', description: 'The session number (WebSocket and event streams)' },
          identity: {
            type: ['string', 'null'],
            description: 'The subject it authenticated as; null for a device without a token',
          },
          remoteAddress: { type: ['string', 'null'] },
          connectedSince: isoTime,
          subscriptions: {
            ...stringList,
            description:
              "MQTT topic filters; a socket's `events`, `messages`, `live-commands`, `live-events`, `policy-announcements` (with their query, e.g. `events?namespaces=org.acme`); a stream's resource",
          },
        },
      },
    },
    mqtt: {
      type: 'object',
      required: ['mode', 'clientsVisible'],
      description:
        "Whether MQTT clients can be listed: only the embedded broker's; an external broker's are not seen",
      properties: {
        mode: { type: 'string', enum: ['embedded', 'external', 'off'] },
        clientsVisible: { type: 'boolean' },
      },
    },
  },
} as const;

/** A response without a body. */
/** A model as sent with `PUT /api/2/models/{modelId}`. */
export const modelBodySchema = {
  type: 'object',
  required: ['kind'],
  additionalProperties: false,
  properties: {
    kind: { type: 'string', enum: ['forecast', 'simulation', 'external'] },
    parameters: {
      type: 'object',
      additionalProperties: true,
      description:
        "Free for 'external' and 'simulation' models; for 'forecast': horizonMs (required), stepMs, method, level, historyMs",
    },
    description: { type: 'string', maxLength: 2000 },
  },
} as const;

/** A model as the API shows it. */
export const modelSchema = {
  type: 'object',
  required: ['modelId', 'kind', 'parameters', 'owner', 'revision', 'created', 'modified'],
  properties: {
    modelId: { type: 'string' },
    ...modelBodySchema.properties,
    owner: { type: 'string', description: 'The identity that created it' },
    revision: { type: 'integer' },
    created: isoTime,
    modified: isoTime,
  },
} as const;

/** A scenario as sent with `PUT /api/2/scenarios/{scenarioId}`. */
export const scenarioBodySchema = {
  type: 'object',
  required: ['parameters'],
  additionalProperties: false,
  properties: {
    parameters: { type: 'object', additionalProperties: true },
    description: { type: 'string', maxLength: 2000 },
  },
} as const;

/** A scenario as the API shows it. */
export const scenarioSchema = {
  type: 'object',
  required: ['scenarioId', 'parameters', 'owner', 'revision', 'created', 'modified'],
  properties: {
    scenarioId: { type: 'string' },
    ...scenarioBodySchema.properties,
    owner: { type: 'string' },
    revision: { type: 'integer' },
    created: isoTime,
    modified: isoTime,
  },
} as const;

const numberList = { type: 'array', items: { type: 'number' } } as const;
const epochList = {
  type: 'array',
  items: { type: 'integer' },
  description: 'Epoch ms, strictly increasing',
} as const;

/** The body of `POST /api/2/forecasts`: one twin property and the forecast's horizon. */
export const forecastBodySchema = {
  type: 'object',
  required: ['thingId', 'pointer', 'horizon'],
  additionalProperties: false,
  properties: {
    thingId: { type: 'string' },
    pointer: { type: 'string', description: 'attributes/... or features/<id>/properties/...' },
    horizon: { type: 'string', description: 'How far ahead: 1h, 24h, …' },
    step: { type: 'string', description: 'The forecast grid (default: the history spacing)' },
    method: {
      type: 'string',
      description: 'auto (default), seasonal-naive, holt, holt-winters, ar, seasonal-ar, ensemble',
    },
    level: { type: 'number', description: 'Confidence of lower/upper (default 0.8)' },
    history: { type: 'string', description: 'How much history to fit (default 7d)' },
  },
} as const;

/**
 * The body of `POST /api/2/models/{modelId}/runs`: for an `external` model the predicted series
 * (t, mean and optional bounds); for a `forecast` model only thingId and pointer of each series.
 */
export const runBodySchema = {
  type: 'object',
  required: ['series'],
  additionalProperties: false,
  properties: {
    scenario: { type: 'string', description: 'The id of the scenario the run is made under' },
    series: {
      type: 'array',
      minItems: 1,
      maxItems: 100,
      items: {
        type: 'object',
        required: ['thingId', 'pointer'],
        additionalProperties: false,
        properties: {
          thingId: { type: 'string' },
          pointer: {
            type: 'string',
            description:
              "attributes/... or features/<id>/properties/... (a leading '/' is allowed)",
          },
          t: epochList,
          mean: numberList,
          lower: numberList,
          upper: numberList,
          level: { type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 1 },
        },
      },
    },
  },
} as const;

/** A run as the API shows it: its series that the requester may read, described. */
export const runSchema = {
  type: 'object',
  required: ['runId', 'modelId', 'scenario', 'owner', 'created', 'from', 'to', 'series'],
  properties: {
    runId: { type: 'string' },
    modelId: { type: 'string' },
    scenario: { type: ['string', 'null'] },
    owner: { type: 'string' },
    created: isoTime,
    from: { type: 'integer', description: 'The earliest instant of its series (epoch ms)' },
    to: { type: 'integer', description: 'The latest instant of its series (epoch ms)' },
    series: {
      type: 'array',
      items: {
        type: 'object',
        required: ['thingId', 'pointer', 'points', 'bounds', 'level'],
        properties: {
          thingId: { type: 'string' },
          pointer: { type: 'string' },
          points: { type: 'integer' },
          bounds: { type: 'boolean' },
          level: { type: ['number', 'null'] },
        },
      },
    },
  },
} as const;

/** One predicted series of a run. */
export const runSeriesSchema = {
  type: 'object',
  required: ['runId', 'thingId', 'pointer', 't', 'mean'],
  properties: {
    runId: { type: 'string' },
    thingId: { type: 'string' },
    pointer: { type: 'string' },
    t: epochList,
    mean: numberList,
    lower: numberList,
    upper: numberList,
    level: { type: 'number' },
  },
} as const;

const nullableNumber = { type: ['number', 'null'] } as const;

/** A run against the actual series: per series the metrics and the aligned columns. */
export const runCompareSchema = {
  type: 'object',
  required: ['runId', 'modelId', 'scenario', 'series'],
  properties: {
    runId: { type: 'string' },
    modelId: { type: 'string' },
    scenario: { type: ['string', 'null'] },
    series: {
      type: 'array',
      items: {
        type: 'object',
        required: [
          'thingId',
          'pointer',
          'level',
          'matched',
          'unmatched',
          'mae',
          'rmse',
          'mape',
          'mapeSkipped',
          'mase',
          'coverage',
          'aligned',
        ],
        properties: {
          thingId: { type: 'string' },
          pointer: { type: 'string' },
          level: nullableNumber,
          matched: {
            type: 'integer',
            description:
              'Run instants with an actual value: the actual point at that instant, else the linear interpolation between the nearest actual points before and after it',
          },
          unmatched: {
            type: 'integer',
            description: 'Run instants with no actual point on one side; left out of every metric',
          },
          mae: nullableNumber,
          rmse: nullableNumber,
          mape: {
            ...nullableNumber,
            description: 'Percent; instants whose actual value is 0 are skipped',
          },
          mapeSkipped: {
            type: 'integer',
            description: 'Matched instants skipped by MAPE (actual 0)',
          },
          mase: {
            ...nullableNumber,
            description:
              'MAE over the MAE of the one-step naive forecast of the aligned actual values',
          },
          coverage: {
            ...nullableNumber,
            description:
              'Share of matched instants with lower <= actual <= upper; null without bounds',
          },
          aligned: {
            type: 'object',
            required: ['t', 'actual', 'mean'],
            properties: {
              t: epochList,
              actual: { type: 'array', items: nullableNumber },
              mean: numberList,
              lower: numberList,
              upper: numberList,
            },
          },
        },
      },
    },
  },
} as const;

export const noBody = { type: 'null', description: 'No content' } as const;

const serviceSchedule = {
  description:
    'A cron string (five fields, or six with seconds first; UTC unless `timezone`) or {"every": "5m"}; absent: on demand only',
  oneOf: [
    { type: 'string' },
    { type: 'object', required: ['every'], properties: { every: { type: 'string' } } },
  ],
} as const;

/** The body of PUT /services/{serviceId}: common fields and those of the kind. */
export const serviceConfigSchema = {
  type: 'object',
  required: ['kind'],
  properties: {
    kind: { type: 'string', enum: ['http', 'pull', 'forecast'] },
    schedule: serviceSchedule,
    timezone: { type: 'string', description: 'IANA time zone of a cron schedule' },
    parameters: { type: 'object', description: 'Passed to every run' },
    timeout: { type: 'string', description: 'Per attempt, e.g. "30s" (or timeoutMs)' },
    timeoutMs: { type: 'integer', minimum: 1 },
    retries: { type: 'integer', minimum: 0, maximum: 10, description: 'Default 0' },
    retryDelay: {
      type: 'string',
      description: 'Before the first retry, doubling after (default 1s)',
    },
    retryDelayMs: { type: 'integer', minimum: 1 },
    description: { type: 'string' },
    url: { type: 'string', format: 'uri', description: 'http and pull: an http(s) URL' },
    method: { type: 'string', description: 'http: POST or PUT; forecast: the method' },
    headers: { type: 'object', additionalProperties: { type: 'string' } },
    body: { type: 'object', description: 'http: merged into the JSON body sent' },
    specId: { type: 'string', description: 'pull: an ingest spec with an http source' },
    filter: { type: 'string', description: 'forecast: RQL selecting the twins' },
    pointer: {
      type: 'string',
      description: 'forecast: the property, e.g. /features/t/properties/v',
    },
    horizon: { type: 'string', description: 'forecast: how far ahead, e.g. "1d"' },
    step: { type: 'string', description: 'forecast: between points, e.g. "15m"' },
  },
} as const;

/** A service as the API shows it (header values hidden). */
export const serviceSchema = {
  type: 'object',
  required: [
    'serviceId',
    'kind',
    'parameters',
    'timeoutMs',
    'retries',
    'retryDelayMs',
    'nextRun',
    'revision',
    'created',
    'modified',
    'owner',
  ],
  properties: {
    serviceId: { type: 'string' },
    kind: { type: 'string', enum: ['http', 'pull', 'forecast'] },
    schedule: serviceSchedule,
    timezone: { type: 'string' },
    parameters: { type: 'object' },
    timeoutMs: { type: 'integer' },
    retries: { type: 'integer' },
    retryDelayMs: { type: 'integer' },
    description: { type: 'string' },
    url: { type: 'string' },
    method: { type: 'string' },
    headers: { type: 'object', additionalProperties: { type: 'string' } },
    body: { type: 'object' },
    specId: { type: 'string' },
    filter: { type: 'string' },
    pointer: { type: 'string' },
    horizonMs: { type: 'integer' },
    stepMs: { type: 'integer' },
    nextRun: { ...isoTime, nullable: true, description: 'The next scheduled instant' },
    revision: { type: 'integer' },
    created: isoTime,
    modified: isoTime,
    owner: { type: 'string' },
  },
} as const;

/** One run of a service. */
export const serviceRunSchema = {
  type: 'object',
  required: [
    'runId',
    'serviceId',
    'status',
    'trigger',
    'scheduledFor',
    'started',
    'finished',
    'durationMs',
    'attempt',
    'output',
    'error',
  ],
  properties: {
    runId: { type: 'string' },
    serviceId: { type: 'string' },
    status: { type: 'string', enum: ['queued', 'running', 'succeeded', 'failed', 'timedout'] },
    trigger: { type: 'string', enum: ['schedule', 'demand'] },
    scheduledFor: isoTime,
    started: { ...isoTime, nullable: true },
    finished: { ...isoTime, nullable: true },
    durationMs: { type: 'integer', nullable: true },
    attempt: { type: 'integer' },
    output: { description: 'What the job answered' },
    error: { type: 'string', nullable: true },
  },
} as const;

/** A page of the run log, newest first. */
export const serviceRunPageSchema = {
  type: 'object',
  required: ['items'],
  properties: {
    items: { type: 'array', items: serviceRunSchema },
    cursor: { type: 'string', description: 'Pass as `cursor` for the next (older) page' },
  },
} as const;

/** A twin type's document (the body of PUT /types/{typeId}); see "Twin behaviour" in the README. */
export const typeDocumentSchema = {
  type: 'object',
  additionalProperties: true,
  properties: {
    schema: {
      type: 'object',
      description: 'JSON Schemas: `attributes`, and `features` by feature id (of its properties)',
    },
    derived: {
      type: 'object',
      description:
        'CEL expressions by output pointer, e.g. {"features/power/properties/kw": "features.power.properties.watts / 1000.0"}',
    },
    windows: {
      type: 'object',
      description:
        'Windowed operators by output pointer: {"of", "op": avg|min|max|sum|count|rate|integral|ewma, "window"|"samples", "halfLife"?, "lateness"?}',
    },
    rollups: {
      type: 'object',
      description:
        'Roll-ups over related twins by output pointer: {"relation", "from": children|parents, "of", "op": sum|avg|min|max|count}',
    },
    assessments: {
      type: 'object',
      description: 'Conditions raising alerts by name: {"when", "clear"?, "for"?, "severity"?}',
    },
  },
} as const;

/** A type in the list of types. */
export const typeListItemSchema = {
  type: 'object',
  required: ['typeId', 'created', 'document'],
  properties: {
    typeId: { type: 'string' },
    created: { type: 'string', format: 'date-time' },
    document: typeDocumentSchema,
  },
} as const;

/** An alert as the API shows it (times ISO 8601). */
export const alertSchema = {
  type: 'object',
  required: [
    'alertId',
    'thingId',
    'type',
    'assessment',
    'severity',
    'state',
    'raised',
    'raisedRevision',
  ],
  properties: {
    alertId: { type: 'string' },
    thingId: { type: 'string' },
    type: { type: 'string' },
    assessment: { type: 'string' },
    severity: { type: 'string' },
    state: { type: 'string', enum: ['active', 'acknowledged', 'resolved'] },
    raised: { type: 'string', format: 'date-time' },
    raisedRevision: { type: 'integer' },
    resolved: { type: 'string', format: 'date-time' },
    resolvedRevision: { type: 'integer' },
    acknowledged: {
      type: 'object',
      properties: {
        at: { type: 'string', format: 'date-time' },
        by: { type: 'string' },
        note: { type: 'string' },
      },
    },
  },
} as const;
