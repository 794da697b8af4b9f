// Users, logins (JWT + refresh token), API tokens, and authentication of every request header.
import { createHash, createHmac, randomBytes, randomUUID } from 'node:crypto';
import { availableParallelism } from 'node:os';
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
import type { ApiTokenRecord, Catalog, RefreshTokenRecord, UserRecord } from '../store/catalog.js';
import type { Identity } from './identity.js';
import { hashPassword, verifyPassword } from './password-hash.js';
import { FailureLimiter, type FailureLimit } from './rate-limiter.js';
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
  /** Distinct failed credentials allowed per client address; default 50 in 5 minutes. */
  addressFailureLimit?: FailureLimit;
  /** Distinct wrong passwords allowed per username; default 10 in 15 minutes. */
  userFailureLimit?: FailureLimit;
  /** Password checks (scrypt) running at once; default half the cores, at least 2. */
  passwordConcurrency?: number;
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

/** Visible ASCII: what an HTTP header carries unchanged. */
const HEADER_SAFE = /^[\x21-\x7e]+$/;
/** Three base64url segments: the shape of a JWT. */
const JWT_SHAPE = /^[\w-]+\.[\w-]+\.[\w-]*$/;
export const DEFAULT_ADDRESS_FAILURE_LIMIT: FailureLimit = { failures: 50, windowMs: 300_000 };
export const DEFAULT_USER_FAILURE_LIMIT: FailureLimit = { failures: 10, windowMs: 900_000 };

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** The delay before answering the n-th consecutive failed login of a user (ms). */
export const defaultFailureDelay = (failures: number) =>
  failures < 3 ? 0 : Math.min(200 * 2 ** (failures - 3), 3000);

/**
 * Runs password checks (scrypt) a few at a time, urgent ones first: scrypt runs on libuv's thread
 * pool, and a flood of guesses filling that pool would hold up both correct logins and the rest
 * of the process. Urgent = from an address and for a user with no recent failure or check.
 */
class PasswordGate {
  private running = 0;
  private readonly urgent: (() => void)[] = [];
  private readonly later: (() => void)[] = [];

  constructor(private readonly concurrency: number) {}

