// Twins: RQL search (checked as you type), namespaces, fields, sortable columns, cursor paging, count, create.
import { RowViewport, useRowWindow, VirtualBody } from '../components/virtual-rows.js';
import type { RequestBody } from '../api/api-client.js';
import type { SearchPage } from '../api/api-types.js';
import { useEffect, useMemo, useState } from 'preact/hooks';
import { ApiError } from '../api/api-error.js';
import { valueAt, type Json, type JsonObject } from '../api/thing-events.js';
import { ErrorMessage } from '../components/error-message.js';
import { andRql, RqlBuilder } from '../components/rql-builder.js';
import { api } from '../services.js';
import { Link } from '../shell/link.js';
import { href, navigate, type RouteProps } from '../shell/router.js';

const DEFAULT_FIELDS = 'thingId,policyId,definition,_revision,_modified';
const PAGE_SIZE = 25;
/** Ditto's largest page. */
const MAX_PAGE_SIZE = 200;

/** The query of the page, as the URL holds it. */
interface Query {
  filter: string;
  namespaces: string;
  fields: string;
  sort: string;
  cursor: string;
  /** Rows per page, 1 to 200 (25 by default). */
  size: string;
}

function queryOf(params: URLSearchParams): Query {
  return {
    filter: params.get('filter') ?? '',
    namespaces: params.get('namespaces') ?? '',
    fields: params.get('fields') ?? '',
    sort: params.get('sort') ?? '',
    cursor: params.get('cursor') ?? '',
    size: params.get('size') ?? '',
  };
}

function urlOf(query: Partial<Query>): string {
  return href('/twins', { ...query });
}

function pageSize(query: Query): number {
  const size = Number(query.size);
  return Number.isInteger(size) && size >= 1 ? Math.min(size, MAX_PAGE_SIZE) : PAGE_SIZE;
}

function options(query: Query): string {
  const parts = [`size(${pageSize(query)})`];
  if (query.sort) parts.push(`sort(${query.sort})`);
  if (query.cursor) parts.push(`cursor(${query.cursor})`);
  return parts.join(',');
}

