// An API error as the user sees it: the server's message and what to do about it.
import { ApiError } from '../api/api-error.js';

export function ErrorMessage({ error, testId }: { error: unknown; testId?: string }) {
  if (!error) return null;
  const message = error instanceof Error ? error.message : String(error);
  return (
    <div class="error" role="alert" data-testid={testId}>
      {message}
      {error instanceof ApiError && error.description ? <small>{error.description}</small> : null}
    </div>
  );
}
