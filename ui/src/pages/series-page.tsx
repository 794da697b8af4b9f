// Series: a twin's time series on one chart over a range, live tail, CSV download, and a run
// (a forecast or another model's) drawn over them with its interval band and its compare metrics.
import { useEffect, useMemo, useState } from 'preact/hooks';
import type { ResponseBody } from '../api/api-client.js';
import { ErrorMessage } from '../components/error-message.js';
import {
  MultiSeriesChart,
  type ChartLine,
  type ChartPrediction,
} from '../components/multi-series-chart.js';
import { api } from '../services.js';
import { navigate, type RouteProps } from '../shell/router.js';
import { csvName, RANGES, stepFor, type RangeName } from './series-range.js';

/** One entry of GET /timeseries/things/{thingId} (its answer is not typed by the document). */
interface SeriesInfo {
  pointer: string;
  kind: string;
  points: number;
  first: number | null;
  last: number | null;
}

/** A read of one series: raw (`value`) or bucketed (`avg`), with a run's prediction. */
interface SeriesRead {
  series: { t: number[]; value?: (number | boolean | string | null)[]; avg?: (number | null)[] };
  predicted?: { runId: string; t: number[]; mean: number[]; lower?: number[]; upper?: number[] };
}

type Run = ResponseBody<'/models/{modelId}/runs', 'get'>[number];
type Compared = ResponseBody<'/runs/{runId}/compare', 'get'>['series'][number];

const TAIL_MS = 5000;
/** How often the list of runs is read again. */
const RUNS_REFRESH_MS = 5000;

/** The page's URL: the twin, its chosen series, the range and the run. */
function seriesUrl(state: {
  thing: string;
  pointers: string[];
  range: string;
  from?: string;
  to?: string;
  run?: string;
}): string {
  const query = new URLSearchParams();
  if (state.thing) query.set('thing', state.thing);
  for (const pointer of state.pointers) query.append('pointer', pointer);
  if (state.range !== '1h') query.set('range', state.range);
  if (state.range === 'custom') {
    if (state.from) query.set('from', state.from);
    if (state.to) query.set('to', state.to);
  }
  if (state.run) query.set('run', state.run);
  const text = query.toString();
  return text ? `/series?${text}` : '/series';
}

/** The instants a range covers now, in epoch ms (custom: the datetime-local inputs, local time). */
function spanOf(range: RangeName, from: string, to: string): { from: number; to: number } | null {
  if (range !== 'custom') {
    const now = Date.now();
    return { from: now - RANGES[range], to: now };
  }
  const start = Date.parse(from);
  const end = Date.parse(to);
  return Number.isFinite(start) && Number.isFinite(end) && start < end
    ? { from: start, to: end }
    : null;
}

function numeric(values: readonly unknown[]): (number | null)[] {
  return values.map((value) =>
    typeof value === 'number' ? value : typeof value === 'boolean' ? Number(value) : null,
  );
}

function fmt(value: number | null | undefined, digits = 3): string {
  return value === null || value === undefined ? '—' : value.toFixed(digits);
}

function TwinPicker({ thing, onPick }: { thing: string; onPick: (thing: string) => void }) {
  const [text, setText] = useState(thing);
  useEffect(() => setText(thing), [thing]);
  return (
    <form
      class="create"
      aria-label="Choose a twin"
      onSubmit={(event) => {
        event.preventDefault();
        onPick(text.trim());
      }}
    >
      <label>
        Twin id
        <input
          value={text}
          placeholder="namespace:name"
          onInput={(event) => setText(event.currentTarget.value)}
        />
      </label>
      <button type="submit" class="primary">
        Show series
      </button>
    </form>
  );
}

