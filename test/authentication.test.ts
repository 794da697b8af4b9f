// The authentication step with authenticators that misbehave: anything but an Error thrown or
// rejected ends in a 401 with a challenge; no request goes on without an identity.
import { afterEach, describe, expect, it } from 'vitest';
import type { Authenticator } from '../src/api/authentication.js';
import { trustedAuthenticator } from '../src/api/authentication.js';
import { createAppFixture, type AppFixture } from './support/app-fixture.js';

let f: AppFixture | undefined;
afterEach(async () => {
  await f?.close();
  f = undefined;
});

async function statusWith(authenticator: Authenticator): Promise<[number, unknown]> {
  f = await createAppFixture({}, { authenticator });
  const response = await f.request({ url: '/api/2/things/org.a:missing' });
  const challenge = response.headers['www-authenticate'];
  await f.close();
  f = undefined;
  return [response.statusCode, challenge];
}

describe('authentication step', () => {
  it('answers 401 with a challenge whatever the authenticator throws or rejects with', async () => {
    // A thrown Error is the authenticator's own fault and renders as one (500); anything else
    // thrown or rejected is a refusal.
    const cases: [Authenticator, number][] = [
      [
        {
          authenticate: () => {
            throw undefined;
          },
        },
        401,
      ],
      [
        {
          authenticate: () => {
            throw 'not an error';
          },
        },
        401,
      ],
      [{ authenticate: () => Promise.reject(undefined) }, 401],
      [{ authenticate: () => Promise.reject(new Error('boom')) }, 500],
    ];
    for (const [authenticator, expected] of cases) {
      const [status, challenge] = await statusWith(authenticator);
      expect(status).toBe(expected);
      expect(challenge).toBe('Basic realm="twinfold", Bearer');
    }
  });

  it('accepts an identity given synchronously, as a promise or as another thenable', async () => {
    const identity = trustedAuthenticator.authenticate(undefined as never);
    for (const authenticator of [
      trustedAuthenticator,
      { authenticate: async () => identity },
      {
        authenticate: () => ({
          then: (resolve: (v: typeof identity) => void) => resolve(identity),
        }),
      },
    ] as Authenticator[]) {
      const [status] = await statusWith(authenticator);
      expect(status).toBe(404);
    }
  });
});
