// Sign-in with a username and password (a login JWT) or an API token; also the "session expired" page.
import { useState } from 'preact/hooks';
import { ApiError } from '../api/api-error.js';
import { session } from '../services.js';

export function SignInPage({ expired }: { expired?: string }) {
  const [mode, setMode] = useState<'password' | 'token'>('password');
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [token, setToken] = useState('');
  const [error, setError] = useState<ApiError | Error | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      if (mode === 'password') await session.signIn(username, password);
      else await session.signInWithToken(token);
    } catch (caught) {
      setError(caught instanceof Error ? caught : new Error(String(caught)));
    } finally {
      setBusy(false);
    }
  };

  return (
    <main class="sign-in">
      <h1>Twinfold</h1>
      {expired !== undefined && (
        <div class="notice" role="alert" data-testid="session-expired">
          <strong>Your session has expired.</strong> {expired} Sign in again to go on where you
          were.
        </div>
      )}
      <form onSubmit={submit} aria-label="Sign in">
        <div class="tabs" role="tablist">
          <button
            type="button"
            role="tab"
            aria-selected={mode === 'password'}
            onClick={() => setMode('password')}
          >
            Username and password
          </button>
          <button
            type="button"
            role="tab"
            aria-selected={mode === 'token'}
            onClick={() => setMode('token')}
          >
            API token
          </button>
        </div>
        {mode === 'password' ? (
          <>
            <label>
              Username
              <input
                name="username"
                autocomplete="username"
                required
                value={username}
                onInput={(e) => setUsername(e.currentTarget.value)}
              />
            </label>
            <label>
              Password
              <input
                name="password"
                type="password"
                autocomplete="current-password"
                required
                value={password}
                onInput={(e) => setPassword(e.currentTarget.value)}
              />
            </label>
          </>
        ) : (
          <label>
            API token
            <input
              name="token"
              type="password"
              autocomplete="off"
              required
              placeholder="tft_…"
              value={token}
              onInput={(e) => setToken(e.currentTarget.value)}
            />
          </label>
        )}
        {error && (
          <p class="error" role="alert">
            {error.message}
            {error instanceof ApiError && error.description ? (
              <small>{error.description}</small>
            ) : null}
          </p>
        )}
        <button type="submit" class="primary" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
      <p class="hint">
        The session lives in this tab only (nothing is stored in the browser): a reload asks you to
        sign in again.
      </p>
    </main>
  );
}
