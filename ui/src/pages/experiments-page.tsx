// Experiments (OpenDT-style runs of the datacenter twin): every run in the server's experiments
// folder with its state and figures (MAPE calibrated and uncalibrated, energy, carbon, wall time),
// a run started from a YAML config, and one run's page with its progress, summary and power plot.
// Polled: every second while a run goes, every five seconds otherwise.
import { useEffect, useState } from 'preact/hooks';
import { ApiError } from '../api/api-error.js';
import { ErrorMessage } from '../components/error-message.js';
import { fixed, RunCards } from '../components/run-cards.js';
import { TableBox } from '../components/table-box.js';
import { TableHead } from '../components/table-head.js';
import { Link } from '../shell/link.js';
import { navigate, type RouteProps } from '../shell/router.js';
import {
  experimentPlot,
  experimentsApi,
  type ExperimentItem,
  type ExperimentRun,
  type ExperimentSummary,
} from './experiments-api.js';

const RUNNING_POLL_MS = 1000;
const IDLE_POLL_MS = 5000;

const EXAMPLE = `name: surf-week
workload: /data/surf
topology: /data/surf/topology-asymptotic.json
power: /data/surf/consumption.parquet
carbon: /data/surf/carbon.parquet
simulation:
  speed_factor: max
  window_size_minutes: 60
features:
  calibration_enabled: true
`;

const kg = (grams: number | null | undefined) =>
  grams === null || grams === undefined ? null : grams / 1000;

const runHref = (name: string, run: number) =>
  `/experiments/${encodeURIComponent(name)}/runs/${run}`;

/** Reads `read` now and again: every second while `running` says so, every five otherwise. */
function usePolled<T>(
  read: () => Promise<T>,
  running: (value: T) => boolean,
  key: string,
): [T | null, unknown, () => void] {
  const [value, setValue] = useState<T | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [version, setVersion] = useState(0);
  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | null = null;
    const load = async () => {
      let next = IDLE_POLL_MS;
      try {
        const found = await read();
        if (stopped) return;
        setValue(found);
        setError(null);
        if (running(found)) next = RUNNING_POLL_MS;
      } catch (caught) {
        if (!stopped) setError(caught);
      }
      if (!stopped) timer = setTimeout(() => void load(), next);
    };
    void load();
    return () => {
      stopped = true;
      if (timer) clearTimeout(timer);
    };
  }, [key, version]);
  return [value, error, () => setVersion((n) => n + 1)];
}

/** Starts a run from a YAML config typed in, and goes to the run's page. */
function StartForm() {
  const [text, setText] = useState(EXAMPLE);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    try {
      const run = await experimentsApi.start(text);
      setError(null);
      navigate(runHref(run.name, run.run));
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form
      class="create"
      aria-label="Start an experiment run"
      onSubmit={(event) => void submit(event)}
    >
      <label>
        Experiment config (YAML, as for <code>twinfold experiment run</code>; no output)
        <textarea
          name="config"
          rows={12}
          spellcheck={false}
          value={text}
          onInput={(event) => setText(event.currentTarget.value)}
        />
      </label>
      <button type="submit" class="primary" disabled={busy}>
        Start experiment run
      </button>
      <ErrorMessage error={error} testId="experiment-form-error" />
    </form>
  );
}

function stateText(state: string, progress?: ExperimentRun['progress']): string {
  if (state !== 'running' || !progress) return state;
  return `running ${progress.windowsDone} / ${progress.windows}`;
}

export function ExperimentsPage() {
  const [found, error, reload] = usePolled(
    () => experimentsApi.list(),
    (list) => list.items.some((item) => item.runs.some((run) => run.state === 'running')),
    'list',
  );
  const [actionError, setActionError] = useState<unknown>(null);
  const items: ExperimentItem[] = found?.items ?? [];
  const remove = async (name: string, run: number) => {
    try {
      await experimentsApi.remove(name, run);
      setActionError(null);
      reload();
    } catch (caught) {
      setActionError(caught);
    }
  };
  return (
    <section>
      <h1>Experiments</h1>
      <p>
        <Link href="/datacenters">Datacenters</Link> · runs in the server's <code>experiments</code>{' '}
        folder, those of <code>twinfold experiment run</code> there too.
      </p>
      <ErrorMessage error={error ?? actionError} testId="experiments-error" />
      {found && items.length === 0 && <p>No experiment runs yet: start one below.</p>}
      {items.length > 0 && (
        <TableBox label="Experiment runs" testId="experiments">
          <table>
            <TableHead
              columns={[
                'Experiment',
                'Run',
                'State',
                'MAPE %',
                'Uncalibrated MAPE %',
                'Energy kWh',
                'Carbon kg',
                'Wall time s',
              ]}
              actions
            />
            <tbody>
              {items.flatMap((item) =>
                item.runs.map(({ run, state, summary }) => (
                  <tr
                    key={`${item.name}/${run}`}
                    data-experiment={item.name}
                    data-run={run}
                    data-state={state}
                  >
                    <td>
                      <code>{item.name}</code>
                    </td>
                    <td>
                      <Link href={runHref(item.name, run)}>
                        {item.name} run {run}
                      </Link>
                    </td>
                    <td data-testid="experiment-state">{state}</td>
                    <td data-metric="mape">{fixed(summary?.mape)}</td>
                    <td data-metric="mape-uncalibrated">{fixed(summary?.mape_uncalibrated)}</td>
                    <td data-metric="energy">{fixed(summary?.energy_kwh.predicted, 1)}</td>
                    <td data-metric="carbon">{fixed(kg(summary?.carbon_g))}</td>
                    <td data-metric="wall-time">{fixed(summary?.wall_time_s, 1)}</td>
                    <td>
                      {state !== 'running' && (
                        <button
                          type="button"
                          class="small"
                          onClick={() => void remove(item.name, run)}
                        >
                          Delete {item.name} run {run}
                        </button>
                      )}
                    </td>
                  </tr>
                )),
              )}
            </tbody>
          </table>
        </TableBox>
      )}
      <h2>Start an experiment run</h2>
      <StartForm />
      <p class="hint">
        The paths are files on the server (relative ones count from its working directory); runs go
        to <code>&lt;data dir&gt;/experiments/&lt;name&gt;/run_&lt;n&gt;/</code>.
      </p>
    </section>
  );
}

