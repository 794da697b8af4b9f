// One twin: values live over /ws/2 (those its type computes marked), inline edits with If-Match,
// desired vs reported, its relations as a graph, raw JSON, history, messages.
import { TableBox } from '../components/table-box.js';
import { RowViewport, useRowWindow, VirtualBody } from '../components/virtual-rows.js';
import { useEffect, useMemo, useState } from 'preact/hooks';
import { ApiError } from '../api/api-error.js';
import {
  actionOf,
  applyEvent,
  valueAt,
  type Json,
  type JsonObject,
  type ThingEvent,
} from '../api/thing-events.js';
import { diffJson } from '../api/json-diff.js';
import type { Relation, TypeDocument } from '../api/api-types.js';
import { ComputedValues, computedPointers } from '../components/computed-values.js';
import { DesiredReported } from '../components/desired-reported.js';
import { RelationGraph } from '../components/relation-graph.js';
import { ErrorMessage } from '../components/error-message.js';
import { SendMessage } from '../components/send-message.js';
import { SeriesChart } from '../components/series-chart.js';
import { ValueTree } from '../components/value-tree.js';
import { api, live } from '../services.js';
import { Link } from '../shell/link.js';
import { href, navigate, type RouteProps } from '../shell/router.js';

type Tab = 'tree' | 'desired' | 'relations' | 'json' | 'history' | 'message';

const TABS: [Tab, string][] = [
  ['tree', 'Values'],
  ['desired', 'Desired vs reported'],
  ['relations', 'Relations'],
  ['json', 'Raw JSON'],
  ['history', 'History'],
  ['message', 'Send a message'],
];

function revisionOf(etag: string | null): number | null {
  const match = /"rev:(\d+)"/.exec(etag ?? '');
  return match ? Number(match[1]) : null;
}

interface Editing {
  path: string;
  draft: string;
  etag: string | null;
  error: unknown;
  /** The value the server holds now, after a 412. */
  conflict?: Json;
}

function Editor({
  thingPath,
  editing,
  setEditing,
}: {
  thingPath: string;
  editing: Editing;
  setEditing: (e: Editing | null) => void;
}) {
  const save = async (event: Event) => {
    event.preventDefault();
    let value: Json;
    try {
      value = JSON.parse(editing.draft) as Json;
    } catch {
      setEditing({
        ...editing,
        error: new Error('The value is not JSON (put strings in double quotes: "on").'),
      });
      return;
    }
    try {
      await api.request('PUT', `${thingPath}${editing.path}`, {
        body: value,
        headers: editing.etag ? { 'if-match': editing.etag } : {},
      });
      setEditing(null);
    } catch (caught) {
      if (caught instanceof ApiError && caught.status === 412) {
        const now = await api.request<Json>('GET', `${thingPath}${editing.path}`).catch(() => null);
        setEditing({ ...editing, error: caught, conflict: now?.body, etag: editing.etag });
        return;
      }
      setEditing({ ...editing, error: caught });
    }
  };
  const takeTheirs = async () => {
    const now = await api.request<Json>('GET', `${thingPath}${editing.path}`);
    setEditing({
      path: editing.path,
      draft: JSON.stringify(now.body),
      etag: now.etag,
      error: null,
    });
  };
  return (
    <form class="editor" onSubmit={save} aria-label={`Edit ${editing.path}`} data-testid="editor">
      <label>
        New value of <code>{editing.path}</code> (JSON)
        <input
          name="value"
          autoFocus
          spellcheck={false}
          value={editing.draft}
          onInput={(e) => setEditing({ ...editing, draft: e.currentTarget.value })}
        />
      </label>
      {editing.conflict !== undefined ? (
        <div class="error conflict" role="alert" data-testid="conflict">
          <strong>Conflict:</strong> someone changed this value after you began editing; it is now{' '}
          <code>{JSON.stringify(editing.conflict)}</code>. Nothing was saved.{' '}
          <button type="button" onClick={() => void takeTheirs()}>
            Start again from their value
          </button>
        </div>
      ) : (
        <ErrorMessage error={editing.error} />
      )}
      <button type="submit" class="primary">
        Save
      </button>{' '}
      <button type="button" onClick={() => setEditing(null)}>
        Cancel
      </button>
    </form>
  );
}

