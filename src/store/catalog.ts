// Port: the catalog of users, API tokens, refresh tokens and policies (small, rarely written data).

export interface UserRecord {
  username: string;
  /** scrypt hash; empty when the user cannot log in with a password (e.g. the bootstrap admin). */
  passwordHash: string;
  roles: string[];
  disabled: boolean;
  created: number;
}

export interface ApiTokenRecord {
  id: string;
  name: string;
  /** The subject the token acts as, e.g. `user:alice`. */
  subject: string;
  /** SHA-256 of the token (tokens are random and long, so a fast hash is enough). */
  secretHash: string;
  /** Namespaces the token is limited to; null = all. */
  namespaces: string[] | null;
  readOnly: boolean;
  /** Epoch ms, or null for no expiry. */
  expires: number | null;
  created: number;
  revoked: boolean;
  /** The id of the API token that minted this one; revoking that revokes this too. */
  parent?: string;
  /** The login session whose JWT minted this token; logging it out revokes this too. */
  session?: string;
}

export interface RefreshTokenRecord {
  id: string;
  username: string;
  secretHash: string;
  expires: number;
  revoked: boolean;
  /** The `created` time of the user it was issued to (a user re-created with the name differs). */
  userCreated?: number;
  /**
   * 'session' marks the record of a login session (refresh-token family): its id is the `sid` of
   * the session's JWTs, `revoked` revokes every refresh and access token of it, `secretHash` is
   * empty and `expires` is at least that of the session's last token. Absent: a refresh token.
   */
  kind?: 'session';
  /** The login session a refresh token belongs to. */
  session?: string;
}

export interface PolicyRecord {
  policyId: string;
  revision: number;
  created: number;
  modified: number;
  /** The policy JSON; null once deleted. */
  json: string | null;
}

/** A point in a policy's history: a revision or an instant (epoch ms). */
export type PolicyHistoryPoint = { revision: number } | { timestamp: number };

export interface Catalog {
  listUsers(): Promise<UserRecord[]>;
  putUser(user: UserRecord): Promise<void>;
  deleteUser(username: string): Promise<boolean>;
  listTokens(): Promise<ApiTokenRecord[]>;
  putToken(token: ApiTokenRecord): Promise<void>;
  getRefreshToken(id: string): Promise<RefreshTokenRecord | null>;
  putRefreshToken(token: RefreshTokenRecord): Promise<void>;
  listPolicies(): Promise<PolicyRecord[]>;
  /** Writes a policy's new revision (json null: deleted) and keeps it in the policy's history. */
  putPolicy(policy: PolicyRecord): Promise<void>;
  /**
   * A policy as it was at a revision, or at its last revision written at or before a time (epoch
   * ms, by `modified`); null when there is no such revision. A deletion has `json` null.
   */
  policyAt(policyId: string, at: PolicyHistoryPoint): Promise<PolicyRecord | null>;
  close(): Promise<void>;
}