/** The compare metrics of a run's series against the actual one. */
function Metrics({ compared }: { compared: Compared }) {
  return (
    <table data-testid="run-metrics">
      <caption>
        Run against the actual <code>{compared.pointer}</code>
      </caption>
      <thead>
        <tr>
          {['MAE', 'RMSE', 'MAPE %', 'MASE', 'Coverage', 'Matched', 'Unmatched'].map((name) => (
            <th key={name} scope="col">
              {name}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        <tr>
          <td data-metric="mae">{fmt(compared.mae)}</td>
          <td data-metric="rmse">{fmt(compared.rmse)}</td>
          <td data-metric="mape">{fmt(compared.mape, 2)}</td>
          <td data-metric="mase">{fmt(compared.mase)}</td>
          <td data-metric="coverage">
            {compared.coverage === null ? '—' : `${(compared.coverage * 100).toFixed(1)} %`}
          </td>
          <td data-metric="matched">{compared.matched}</td>
          <td data-metric="unmatched">{compared.unmatched}</td>
        </tr>
      </tbody>
    </table>
  );
}

export function SeriesPage({ query }: RouteProps) {
  const thing = query.get('thing') ?? '';
  const pointers = query.getAll('pointer');
  const rangeParam = query.get('range') ?? '1h';
  const range: RangeName =
    rangeParam in RANGES || rangeParam === 'custom' ? (rangeParam as RangeName) : '1h';
  const from = query.get('from') ?? '';
  const to = query.get('to') ?? '';
  const runId = query.get('run') ?? '';
  const state = { thing, pointers, range, from, to, run: runId };
  const go = (change: Partial<typeof state>) => navigate(seriesUrl({ ...state, ...change }), true);

  const [listed, setListed] = useState<SeriesInfo[] | null>(null);
  const [runs, setRuns] = useState<Run[]>([]);
  const [reads, setReads] = useState<{ lines: ChartLine[]; prediction: ChartPrediction | null }>({
    lines: [],
    prediction: null,
  });
  const [compared, setCompared] = useState<Compared | null>(null);
  const [tail, setTail] = useState(false);
  const [runsVersion, setRunsVersion] = useState(0);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const primary = pointers[0] ?? '';
  const key = pointers.join('\n');

  // The twin's series.
  useEffect(() => {
    setListed(null);
    if (!thing) return;
    let stopped = false;
    api.get<SeriesInfo[]>(`/timeseries/things/${encodeURIComponent(thing)}`).then(
      (found) => !stopped && (setListed(found), setError(null)),
      (caught: unknown) => !stopped && setError(caught),
    );
    return () => {
      stopped = true;
    };
  }, [thing]);

  // The runs that hold a series of the twin's first chosen pointer, newest first (read again
  // every few seconds: services and other clients make runs too).
  useEffect(() => {
    if (!thing || !primary) return setRuns([]);
    let stopped = false;
    const load = async () => {
      const models = await api.read('/models');
      const all = await Promise.all(
        models.map((model) =>
          api.read('/models/{modelId}/runs', { params: { modelId: model.modelId } }),
        ),
      );
      const found = all
        .flat()
        .filter((run) => run.series.some((s) => s.thingId === thing && s.pointer === primary))
        .sort((a, b) => b.created.localeCompare(a.created));
      if (!stopped) setRuns(found);
    };
    const once = () => load().catch((caught: unknown) => !stopped && setError(caught));
    void once();
    const timer = setInterval(() => void once(), RUNS_REFRESH_MS);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, [thing, primary, runsVersion]);

  const run = runs.find((candidate) => candidate.runId === runId) ?? null;

  // The chosen series over the range (the run's prediction over the first), again and again when tailing.
  useEffect(() => {
    if (!thing || pointers.length === 0) {
      setReads({ lines: [], prediction: null });
      return;
    }
    let stopped = false;
    const load = async () => {
      const span = spanOf(range, from, to);
      if (!span) throw new Error('Give a custom range whose start is before its end.');
      const step = stepFor(span.to - span.from);
      const end = run && range !== 'custom' ? Math.max(span.to, run.to) : span.to;
      const answers = await Promise.all(
        pointers.map((pointer, i) =>
          api.get<SeriesRead>(`/timeseries/things/${encodeURIComponent(thing)}/${pointer}`, {
            query: {
              from: span.from,
              to: end,
              step,
              agg: step ? 'avg' : undefined,
              run: i === 0 && run ? run.runId : undefined,
            },
          }),
        ),
      );
      if (stopped) return;
      const lines = answers.map((answer, i) => ({
        label: pointers[i],
        t: answer.series.t,
        values: numeric(answer.series.avg ?? answer.series.value ?? []),
      }));
      const predicted = answers[0]?.predicted;
      setReads({
        lines,
        prediction: predicted
          ? {
              label: predicted.runId,
              t: predicted.t,
              mean: predicted.mean,
              lower: predicted.lower,
              upper: predicted.upper,
            }
          : null,
      });
      setError(null);
    };
    const once = () => load().catch((caught: unknown) => !stopped && setError(caught));
    void once();
    const timer = tail && range !== 'custom' ? setInterval(() => void once(), TAIL_MS) : undefined;
    return () => {
      stopped = true;
      if (timer) clearInterval(timer);
    };
  }, [thing, key, range, from, to, run?.runId, tail]);

  // The chosen run's metrics against the actual series.
  useEffect(() => {
    setCompared(null);
    if (!run) return;
    let stopped = false;
    api.read('/runs/{runId}/compare', { params: { runId: run.runId } }).then(
      (answer) =>
        !stopped &&
        setCompared(
          answer.series.find((s) => s.thingId === thing && s.pointer === primary) ?? null,
        ),
      (caught: unknown) => !stopped && setError(caught),
    );
    return () => {
      stopped = true;
    };
  }, [run?.runId, thing, primary]);

  const forecast = async () => {
    setBusy(true);
    try {
      const made = await api.call('post', '/forecasts', {
        body: { thingId: thing, pointer: primary, horizon: '1h' },
      });
      setRunsVersion((n) => n + 1);
      go({ run: made.body.runId });
      setError(null);
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };

  const download = async (pointer: string) => {
    try {
      const span = spanOf(range, from, to);
      if (!span) throw new Error('Give a custom range whose start is before its end.');
      const step = stepFor(span.to - span.from);
      const answer = await api.request<unknown>(
        'GET',
        `/timeseries/things/${encodeURIComponent(thing)}/${pointer}`,
        {
          query: { from: span.from, to: span.to, step, agg: step ? 'avg' : undefined },
          headers: { accept: 'text/csv' },
        },
      );
      const text = typeof answer.body === 'string' ? answer.body : String(answer.body ?? '');
      const link = document.createElement('a');
      link.href = URL.createObjectURL(new Blob([text], { type: 'text/csv' }));
      link.download = csvName(thing, pointer);
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
    } catch (caught) {
      setError(caught);
    }
  };

  const charted = useMemo(() => listed?.filter((s) => s.kind !== 'string') ?? [], [listed]);
  const toggle = (pointer: string, on: boolean) =>
    go({
      pointers: on ? [...pointers, pointer] : pointers.filter((p) => p !== pointer),
      run: on || pointer !== primary ? runId : '',
    });

  return (
    <section>
      <h1>Series</h1>
      <TwinPicker thing={thing} onPick={(picked) => go({ thing: picked, pointers: [], run: '' })} />
      <ErrorMessage error={error} testId="series-error" />
      {thing && listed && charted.length === 0 && <p>This twin has no numeric series yet.</p>}
      {charted.length > 0 && (
        <fieldset data-testid="series-list">
          <legend>
            Series of <code>{thing}</code>
          </legend>
          {charted.map((info) => (
            <label key={info.pointer} class="check">
              <input
                type="checkbox"
                checked={pointers.includes(info.pointer)}
                onChange={(event) => toggle(info.pointer, event.currentTarget.checked)}
              />
              <code>{info.pointer}</code> <small>({info.points.toLocaleString()} points)</small>
            </label>
          ))}
        </fieldset>
      )}
      {thing && pointers.length > 0 && (
        <>
          <div class="toolbar">
            <label>
              Range
              <select
                value={range}
                onChange={(event) => go({ range: event.currentTarget.value as RangeName })}
              >
                <option value="1h">Last hour</option>
                <option value="24h">Last 24 hours</option>
                <option value="7d">Last 7 days</option>
                <option value="30d">Last 30 days</option>
                <option value="custom">Custom</option>
              </select>
            </label>
            {range === 'custom' && (
              <>
                <label>
                  From (local time)
                  <input
                    type="datetime-local"
                    value={from}
                    onChange={(event) => go({ from: event.currentTarget.value })}
                  />
                </label>
                <label>
                  To (local time)
                  <input
                    type="datetime-local"
                    value={to}
                    onChange={(event) => go({ to: event.currentTarget.value })}
                  />
                </label>
              </>
            )}
            <label class="check">
              <input
                type="checkbox"
                checked={tail}
                disabled={range === 'custom'}
                onChange={(event) => setTail(event.currentTarget.checked)}
              />
              Live tail
            </label>
            {pointers.map((pointer) => (
              <button key={pointer} type="button" onClick={() => void download(pointer)}>
                Download CSV{pointers.length > 1 ? ` of ${pointer}` : ''}
              </button>
            ))}
          </div>
          <p data-testid="series-step">
            {(() => {
              const span = spanOf(range, from, to);
              const step = span ? stepFor(span.to - span.from) : undefined;
              return step ? `Averaged over ${step} buckets.` : 'Raw points.';
            })()}
          </p>
          {reads.lines.length > 0 && (
            <MultiSeriesChart lines={reads.lines} prediction={reads.prediction} />
          )}
          <div class="toolbar">
            <label>
              Run
              <select
                data-testid="run-select"
                value={run ? run.runId : ''}
                onChange={(event) => go({ run: event.currentTarget.value })}
              >
                <option value="">None</option>
                {runs.map((candidate) => (
                  <option key={candidate.runId} value={candidate.runId}>
                    {candidate.modelId} {candidate.scenario ? `(${candidate.scenario}) ` : ''}
                    {new Date(candidate.created).toLocaleString()} · {candidate.runId}
                  </option>
                ))}
              </select>
            </label>
            <button type="button" disabled={busy} onClick={() => void forecast()}>
              Forecast 1 h
            </button>
          </div>
          {compared && <Metrics compared={compared} />}
        </>
      )}
    </section>
  );
}
