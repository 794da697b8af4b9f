// What every refusal of the API looks like: the status, and Ditto's error body with that status,
// its error code, a message and a description.
import type { LightMyRequestResponse } from 'fastify';
import { expect } from 'vitest';

/** Asserts that `response` is the refusal `status` with Ditto's error `code` (and says why). */
export function expectError(response: LightMyRequestResponse, status: number, code: string): void {
  expect({ status: response.statusCode, body: response.body }).toMatchObject({ status });
  const body = response.json() as Record<string, unknown>;
  expect(body).toMatchObject({ status, error: code });
  expect(typeof body.message).toBe('string');
  expect(typeof body.description).toBe('string');
}
