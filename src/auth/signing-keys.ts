// The JWT signing key ring in the data directory: one active key, older keys verify until they retire.
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export interface SigningKey {
  kid: string;
  /** base64url HMAC-SHA256 secret. */
  secret: string;
  created: number;
  /** When set, the key no longer signs and stops verifying at this time (epoch ms). */
  retires?: number;
}

export class SigningKeyRing {
  private keys: SigningKey[] = [];

  /** `path` null keeps the ring in memory only (tests). */
  constructor(
    private readonly path: string | null,
    private readonly graceMs: number,
    private readonly now: () => number = Date.now,
  ) {
    if (path && existsSync(path))
      this.keys = (JSON.parse(readFileSync(path, 'utf8')) as { keys: SigningKey[] }).keys;
    this.prune();
    if (this.keys.length === 0) this.rotate();
  }

  /** The key new tokens are signed with. */
  get active(): SigningKey {
    return this.keys[0];
  }

  /** A key that still verifies, or null. */
  find(kid: string): SigningKey | null {
    const key = this.keys.find((k) => k.kid === kid);
    return key && (key.retires === undefined || key.retires > this.now()) ? key : null;
  }

  list(): Omit<SigningKey, 'secret'>[] {
    return this.keys.map(({ secret: _secret, ...rest }) => rest);
  }

  /** Makes a new key active; the previous ones keep verifying tokens for the grace period. */
  rotate(): SigningKey {
    const now = this.now();
    for (const key of this.keys) key.retires ??= now + this.graceMs;
    const key: SigningKey = {
      kid: randomBytes(8).toString('hex'),
      secret: randomBytes(32).toString('base64url'),
      created: now,
    };
    this.keys.unshift(key);
    this.prune();
    this.save();
    return key;
  }

  private prune(): void {
    const now = this.now();
    this.keys = this.keys.filter((k) => k.retires === undefined || k.retires > now);
  }

  private save(): void {
    if (!this.path) return;
    mkdirSync(dirname(this.path), { recursive: true });
    const temp = `${this.path}.tmp`;
    writeFileSync(temp, JSON.stringify({ keys: this.keys }, null, 2), { mode: 0o600 });
    chmodSync(temp, 0o600);
    renameSync(temp, this.path);
  }
}
