// Users, logins (JWT + refresh token), API tokens, and authentication of every request header.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import {
  createRemoteJWKSet,
  decodeJwt,
  decodeProtectedHeader,
  jwtVerify,
  SignJWT,
  type JWTPayload,
  type JWTVerifyGetKey,
} from 'jose';
import { errors } from '../core/error-registry.js';
import { isValidNamespace } from '../core/ids.js';
import type { ApiTokenRecord, Catalog, UserRecord } from '../store/catalog.js';
import type { Identity } from './identity.js';
import { hashPassword, verifyPassword } from './password-hash.js';
import type { SigningKeyRing } from './signing-keys.js';

export interface OidcOptions {
  issuer: string;
  jwksUrl: string;
  audience?: string;
}

export interface IdentityOptions {
  catalog: Catalog;
  keys: SigningKeyRing;
  accessTtlSeconds?: number;
  refreshTtlSeconds?: number;
  oidc?: OidcOptions;
  now?: () => number;
  /** Called on every failed authentication or login, with its reason. */
  onFailure?: (reason: string) => void;
  /** Delay before answering a failed login, by consecutive failures of that user (ms). */
  failureDelay?: (failures: number) => number;
}

export interface TokenPair {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  refresh_token: string;
}

export interface UserView {
  username: string;
  subject: string;
  roles: string[];
  disabled: boolean;
  created: string;
}

export interface TokenView {
  id: string;
  name: string;
  subject: string;
  namespaces: string[] | null;
  readOnly: boolean;
  expires: string | null;
  created: string;
  revoked: boolean;
}

export interface NewToken {
  name: string;
  namespaces?: string[] | null;
  readOnly?: boolean;
  /** Epoch ms; null or absent = never. */
  expires?: number | null;
}

const USERNAME = /^[a-zA-Z0-9._-]{1,64}$/;
export const BOOTSTRAP_TOKEN_ID = 'bootstrap-admin';
export const ADMIN_USER = 'admin';
const ISSUER = 'twinfold';
const BASIC_CACHE_MS = 60_000;

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const defaultDelay = (failures: number) =>
  failures < 3 ? 0 : Math.min(200 * 2 ** (failures - 3), 3000);

export const userSubject = (username: string) => `user:${username}`;
/** The username of a `user:` subject, or undefined for other subjects. */
const usernameOf = (subject: string | undefined) =>
  subject?.startsWith('user:') ? subject.slice(5) : undefined;

export class IdentityService {
  private readonly users = new Map<string, UserRecord>();
  private readonly tokensByHash = new Map<string, ApiTokenRecord>();
  private readonly tokensById = new Map<string, ApiTokenRecord>();
  /** token -> its SHA-256, for tokens seen recently. */
  private readonly tokenHashes = new Map<string, string>();
  private readonly basicCache = new Map<string, { identity: Identity; until: number }>();
  /** Verified JWTs until they expire; `kid` (our own tokens) must still be in the key ring. */
  private readonly jwtCache = new Map<string, { identity: Identity; exp: number; kid?: string }>();
  private readonly revokedJti = new Map<string, number>();
  private readonly failures = new Map<string, number>();
  private readonly accessTtl: number;
  private readonly refreshTtl: number;
  private readonly now: () => number;
  private readonly oidcKeys: JWTVerifyGetKey | null;

  constructor(private readonly options: IdentityOptions) {
    this.accessTtl = options.accessTtlSeconds ?? 900;
    this.refreshTtl = options.refreshTtlSeconds ?? 30 * 86_400;
    this.now = options.now ?? Date.now;
    this.oidcKeys = options.oidc ? createRemoteJWKSet(new URL(options.oidc.jwksUrl)) : null;
  }

  /**
   * Loads users and tokens; makes sure the bootstrap admin exists. With `adminToken` the admin's
   * token is that value; without, a token is generated once and returned so it can be printed.
   */
  async init(adminToken?: string): Promise<{ generatedAdminToken?: string }> {
    await this.load();
    const existing = this.tokensById.get(BOOTSTRAP_TOKEN_ID);
    if (adminToken !== undefined) {
      if (adminToken.length < 16)
        throw new Error('TWINFOLD_ADMIN_TOKEN must be at least 16 characters long.');
      if (existing?.secretHash !== sha256(adminToken)) await this.saveBootstrapToken(adminToken);
      return {};
    }
    if (existing) return {};
    const generated = `tft_${randomBytes(32).toString('base64url')}`;
    await this.saveBootstrapToken(generated);
    return { generatedAdminToken: generated };
  }

