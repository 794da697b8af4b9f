// The one registry of errors: each has Ditto's error code, an HTTP status, a message and a hint.

export interface ErrorBody {
  status: number;
  error: string;
  message: string;
  description: string;
}

/**
 * An error a client can act on. The API renders it as Ditto's error body
 * `{status, error, message, description}`.
 */
export class TwinfoldError extends Error {
  override readonly name = 'TwinfoldError';
  constructor(
    readonly code: string,
    readonly status: number,
    message: string,
    readonly description: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  toBody(): ErrorBody {
    return {
      status: this.status,
      error: this.code,
      message: this.message,
      description: this.description,
    };
  }
}

/** True when `err` is a TwinfoldError with the given code. */
export function hasCode(err: unknown, code: string): boolean {
  return err instanceof TwinfoldError && err.code === code;
}
