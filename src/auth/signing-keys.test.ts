// Unit tests for the JWT signing key ring: rotation, grace period, pruning and the key file.
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SigningKeyRing } from './signing-keys.js';

const GRACE = 900_000;
const dirs: string[] = [];
function tempFile(): string {
  const dir = mkdtempSync(join(tmpdir(), 'twinfold-keys-'));
  dirs.push(dir);
  return join(dir, 'keys', 'jwt-keys.json');
}

afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('signing-keys', () => {
  it('a new ring has one active key with a 256-bit secret', () => {
    const ring = new SigningKeyRing(null, GRACE);
    expect(ring.list()).toHaveLength(1);
    expect(ring.active.kid).toMatch(/^[0-9a-f]{16}$/);
    expect(Buffer.from(ring.active.secret, 'base64url')).toHaveLength(32);
    expect(ring.active.retires).toBeUndefined();
  });

  it('rotate - the new key is active; the old one verifies until the grace period ends', () => {
    let now = 1_000_000;
    const ring = new SigningKeyRing(null, GRACE, () => now);
    const old = ring.active;
    const fresh = ring.rotate();
    expect(ring.active.kid).toBe(fresh.kid);
    expect(fresh.kid).not.toBe(old.kid);
    expect(fresh.secret).not.toBe(old.secret);
    expect(ring.find(old.kid)?.secret).toBe(old.secret);
    expect(ring.find(fresh.kid)?.secret).toBe(fresh.secret);
    now += GRACE - 1;
    expect(ring.find(old.kid)).not.toBeNull();
    now += 1;
    expect(ring.find(old.kid)).toBeNull();
    expect(ring.find(fresh.kid)).not.toBeNull();
  });

  it('rotate - a second rotation keeps the first retirement time and prunes retired keys', () => {
    let now = 0;
    const ring = new SigningKeyRing(null, GRACE, () => now);
    const first = ring.active.kid;
    ring.rotate();
    now = GRACE / 2;
    const second = ring.active.kid;
    ring.rotate();
    expect(ring.list().find((k) => k.kid === first)?.retires).toBe(GRACE);
    expect(ring.list().find((k) => k.kid === second)?.retires).toBe(GRACE / 2 + GRACE);
    now = GRACE + 1;
    ring.rotate();
    expect(ring.list().map((k) => k.kid)).not.toContain(first);
    expect(ring.find(second)).not.toBeNull();
  });

  it('find - an unknown kid is null', () => {
    expect(new SigningKeyRing(null, GRACE).find('0123456789abcdef')).toBeNull();
  });

  it('list - never shows secrets', () => {
    const ring = new SigningKeyRing(null, GRACE);
    ring.rotate();
    const listed = JSON.stringify(ring.list());
    expect(listed).not.toContain('secret');
    for (const key of ring.list()) expect(listed).not.toContain(ring.find(key.kid)?.secret);
  });

  it('persists keys to a file readable only by the owner, and reloads them', () => {
    let now = 5_000;
    const path = tempFile();
    const ring = new SigningKeyRing(path, GRACE, () => now);
    const old = ring.active;
    ring.rotate();
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const reloaded = new SigningKeyRing(path, GRACE, () => now);
    expect(reloaded.active.kid).toBe(ring.active.kid);
    expect(reloaded.find(old.kid)?.secret).toBe(old.secret);
    const file = JSON.parse(readFileSync(path, 'utf8')) as { keys: { kid: string }[] };
    expect(file.keys.map((k) => k.kid)).toEqual([ring.active.kid, old.kid]);
    now += GRACE;
    expect(new SigningKeyRing(path, GRACE, () => now).find(old.kid)).toBeNull();
  });

  it('a ring whose keys have all retired creates a fresh active key', () => {
    let now = 0;
    const path = tempFile();
    const ring = new SigningKeyRing(path, GRACE, () => now);
    ring.rotate();
    const kids = ring.list().map((k) => k.kid);
    now = 10 * GRACE;
    const reloaded = new SigningKeyRing(path, GRACE, () => now);
    // The active key never retires by itself, so it is still there.
    expect(reloaded.active.kid).toBe(kids[0]);
    expect(reloaded.list()).toHaveLength(1);
  });
});