function display(value: Json | undefined): string {
  if (value === undefined) return '';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** The filter's syntax check, as the server answers it (the count of what it matches, or the error). */
function useFilterCheck(filter: string, namespaces: string) {
  const [check, setCheck] = useState<{
    count: number | null;
    error: ApiError | null;
    checking: boolean;
  }>({
    count: null,
    error: null,
    checking: false,
  });
  useEffect(() => {
    const abort = new AbortController();
    setCheck((c) => ({ ...c, checking: true }));
    const timer = setTimeout(() => {
      api
        .read('/search/things/count', {
          query: { filter: filter.trim() || undefined, namespaces: namespaces || undefined },
          signal: abort.signal,
        })
        .then(
          (count) => setCheck({ count, error: null, checking: false }),
          (error: unknown) => {
            if (abort.signal.aborted) return;
            setCheck({
              count: null,
              error: error instanceof ApiError ? error : null,
              checking: false,
            });
          },
        );
    }, 250);
    return () => {
      clearTimeout(timer);
      abort.abort();
    };
  }, [filter, namespaces]);
  return check;
}

function FilterError({ filter, error }: { filter: string; error: ApiError }) {
  const position = error.position;
  return (
    <div class="error filter-error" role="alert" data-testid="filter-error">
      {position !== null && (
        <pre class="caret" aria-hidden="true">
          {filter}
          {'\n'}
          {' '.repeat(Math.min(position, filter.length))}^
        </pre>
      )}
      {error.message}
      {error.description ? <small>{error.description}</small> : null}
    </div>
  );
}

function CreateTwin() {
  const [open, setOpen] = useState(false);
  const [text, setText] = useState(
    '{\n  "thingId": "my.namespace:my-twin",\n  "attributes": {}\n}',
  );
  const [error, setError] = useState<unknown>(null);
  const create = async (event: Event) => {
    event.preventDefault();
    setError(null);
    let body: RequestBody<'/things', 'post'>;
    try {
      body = JSON.parse(text) as RequestBody<'/things', 'post'>;
    } catch (caught) {
      setError(new Error(`The JSON is invalid: ${(caught as Error).message}`));
      return;
    }
    try {
      const id = typeof body.thingId === 'string' ? body.thingId : null;
      const created = id
        ? await api.call('put', '/things/{thingId}', {
            params: { thingId: id },
            body,
            headers: { 'if-none-match': '*' },
          })
        : await api.call('post', '/things', { body });
      navigate(`/twins/${encodeURIComponent(String(created.body?.thingId))}`);
    } catch (caught) {
      setError(caught);
    }
  };
  if (!open)
    return (
      <button type="button" onClick={() => setOpen(true)}>
        Create a twin…
      </button>
    );
  return (
    <form class="create" onSubmit={create} aria-label="Create a twin">
      <label>
        The new twin (JSON; without a thingId the server names it)
        <textarea
          rows={8}
          value={text}
          onInput={(e) => setText(e.currentTarget.value)}
          spellcheck={false}
        />
      </label>
      <ErrorMessage error={error} testId="create-error" />
      <button type="submit" class="primary">
        Create
      </button>{' '}
      <button type="button" onClick={() => setOpen(false)}>
        Cancel
      </button>
    </form>
  );
}

export function TwinsPage({ query: params }: RouteProps) {
  const query = queryOf(params);
  const [draft, setDraft] = useState(query.filter);
  const [namespaces, setNamespaces] = useState(query.namespaces);
  const [fields, setFields] = useState(query.fields);
  const [result, setResult] = useState<SearchPage | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [history, setHistory] = useState<string[]>([]);
  const check = useFilterCheck(draft, namespaces);
  const key = JSON.stringify(query);

  useEffect(() => {
    setDraft(query.filter);
    setNamespaces(query.namespaces);
    setFields(query.fields);
  }, [query.filter, query.namespaces, query.fields]);

  useEffect(() => {
    const abort = new AbortController();
    setError(null);
    api
      .read('/search/things', {
        query: {
          filter: query.filter || undefined,
          namespaces: query.namespaces || undefined,
          fields: query.fields || DEFAULT_FIELDS,
          option: options(query),
        },
        signal: abort.signal,
      })
      .then(setResult, (caught: unknown) => {
        if (!abort.signal.aborted) setError(caught);
      });
    return () => abort.abort();
  }, [key]);

  const rows = useRowWindow(result?.items.length ?? 0, 33, result);

  const columns = useMemo(
    () =>
      (query.fields || DEFAULT_FIELDS)
        .split(',')
        .map((field) => field.trim())
        .filter(Boolean),
    [query.fields],
  );

  const search = (event: Event) => {
    event.preventDefault();
    setHistory([]);
    navigate(
      urlOf({
        filter: draft.trim(),
        namespaces: namespaces.trim(),
        fields: fields.trim(),
        sort: query.sort,
        size: query.size,
      }),
    );
  };
  const sortBy = (field: string) => {
    const next = query.sort === `+${field}` ? `-${field}` : `+${field}`;
    setHistory([]);
    navigate(urlOf({ ...query, sort: next, cursor: '' }));
  };
  const next = () => {
    if (!result?.cursor) return;
    setHistory([...history, query.cursor]);
    navigate(urlOf({ ...query, cursor: result.cursor }));
  };
  const previous = () => {
    const before = history[history.length - 1] ?? '';
    setHistory(history.slice(0, -1));
    navigate(urlOf({ ...query, cursor: before }));
  };

  return (
    <section>
      <h1>Twins</h1>
      <form class="search" onSubmit={search} aria-label="Search twins">
        <label class="wide">
          Filter (RQL)
          <input
            name="filter"
            data-testid="filter"
            spellcheck={false}
            placeholder='and(eq(attributes/site,"plant-a"),gt(features/temperature/properties/value,20))'
            value={draft}
            aria-invalid={check.error ? 'true' : 'false'}
            aria-describedby="filter-check"
            onInput={(e) => setDraft(e.currentTarget.value)}
          />
        </label>
        <label>
          Namespaces
          <input
            name="namespaces"
            placeholder="demo,org.acme"
            value={namespaces}
            onInput={(e) => setNamespaces(e.currentTarget.value)}
          />
        </label>
        <label>
          Fields
          <input
            name="fields"
            placeholder={DEFAULT_FIELDS}
            value={fields}
            onInput={(e) => setFields(e.currentTarget.value)}
          />
        </label>
        <button type="submit" class="primary" disabled={check.error !== null}>
          Search
        </button>
      </form>
      <RqlBuilder onAdd={(condition) => setDraft((current) => andRql(current, condition))} />
      <div id="filter-check" aria-live="polite">
        {check.error ? (
          <FilterError filter={draft} error={check.error} />
        ) : (
          <p class="count" data-testid="filter-count">
            {check.checking || check.count === null
              ? 'Checking…'
              : `${check.count} twins match this filter.`}
          </p>
        )}
      </div>
      <CreateTwin />
      {/* A bad filter is shown once, in place, by the check above. */}
      {!(error instanceof ApiError && check.error?.error === error.error) && (
        <ErrorMessage error={error} testId="search-error" />
      )}
      {result && (
        <>
          <RowViewport rows={rows} label="Search results">
            <table class="results" data-testid="results">
              <thead>
                <tr>
                  {columns.map((column) => (
                    <th
                      key={column}
                      aria-sort={
                        query.sort === `+${column}`
                          ? 'ascending'
                          : query.sort === `-${column}`
                            ? 'descending'
                            : 'none'
                      }
                    >
                      <button type="button" class="sort" onClick={() => sortBy(column)}>
                        {column}
                        {query.sort === `+${column}`
                          ? ' ▲'
                          : query.sort === `-${column}`
                            ? ' ▼'
                            : ''}
                      </button>
                    </th>
                  ))}
                </tr>
              </thead>
              <VirtualBody
                rows={rows}
                items={result.items}
                columns={columns.length}
                row={(item) => {
                  const id = String(item.thingId ?? '');
                  return (
                    <tr key={id}>
                      {columns.map((column) => (
                        <td key={column}>
                          {column === 'thingId' ? (
                            <Link href={`/twins/${encodeURIComponent(id)}`}>{id}</Link>
                          ) : (
                            display(valueAt(item as JsonObject, `/${column}`))
                          )}
                        </td>
                      ))}
                    </tr>
                  );
                }}
              />
            </table>
          </RowViewport>
          {result.items.length === 0 && <p>No twin matches.</p>}
          <div class="pager">
            <button type="button" onClick={previous} disabled={!query.cursor}>
              ← Previous
            </button>
            <span data-testid="page-info">
              Page {history.length + 1}
              {check.count !== null && !check.error
                ? ` of ${Math.max(1, Math.ceil(check.count / pageSize(query)))}`
                : ''}
            </span>
            <button type="button" onClick={next} disabled={!result.cursor} data-testid="next-page">
              Next →
            </button>
          </div>
        </>
      )}
    </section>
  );
}
