// Who is calling: the authenticated identity every request carries.
import { errors } from '../core/error-registry.js';

export interface Identity {
  /** The primary subject id (Ditto's `ditto-originator`), e.g. `user:alice`, `oidc:1234`. */
  id: string;
  /** Every subject id the identity holds; policies are matched against these. */
  subjects: string[];
  /** Administrators manage users and are not limited by policies. */
  admin: boolean;
  /** The namespaces the identity is limited to (a scoped token); null = all. */
  namespaces: string[] | null;
  /** A read-only token may not change anything. */
  readOnly: boolean;
  /** How the identity was established. */
  via: 'basic' | 'token' | 'jwt' | 'oidc' | 'anonymous';
  /** The API token id, for tokens. */
  tokenId?: string;
  /** When the credential stops working (epoch ms), for tokens with an expiry and login JWTs. */
  expires?: number | null;
  /** The login session a login JWT belongs to. */
  session?: string;
}

/** True when the identity may see things in `namespace`. */
export function inScope(identity: Identity, namespace: string): boolean {
  return identity.namespaces === null || identity.namespaces.includes(namespace);
}

/** Throws 403 for a read-only credential: it may not change anything. */
export function assertWritable(identity: Identity): void {
  if (identity.readOnly) throw errors.readOnlyIdentity();
}
