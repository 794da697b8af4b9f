// Twin types: the list (id, title, version, twins using it), one type's document by part, and
// creating a version from JSON with the API's refusal shown where it was typed.
import { useEffect, useState } from 'preact/hooks';
import type { TypeDocument, TypeListItem } from '../api/api-types.js';
import { ErrorMessage } from '../components/error-message.js';
import { TableBox } from '../components/table-box.js';
import { TableHead } from '../components/table-head.js';
import { celErrorAt, describeOutput, governedBy, typeIdParts } from '../api/type-document.js';
import { api } from '../services.js';
import { Link } from '../shell/link.js';
import { href, navigate, type RouteProps } from '../shell/router.js';

/** How many twins name the type (null while unknown: the count was refused). */
async function twinsUsing(typeId: string): Promise<number | null> {
  try {
    const count = await api.read('/search/things/count', { query: { filter: governedBy(typeId) } });
    return typeof count === 'number' ? count : null;
  } catch {
    return null;
  }
}

/** A type's title: its Thing Model's title, else its description. */
function titleOf(document: TypeDocument): string {
  const d = document as Record<string, unknown>;
  const model = d.thingModel as Record<string, unknown> | undefined;
  if (typeof model?.title === 'string') return model.title;
  return typeof d.description === 'string' ? d.description : '';
}

type Entries = [string, unknown][];
const entriesOf = (value: unknown): Entries =>
  typeof value === 'object' && value !== null ? Object.entries(value) : [];

