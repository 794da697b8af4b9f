// The registry itself: every error is a TwinfoldError with a well-formed code, a status that
// fits it, and words a user can act on; one code never means two statuses.
import { describe, expect, it } from 'vitest';
import { errors } from './error-registry.js';
import { TwinfoldError } from './errors.js';

/** Placeholder arguments of the factories whose arguments are not strings or numbers. */
const SPECIAL_ARGS: Record<string, unknown[]> = {
  historyNotFoundAt: ['ns:x', { revision: 3 }],
  policyHistoryNotFoundAt: ['ns:x', { timestamp: 0 }],
  policyInUse: ['ns:p', ['ns:a', 'ns:b'], true],
};

/** Calls a factory with placeholder arguments. */
function build(name: string, factory: (...args: never[]) => TwinfoldError): TwinfoldError {
  const args = SPECIAL_ARGS[name] ?? Array.from({ length: factory.length }, () => 'x');
  return factory(...(args as never[]));
}

describe('error registry', () => {
  const built = Object.entries(errors).map(([name, factory]) => ({
    name,
    error: build(name, factory as (...args: never[]) => TwinfoldError),
  }));

  it('declares only TwinfoldErrors with a code, a client or server status, and a message and hint', () => {
    expect(built.length).toBeGreaterThan(50);
    for (const { name, error } of built) {
      expect(error, name).toBeInstanceOf(TwinfoldError);
      expect(error.code, name).toMatch(/^([a-z][a-z-]*:)?[a-z][a-zA-Z]*(\.[a-zA-Z]+)*$/);
      expect(error.status, name).toBeGreaterThanOrEqual(300);
      expect(error.status, name).toBeLessThan(600);
      expect(error.message.length, name).toBeGreaterThan(0);
      expect(error.description.length, name).toBeGreaterThan(0);
      expect(error.toBody()).toEqual({
        status: error.status,
        error: error.code,
        message: error.message,
        description: error.description,
      });
    }
  });

  it('gives each code one status', () => {
    const statusOf = new Map<string, number>();
    for (const { name, error } of built) {
      const known = statusOf.get(error.code);
      if (known !== undefined) expect([name, error.status]).toEqual([name, known]);
      statusOf.set(error.code, error.status);
    }
  });
});