  /**
   * Loads users and tokens and makes sure the bootstrap admin user exists, leaving the bootstrap
   * token to the server's {@link init} (the `users` command must not generate one nobody sees).
   */
  async load(): Promise<void> {
    for (const user of await this.options.catalog.listUsers()) this.users.set(user.username, user);
    for (const token of await this.options.catalog.listTokens()) this.indexToken(token);
    if (!this.users.has(ADMIN_USER)) {
      await this.saveUser({
        username: ADMIN_USER,
        passwordHash: '',
        roles: ['admin'],
        disabled: false,
        created: this.now(),
      });
    }
  }

  private async saveBootstrapToken(token: string): Promise<void> {
    const old = this.tokensById.get(BOOTSTRAP_TOKEN_ID);
    if (old) this.tokensByHash.delete(old.secretHash);
    await this.saveToken({
      id: BOOTSTRAP_TOKEN_ID,
      name: 'bootstrap admin',
      subject: userSubject(ADMIN_USER),
      secretHash: sha256(token),
      namespaces: null,
      readOnly: false,
      expires: null,
      created: this.now(),
      revoked: false,
    });
  }

  private indexToken(token: ApiTokenRecord): void {
    this.tokensById.set(token.id, token);
    this.tokensByHash.set(token.secretHash, token);
  }

  private async saveToken(token: ApiTokenRecord): Promise<void> {
    await this.options.catalog.putToken(token);
    this.indexToken(token);
  }

  private async saveUser(user: UserRecord): Promise<void> {
    await this.options.catalog.putUser(user);
    this.users.set(user.username, user);
    this.forgetCachedIdentities();
  }

  private forgetCachedIdentities(): void {
    this.basicCache.clear();
    this.jwtCache.clear();
  }

  // --- users ---

  async addUser(username: string, password: string, roles: string[] = []): Promise<UserView> {
    if (!USERNAME.test(username)) {
      throw errors.identityInvalid(
        `The username '${username}' is invalid: use 1-64 letters, digits, '.', '_' or '-'.`,
      );
    }
    if (this.users.has(username)) throw errors.userConflict(username);
    if (typeof password !== 'string' || password.length < 8 || password.length > 1024) {
      throw errors.identityInvalid('The password must be 8 to 1024 characters long.');
    }
    for (const role of roles)
      if (role !== 'admin')
        throw errors.identityInvalid(`Unknown role '${role}': the only role is 'admin'.`);
    const user: UserRecord = {
      username,
      passwordHash: await hashPassword(password),
      roles,
      disabled: false,
      created: this.now(),
    };
    await this.saveUser(user);
    return viewUser(user);
  }

  listUsers(): UserView[] {
    return [...this.users.values()]
      .map(viewUser)
      .sort((a, b) => a.username.localeCompare(b.username));
  }

  getUser(username: string): UserView | null {
    const user = this.users.get(username);
    return user ? viewUser(user) : null;
  }

  async setDisabled(username: string, disabled: boolean): Promise<UserView> {
    const user = this.users.get(username);
    if (!user) throw errors.userNotFound(username);
    if (username === ADMIN_USER && disabled)
      throw errors.identityInvalid('The bootstrap admin cannot be disabled.');
    await this.saveUser({ ...user, disabled });
    return viewUser({ ...user, disabled });
  }

  async deleteUser(username: string): Promise<void> {
    if (!this.users.has(username)) throw errors.userNotFound(username);
    if (username === ADMIN_USER)
      throw errors.identityInvalid('The bootstrap admin cannot be deleted.');
    await this.options.catalog.deleteUser(username);
    this.users.delete(username);
    for (const token of this.tokensById.values()) {
      if (token.subject === userSubject(username) && !token.revoked)
        await this.saveToken({ ...token, revoked: true });
    }
    this.forgetCachedIdentities();
  }

  // --- login ---

  private async failSlowly(key: string, reason: string): Promise<never> {
    const failures = (this.failures.get(key) ?? 0) + 1;
    if (this.failures.size > 100_000) this.failures.clear();
    this.failures.set(key, failures);
    this.options.onFailure?.(reason);
    const delay = (this.options.failureDelay ?? defaultDelay)(failures);
    if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
    throw errors.authenticationFailed(
      'The username or password is wrong, or the user is disabled.',
    );
  }

  private decoy: Promise<string> | null = null;

  private decoyHash(): Promise<string> {
    this.decoy ??= hashPassword(randomBytes(16).toString('hex'));
    return this.decoy;
  }

