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
}

export interface RefreshTokenRecord {
  id: string;
  username: string;
  secretHash: string;
  expires: number;
  revoked: boolean;
  /** The `created` time of the user it was issued to (a user re-created with the name differs). */
  userCreated?: number;
}

export interface PolicyRecord {
  policyId: string;
  revision: number;
  created: number;
  modified: number;
  /** The policy JSON; null once deleted. */
  json: string | null;
}

export interface Catalog {
  listUsers(): Promise<UserRecord[]>;
  putUser(user: UserRecord): Promise<void>;
  deleteUser(username: string): Promise<boolean>;
  listTokens(): Promise<ApiTokenRecord[]>;
  putToken(token: ApiTokenRecord): Promise<void>;
  getRefreshToken(id: string): Promise<RefreshTokenRecord | null>;
  putRefreshToken(token: RefreshTokenRecord): Promise<void>;
  listPolicies(): Promise<PolicyRecord[]>;
  putPolicy(policy: PolicyRecord): Promise<void>;
  close(): Promise<void>;
}