  async run<T>(urgent: boolean, work: () => Promise<T>): Promise<T> {
    if (this.running < this.concurrency) this.running++;
    else await new Promise<void>((resolve) => (urgent ? this.urgent : this.later).push(resolve));
    try {
      return await work();
    } finally {
      // The slot passes to the next waiter, if any.
      const next = this.urgent.shift() ?? this.later.shift();
      if (next) next();
      else this.running--;
    }
  }
}

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
  /** Revoked ids of JWTs without a session (issued before sessions existed); in memory only. */
  private readonly revokedJti = new Map<string, number>();
  /** Login sessions seen recently: whether revoked (the catalog's session record is the truth). */
  private readonly sessions = new Map<string, boolean>();
  /** Refresh tokens being exchanged right now: a second use meanwhile is a reuse. */
  private readonly consuming = new Set<string>();
  /** Password checks in flight, by fingerprint: parallel identical checks share one scrypt. */
  private readonly checking = new Map<string, Promise<boolean>>();
  private readonly failures = new Map<string, number>();
  private readonly byAddress: FailureLimiter;
  private readonly byUser: FailureLimiter;
  private readonly gate: PasswordGate;
  /** Keys the fingerprints of failed credentials, so that they are no fast hash of a password. */
  private readonly fingerprintKey = randomBytes(32);
  private readonly accessTtl: number;
  private readonly refreshTtl: number;
  private readonly now: () => number;
  private readonly oidcKeys: JWTVerifyGetKey | null;

  constructor(private readonly options: IdentityOptions) {
    this.accessTtl = options.accessTtlSeconds ?? 900;
    this.refreshTtl = options.refreshTtlSeconds ?? 30 * 86_400;
    this.now = options.now ?? Date.now;
    this.oidcKeys = options.oidc ? createRemoteJWKSet(new URL(options.oidc.jwksUrl)) : null;
    this.byAddress = new FailureLimiter(
      options.addressFailureLimit ?? DEFAULT_ADDRESS_FAILURE_LIMIT,
      this.now,
    );
    this.byUser = new FailureLimiter(
      options.userFailureLimit ?? DEFAULT_USER_FAILURE_LIMIT,
      this.now,
    );
    this.gate = new PasswordGate(
      options.passwordConcurrency ?? Math.max(2, Math.floor(availableParallelism() / 2)),
    );
  }

  /**
   * Loads users and tokens; makes sure the bootstrap admin exists. With `adminToken` the admin's
   * token is that value (any 16 or more visible ASCII characters; it is restored if it was
   * revoked); without, a token is generated once and returned so it can be printed.
   */
  async init(adminToken?: string): Promise<{ generatedAdminToken?: string }> {
    await this.load();
    const existing = this.tokensById.get(BOOTSTRAP_TOKEN_ID);
    if (adminToken !== undefined) {
      if (adminToken.length < 16)
        throw new Error('TWINFOLD_ADMIN_TOKEN must be at least 16 characters long.');
      if (!HEADER_SAFE.test(adminToken))
        throw new Error(
          'TWINFOLD_ADMIN_TOKEN must be visible ASCII characters without spaces: it is sent in an Authorization header.',
        );
      if (existing?.secretHash !== sha256(adminToken) || existing.revoked)
        await this.saveBootstrapToken(adminToken);
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

  // --- failures ---

  /** A keyed fingerprint of a credential, for counting distinct failures. */
  private fingerprint(credential: string): string {
    return createHmac('sha256', this.fingerprintKey)
      .update(credential)
      .digest('base64url')
      .slice(0, 22);
  }

  /** Refuses an attempt of a client or user that failed too often (429 with Retry-After). */
  private throttle(waitMs: number): never {
    this.options.onFailure?.('too-many-failures');
    throw errors.authenticationThrottled(Math.ceil(waitMs / 1000));
  }

  private throttleAddress(client: string | undefined): void {
    const wait = client === undefined ? 0 : this.byAddress.retryAfter(client);
    if (wait > 0) this.throttle(wait);
  }

  // --- login ---

  private async failSlowly(key: string, reason: string): Promise<never> {
    const failures = (this.failures.get(key) ?? 0) + 1;
    if (this.failures.size > 100_000) this.failures.clear();
    this.failures.set(key, failures);
    this.options.onFailure?.(reason);
    // Only this answer waits: other requests (and this user's correct logins) go on meanwhile.
    const delay = (this.options.failureDelay ?? defaultFailureDelay)(failures);
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

  /** One scrypt check through the gate; identical checks in flight share it. */
  private verifyOnce(
    fingerprint: string,
    password: string,
    hash: string,
    urgent: boolean,
  ): Promise<boolean> {
    let check = this.checking.get(fingerprint);
    if (!check) {
      check = this.gate
        .run(urgent, () => verifyPassword(password, hash))
        .finally(() => this.checking.delete(fingerprint));
      this.checking.set(fingerprint, check);
    }
    return check;
  }

  private async checkPassword(
    username: string,
    password: string,
    client: string | undefined,
  ): Promise<UserRecord> {
    const wait = Math.max(
      client === undefined ? 0 : this.byAddress.retryAfter(client),
      this.byUser.retryAfter(username),
    );
    if (wait > 0) return this.throttle(wait);
    const fingerprint = this.fingerprint(`${username}\0${password}`);
    const urgent =
      this.byUser.quiet(username) && (client === undefined || this.byAddress.quiet(client));
    this.byUser.begin(username, fingerprint);
    if (client !== undefined) this.byAddress.begin(client, fingerprint);
    const user = this.users.get(username);
    let valid = false;
    try {
      const usable = !!user && !user.disabled && user.passwordHash !== '';
      // Unknown and disabled users cost the same scrypt work, so timing does not reveal names.
      const hash = usable ? user.passwordHash : await this.decoyHash();
      valid = usable && (await this.verifyOnce(`${fingerprint}:${hash}`, password, hash, urgent));
    } finally {
      this.byUser.end(username, fingerprint, !valid);
      if (client !== undefined) this.byAddress.end(client, fingerprint, !valid);
    }
    if (!valid || !user) return this.failSlowly(userSubject(username), 'bad-password');
    this.failures.delete(userSubject(username));
    this.byUser.reset(username);
    return user;
  }

  /**
   * Logs a user in: a JWT and a refresh token of a new session. `client` is the caller's address,
   * for the limit on failures.
   */
  async login(username: unknown, password: unknown, client?: string): Promise<TokenPair> {
    if (typeof username !== 'string' || typeof password !== 'string') {
      throw errors.identityInvalid('Send {"username": "...", "password": "..."}.');
    }
    const user = await this.checkPassword(username, password, client);
    return this.issueTokens(user, randomUUID(), true);
  }

  /**
   * A JWT and a refresh token of `session`; the session's record is renewed to outlive both, so
   * that its revocation is remembered for as long as any of its tokens could be used.
   */
  private async issueTokens(user: UserRecord, session: string, fresh: boolean): Promise<TokenPair> {
    // Renewing the record must not undo a logout that raced with this refresh.
    const revoked =
      this.sessions.get(session) === true ||
      (!fresh && (await this.options.catalog.getRefreshToken(session))?.revoked === true);
    if (revoked) throw errors.authenticationFailed('The session was logged out: log in again.');
    const key = this.options.keys.active;
    const nowSeconds = Math.floor(this.now() / 1000);
    const record: RefreshTokenRecord = {
      id: session,
      kind: 'session',
      username: user.username,
      secretHash: '',
      expires: this.now() + Math.max(this.refreshTtl, this.accessTtl) * 1000,
      revoked: false,
      userCreated: user.created,
    };
    await this.options.catalog.putRefreshToken(record);
    if (this.sessions.get(session) === true) {
      // Logged out while this was written: the logout wins.
      await this.options.catalog.putRefreshToken({ ...record, revoked: true });
      throw errors.authenticationFailed('The session was logged out: log in again.');
    }
    this.rememberSession(session, false);
    // `uc` ties the token to this user: a deleted user's tokens do not pass for a new one of the same name.
    const access = await new SignJWT({ roles: user.roles, uc: user.created, sid: session })
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
      session,
    });
    return {
      access_token: access,
      token_type: 'Bearer',
      expires_in: this.accessTtl,
      refresh_token: `rt_${id}.${secret}`,
    };
  }

  private rememberSession(session: string, revoked: boolean): void {
    if (this.sessions.size >= 10_000) this.sessions.clear();
    this.sessions.set(session, revoked);
  }

  /** Whether a login session is revoked; a session the catalog no longer holds has ended. */
  private async sessionRevoked(session: string): Promise<boolean> {
    const known = this.sessions.get(session);
    if (known !== undefined) return known;
    const record = await this.options.catalog.getRefreshToken(session);
    const revoked = record?.kind !== 'session' || record.revoked || record.expires <= this.now();
    this.rememberSession(session, revoked);
    return revoked;
  }

  /**
   * Revokes a login session: its refresh tokens, its JWTs (also after a restart: the revocation
   * is in the catalog until the session's last token expires) and the API tokens they minted.
   */
  private async revokeSession(session: string, username: string): Promise<void> {
    this.rememberSession(session, true);
    const record = await this.options.catalog.getRefreshToken(session);
    if (record?.kind === 'session') {
      if (!record.revoked) await this.options.catalog.putRefreshToken({ ...record, revoked: true });
    } else if (!record) {
      await this.options.catalog.putRefreshToken({
        id: session,
        kind: 'session',
        username,
        secretHash: '',
        expires: this.now() + Math.max(this.refreshTtl, this.accessTtl) * 1000,
        revoked: true,
      });
    }
    for (const [token, cached] of this.jwtCache)
      if (cached.identity.session === session) this.jwtCache.delete(token);
    const minted = [...this.tokensById.values()].filter((t) => t.session === session);
    await this.revokeTokens(minted.map((t) => t.id));
  }

  /** The record of a genuine refresh token (perhaps revoked), else a 401. */
  private async refreshRecord(
    refreshToken: unknown,
    client: string | undefined,
  ): Promise<RefreshTokenRecord> {
    const match =
      typeof refreshToken === 'string' ? /^rt_([0-9a-f-]{36})\.([\w-]+)$/.exec(refreshToken) : null;
    const record = match ? await this.options.catalog.getRefreshToken(match[1]) : null;
    if (!match || !record || record.kind === 'session' || record.secretHash !== sha256(match[2])) {
      if (client !== undefined) this.byAddress.fail(client, this.fingerprint(String(refreshToken)));
      return this.refuseRefresh();
    }
    if (record.expires <= this.now()) return this.refuseRefresh();
    return record;
  }

  private refuseRefresh(reason = 'bad-refresh-token'): never {
    this.options.onFailure?.(reason);
    throw errors.authenticationFailed(
      'The refresh token is invalid, expired or revoked: log in again.',
    );
  }

  /**
   * Exchanges a refresh token for new tokens of the same session; the old refresh token is
   * revoked. Presenting a refresh token that was already exchanged revokes its whole session
   * (OAuth 2.0 Security BCP, refresh token rotation): one of the two holders is not its owner.
   */
  async refresh(refreshToken: unknown, client?: string): Promise<TokenPair> {
    this.throttleAddress(client);
    const record = await this.refreshRecord(refreshToken, client);
    const session = record.session ?? randomUUID();
    // A logged-out session's tokens are merely stale; only a spent token of a live one is a reuse.
    if (record.session && (await this.sessionRevoked(record.session))) return this.refuseRefresh();
    if (record.revoked || this.consuming.has(record.id)) return this.reused(record);
    this.consuming.add(record.id);
    try {
      // Read again under the claim: a concurrent exchange may have spent it meanwhile.
      const current = await this.options.catalog.getRefreshToken(record.id);
      if (!current || current.revoked) return await this.reused(record);
      if (record.session && (await this.sessionRevoked(record.session)))
        return this.refuseRefresh();
      const user = this.users.get(record.username);
      if (!user || user.disabled || record.userCreated !== user.created)
        throw errors.authenticationFailed('The user is disabled or deleted.');
      await this.options.catalog.putRefreshToken({ ...current, revoked: true });
      return await this.issueTokens(user, session, record.session === undefined);
    } finally {
      this.consuming.delete(record.id);
    }
  }

  private async reused(record: RefreshTokenRecord): Promise<never> {
    if (record.session) await this.revokeSession(record.session, record.username);
    this.options.onFailure?.('refresh-token-reuse');
    throw errors.authenticationFailed(
      'The refresh token was already used, so its session is revoked: log in again.',
    );
  }

  /**
   * Logs out the session of a refresh token: its refresh tokens, its JWTs and the API tokens they
   * minted stop working. When the Authorization header carries a valid JWT of ours for the same
   * user, that JWT's session is logged out too.
   */
  async logout(
    refreshToken: unknown,
    authorization: string | undefined,
    client?: string,
  ): Promise<void> {
    this.throttleAddress(client);
    const record = await this.refreshRecord(refreshToken, client);
    if (record.session) await this.revokeSession(record.session, record.username);
    else await this.options.catalog.putRefreshToken({ ...record, revoked: true });
    const bearer = authorization?.startsWith('Bearer ') ? authorization.slice(7).trim() : '';
    const verified = bearer ? await this.verifiedOwnJwt(bearer) : null;
    const claims = typeof verified === 'object' ? verified : null;
    if (!claims?.jti || !claims.exp || claims.sub !== userSubject(record.username)) return;
    if (typeof claims.sid === 'string') {
      await this.revokeSession(claims.sid, record.username);
      return;
    }
    // A JWT from before sessions: its id is remembered (in memory) until it expires.
    const nowSeconds = this.now() / 1000;
    for (const [jti, exp] of this.revokedJti) if (exp <= nowSeconds) this.revokedJti.delete(jti);
    this.revokedJti.set(claims.jti, claims.exp);
    this.jwtCache.delete(bearer);
  }

  rotateSigningKey(): { kid: string } {
    return { kid: this.options.keys.rotate().kid };
  }

  // --- API tokens ---

  /**
   * Creates an API token for `owner`. It never outlives the credential that created it: its
   * expiry is clamped to that of the owner's token or login JWT, and revoking that token (or
   * logging out that session) revokes this one too.
   */
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
      const scope = owner.namespaces;
      const outside = scope ? namespaces.filter((n) => !scope.includes(n)) : [];
      if (outside.length > 0)
        throw errors.identityInvalid(
          `This credential is limited to ${scope?.join(', ')}: it cannot create a token for ${outside.join(', ')}.`,
        );
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
      expires: minExpiry(request.expires ?? null, owner.expires ?? null),
      created: this.now(),
      revoked: false,
    };
    if (owner.via === 'token' && owner.tokenId) record.parent = owner.tokenId;
    if (owner.via === 'jwt' && owner.session) record.session = owner.session;
    await this.saveToken(record);
    return { token, view: viewToken(record) };
  }

  /**
   * Whether `owner` may see and revoke `token`. Users manage their own tokens. Administrators
   * manage everyone's, as far as their scope reaches: a namespace-scoped credential only tokens
   * limited to namespaces within its own. The bootstrap token only an unscoped administrator.
   */
  private manages(owner: Identity, token: ApiTokenRecord): boolean {
    if (token.id === BOOTSTRAP_TOKEN_ID) return owner.admin && owner.namespaces === null;
    if (!owner.admin) return token.subject === owner.id;
    const scope = owner.namespaces;
    return (
      scope === null ||
      (token.namespaces !== null && token.namespaces.every((n) => scope.includes(n)))
    );
  }

  /** The tokens `owner` manages (see {@link manages}). */
  listTokens(owner: Identity): TokenView[] {
    return [...this.tokensById.values()]
      .filter((t) => this.manages(owner, t))
      .map(viewToken)
      .sort((a, b) => a.created.localeCompare(b.created));
  }

  /** Revokes a token `owner` manages, and every token minted by it, transitively. */
  async revokeToken(owner: Identity, id: string): Promise<void> {
    const token = this.tokensById.get(id);
    if (!token || !this.manages(owner, token)) throw errors.tokenNotFound(id);
    await this.revokeTokens([id]);
  }

  /** Revokes tokens and their descendants (tokens minted by them). */
  private async revokeTokens(ids: string[]): Promise<void> {
    const doomed = new Set(ids);
    let grew = doomed.size > 0;
    while (grew) {
      grew = false;
      for (const token of this.tokensById.values()) {
        if (token.parent !== undefined && doomed.has(token.parent) && !doomed.has(token.id)) {
          doomed.add(token.id);
          grew = true;
        }
      }
    }
    for (const id of doomed) {
      const token = this.tokensById.get(id);
      if (token && !token.revoked) await this.saveToken({ ...token, revoked: true });
    }
  }

  // --- authentication ---

  /**
   * Authenticates an Authorization header (Basic or Bearer); throws (or rejects with) a 401
   * TwinfoldError, or a 429 when `client` (the caller's address) or the user failed too often.
   * API tokens are checked synchronously: no promise per request on the hot path.
   */
  authenticate(header: string | undefined, client?: string): Identity | Promise<Identity> {
    if (!header) {
      this.options.onFailure?.('missing-credentials');
      throw errors.authenticationMissing();
    }
    this.throttleAddress(client);
    const space = header.indexOf(' ');
    const scheme = header.slice(0, space).toLowerCase();
    const credentials = header.slice(space + 1).trim();
    if (space < 0 || credentials === '') return this.reject('malformed-header', client, header);
    if (scheme === 'basic') return this.basic(credentials, client);
    if (scheme === 'bearer') {
      // Minted tokens start with tft_; the bootstrap token may be any value the operator chose,
      // even one shaped like a JWT, so such a value is looked up before it is parsed as a JWT.
      if (credentials.startsWith('tft_') || !JWT_SHAPE.test(credentials))
        return this.apiToken(credentials, client);
      if (!this.jwtCache.has(credentials) && this.tokensByHash.has(sha256(credentials)))
        return this.apiToken(credentials, client);
      return this.jwt(credentials, client);
    }
    return this.reject('unknown-scheme', client, header);
  }

  /**
   * A 401. With `client` and `credential`, the credential counts as a failed guess of that client:
   * credentials that were once valid (expired, revoked) do not.
   */
  private reject(reason: string, client?: string, credential?: string): never {
    this.options.onFailure?.(reason);
    if (client !== undefined && credential !== undefined)
      this.byAddress.fail(client, this.fingerprint(credential));
    throw errors.authenticationFailed(
      'The credentials are not valid: use Basic with a username and password, or Bearer with a token.',
    );
  }

  /** The identity of a user, limited by the API token or login JWT it authenticated with. */
  private userIdentity(
    user: UserRecord,
    via: Identity['via'],
    token?: ApiTokenRecord,
    jwt?: { expires: number; session?: string },
  ): Identity {
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
      expires: token ? token.expires : jwt?.expires,
      session: jwt?.session,
    };
  }

  private async basic(credentials: string, client: string | undefined): Promise<Identity> {
    const decoded = Buffer.from(credentials, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 1) return this.reject('malformed-header', client, credentials);
    const username = decoded.slice(0, colon);
    // Before the cache: a user refused for too many failures is refused for every password.
    const wait = this.byUser.retryAfter(username);
    if (wait > 0) return this.throttle(wait);
    const key = sha256(credentials);
    const cached = this.basicCache.get(key);
    if (cached && cached.until > this.now()) return cached.identity;
    const user = await this.checkPassword(username, decoded.slice(colon + 1), client);
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

  private apiToken(token: string, client: string | undefined): Identity {
    const record = this.tokenRecord(token);
    if (!record) return this.reject('bad-token', client, token);
    if (record.revoked || (record.expires !== null && record.expires <= this.now())) {
      return this.reject('bad-token');
    }
    const username = usernameOf(record.subject);
    const user = username === undefined ? undefined : this.users.get(username);
    if (!user || user.disabled) return this.reject('bad-token');
    return this.userIdentity(user, 'token', record);
  }

  private async jwt(token: string, client: string | undefined): Promise<Identity> {
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
      return this.reject('malformed-jwt', client, token);
    }
    const identity =
      claims.iss === ISSUER
        ? await this.ownJwt(token, header.kid, client)
        : this.options.oidc && claims.iss === this.options.oidc.issuer
          ? await this.oidcJwt(token, client)
          : this.reject('unknown-issuer', client, token);
    if (this.jwtCache.size > 10_000) this.jwtCache.clear();
    this.jwtCache.set(token, {
      identity,
      exp: claims.exp ?? 0,
      kid: claims.iss === ISSUER ? header.kid : undefined,
    });
    return identity;
  }

  /**
   * The claims of one of our access tokens when its signature, issuer and expiry hold; 'expired'
   * when only its expiry fails; else null.
   */
  private async verifiedOwnJwt(token: string): Promise<JWTPayload | 'expired' | null> {
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
    } catch (error) {
      return isExpiry(error) ? 'expired' : null;
    }
  }

  private async ownJwt(
    token: string,
    kid: string | undefined,
    client: string | undefined,
  ): Promise<Identity> {
    if (!kid || !this.options.keys.find(kid))
      return this.reject('unknown-signing-key', client, token);
    const payload = await this.verifiedOwnJwt(token);
    if (payload === 'expired') return this.reject('invalid-jwt');
    if (!payload) return this.reject('invalid-jwt', client, token);
    if (payload.jti && this.revokedJti.has(payload.jti)) return this.reject('revoked-jwt');
    const session = typeof payload.sid === 'string' ? payload.sid : undefined;
    if (session !== undefined && (await this.sessionRevoked(session)))
      return this.reject('revoked-jwt');
    const username = usernameOf(payload.sub);
    const user = username === undefined ? undefined : this.users.get(username);
    if (!user || user.disabled || payload.uc !== user.created) return this.reject('invalid-jwt');
    return this.userIdentity(user, 'jwt', undefined, {
      expires: (payload.exp ?? 0) * 1000,
      session,
    });
  }

  private async oidcJwt(token: string, client: string | undefined): Promise<Identity> {
    const oidc = this.options.oidc as OidcOptions;
    let payload;
    try {
      ({ payload } = await jwtVerify(token, this.oidcKeys as JWTVerifyGetKey, {
        issuer: oidc.issuer,
        audience: oidc.audience,
        requiredClaims: ['exp', 'sub'],
        currentDate: new Date(this.now()),
      }));
    } catch (error) {
      return isExpiry(error)
        ? this.reject('invalid-oidc-jwt')
        : this.reject('invalid-oidc-jwt', client, token);
    }
    if (!payload.sub) return this.reject('invalid-oidc-jwt');
    const id = `oidc:${payload.sub}`;
    return { id, subjects: [id], admin: false, namespaces: null, readOnly: false, via: 'oidc' };
  }
}

/** True for jose's error of a JWT that is valid but expired. */
function isExpiry(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === 'ERR_JWT_EXPIRED';
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
