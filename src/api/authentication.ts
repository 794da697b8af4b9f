// The authentication slot of the request pipeline: resolves who is calling before any route runs.
import type { FastifyRequest } from 'fastify';

export interface Subject {
  /** Ditto subject id, e.g. `nginx:alice` or `oidc:1234`. */
  id: string;
}

/** Resolves the subject of a request, or throws a 401 TwinfoldError. */
export interface Authenticator {
  authenticate(request: FastifyRequest): Promise<Subject> | Subject;
}

/** Lets every request through as one anonymous subject (until identities are configured). */
export const anonymousAuthenticator: Authenticator = {
  authenticate: () => ({ id: 'anonymous' }),
};

declare module 'fastify' {
  interface FastifyRequest {
    subject: Subject | null;
  }
}