  private async checkPassword(username: string, password: string): Promise<UserRecord> {
    const user = this.users.get(username);
    const usable = !!user && !user.disabled && user.passwordHash !== '';
    // Unknown and disabled users cost the same scrypt work, so timing does not reveal names.
    const matches = await verifyPassword(
      password,
      usable ? user.passwordHash : await this.decoyHash(),
    );
    const valid = usable && matches;
    if (!valid || !user) return this.failSlowly(userSubject(username), 'bad-password');
    this.failures.delete(userSubject(username));
    return user;
  }

  async login(username: unknown, password: unknown): Promise<TokenPair> {
    if (typeof username !== 'string' || typeof password !== 'string') {
      throw errors.identityInvalid('Send {"username": "...", "password": "..."}.');
    }
    const user = await this.checkPassword(username, password);
    return this.issueTokens(user);
  }

  private async issueTokens(user: UserRecord): Promise<TokenPair> {
    const key = this.options.keys.active;
    const nowSeconds = Math.floor(this.now() / 1000);
    // `uc` ties the token to this user: a deleted user's tokens do not pass for a new one of the same name.
    const access = await new SignJWT({ roles: user.roles, uc: user.created })
      .setProtectedHeader({ alg: 'HS256', kid: key.kid, typ: 'JWT' })
      .setIssuer(ISSUER)
      .setSubject(userSubject(user.username))
      .setIssuedAt(nowSeconds)
      .setExpirationTime(nowSeconds + this.accessTtl)
      .setJti(randomUUID())
      .sign(Buffer.from(key.secret, 'base64url'));
    const id = randomUUID();
    const secret = randomBytes(32).toString('base64url');
    await this.options.catalog.putRefreshToken({
      id,
      username: user.username,
      secretHash: sha256(secret),
      expires: this.now() + this.refreshTtl * 1000,
      revoked: false,
      userCreated: user.created,
    });
    return {
      access_token: access,
      token_type: 'Bearer',
      expires_in: this.accessTtl,
      refresh_token: `rt_${id}.${secret}`,
    };
  }

  private async refreshRecord(refreshToken: unknown) {
    const match =
      typeof refreshToken === 'string' ? /^rt_([0-9a-f-]{36})\.([\w-]+)$/.exec(refreshToken) : null;
    const record = match ? await this.options.catalog.getRefreshToken(match[1]) : null;
    if (
      !match ||
      !record ||
      record.revoked ||
      record.expires <= this.now() ||
      record.secretHash !== sha256(match[2])
    ) {
      this.options.onFailure?.('bad-refresh-token');
      throw errors.authenticationFailed(
        'The refresh token is invalid, expired or revoked: log in again.',
      );
    }
    return record;
  }

  /** Exchanges a refresh token for new tokens; the old refresh token is revoked. */
  async refresh(refreshToken: unknown): Promise<TokenPair> {
    const record = await this.refreshRecord(refreshToken);
    const user = this.users.get(record.username);
    if (!user || user.disabled || record.userCreated !== user.created)
      throw errors.authenticationFailed('The user is disabled or deleted.');
    await this.options.catalog.putRefreshToken({ ...record, revoked: true });
    return this.issueTokens(user);
  }

  /**
   * Revokes a refresh token and, when the Authorization header carries a valid access token of
   * ours for the same user, that token's id until it expires.
   */
  async logout(refreshToken: unknown, authorization: string | undefined): Promise<void> {
    const record = await this.refreshRecord(refreshToken);
    await this.options.catalog.putRefreshToken({ ...record, revoked: true });
    const bearer = authorization?.startsWith('Bearer ') ? authorization.slice(7).trim() : '';
    const claims = bearer ? await this.verifiedOwnJwt(bearer) : null;
    if (!claims?.jti || !claims.exp || claims.sub !== userSubject(record.username)) return;
    // Expired tokens fail verification anyway, so their ids need not be remembered.
    const nowSeconds = this.now() / 1000;
    for (const [jti, exp] of this.revokedJti) if (exp <= nowSeconds) this.revokedJti.delete(jti);
    this.revokedJti.set(claims.jti, claims.exp);
    this.jwtCache.delete(bearer);
  }

  rotateSigningKey(): { kid: string } {
    return { kid: this.options.keys.rotate().kid };
  }

  // --- API tokens ---

