// Ingest specs: the list, an editor of one spec's JSON, and a "test with a sample payload" pane.
import { TableBox } from '../components/table-box.js';
import type { RequestBody } from '../api/api-client.js';
import type { SpecTest, SpecView } from '../api/api-types.js';
import { useEffect, useState } from 'preact/hooks';
import { ErrorMessage } from '../components/error-message.js';
import { api } from '../services.js';
import { Link } from '../shell/link.js';
import { href, navigate, type RouteProps } from '../shell/router.js';
import { TableHead } from '../components/table-head.js';

/** What one sample message gives (the test answers an array for several). */
type TestResult = Exclude<SpecTest, unknown[]>;

const TEMPLATE = {
  source: { http: {} },
  thingId: 'org.acme:{{$.id}}',
  values: { 'features/temperature/properties/value': '$.t' },
  create: { attributes: {} },
};

function sourceOf(spec: SpecView['spec']): string {
  return Object.keys(spec.source ?? {})[0] ?? '?';
}

/** The outcome of a test: each observation's values, or each error and the spec field it names. */
function TestOutcome({ results }: { results: TestResult[] }) {
  return (
    <div data-testid="test-result">
      {results.map((result, i) =>
        result.ok ? (
          <TableBox key={i} label={`Observations ${i + 1}`}>
            <table class="observations">
              <caption>
                Observations for <code>{result.observations?.[0]?.thingId}</code>
              </caption>
              <TableHead columns={['Twin', 'Path', 'Value']} />
              <tbody>
                {(result.observations ?? []).flatMap((observation) =>
                  observation.values.map(([path, value]) => (
                    <tr key={`${observation.thingId} ${String(path)}`}>
                      <td>{observation.thingId}</td>
                      <td>
                        <code>{String(path)}</code>
                      </td>
                      <td>
                        <code>{JSON.stringify(value)}</code>
                      </td>
                    </tr>
                  )),
                )}
              </tbody>
            </table>
          </TableBox>
        ) : (
          <ul key={i} class="error" role="alert">
            {(result.errors ?? []).map((error) => (
              <li key={`${error.reason} ${error.at ?? ''}`}>
                <strong>{error.reason}</strong>
                {error.at ? (
                  <>
                    {' '}
                    at <code>{error.at}</code>
                  </>
                ) : null}
                : {error.detail}
              </li>
            ))}
          </ul>
        ),
      )}
    </div>
  );
}

