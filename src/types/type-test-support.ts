// Test support for the type library: the TwinfoldError a call throws.
import { TwinfoldError } from '../core/errors.js';

/** The TwinfoldError `fn` throws; fails when it throws something else or nothing. */
export function caught(fn: () => unknown): TwinfoldError {
  try {
    fn();
  } catch (err) {
    if (err instanceof TwinfoldError) return err;
    throw new Error(`expected a TwinfoldError, got ${String(err)}`, { cause: err });
  }
  throw new Error('expected a TwinfoldError, nothing was thrown');
}