function Outputs({
  title,
  rows,
  testId,
}: {
  title: string;
  rows: [string, string][];
  testId: string;
}) {
  if (rows.length === 0) return null;
  return (
    <>
      <h3>{title}</h3>
      <TableBox label={title}>
        <table data-testid={testId}>
          <TableHead columns={['Pointer', 'Definition']} />
          <tbody>
            {rows.map(([pointer, text]) => (
              <tr key={pointer}>
                <td>
                  <code>{pointer}</code>
                </td>
                <td>
                  <code>{text}</code>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableBox>
    </>
  );
}

function TypeView({ typeId }: { typeId: string }) {
  const [document, setDocument] = useState<TypeDocument | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    setDocument(null);
    setError(null);
    api.read('/types/{typeId}', { params: { typeId } }).then(setDocument, setError);
  }, [typeId]);
  const remove = async () => {
    if (!window.confirm(`Delete the type ${typeId}?`)) return;
    try {
      await api.call('delete', '/types/{typeId}', { params: { typeId } });
      navigate('/types');
    } catch (caught) {
      setError(caught);
    }
  };
  if (!document)
    return (
      <div data-testid="type-view">
        <ErrorMessage error={error} />
        {!error && <p>Loading {typeId}…</p>}
      </div>
    );
  const schema = (document.schema ?? {}) as Record<string, unknown>;
  const schemas: [string, unknown][] = [];
  if (schema.attributes) schemas.push(['attributes', schema.attributes]);
  for (const [feature, s] of entriesOf(schema.features)) schemas.push([`features/${feature}`, s]);
  const assessments = entriesOf(document.assessments);
  return (
    <div data-testid="type-view">
      <h2>
        <code>{typeId}</code> {titleOf(document) && <span>— {titleOf(document)}</span>}
      </h2>
      <ErrorMessage error={error} testId="type-view-error" />
      <p>
        <Link href={href('/twins', { filter: governedBy(typeId) })}>The twins of this type</Link> ·{' '}
        <Link href={href('/replays', { type: typeId })}>Replay it over history</Link> ·{' '}
        <button type="button" class="small" onClick={() => void remove()}>
          delete
        </button>
      </p>
      <h3>Schemas</h3>
      {schemas.length === 0 ? (
        <p>No schema: values are free.</p>
      ) : (
        schemas.map(([where, s]) => (
          <div key={where} data-testid="type-schema">
            <h4>
              <code>{where}</code>
            </h4>
            <pre class="raw">{JSON.stringify(s, null, 2)}</pre>
          </div>
        ))
      )}
      <Outputs
        title="Derived values"
        testId="type-derived"
        rows={entriesOf(document.derived).map(([p, s]) => [p, describeOutput('derived', s)])}
      />
      <Outputs
        title="Windows"
        testId="type-windows"
        rows={entriesOf(document.windows).map(([p, s]) => [p, describeOutput('window', s)])}
      />
      <Outputs
        title="Roll-ups"
        testId="type-rollups"
        rows={entriesOf(document.rollups).map(([p, s]) => [p, describeOutput('rollup', s)])}
      />
      {assessments.length > 0 && (
        <>
          <h3>Assessments</h3>
          <TableBox label="Assessments">
            <table data-testid="type-assessments">
              <TableHead columns={['Name', 'When', 'Clear', 'For', 'Severity']} />
              <tbody>
                {assessments.map(([name, spec]) => {
                  const a = (spec ?? {}) as Record<string, unknown>;
                  return (
                    <tr key={name}>
                      <td>
                        <Link href={href('/alerts', { assessment: name })}>{name}</Link>
                      </td>
                      <td>
                        <code>{String(a.when ?? '')}</code>
                      </td>
                      <td>
                        <code>{a.clear ? String(a.clear) : `!(${String(a.when ?? '')})`}</code>
                      </td>
                      <td>{a.for ? String(a.for) : 'at once'}</td>
                      <td>{String(a.severity ?? 'warning')}</td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </TableBox>
        </>
      )}
      <details>
        <summary>The document as JSON</summary>
        <pre class="raw" data-testid="type-json">
          {JSON.stringify(document, null, 2)}
        </pre>
      </details>
    </div>
  );
}

const EXAMPLE = `{
  "schema": {
    "features": { "power": { "type": "object", "properties": { "watts": { "type": "number", "minimum": 0 } } } }
  },
  "derived": { "features/power/properties/kw": "features.power.properties.watts / 1000.0" },
  "assessments": {
    "overload": { "when": "features.power.properties.watts > 250.0", "severity": "warning" }
  }
}`;

function CreateType({ onCreated, from }: { onCreated: (typeId: string) => void; from: string }) {
  const [typeId, setTypeId] = useState('');
  const [text, setText] = useState(EXAMPLE);
  const [error, setError] = useState<unknown>(null);
  const [notice, setNotice] = useState<string | null>(null);
  // "A new version of this one": the selected type's document, with its id to change.
  useEffect(() => {
    if (!from) return;
    api.read('/types/{typeId}', { params: { typeId: from } }).then(
      (document) => {
        setTypeId(from);
        setText(JSON.stringify(document, null, 2));
      },
      () => {},
    );
  }, [from]);
  const create = async (event: Event) => {
    event.preventDefault();
    setNotice(null);
    let document: unknown;
    try {
      document = JSON.parse(text);
    } catch (caught) {
      setError(new Error(`The document is not JSON: ${(caught as Error).message}`));
      return;
    }
    try {
      const answer = await api.call('put', '/types/{typeId}', {
        params: { typeId: typeId.trim() },
        body: document as never,
      });
      setError(null);
      setNotice(
        answer.status === 204
          ? `${typeId.trim()} already holds this very document: nothing changed.`
          : `Created ${typeId.trim()}.`,
      );
      onCreated(typeId.trim());
    } catch (caught) {
      setError(caught);
    }
  };
  const broke = error instanceof Error ? celErrorAt(error.message) : null;
  return (
    <form class="create" onSubmit={create} aria-label="Create a type version">
      <h2>Create a type version</h2>
      <p>
        Versions never change: the same document again changes nothing, another one under the same
        id is refused. Give a new version (<code>namespace:name:2.0.0</code>) to change a type.
      </p>
      <label>
        Type id (namespace:name:version)
        <input
          name="typeId"
          required
          spellcheck={false}
          value={typeId}
          onInput={(e) => setTypeId(e.currentTarget.value)}
        />
      </label>
      <label>
        Document (JSON: schema, derived, windows, rollups, assessments; or a WoT Thing Model)
        <textarea
          name="document"
          rows={14}
          spellcheck={false}
          value={text}
          onInput={(e) => setText(e.currentTarget.value)}
        />
      </label>
      <ErrorMessage error={error} testId="type-error" />
      {broke && (
        <pre class="raw" data-testid="type-error-position" aria-label="Where the expression broke">
          {broke.expression.split('\n')[broke.line - 1]}
          {'\n'}
          {' '.repeat(Math.max(0, broke.column - 1))}^ line {broke.line}, column {broke.column}
        </pre>
      )}
      {notice && (
        <p role="status" data-testid="type-notice">
          {notice}
        </p>
      )}
      <button type="submit" class="primary">
        Create
      </button>
    </form>
  );
}

export function TypesPage({ query }: RouteProps) {
  const selected = query.get('id') ?? '';
  const from = query.get('from') ?? '';
  const [types, setTypes] = useState<TypeListItem[] | null>(null);
  const [using, setUsing] = useState<Record<string, number | null>>({});
  const [error, setError] = useState<unknown>(null);
  const [version, setVersion] = useState(0);

  useEffect(() => {
    let stopped = false;
    api.read('/types').then(
      async (list) => {
        if (stopped) return;
        setTypes(list);
        setError(null);
        const counts: Record<string, number | null> = {};
        await Promise.all(
          list.slice(0, 200).map(async (t) => (counts[t.typeId] = await twinsUsing(t.typeId))),
        );
        if (!stopped) setUsing(counts);
      },
      (caught: unknown) => !stopped && setError(caught),
    );
    return () => {
      stopped = true;
    };
  }, [version]);

  return (
    <section>
      <h1>Types</h1>
      <ErrorMessage error={error} />
      {types && types.length === 0 && <p>No types yet.</p>}
      {types && types.length > 0 && (
        <TableBox label="Types">
          <table data-testid="types">
            <TableHead
              columns={['Type', 'Title', 'Version', 'Twins using it', 'Created']}
              actions
            />
            <tbody>
              {types.map((t) => {
                const parts = typeIdParts(t.typeId);
                const count = using[t.typeId];
                return (
                  <tr key={t.typeId} data-type={t.typeId} aria-selected={t.typeId === selected}>
                    <td>
                      <Link href={href('/types', { id: t.typeId })}>
                        {parts.namespace}:{parts.name}
                      </Link>
                    </td>
                    <td>{titleOf(t.document)}</td>
                    <td>{parts.version}</td>
                    <td data-testid="type-twins">
                      {count === undefined ? (
                        '…'
                      ) : count === null ? (
                        '?'
                      ) : (
                        <Link href={href('/twins', { filter: governedBy(t.typeId) })}>{count}</Link>
                      )}
                    </td>
                    <td>{new Date(t.created).toLocaleString()}</td>
                    <td>
                      <Link
                        class="small"
                        href={href('/types', { id: t.typeId, from: t.typeId })}
                        aria-label={`A new version of ${t.typeId}`}
                      >
                        new version
                      </Link>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </TableBox>
      )}
      {selected && <TypeView typeId={selected} key={`${selected} ${version}`} />}
      <CreateType
        from={from}
        onCreated={(typeId) => {
          setVersion((v) => v + 1);
          navigate(href('/types', { id: typeId }), true);
        }}
      />
    </section>
  );
}
