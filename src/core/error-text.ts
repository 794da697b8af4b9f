// The text of anything thrown, for logs, statuses and reasons: an Error's message, else its string.
export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
