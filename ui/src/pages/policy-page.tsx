// Policies: open one by id; its entries (subjects, resources), an edit of its JSON with If-Match, and a permission check.
import { TableBox } from '../components/table-box.js';
import type { RequestBody } from '../api/api-client.js';
import type { Policy } from '../api/api-types.js';
import { useEffect, useState } from 'preact/hooks';
import { ApiError } from '../api/api-error.js';
import { ErrorMessage } from '../components/error-message.js';
import { api } from '../services.js';
import { navigate, type RouteProps } from '../shell/router.js';
import { TableHead } from '../components/table-head.js';

const PERMISSIONS = ['READ', 'WRITE', 'EXECUTE'] as const;

/** `/policies`: a box to open a policy by its id. */
export function PoliciesPage() {
  const [id, setId] = useState('');
  return (
    <section>
      <h1>Policies</h1>
      <form
        class="search"
        aria-label="Open a policy"
        onSubmit={(event) => {
          event.preventDefault();
          if (id.trim()) navigate(`/policies/${encodeURIComponent(id.trim())}`);
        }}
      >
        <label class="wide">
          Policy id
          <input
            name="policyId"
            placeholder="namespace:name"
            value={id}
            onInput={(e) => setId(e.currentTarget.value)}
          />
        </label>
        <button type="submit" class="primary">
          Open
        </button>
      </form>
      <p class="hint">A twin's page links to its policy too.</p>
    </section>
  );
}

function PermissionCheck({ policy }: { policy: Policy }) {
  const [resource, setResource] = useState('thing:/');
  const [entityId, setEntityId] = useState(policy.policyId ?? '');
  const [permission, setPermission] = useState<(typeof PERMISSIONS)[number]>('READ');
  const [answer, setAnswer] = useState<boolean | null>(null);
  const [error, setError] = useState<unknown>(null);
  const check = async (event: Event) => {
    event.preventDefault();
    setError(null);
    setAnswer(null);
    try {
      const response = await api.call('post', '/checkPermissions', {
        body: { check: { resource, entityId, hasPermissions: [permission] } },
      });
      setAnswer(response.body.check === true);
    } catch (caught) {
      setError(caught);
    }
  };
  return (
    <form class="search" onSubmit={check} aria-label="Check a permission">
      <label>
        Resource
        <input
          name="resource"
          value={resource}
          onInput={(e) => setResource(e.currentTarget.value)}
        />
      </label>
      <label>
        Of the thing or policy
        <input
          name="entityId"
          value={entityId}
          onInput={(e) => setEntityId(e.currentTarget.value)}
        />
      </label>
      <label>
        Permission
        <select
          name="permission"
          value={permission}
          onChange={(e) => setPermission(e.currentTarget.value as (typeof PERMISSIONS)[number])}
        >
          {PERMISSIONS.map((p) => (
            <option key={p}>{p}</option>
          ))}
        </select>
      </label>
      <button type="submit">May I?</button>
      {answer !== null && (
        <strong data-testid="permission-answer">
          {answer ? 'Yes, you may.' : 'No, you may not.'}
        </strong>
      )}
      <ErrorMessage error={error} />
    </form>
  );
}

export function PolicyPage({ params }: RouteProps) {
  const policyId = params.policyId;
  const policyParams = { policyId };
  const [policy, setPolicy] = useState<Policy | null>(null);
  const [etag, setEtag] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [draft, setDraft] = useState<string | null>(null);
  const [saveError, setSaveError] = useState<unknown>(null);
  const [loads, setLoads] = useState(0);

  useEffect(() => {
    setError(null);
    api.call('get', '/policies/{policyId}', { params: policyParams }).then(
      (response) => {
        setPolicy(response.body);
        setEtag(response.etag);
      },
      (caught: unknown) => setError(caught),
    );
  }, [policyId, loads]);

  const save = async (event: Event) => {
    event.preventDefault();
    setSaveError(null);
    let body: RequestBody<'/policies/{policyId}', 'put'>;
    try {
      body = JSON.parse(draft ?? '');
    } catch (caught) {
      setSaveError(new Error(`The JSON is invalid: ${(caught as Error).message}`));
      return;
    }
    try {
      await api.call('put', '/policies/{policyId}', {
        params: policyParams,
        body,
        headers: etag ? { 'if-match': etag } : {},
      });
      setDraft(null);
      setLoads(loads + 1);
    } catch (caught) {
      setSaveError(
        caught instanceof ApiError && caught.status === 412
          ? new Error(
              'Conflict: the policy was changed by someone else since you opened it. Nothing was saved; reload it and edit again.',
            )
          : caught,
      );
    }
  };

  if (error)
    return (
      <section>
        <h1>{policyId}</h1>
        <ErrorMessage error={error} />
      </section>
    );
  if (!policy) return <p>Loading {policyId}…</p>;
  return (
    <section>
      <h1 data-testid="policy-id">{policyId}</h1>
      {Object.entries(policy.entries).map(([label, entry]) => (
        <div key={label} class="entry" data-testid={`entry-${label}`}>
          <h2>{label}</h2>
          <TableBox label={`Subjects of ${label}`}>
            <table>
              <TableHead columns={['Subject', 'Type', 'Expiry']} />
              <tbody>
                {Object.entries(entry.subjects).map(([subject, info]) => (
                  <tr key={subject}>
                    <td>
                      <code>{subject}</code>
                    </td>
                    <td>{info.type ?? ''}</td>
                    <td>{info.expiry ?? ''}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableBox>
          <TableBox label={`Resources of ${label}`}>
            <table>
              <TableHead columns={['Resource', 'Grant', 'Revoke']} />
              <tbody>
                {Object.entries(entry.resources).map(([resource, rights]) => (
                  <tr key={resource}>
                    <td>
                      <code>{resource}</code>
                    </td>
                    <td>{rights.grant.join(', ')}</td>
                    <td>{rights.revoke.join(', ')}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableBox>
        </div>
      ))}
      <h2>Check a permission</h2>
      <PermissionCheck policy={policy} />
      <h2>Edit</h2>
      {draft === null ? (
        <button type="button" onClick={() => setDraft(JSON.stringify(policy, null, 2))}>
          Edit the policy's JSON…
        </button>
      ) : (
        <form class="create" onSubmit={save} aria-label="Edit the policy">
          <label>
            The policy (JSON); the server checks it and says what is wrong
            <textarea
              rows={16}
              spellcheck={false}
              value={draft}
              onInput={(e) => setDraft(e.currentTarget.value)}
            />
          </label>
          <ErrorMessage error={saveError} testId="policy-error" />
          <button type="submit" class="primary">
            Save
          </button>{' '}
          <button type="button" onClick={() => setDraft(null)}>
            Cancel
          </button>
        </form>
      )}
    </section>
  );
}
