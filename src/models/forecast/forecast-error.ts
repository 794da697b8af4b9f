// The error a forecast request fails with: a stable reason and a message a user can act on.

/** Why a forecast could not be made; the integrator maps every reason to a 400 error code. */
export type ForecastErrorReason =
  | 'history.invalid'
  | 'history.tooShort'
  | 'history.tooLong'
  | 'options.invalid'
  | 'horizon.invalid'
  | 'horizon.tooLong';

/** Bad input to {@link forecast}: nothing was computed. */
export class ForecastError extends Error {
  override readonly name = 'ForecastError';
  constructor(
    readonly reason: ForecastErrorReason,
    message: string,
  ) {
    super(message);
  }
}
