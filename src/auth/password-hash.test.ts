// Unit tests for scrypt password hashing: format, salting, verification and malformed hashes.
import { describe, expect, it } from 'vitest';
import { hashPassword, verifyPassword } from './password-hash.js';

describe('password-hash', () => {
  it('hashPassword - stores scrypt parameters, salt and key, never the password', async () => {
    const hash = await hashPassword('correct horse battery');
    expect(hash).toMatch(/^scrypt\$16384\$8\$1\$[\w-]{22}\$[\w-]{43}$/);
    expect(hash).not.toContain('correct horse battery');
  });

  it('hashPassword - salts every hash, so the same password hashes differently', async () => {
    const [a, b] = await Promise.all([
      hashPassword('same-password'),
      hashPassword('same-password'),
    ]);
    expect(a).not.toBe(b);
    expect(await verifyPassword('same-password', a)).toBe(true);
    expect(await verifyPassword('same-password', b)).toBe(true);
  });

  it('verifyPassword - accepts the password and rejects any other', async () => {
    const hash = await hashPassword('s3cret-Passw0rd');
    expect(await verifyPassword('s3cret-Passw0rd', hash)).toBe(true);
    expect(await verifyPassword('s3cret-passw0rd', hash)).toBe(false);
    expect(await verifyPassword('s3cret-Passw0rd ', hash)).toBe(false);
    expect(await verifyPassword('', hash)).toBe(false);
  });

  it('verifyPassword - handles non-ASCII passwords', async () => {
    const hash = await hashPassword('pässwörd-日本語');
    expect(await verifyPassword('pässwörd-日本語', hash)).toBe(true);
    expect(await verifyPassword('passwort-日本語', hash)).toBe(false);
  });

  it('verifyPassword - rejects empty, foreign and truncated hashes without throwing', async () => {
    const hash = await hashPassword('password-1');
    expect(await verifyPassword('password-1', '')).toBe(false);
    expect(await verifyPassword('password-1', 'bcrypt$2b$10$abc')).toBe(false);
    expect(await verifyPassword('password-1', hash.split('$').slice(0, 5).join('$'))).toBe(false);
    const shortKey = hash.replace(/\$[\w-]+$/, '$AAAA');
    expect(await verifyPassword('password-1', shortKey)).toBe(false);
  });

  it('verifyPassword - uses the parameters stored in the hash', async () => {
    const hash = await hashPassword('password-2');
    const [, , r, p, salt, key] = hash.split('$');
    // Other parameters derive another key: the stored N must be the one used.
    expect(await verifyPassword('password-2', `scrypt$1024$${r}$${p}$${salt}$${key}`)).toBe(false);
  });
});
