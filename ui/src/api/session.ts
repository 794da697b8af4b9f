// The signed-in session, in memory only: a login's JWT (renewed with its refresh token) or an API token.
import type { ApiClient, CredentialSource } from './api-client.js';
import { ApiError } from './api-error.js';
import type { TokenPair } from './api-types.js';
import { Store } from './store.js';

export type SessionState =
  | { kind: 'signed-out' }
  | { kind: 'expired'; reason: string }
  | { kind: 'signed-in'; subject: string; via: 'login' | 'token' };

/** Renew a JWT this long before it expires (at most). */
const RENEW_BEFORE_MS = 60_000;

export class Session implements CredentialSource {
  readonly state = new Store<SessionState>({ kind: 'signed-out' });
  /** Bumped whenever the credential changes (the live connection reconnects with the new one). */
  readonly credential = new Store<string | null>(null);
  private refreshToken: string | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private renewing: Promise<boolean> | null = null;
  private readonly watchers = new Set<(token: string | null, renewal: boolean) => void>();

  constructor(private readonly api: ApiClient) {
    api.useCredentials(this);
  }

  /** Calls `watcher` with every new credential; `renewal` when it renews the same session's JWT. */
  onCredential(watcher: (token: string | null, renewal: boolean) => void): () => void {
    this.watchers.add(watcher);
    return () => this.watchers.delete(watcher);
  }

  private setCredential(token: string | null, renewal = false): void {
    if (token === this.credential.value) return;
    this.credential.set(token);
    for (const watcher of [...this.watchers]) watcher(token, renewal);
  }

  authorization(): string | null {
    const token = this.credential.value;
    return token ? `Bearer ${token}` : null;
  }

  /** The bearer credential for `/ws/2?access_token=` (browsers cannot set WebSocket headers). */
  accessToken(): string | null {
    return this.credential.value;
  }

  async signIn(username: string, password: string): Promise<void> {
    const pair = (
      await this.api.call('post', '/auth/login', {
        body: { username, password },
        anonymous: true,
      })
    ).body;
    this.adopt(pair);
    await this.confirm('login');
  }

  async signInWithToken(token: string): Promise<void> {
    this.clear();
    this.setCredential(token.trim());
    try {
      await this.confirm('token');
    } catch (error) {
      this.clear();
      throw error;
    }
  }

  async signOut(): Promise<void> {
    const refresh = this.refreshToken;
    const authorization = this.authorization();
    this.clear();
    this.state.set({ kind: 'signed-out' });
    if (refresh)
      await this.api
        .call('post', '/auth/logout', {
          body: { refresh_token: refresh },
          headers: authorization ? { authorization } : {},
          anonymous: true,
        })
        .catch(() => {});
  }

  /** Called on a 401: a login session tries its refresh token once; otherwise the session expired. */
  rejected(): Promise<boolean> {
    if (this.state.value.kind !== 'signed-in') return Promise.resolve(false);
    return this.renew();
  }

  private renew(): Promise<boolean> {
    if (this.renewing) return this.renewing;
    const refresh = this.refreshToken;
    if (!refresh) {
      this.expire('The server no longer accepts your API token (it was revoked or expired).');
      return Promise.resolve(false);
    }
    this.renewing = this.api
      .call('post', '/auth/refresh', {
        body: { refresh_token: refresh },
        anonymous: true,
      })
      .then(
        (response) => {
          this.adopt(response.body, true);
          return true;
        },
        (error: unknown) => {
          this.expire(
            error instanceof ApiError ? error.message : 'Your session could not be renewed.',
          );
          return false;
        },
      )
      .finally(() => (this.renewing = null));
    return this.renewing;
  }

  private adopt(pair: TokenPair, renewal = false): void {
    if (this.timer) clearTimeout(this.timer);
    this.refreshToken = pair.refresh_token;
    this.setCredential(pair.access_token, renewal);
    // A minute before expiry, or at 80 % of a short lifetime.
    const lifetime = pair.expires_in * 1000;
    const wait = Math.max(1_000, lifetime - Math.min(RENEW_BEFORE_MS, lifetime * 0.2));
    this.timer = setTimeout(() => void this.renew(), wait);
  }

  private async confirm(via: 'login' | 'token'): Promise<void> {
    const who = await this.api.read('/whoami');
    this.state.set({ kind: 'signed-in', subject: who.defaultSubject, via });
  }

  private expire(reason: string): void {
    this.clear();
    this.state.set({ kind: 'expired', reason });
  }

  private clear(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.refreshToken = null;
    this.setCredential(null);
  }
}
