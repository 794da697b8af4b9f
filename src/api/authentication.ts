// The authentication step of the request pipeline: resolves the identity before any route runs.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest, onRequestHookHandler } from 'fastify';
import type { Identity } from '../auth/identity.js';
import type { RateLimiter } from '../auth/rate-limiter.js';
import { errors } from '../core/error-registry.js';

/** Resolves the identity of a request, or throws a 401 TwinfoldError. */
export interface Authenticator {
  authenticate(request: FastifyRequest): Promise<Identity> | Identity;
}

/**
 * Trusts every request as one administrator: for embedding the API behind another gate, and for
 * tests of behaviour unrelated to access control. `twinfold serve` never uses it.
 */
export const trustedAuthenticator: Authenticator = {
  authenticate: () => ({
    id: 'anonymous',
    subjects: ['anonymous'],
    admin: true,
    namespaces: null,
    readOnly: false,
    via: 'anonymous',
  }),
};

declare module 'fastify' {
  interface FastifyRequest {
    identity: Identity;
  }
  interface FastifyContextConfig {
    /** Served without authentication (health, metrics, login, API docs). */
    public?: boolean;
  }
}

/** Route config of a route served without authentication. */
export const PUBLIC = { public: true } as const;

/** The identity of a request (set by the authentication hook). */
export function identityOf(request: FastifyRequest): Identity {
  return request.identity;
}

export interface AuthenticationLimits {
  /** Per-identity rate limit, if any. */
  limiter: RateLimiter | null;
  /** Called for every request refused by the rate limit. */
  limited(): void;
}

/**
 * The hook that authenticates a request and applies the rate limit. A callback hook, not an async
 * one: API tokens authenticate synchronously, and then no promise is made per request.
 */
export function authenticationHook(
  authenticator: Authenticator,
  limits: AuthenticationLimits,
): onRequestHookHandler {
  const admit = (request: FastifyRequest, reply: FastifyReply, identity: Identity) => {
    request.identity = identity;
    const wait = limits.limiter?.take(identity.id) ?? 0;
    if (wait <= 0) return undefined;
    const seconds = Math.ceil(wait / 1000);
    limits.limited();
    reply.header('retry-after', String(seconds));
    return errors.tooManyRequests(seconds);
  };
  const challenge = (reply: FastifyReply, error: unknown) => {
    reply.header('www-authenticate', 'Basic realm="twinfold", Bearer');
    withRetryAfter(reply, error);
    // Whatever an authenticator throws, the request must not go on without an identity.
    return error instanceof Error ? error : errors.authenticationFailed(String(error));
  };
  return (request, reply, done) => {
    let identity;
    try {
      identity = authenticator.authenticate(request);
    } catch (error) {
      done(challenge(reply, error));
      return;
    }
    if (isPromiseLike(identity)) {
      identity.then(
        (resolved) => done(admit(request, reply, resolved)),
        (error: unknown) => done(challenge(reply, error)),
      );
    } else {
      done(admit(request, reply, identity));
    }
  };
}

/**
 * Sets `Retry-After` for an error that carries one (a 429 for too many failed credentials), so
 * that a route can rethrow it: `catch (e) { throw withRetryAfter(reply, e); }`.
 */
export function withRetryAfter(reply: FastifyReply, error: unknown): unknown {
  const seconds = (error as { retryAfterSeconds?: unknown } | null)?.retryAfterSeconds;
  if (typeof seconds === 'number') reply.header('retry-after', String(seconds));
  return error;
}

const digest = (text: string) => createHash('sha256').update(text).digest();

/**
 * The hook guarding /metrics when a metrics token is set: `Authorization: Bearer <token>` passes
 * (compared in constant time), and so does any administrator's credential, checked by
 * `authenticate` (the hook of every protected route); anyone else gets 401 or 403.
 */
export function metricsGate(
  token: string,
  authenticate: onRequestHookHandler,
): onRequestHookHandler {
  const expected = digest(`Bearer ${token}`);
  return function gate(request, reply, done) {
    const header = request.headers.authorization;
    if (header !== undefined && timingSafeEqual(digest(header), expected)) {
      done();
      return;
    }
    authenticate.call(this, request, reply, (error?: Error) => {
      if (error) done(error as Parameters<typeof done>[0]);
      else if (!request.identity.admin)
        done(
          errors.forbidden(
            'Only administrators and the metrics token (--metrics-token) may read /metrics.',
          ) as unknown as Parameters<typeof done>[0],
        );
      else done();
    });
  };
}

function isPromiseLike<T>(value: T | PromiseLike<T>): value is PromiseLike<T> {
  return typeof (value as PromiseLike<T> | null)?.then === 'function';
}