  async createToken(
    owner: Identity,
    request: NewToken,
  ): Promise<{ token: string; view: TokenView }> {
    if (typeof request.name !== 'string' || request.name.length < 1 || request.name.length > 128) {
      throw errors.identityInvalid('A token needs a name of 1 to 128 characters.');
    }
    let namespaces = request.namespaces ?? null;
    if (namespaces !== null) {
      if (
        !Array.isArray(namespaces) ||
        namespaces.some((n) => typeof n !== 'string' || !isValidNamespace(n))
      ) {
        throw errors.identityInvalid(
          'namespaces must be an array of valid namespaces, e.g. ["org.example"].',
        );
      }
      if (owner.namespaces) namespaces = namespaces.filter((n) => owner.namespaces?.includes(n));
    } else {
      namespaces = owner.namespaces;
    }
    if (
      request.expires !== undefined &&
      request.expires !== null &&
      !(Number.isFinite(request.expires) && request.expires > this.now())
    ) {
      throw errors.identityInvalid('expires must be a future time.');
    }
    if (owner.via === 'oidc')
      throw errors.identityInvalid(
        'API tokens are for Twinfold users; OIDC identities use their own tokens.',
      );
    const token = `tft_${randomBytes(32).toString('base64url')}`;
    const record: ApiTokenRecord = {
      id: randomUUID(),
      name: request.name,
      subject: owner.id,
      secretHash: sha256(token),
      namespaces,
      readOnly: owner.readOnly || request.readOnly === true,
      // A token cannot outlive the token that created it.
      expires: minExpiry(request.expires ?? null, owner.expires ?? null),
      created: this.now(),
      revoked: false,
    };
    await this.saveToken(record);
    return { token, view: viewToken(record) };
  }

  /** The tokens of `owner` (all tokens for an administrator). */
  listTokens(owner: Identity): TokenView[] {
    return [...this.tokensById.values()]
      .filter((t) => owner.admin || t.subject === owner.id)
      .map(viewToken)
      .sort((a, b) => a.created.localeCompare(b.created));
  }

  async revokeToken(owner: Identity, id: string): Promise<void> {
    const token = this.tokensById.get(id);
    if (!token || (!owner.admin && token.subject !== owner.id)) throw errors.tokenNotFound(id);
    await this.saveToken({ ...token, revoked: true });
  }

  // --- authentication ---

  /**
   * Authenticates an Authorization header (Basic or Bearer); throws (or rejects with) a 401
   * TwinfoldError. API tokens are checked synchronously: no promise per request on the hot path.
   */
  authenticate(header: string | undefined): Identity | Promise<Identity> {
    if (!header) {
      this.options.onFailure?.('missing-credentials');
      throw errors.authenticationMissing();
    }
    const space = header.indexOf(' ');
    const scheme = header.slice(0, space).toLowerCase();
    const credentials = header.slice(space + 1).trim();
    if (space < 0 || credentials === '') return this.reject('malformed-header');
    if (scheme === 'basic') return this.basic(credentials);
    if (scheme === 'bearer') {
      if (credentials.startsWith('tft_')) return this.apiToken(credentials);
      return this.jwt(credentials);
    }
    return this.reject('unknown-scheme');
  }

  private reject(reason: string): never {
    this.options.onFailure?.(reason);
    throw errors.authenticationFailed(
      'The credentials are not valid: use Basic with a username and password, or Bearer with a token.',
    );
  }

  /** The identity of a user, limited by the API token it authenticated with, if any. */
  private userIdentity(user: UserRecord, via: Identity['via'], token?: ApiTokenRecord): Identity {
    const id = userSubject(user.username);
    // One literal: adding keys to a spread copy is a slow path in V8, and this runs per request.
    return {
      id,
      subjects: [id],
      admin: user.roles.includes('admin'),
      namespaces: token ? token.namespaces : null,
      readOnly: token ? token.readOnly : false,
      via,
      tokenId: token?.id,
      expires: token?.expires,
    };
  }

  private async basic(credentials: string): Promise<Identity> {
    const key = sha256(credentials);
    const cached = this.basicCache.get(key);
    if (cached && cached.until > this.now()) return cached.identity;
    const decoded = Buffer.from(credentials, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 1) return this.reject('malformed-header');
    const user = await this.checkPassword(decoded.slice(0, colon), decoded.slice(colon + 1));
    const identity = this.userIdentity(user, 'basic');
    if (this.basicCache.size > 10_000) this.basicCache.clear();
    this.basicCache.set(key, { identity, until: this.now() + BASIC_CACHE_MS });
    return identity;
  }

