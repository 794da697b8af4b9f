// Administration: users (administrators only) and API tokens (create, shown once; revoke).
import { TableBox } from '../components/table-box.js';
import { useEffect, useState } from 'preact/hooks';
import { ApiError } from '../api/api-error.js';
import type { Token, User } from '../api/api-types.js';
import { ErrorMessage } from '../components/error-message.js';
import { api } from '../services.js';
import { TableHead } from '../components/table-head.js';

function Users() {
  const [users, setUsers] = useState<User[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [version, setVersion] = useState(0);
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [admin, setAdmin] = useState(false);
  const [createError, setCreateError] = useState<unknown>(null);

  useEffect(() => {
    api.read('/users').then(
      (list) => {
        setUsers(list);
        setError(null);
      },
      (caught: unknown) => setError(caught),
    );
  }, [version]);

  if (error instanceof ApiError && error.status === 403)
    return (
      <p class="hint" data-testid="users-forbidden">
        Only administrators see the users.
      </p>
    );

  const create = async (event: Event) => {
    event.preventDefault();
    try {
      await api.call('post', '/users', {
        body: { username: username.trim(), password, roles: admin ? ['admin'] : [] },
      });
      setUsername('');
      setPassword('');
      setAdmin(false);
      setCreateError(null);
      setVersion((v) => v + 1);
    } catch (caught) {
      setCreateError(caught);
    }
  };
  const remove = async (name: string) => {
    if (!window.confirm(`Remove the user ${name}? Their sessions and tokens stop working.`)) return;
    try {
      await api.call('delete', '/users/{username}', { params: { username: name } });
      setVersion((v) => v + 1);
    } catch (caught) {
      setError(caught);
    }
  };

  return (
    <div>
      <ErrorMessage error={error} />
      {users && (
        <TableBox label="Users">
          <table data-testid="users">
            <TableHead columns={['User', 'Subject', 'Roles', 'Created']} actions />
            <tbody>
              {users.map((user) => (
                <tr key={user.username}>
                  <td>{user.username}</td>
                  <td>
                    <code>{user.subject}</code>
                  </td>
                  <td>
                    {user.roles.join(', ')}
                    {user.disabled ? ' (disabled)' : ''}
                  </td>
                  <td>{new Date(user.created).toLocaleString()}</td>
                  <td>
                    <button
                      type="button"
                      class="small"
                      aria-label={`Remove ${user.username}`}
                      onClick={() => void remove(user.username)}
                    >
                      remove
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableBox>
      )}
      <form class="search" onSubmit={create} aria-label="Add a user">
        <label>
          New user's name
          <input
            name="username"
            value={username}
            onInput={(e) => setUsername(e.currentTarget.value)}
          />
        </label>
        <label>
          Password
          <input
            name="password"
            type="password"
            autocomplete="new-password"
            value={password}
            onInput={(e) => setPassword(e.currentTarget.value)}
          />
        </label>
        <label>
          <input
            type="checkbox"
            checked={admin}
            onChange={(e) => setAdmin(e.currentTarget.checked)}
          />{' '}
          administrator
        </label>
        <button type="submit">Add user</button>
      </form>
      <ErrorMessage error={createError} testId="user-error" />
    </div>
  );
}

function Tokens() {
  const [tokens, setTokens] = useState<Token[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [version, setVersion] = useState(0);
  const [name, setName] = useState('');
  const [namespaces, setNamespaces] = useState('');
  const [readOnly, setReadOnly] = useState(false);
  const [created, setCreated] = useState<{ name: string; token: string } | null>(null);
  const [createError, setCreateError] = useState<unknown>(null);

  useEffect(() => {
    api.read('/tokens').then(
      (list) => {
        setTokens(list);
        setError(null);
      },
      (caught: unknown) => setError(caught),
    );
  }, [version]);

  const create = async (event: Event) => {
    event.preventDefault();
    const list = namespaces
      .split(',')
      .map((n) => n.trim())
      .filter(Boolean);
    const body = { name: name.trim(), readOnly, ...(list.length ? { namespaces: list } : {}) };
    try {
      const answer = await api.call('post', '/tokens', { body });
      setCreated({ name: answer.body.name, token: answer.body.token });
      setName('');
      setNamespaces('');
      setReadOnly(false);
      setCreateError(null);
      setVersion((v) => v + 1);
    } catch (caught) {
      setCreateError(caught);
    }
  };
  const revoke = async (token: Token) => {
    if (!window.confirm(`Revoke the token ${token.name}? Whatever uses it stops working.`)) return;
    try {
      await api.call('delete', '/tokens/{id}', { params: { id: token.id } });
      setVersion((v) => v + 1);
    } catch (caught) {
      setError(caught);
    }
  };

  return (
    <div>
      <ErrorMessage error={error} />
      {created && (
        <div class="notice" role="status" data-testid="new-token">
          The token <strong>{created.name}</strong> is{' '}
          <code data-testid="new-token-value">{created.token}</code>. Copy it now: it is not shown
          again.{' '}
          <button type="button" class="small" onClick={() => setCreated(null)}>
            done
          </button>
        </div>
      )}
      {tokens && (
        <TableBox label="API tokens">
          <table data-testid="tokens">
            <TableHead
              columns={['Name', 'Subject', 'Namespaces', 'Access', 'Expires', 'State']}
              actions
            />
            <tbody>
              {tokens.map((token) => (
                <tr key={token.id} data-token={token.name}>
                  <td>{token.name}</td>
                  <td>
                    <code>{token.subject}</code>
                  </td>
                  <td>{token.namespaces ? token.namespaces.join(', ') : 'all'}</td>
                  <td>{token.readOnly ? 'read only' : 'read and write'}</td>
                  <td>{token.expires ? new Date(token.expires).toLocaleString() : 'never'}</td>
                  <td data-testid="token-state">{token.revoked ? 'revoked' : 'active'}</td>
                  <td>
                    {!token.revoked && (
                      <button
                        type="button"
                        class="small"
                        aria-label={`Revoke ${token.name}`}
                        onClick={() => void revoke(token)}
                      >
                        revoke
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableBox>
      )}
      <form class="search" onSubmit={create} aria-label="Create an API token">
        <label>
          Token name
          <input name="name" value={name} onInput={(e) => setName(e.currentTarget.value)} />
        </label>
        <label>
          Namespaces, comma-separated (empty: all yours)
          <input
            name="namespaces"
            value={namespaces}
            onInput={(e) => setNamespaces(e.currentTarget.value)}
          />
        </label>
        <label>
          <input
            type="checkbox"
            checked={readOnly}
            onChange={(e) => setReadOnly(e.currentTarget.checked)}
          />{' '}
          read only
        </label>
        <button type="submit">Create token</button>
      </form>
      <ErrorMessage error={createError} testId="token-error" />
    </div>
  );
}

export function AdminPage() {
  return (
    <section>
      <h1>Administration</h1>
      <h2>API tokens</h2>
      <Tokens />
      <h2>Users</h2>
      <Users />
    </section>
  );
}
