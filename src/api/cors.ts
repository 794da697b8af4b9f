// Cross-origin requests from browsers (CORS): preflights answered without credentials, configured origins only.
import type { FastifyReply, FastifyRequest, onRequestHookHandler } from 'fastify';

/**
 * The request headers a browser on another origin may send: every header Ditto reads from HTTP
 * requests (`DittoHeaderDefinition`, those read from external headers), plus the ones browsers'
 * event-source clients add.
 */
export const CORS_ALLOWED_HEADERS = [
  'authorization',
  'content-type',
  'accept',
  'if-match',
  'if-none-match',
  'if-equal',
  'condition',
  'at-historical-revision',
  'at-historical-timestamp',
  'put-metadata',
  'get-metadata',
  'delete-metadata',
  'correlation-id',
  'timeout',
  'response-required',
  'requested-acks',
  'declared-acks',
  'dry-run',
  'channel',
  'reply-to',
  'allow-policy-lockout',
  'merge-thing-patch-conditions',
  'policy-view',
  'live-channel-condition',
  'live-channel-timeout-strategy',
  'divert-response-to-connection',
  'divert-expected-response-types',
  'traceparent',
  'tracestate',
  'cache-control',
  'last-event-id',
] as const;

/**
 * The response headers a script on another origin may read: `ETag` above all (the Explorer UI's
 * edit mode reads it for `If-Match`), and every header Ditto writes to HTTP responses.
 */
export const CORS_EXPOSED_HEADERS = [
  'etag',
  'location',
  'correlation-id',
  'ditto-metadata',
  'ditto-originator',
  'entity-revision',
  'historical-headers',
  'response-required',
  'requested-acks',
  'timeout',
  'dry-run',
  'channel',
  'live-channel-condition-matched',
  'traceparent',
  'tracestate',
  'retry-after',
  'www-authenticate',
  'link',
] as const;

const ALLOWED_METHODS = 'GET, HEAD, PUT, PATCH, POST, DELETE, OPTIONS';
/** How long a browser may cache a preflight's answer (Chromium caps it at 2 hours). */
const PREFLIGHT_MAX_AGE_SECONDS = 3600;

/** The origins allowed to call the API from a browser: `['*']` for any, or exact origins. */
export type CorsOrigins = readonly string[];

/**
 * Validates `--cors-origin` values: `*` alone, or origins such as `https://ui.example:8443`
 * (scheme, host and port, no path). Returns the normalised list or an error message.
 *
 * @example parseCorsOrigins('http://127.0.0.1:3000, https://ui.example') // ['http://127.0.0.1:3000', 'https://ui.example']
 */
export function parseCorsOrigins(raw: string): string[] | { error: string } {
  const values = raw
    .split(',')
    .map((value) => value.trim())
    .filter((value) => value !== '');
  if (values.length === 0) return { error: 'give at least one origin, or * for any origin' };
  if (values.includes('*')) {
    return values.length === 1
      ? ['*']
      : { error: "'*' allows every origin: give it alone, not with other origins" };
  }
  const origins: string[] = [];
  for (const value of values) {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      return { error: `'${value}' is not an origin such as https://ui.example:8443` };
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:')
      return { error: `'${value}' must be an http:// or https:// origin` };
    if (url.origin !== value) {
      return {
        error: `'${value}' is not an origin: give scheme, host and port only, as browsers send it (${url.origin})`,
      };
    }
    if (!origins.includes(url.origin)) origins.push(url.origin);
  }
  return origins;
}

function isPreflight(request: FastifyRequest): boolean {
  return (
    request.method === 'OPTIONS' && request.headers['access-control-request-method'] !== undefined
  );
}

/**
 * The hook that makes the API usable from browsers on the given origins. It must run before
 * authentication: a preflight (`OPTIONS` with `Origin` and `Access-Control-Request-Method`) from
 * an allowed origin is answered 204 at once, since browsers send preflights without credentials.
 * Every other response to an allowed origin names it in `Access-Control-Allow-Origin` and exposes
 * Ditto's response headers. Requests from other origins are served as without CORS (a browser
 * then refuses to hand the response to the page).
 */
export function corsHook(origins: CorsOrigins): onRequestHookHandler {
  const any = origins.includes('*');
  const allowed = new Set(origins);
  const allowHeaders = CORS_ALLOWED_HEADERS.join(', ');
  const exposeHeaders = CORS_EXPOSED_HEADERS.join(', ');
  const allow = (reply: FastifyReply, origin: string) => {
    if (any) {
      // A wildcard cannot go with credentials: browsers then send no cookies, which Twinfold does
      // not use (credentials travel in Authorization, which the page sets itself).
      reply.header('access-control-allow-origin', '*');
    } else {
      reply.header('access-control-allow-origin', origin);
      reply.header('access-control-allow-credentials', 'true');
    }
  };
  return (request, reply, done) => {
    // Answers differ by Origin unless every origin gets the same: tell caches so.
    if (!any) reply.header('vary', 'Origin');
    const origin = request.headers.origin;
    if (origin === undefined || (!any && !allowed.has(origin))) {
      done();
      return;
    }
    allow(reply, origin);
    if (isPreflight(request)) {
      void reply
        .code(204)
        .header('access-control-allow-methods', ALLOWED_METHODS)
        .header('access-control-allow-headers', allowHeaders)
        .header('access-control-max-age', String(PREFLIGHT_MAX_AGE_SECONDS))
        .send();
      return;
    }
    reply.header('access-control-expose-headers', exposeHeaders);
    done();
  };
}