  /** The record of an API token; recently seen tokens skip the hash (the record is still checked). */
  private tokenRecord(token: string): ApiTokenRecord | undefined {
    let hash = this.tokenHashes.get(token);
    if (hash === undefined) {
      hash = sha256(token);
      if (this.tokenHashes.size >= 10_000) this.tokenHashes.clear();
      this.tokenHashes.set(token, hash);
    }
    return this.tokensByHash.get(hash);
  }

  private apiToken(token: string): Identity {
    const record = this.tokenRecord(token);
    if (!record || record.revoked || (record.expires !== null && record.expires <= this.now())) {
      return this.reject('bad-token');
    }
    const username = usernameOf(record.subject);
    const user = username === undefined ? undefined : this.users.get(username);
    if (!user || user.disabled) return this.reject('bad-token');
    return this.userIdentity(user, 'token', record);
  }

  private async jwt(token: string): Promise<Identity> {
    const cached = this.jwtCache.get(token);
    if (
      cached &&
      cached.exp * 1000 > this.now() &&
      (cached.kid === undefined || this.options.keys.find(cached.kid))
    )
      return cached.identity;
    let claims;
    let header;
    try {
      claims = decodeJwt(token);
      header = decodeProtectedHeader(token);
    } catch {
      return this.reject('malformed-jwt');
    }
    const identity =
      claims.iss === ISSUER
        ? await this.ownJwt(token, header.kid)
        : this.options.oidc && claims.iss === this.options.oidc.issuer
          ? await this.oidcJwt(token)
          : this.reject('unknown-issuer');
    if (this.jwtCache.size > 10_000) this.jwtCache.clear();
    this.jwtCache.set(token, {
      identity,
      exp: claims.exp ?? 0,
      kid: claims.iss === ISSUER ? header.kid : undefined,
    });
    return identity;
  }

  /** The claims of one of our access tokens when its signature, issuer and expiry hold; else null. */
  private async verifiedOwnJwt(token: string): Promise<JWTPayload | null> {
    try {
      const { kid } = decodeProtectedHeader(token);
      const key = kid ? this.options.keys.find(kid) : null;
      if (!key) return null;
      const { payload } = await jwtVerify(token, Buffer.from(key.secret, 'base64url'), {
        issuer: ISSUER,
        algorithms: ['HS256'],
        currentDate: new Date(this.now()),
      });
      return payload;
    } catch {
      return null;
    }
  }

  private async ownJwt(token: string, kid: string | undefined): Promise<Identity> {
    if (!kid || !this.options.keys.find(kid)) return this.reject('unknown-signing-key');
    const payload = await this.verifiedOwnJwt(token);
    if (!payload) return this.reject('invalid-jwt');
    if (payload.jti && this.revokedJti.has(payload.jti)) return this.reject('revoked-jwt');
    const username = usernameOf(payload.sub);
    const user = username === undefined ? undefined : this.users.get(username);
    if (!user || user.disabled || payload.uc !== user.created) return this.reject('invalid-jwt');
    return this.userIdentity(user, 'jwt');
  }

  private async oidcJwt(token: string): Promise<Identity> {
    const oidc = this.options.oidc as OidcOptions;
    let payload;
    try {
      ({ payload } = await jwtVerify(token, this.oidcKeys as JWTVerifyGetKey, {
        issuer: oidc.issuer,
        audience: oidc.audience,
        requiredClaims: ['exp', 'sub'],
        currentDate: new Date(this.now()),
      }));
    } catch {
      return this.reject('invalid-oidc-jwt');
    }
    if (!payload.sub) return this.reject('invalid-oidc-jwt');
    const id = `oidc:${payload.sub}`;
    return { id, subjects: [id], admin: false, namespaces: null, readOnly: false, via: 'oidc' };
  }
}

function minExpiry(a: number | null, b: number | null): number | null {
  if (a === null) return b;
  if (b === null) return a;
  return Math.min(a, b);
}

function viewUser(user: UserRecord): UserView {
  return {
    username: user.username,
    subject: userSubject(user.username),
    roles: user.roles,
    disabled: user.disabled,
    created: new Date(user.created).toISOString(),
  };
}

function viewToken(token: ApiTokenRecord): TokenView {
  return {
    id: token.id,
    name: token.name,
    subject: token.subject,
    namespaces: token.namespaces,
    readOnly: token.readOnly,
    expires: token.expires === null ? null : new Date(token.expires).toISOString(),
    created: new Date(token.created).toISOString(),
    revoked: token.revoked,
  };
}
