// The settings of one webhook, read from a request body: every field checked, a 400 naming the field at fault.
import { errors } from '../core/error-registry.js';
import { isValidNamespace } from '../core/ids.js';
import { isJsonObject } from '../core/json.js';
import { parseSelection, type EventSelection } from '../streams/event-filter.js';

/** A webhook's settings, defaults filled in. This shape is a contract (clients send it). */
export interface WebhookConfig {
  /** Where each event is POSTed (http or https). */
  url: string;
  /** An RQL filter, as on the WebSocket's START-SEND-EVENTS. */
  filter?: string;
  /** Fields of the thing added to each event as `extra`, as on the WebSocket. */
  extraFields?: string;
  /** Only events of things in these namespaces. */
  namespaces?: string[];
  /**
   * What is delivered: `twin` (every twin event), `alerts` (the events that raise, resolve or
   * acknowledge an alert; every twin event includes them).
   */
  events: WebhookEventKind[];
  /** The key of `X-Twinfold-Signature` (HMAC-SHA256 of the body); none when absent. */
  secret?: string;
  /** Attempts before an event is dead-lettered. */
  maxAttempts: number;
  /** Hours after the first attempt before an event is dead-lettered. */
  maxAgeHours: number;
}

export type WebhookEventKind = 'twin' | 'alerts';
const EVENT_KINDS: readonly WebhookEventKind[] = ['twin', 'alerts'];

export const DEFAULT_MAX_ATTEMPTS = 50;
export const DEFAULT_MAX_AGE_HOURS = 24;
const MAX_ATTEMPTS_LIMIT = 10_000;
const MAX_AGE_HOURS_LIMIT = 24 * 365;
const MAX_URL_LENGTH = 2048;
const KNOWN = new Set([
  'url',
  'filter',
  'extraFields',
  'namespaces',
  'events',
  'secret',
  'maxAttempts',
  'maxAgeHours',
]);

const invalid = errors.webhookInvalid;

function optionalString(body: Record<string, unknown>, name: string): string | undefined {
  const value = body[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw invalid(name, 'it must be a string');
  return value;
}

function number(
  body: Record<string, unknown>,
  name: string,
  fallback: number,
  max: number,
  integer: boolean,
): number {
  const value = body[name];
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0 || value > max)
    throw invalid(name, `it must be a number above 0 and at most ${max}`);
  if (integer && !Number.isInteger(value)) throw invalid(name, 'it must be a whole number');
  return value;
}

/**
 * Reads and checks a webhook body; throws `webhooks:webhook.invalid` (400) naming the field.
 *
 * @example parseWebhookConfig({ url: 'https://example.com/hook', filter: 'gt(features/t/properties/v,30)' })
 */
export function parseWebhookConfig(body: unknown): WebhookConfig {
  if (!isJsonObject(body)) throw invalid('/', 'the body must be a JSON object');
  for (const key of Object.keys(body))
    if (!KNOWN.has(key))
      throw invalid(key, `unknown field; a webhook has ${[...KNOWN].join(', ')}`);
  const url = body.url;
  if (typeof url !== 'string') throw invalid('url', 'it is required, as a string');
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw invalid('url', `'${url}' is not an absolute URL`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
    throw invalid('url', `it must be an http or https URL, not ${parsed.protocol}`);
  if (url.length > MAX_URL_LENGTH) throw invalid('url', `it is longer than ${MAX_URL_LENGTH}`);
  if (parsed.username !== '' || parsed.password !== '')
    throw invalid('url', 'credentials in the URL are not allowed; use a secret to sign deliveries');
  const config: WebhookConfig = {
    url,
    events: ['twin'],
    maxAttempts: number(body, 'maxAttempts', DEFAULT_MAX_ATTEMPTS, MAX_ATTEMPTS_LIMIT, true),
    maxAgeHours: number(body, 'maxAgeHours', DEFAULT_MAX_AGE_HOURS, MAX_AGE_HOURS_LIMIT, false),
  };
  const filter = optionalString(body, 'filter');
  const extraFields = optionalString(body, 'extraFields');
  // Parsed as the WebSocket parses them; a failure names the field.
  parseSelection({ filter, extraFields }, invalid);
  if (filter !== undefined) config.filter = filter;
  if (extraFields !== undefined) config.extraFields = extraFields;
  if (body.namespaces !== undefined) {
    const list = body.namespaces;
    if (!Array.isArray(list) || list.length === 0)
      throw invalid('namespaces', 'it must be a non-empty array of namespaces');
    for (const ns of list)
      if (typeof ns !== 'string' || !isValidNamespace(ns))
        throw invalid('namespaces', `${JSON.stringify(ns)} is not a namespace`);
    config.namespaces = [...new Set(list as string[])];
  }
  if (body.events !== undefined) {
    const list = body.events;
    if (!Array.isArray(list) || list.length === 0)
      throw invalid('events', 'it must be a non-empty array, e.g. ["twin"] or ["alerts"]');
    for (const kind of list)
      if (!EVENT_KINDS.includes(kind as WebhookEventKind))
        throw invalid(
          'events',
          `${JSON.stringify(kind)} is not a kind of event; there are "twin" and "alerts"`,
        );
    config.events = [...new Set(list as WebhookEventKind[])];
  }
  const secret = optionalString(body, 'secret');
  if (secret !== undefined) {
    if (secret.length < 1 || secret.length > 1024)
      throw invalid('secret', 'it must be 1 to 1024 characters');
    config.secret = secret;
  }
  return config;
}

/** The event selection of a webhook, as a SubscriberView takes it. */
export function selectionOf(config: WebhookConfig): EventSelection {
  return parseSelection({
    filter: config.filter,
    extraFields: config.extraFields,
    namespaces: config.namespaces?.join(','),
  });
}
