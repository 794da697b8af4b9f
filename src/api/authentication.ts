// The authentication step of the request pipeline: resolves the identity before any route runs.
import type { FastifyRequest } from 'fastify';
import type { Identity } from '../auth/identity.js';

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
