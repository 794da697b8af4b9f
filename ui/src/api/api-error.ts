// An API answer that was not a success, with the Ditto-style error body's message and advice.

/** The error body every Twinfold (and Ditto) error answer carries. */
export interface ErrorBody {
  status: number;
  error: string;
  message: string;
  description?: string;
}

export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: number,
    /** Ditto's error code, e.g. `things:precondition.failed`. */
    readonly error: string,
    message: string,
    /** What to do about it. */
    readonly description: string | undefined,
  ) {
    super(message);
  }

  /** The position an `rql.expression.invalid` message names ("… at position 32 …"), if any. */
  get position(): number | null {
    const match = /at position (\d+)/.exec(this.message);
    return match ? Number(match[1]) : null;
  }
}

/** Whether a value has the shape of a Ditto error body. */
export function isErrorBody(value: unknown): value is ErrorBody {
  if (typeof value !== 'object' || value === null) return false;
  const body = value as Record<string, unknown>;
  return typeof body.status === 'number' && typeof body.message === 'string';
}

/** The ApiError of a failed response's status and text (JSON error body or not). */
export function apiErrorOf(status: number, text: string): ApiError {
  let parsed: unknown = null;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    // Not JSON: a proxy's page or a bare status.
  }
  if (isErrorBody(parsed))
    return new ApiError(status, String(parsed.error ?? ''), parsed.message, parsed.description);
  return new ApiError(
    status,
    `http.${status}`,
    text.trim() ? `HTTP ${status}: ${text.trim().slice(0, 200)}` : `HTTP ${status}`,
    undefined,
  );
}
