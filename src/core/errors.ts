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

  /** The current entity tag of the resource, sent as `ETag` with the error (304 and 412). */
  etag?: string;

  /** Sets {@link etag} when there is one; returns this error. */
  withEtag(etag: string | null | undefined): this {
    if (etag) this.etag = etag;
    return this;
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