function SpecEditor({ specId, onSaved }: { specId: string | null; onSaved: () => void }) {
  const [id, setId] = useState(specId ?? '');
  const [draft, setDraft] = useState('');
  const [saveError, setSaveError] = useState<unknown>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const [sample, setSample] = useState('{"id": "sensor-1", "t": 21.5}');
  const [results, setResults] = useState<TestResult[] | null>(null);
  const [testError, setTestError] = useState<unknown>(null);

  useEffect(() => {
    setSaved(null);
    setSaveError(null);
    setResults(null);
    setId(specId ?? '');
    if (!specId) {
      setDraft(JSON.stringify(TEMPLATE, null, 2));
      return;
    }
    api.read('/ingest/specs/{specId}', { params: { specId } }).then(
      (view) => setDraft(JSON.stringify(view.spec, null, 2)),
      (caught: unknown) => setSaveError(caught),
    );
  }, [specId]);

  const save = async (event: Event) => {
    event.preventDefault();
    setSaved(null);
    let body: RequestBody<'/ingest/specs/{specId}', 'put'>;
    try {
      body = JSON.parse(draft);
    } catch (caught) {
      setSaveError(new Error(`The spec is not JSON: ${(caught as Error).message}`));
      return;
    }
    if (!id.trim()) {
      setSaveError(new Error('Give the spec an id (letters, digits, - and _).'));
      return;
    }
    try {
      const response = await api.call('put', '/ingest/specs/{specId}', {
        params: { specId: id },
        body,
      });
      setSaveError(null);
      setSaved(response.status === 201 ? `Created ${id}.` : `Saved ${id}.`);
      onSaved();
      if (id !== specId) navigate(href('/ingest', { spec: id }), true);
    } catch (caught) {
      setSaveError(caught);
    }
  };

  const test = async (event: Event) => {
    event.preventDefault();
    try {
      const answer = await api.call('post', '/ingest/specs/{specId}/test', {
        params: { specId: id },
        body: sample,
        contentType: 'application/json',
      });
      setResults(Array.isArray(answer.body) ? answer.body : [answer.body]);
      setTestError(null);
    } catch (caught) {
      setResults(null);
      setTestError(caught);
    }
  };

  return (
    <div class="split">
      <form class="create" onSubmit={save} aria-label="Edit the ingest spec">
        <h2>{specId ? `Spec ${specId}` : 'A new spec'}</h2>
        {!specId && (
          <label>
            Spec id
            <input name="specId" value={id} onInput={(e) => setId(e.currentTarget.value)} />
          </label>
        )}
        <label>
          The spec (JSON); the server checks it and names the field that is wrong
          <textarea
            rows={16}
            spellcheck={false}
            value={draft}
            onInput={(e) => setDraft(e.currentTarget.value)}
          />
        </label>
        <ErrorMessage error={saveError} testId="spec-error" />
        {saved && (
          <p class="notice" role="status" data-testid="spec-saved">
            {saved}
          </p>
        )}
        <button type="submit" class="primary">
          Save spec
        </button>
      </form>
      <form class="create" onSubmit={test} aria-label="Test the spec">
        <h2>Test with a sample payload</h2>
        <p class="hint">
          Runs the saved spec over the payload (one JSON document, an array, or NDJSON) and shows
          the observations it would give; nothing is written.
        </p>
        <label>
          Sample payload
          <textarea
            rows={6}
            spellcheck={false}
            value={sample}
            onInput={(e) => setSample(e.currentTarget.value)}
          />
        </label>
        <button type="submit" disabled={!specId && !saved}>
          Test
        </button>
        <ErrorMessage error={testError} testId="test-error" />
        {results && <TestOutcome results={results} />}
      </form>
    </div>
  );
}

export function IngestPage({ query }: RouteProps) {
  const selected = query.get('spec');
  const creating = query.get('new') === '1';
  const [specs, setSpecs] = useState<SpecView[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [version, setVersion] = useState(0);

  useEffect(() => {
    api.read('/ingest/specs').then(
      (list) => {
        setSpecs(list);
        setError(null);
      },
      (caught: unknown) => setError(caught),
    );
  }, [version]);

  const remove = async (specId: string) => {
    if (!window.confirm(`Delete the ingest spec ${specId}?`)) return;
    try {
      await api.call('delete', '/ingest/specs/{specId}', { params: { specId } });
      if (selected === specId) navigate('/ingest', true);
      setVersion((v) => v + 1);
    } catch (caught) {
      setError(caught);
    }
  };

  return (
    <section>
      <h1>Ingest specs</h1>
      <ErrorMessage error={error} />
      <p>
        <Link href={href('/ingest', { new: '1' })}>New spec…</Link> ·{' '}
        <Link href="/deadletters">Dead letters</Link>
      </p>
      {specs && (
        <TableBox label="Ingest specs">
          <table data-testid="specs">
            <TableHead
              columns={['Spec', 'Source', 'Twin', 'Revision', 'Owner', 'Modified']}
              actions
            />
            <tbody>
              {specs.map((view) => (
                <tr key={view.specId} aria-selected={view.specId === selected}>
                  <td>
                    <Link href={href('/ingest', { spec: view.specId })}>{view.specId}</Link>
                  </td>
                  <td>{sourceOf(view.spec)}</td>
                  <td>
                    <code>{String(view.spec.thingId ?? '')}</code>
                  </td>
                  <td>{view.revision}</td>
                  <td>{view.owner}</td>
                  <td>{new Date(view.modified).toLocaleString()}</td>
                  <td>
                    <Link href={href('/deadletters', { spec: view.specId })}>dead letters</Link>{' '}
                    <button
                      type="button"
                      class="small"
                      aria-label={`Delete ${view.specId}`}
                      onClick={() => void remove(view.specId)}
                    >
                      delete
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableBox>
      )}
      {specs && specs.length === 0 && <p>No ingest specs yet.</p>}
      {(selected || creating) && (
        <SpecEditor
          key={selected ?? 'new'}
          specId={selected}
          onSaved={() => setVersion((v) => v + 1)}
        />
      )}
    </section>
  );
}
