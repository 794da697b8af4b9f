// Requests the API tests make of a secure fixture again and again: a write that must succeed, and a
// bearer token of a user limited to some namespaces.
import { expect } from 'vitest';
import type { SecureFixture } from './secure-app-fixture.js';

/** Sends a write as `auth` and expects a 2xx (the body is shown when it is not). */
export async function sendOk(
  f: SecureFixture,
  method: 'PUT' | 'PATCH' | 'DELETE',
  url: string,
  auth: string,
  body?: unknown,
) {
  const response = await f.send(method, url, auth, body);
  expect(response.statusCode, response.body).toBeLessThan(300);
  return response;
}

/** The authorization of a token named `name` that `auth` creates for itself, scoped to `namespaces`. */
export async function scopedToken(
  f: SecureFixture,
  auth: string,
  name: string,
  namespaces: string[],
): Promise<string> {
  const token = await f.send('POST', '/api/2/tokens', auth, { name, namespaces });
  return f.bearer(token.json().token as string);
}