function Figures({ run }: { run: ExperimentRun }) {
  const summary: ExperimentSummary | null = run.summary;
  return (
    <RunCards
      testId="experiment"
      state={run.state}
      progress={run.progress}
      mape={summary?.mape}
      mapeUncalibrated={summary?.mape_uncalibrated}
    >
      <div>
        <dt>Energy</dt>
        <dd data-testid="experiment-energy">
          {fixed(summary?.energy_kwh.predicted, 1)} kWh
          <small>measured {fixed(summary?.energy_kwh.measured, 1)} kWh</small>
        </dd>
      </div>
      <div>
        <dt>Carbon</dt>
        <dd data-testid="experiment-carbon">{fixed(kg(summary?.carbon_g))} kg CO2</dd>
      </div>
      <div>
        <dt>Wall time</dt>
        <dd data-testid="experiment-wall-time">{fixed(summary?.wall_time_s, 1)} s</dd>
      </div>
    </RunCards>
  );
}

export function ExperimentRunPage({ params }: RouteProps) {
  const name = params.name;
  const run = Number(params.run);
  const [plot, setPlot] = useState<string | null>(null);
  const [found, error] = usePolled(
    () => experimentsApi.run(name, run),
    (view) => view.state === 'running',
    `${name}/${run}`,
  );
  const [actionError, setActionError] = useState<unknown>(null);
  const state = found?.state ?? null;
  // The plot is written at the run's end.
  useEffect(() => {
    let stopped = false;
    setPlot(null);
    if (state === null || state === 'running') return;
    experimentPlot(name, run).then(
      (url) => !stopped && setPlot(url),
      (caught: unknown) => !stopped && setActionError(caught),
    );
    return () => {
      stopped = true;
    };
  }, [name, run, state]);
  const missing = error instanceof ApiError && error.status === 404;
  const remove = async () => {
    try {
      await experimentsApi.remove(name, run);
      navigate('/experiments');
    } catch (caught) {
      setActionError(caught);
    }
  };
  return (
    <section>
      <h1>
        Experiment <code>{name}</code> run {params.run}
      </h1>
      <p>
        <Link href="/experiments">All experiments</Link>
      </p>
      {missing ? (
        <p>No such run (it may have been deleted).</p>
      ) : (
        <ErrorMessage error={error ?? actionError} testId="experiment-error" />
      )}
      {found && (
        <>
          <Figures run={found} />
          <p class="meta">
            {found.startedAt ? `Started ${new Date(found.startedAt).toLocaleString()}; ` : ''}
            {stateText(found.state, found.progress)}
            {found.summary?.start && found.summary.end
              ? `; simulated ${new Date(found.summary.start).toLocaleString()} to ${new Date(found.summary.end).toLocaleString()}`
              : ''}
          </p>
          {found.error && (
            <div class="error" role="alert" data-testid="experiment-run-error">
              {found.error.message}
            </div>
          )}
          {found.unused.length > 0 && (
            <p class="hint">Not used by Twinfold: {found.unused.join(', ')}</p>
          )}
          {found.state !== 'running' && (
            <button type="button" onClick={() => void remove()}>
              Delete this run
            </button>
          )}
          <h2>Power plot</h2>
          {plot ? (
            <img
              class="plot"
              src={plot}
              data-testid="experiment-plot"
              alt={`Measured against predicted power of ${name} run ${run}, in kW`}
            />
          ) : (
            <p>
              {found.state === 'running'
                ? 'The plot is written when the run ends.'
                : 'This run has no power plot.'}
            </p>
          )}
          {found.summary && (
            <details>
              <summary>summary.json</summary>
              <pre class="raw" data-testid="experiment-summary">
                {JSON.stringify(found.summary, null, 2)}
              </pre>
            </details>
          )}
          {found.config && (
            <details>
              <summary>The config it ran with</summary>
              <pre class="raw" data-testid="experiment-config">
                {JSON.stringify(found.config, null, 2)}
              </pre>
            </details>
          )}
        </>
      )}
    </section>
  );
}