function History({ events }: { events: ThingEvent[] }) {
  const newestFirst = useMemo(() => [...events].reverse(), [events]);
  const rows = useRowWindow(newestFirst.length, 33);
  return (
    <RowViewport rows={rows} label="Events, newest first">
      <table class="timeline" data-testid="timeline">
        <thead>
          <tr>
            <th>Revision</th>
            <th>Time</th>
            <th>Change</th>
            <th>Path</th>
            <th>Value</th>
            <th>Originator</th>
          </tr>
        </thead>
        <VirtualBody
          rows={rows}
          items={newestFirst}
          columns={6}
          row={(event) => (
            <tr key={event.revision}>
              <td>{event.revision}</td>
              <td>{event.timestamp ? new Date(event.timestamp).toLocaleString() : ''}</td>
              <td>{actionOf(event)}</td>
              <td>
                <code>{event.path}</code>
              </td>
              <td>
                <code class="clip">
                  {event.value === undefined ? '' : JSON.stringify(event.value)}
                </code>
              </td>
              <td>{event.headers?.['ditto-originator'] ?? ''}</td>
            </tr>
          )}
        />
      </table>
    </RowViewport>
  );
}

/** What changed from a past revision to the current one, value by value. */
function Changes({
  before,
  after,
  revision,
}: {
  before: JsonObject;
  after: JsonObject;
  revision: number;
}) {
  const pick = (thing: JsonObject) => ({
    attributes: thing.attributes ?? {},
    features: thing.features ?? {},
    policyId: thing.policyId ?? null,
    definition: thing.definition ?? null,
  });
  const changes = diffJson(pick(before), pick(after));
  return (
    <div data-testid="changes">
      <h3>From revision {revision} to now</h3>
      {changes.length === 0 ? (
        <p>No value differs.</p>
      ) : (
        <TableBox label="Changes since this revision">
          <table class="diff">
            <thead>
              <tr>
                <th>Path</th>
                <th>At revision {revision}</th>
                <th>Now</th>
              </tr>
            </thead>
            <tbody>
              {changes.map((change) => (
                <tr key={change.path}>
                  <td>
                    <code>{change.path}</code>
                  </td>
                  <td>
                    <code>{'before' in change ? JSON.stringify(change.before) : '(absent)'}</code>
                  </td>
                  <td>
                    <code>{'after' in change ? JSON.stringify(change.after) : '(absent)'}</code>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableBox>
      )}
    </div>
  );
}

/** The values of a numeric property after each event of the journal (times in seconds, for uPlot). */
function seriesOf(events: ThingEvent[], path: string): { times: number[]; values: number[] } {
  const times: number[] = [];
  const values: number[] = [];
  let state: JsonObject | null = null;
  for (const event of events) {
    state = applyEvent(state, event);
    // A point for each event that touched the property (not for changes elsewhere in the twin).
    const touched =
      path === event.path || path.startsWith(`${event.path === '/' ? '' : event.path}/`);
    const value = valueAt(state ?? undefined, path);
    if (touched && typeof value === 'number' && event.timestamp) {
      times.push(Date.parse(event.timestamp) / 1000);
      values.push(value);
    }
  }
  return { times, values };
}

/** How many edges the relations tab walks each way. */
const RELATION_DEPTH = 3;

function Relations({ thingId }: { thingId: string }) {
  const [walks, setWalks] = useState<{ out: Relation[]; incoming: Relation[] } | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    let stopped = false;
    setWalks(null);
    const walk = (direction: 'out' | 'in') =>
      api
        .read('/things/{thingId}/relations', {
          params: { thingId },
          query: { direction, depth: String(RELATION_DEPTH) },
        })
        .then((answer) => answer.relations ?? []);
    Promise.all([walk('out'), walk('in')]).then(
      ([out, incoming]) => !stopped && setWalks({ out, incoming }),
      (caught: unknown) => !stopped && setError(caught),
    );
    return () => {
      stopped = true;
    };
  }, [thingId]);
  if (error) return <ErrorMessage error={error} />;
  if (!walks) return <p>Loading the relations…</p>;
  const all = [...walks.incoming, ...walks.out];
  if (all.length === 0)
    return (
      <p data-testid="no-relations">
        No relations: add one with{' '}
        <code>PUT /api/2/things/{thingId}/relations/&lt;name&gt;/&lt;target&gt;</code>.
      </p>
    );
  return (
    <div data-testid="relations">
      <p>
        Parents and ancestors on the left, children and descendants on the right, up to{' '}
        {RELATION_DEPTH} edges away. Choose a twin to go to it.
      </p>
      <RelationGraph thingId={thingId} out={walks.out} incoming={walks.incoming} />
      <TableBox label="Relations">
        <table data-testid="relation-list">
          <thead>
            <tr>
              <th>Source</th>
              <th>Relation</th>
              <th>Target</th>
              <th>Depth</th>
              <th>Properties</th>
            </tr>
          </thead>
          <tbody>
            {all.map((r) => (
              <tr key={`${r.source} ${r.name} ${r.target}`}>
                <td>
                  <Link href={`/twins/${encodeURIComponent(r.source ?? '')}`}>{r.source}</Link>
                </td>
                <td>
                  {r.name}
                  {r.cycle ? ' (cycle)' : ''}
                </td>
                <td>
                  <Link href={`/twins/${encodeURIComponent(r.target ?? '')}`}>{r.target}</Link>
                  {r.targetExists === false ? ' (deleted)' : ''}
                </td>
                <td>{r.depth}</td>
                <td>
                  <code class="clip">{JSON.stringify(r.properties ?? {})}</code>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableBox>
    </div>
  );
}

/** The document of the type a twin's definition names (null: none, or not a type). */
function useTypeOf(definition: unknown): TypeDocument | null {
  const [type, setType] = useState<TypeDocument | null>(null);
  useEffect(() => {
    setType(null);
    if (typeof definition !== 'string' || !/^[^:/]+:[^:/]+:[^/]+$/.test(definition)) return;
    let stopped = false;
    api.read('/types/{typeId}', { params: { typeId: definition } }).then(
      (document) => !stopped && setType(document),
      () => {},
    );
    return () => {
      stopped = true;
    };
  }, [definition]);
  return type;
}

export function TwinPage({ params, query }: RouteProps) {
  const thingId = params.thingId;
  const thingPath = `/things/${encodeURIComponent(thingId)}`;
  const tab = (query.get('tab') as Tab | null) ?? 'tree';
  const chartPath = query.get('chart') ?? '';
  const [thing, setThing] = useState<JsonObject | null>(null);
  const [revision, setRevision] = useState<number | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [events, setEvents] = useState<ThingEvent[]>([]);
  const [editing, setEditing] = useState<Editing | null>(null);
  const [travel, setTravel] = useState<number | null>(null);
  const type = useTypeOf(thing?.definition);
  const [past, setPast] = useState<{
    revision: number;
    thing: JsonObject | null;
    error: unknown;
  } | null>(null);

  const go = (changes: Record<string, string | undefined>) =>
    navigate(
      href(`/twins/${encodeURIComponent(thingId)}`, { tab, chart: chartPath, ...changes }),
      true,
    );

  useEffect(() => {
    setThing(null);
    setError(null);
    setEvents([]);
    // Events that come while the twin loads are applied once it is there, if newer.
    const early: ThingEvent[] = [];
    let loaded: JsonObject | null = null;
    const stop = live.watch(thingId, (event) => {
      if (!loaded) {
        early.push(event);
        return;
      }
      if (actionOf(event) === 'deleted' && (event.path === '/' || event.path === '')) {
        setError(new Error(`This twin was deleted (revision ${event.revision}).`));
        return;
      }
      setThing((current) =>
        current && event.revision > Number(current._revision ?? 0)
          ? applyEvent(current, event)
          : current,
      );
      setRevision((current) => Math.max(current ?? 0, event.revision));
      setEvents((current) =>
        current.some((e) => e.revision === event.revision) ? current : [...current, event],
      );
    });
    api.request<JsonObject>('GET', thingPath).then(
      (response) => {
        let state: JsonObject | null = {
          ...response.body,
          _revision: revisionOf(response.etag) ?? 0,
        };
        for (const event of early)
          if (state && event.revision > Number(state._revision)) state = applyEvent(state, event);
        loaded = state;
        setThing(state);
        setRevision(Number(state?._revision ?? 0));
      },
      (caught: unknown) => setError(caught),
    );
    api.get<ThingEvent[]>(`${thingPath}/history`, { query: { limit: '10000' } }).then(
      (history) =>
        setEvents((current) => [
          ...history,
          ...current.filter((e) => !history.some((h) => h.revision === e.revision)),
        ]),
      () => {},
    );
    return stop;
  }, [thingId]);

  useEffect(() => {
    if (travel === null) return;
    const timer = setTimeout(() => {
      api
        .request<JsonObject>('GET', thingPath, {
          headers: { 'at-historical-revision': String(travel) },
        })
        .then(
          (response) => setPast({ revision: travel, thing: response.body, error: null }),
          (caught: unknown) => setPast({ revision: travel, thing: null, error: caught }),
        );
    }, 150);
    return () => clearTimeout(timer);
  }, [travel, thingId]);

  const series = useMemo(
    () => (chartPath ? seriesOf(events, chartPath) : null),
    [events, chartPath],
  );

  const startEdit = async (path: string) => {
    try {
      const response = await api.request<Json>('GET', `${thingPath}${path}`);
      setEditing({ path, draft: JSON.stringify(response.body), etag: response.etag, error: null });
    } catch (caught) {
      setEditing({
        path,
        draft: JSON.stringify(valueAt(thing ?? undefined, path) ?? null),
        etag: null,
        error: caught,
      });
    }
  };

  // The tree is rebuilt only when the twin changes (not when the history or the editor does):
  // Preact skips an element it has seen before, and a twin may have hundreds of values.
  const computed = useMemo(() => (type ? computedPointers(type) : undefined), [type]);
  const tree = useMemo(
    () =>
      thing ? (
        <ValueTree
          value={{ attributes: thing.attributes ?? {}, features: thing.features ?? {} }}
          onEdit={(path) => void startEdit(path)}
          onChart={(path) => go({ tab: 'history', chart: path })}
          computed={computed}
        />
      ) : null,
    [thing, tab, chartPath, computed],
  );

  if (error)
    return (
      <section>
        <h1>{thingId}</h1>
        <ErrorMessage error={error} />
        <Link href="/twins">Back to the twins</Link>
      </section>
    );
  if (!thing) return <p>Loading {thingId}…</p>;

  return (
    <section>
      <p>
        <Link href="/twins">Twins</Link> /
      </p>
      <h1 data-testid="thing-id">{thingId}</h1>
      <p class="meta">
        revision <strong data-testid="revision">{revision}</strong> · policy{' '}
        <Link href={`/policies/${encodeURIComponent(String(thing.policyId ?? ''))}`}>
          <code>{String(thing.policyId ?? '')}</code>
        </Link>
        {thing.definition ? (
          <>
            {' '}
            · definition <code>{String(thing.definition)}</code>
          </>
        ) : null}
      </p>
      <div class="tabs" role="tablist">
        {TABS.map(([name, title]) => (
          <button
            key={name}
            type="button"
            role="tab"
            aria-selected={tab === name}
            onClick={() => go({ tab: name })}
          >
            {title}
          </button>
        ))}
      </div>
      {tab === 'tree' && (
        <div data-testid="tree">
          {editing && <Editor thingPath={thingPath} editing={editing} setEditing={setEditing} />}
          {type && <ComputedValues typeId={String(thing.definition)} type={type} thing={thing} />}
          {tree}
        </div>
      )}
      {tab === 'relations' && <Relations thingId={thingId} />}
      {tab === 'desired' && <DesiredReported features={(thing.features ?? {}) as JsonObject} />}
      {tab === 'message' && (
        <SendMessage thingId={thingId} featureIds={Object.keys(thing.features ?? {}).sort()} />
      )}
      {tab === 'json' && (
        <pre class="raw" data-testid="raw-json">
          {JSON.stringify(thing, null, 2)}
        </pre>
      )}
      {tab === 'history' && (
        <div>
          <h2>Time travel</h2>
          <label class="slider">
            Revision <output data-testid="travel-revision">{travel ?? revision}</output> of{' '}
            {revision}
            <input
              type="range"
              data-testid="revision-slider"
              min={1}
              max={revision ?? 1}
              value={travel ?? revision ?? 1}
              onInput={(e) => setTravel(Number(e.currentTarget.value))}
            />
          </label>
          {past && past.revision === travel && (
            <div class="past" data-testid="past">
              <ErrorMessage error={past.error} />
              {past.thing && (
                <ValueTree
                  label={`Values at revision ${past.revision}`}
                  value={{
                    attributes: past.thing.attributes ?? {},
                    features: past.thing.features ?? {},
                  }}
                />
              )}
              {past.thing && <Changes before={past.thing} after={thing} revision={past.revision} />}
            </div>
          )}
          <h2>Chart</h2>
          {series ? (
            <>
              <p>
                <code>{chartPath}</code> over time ({series.values.length} values from the journal){' '}
                <button type="button" class="small" onClick={() => go({ chart: undefined })}>
                  close
                </button>
              </p>
              <SeriesChart label={chartPath} times={series.times} values={series.values} />
            </>
          ) : (
            <p>Choose “chart” next to a number under Values.</p>
          )}
          <h2>Events</h2>
          <History events={events} />
        </div>
      )}
    </section>
  );
}
