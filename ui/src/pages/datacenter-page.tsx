// Datacenters: the list, and one datacenter's shadow run live — progress, measured against
// predicted (and uncalibrated) power with the what-ifs beside it, MAPE over time, carbon, host
// utilisation as a heat map and the run's power plot; start, stop and what-ifs from the page.
// The experiment runs have their own pages (experiments-page.tsx), linked from here.
//
// Live: the page watches the twin dc:<id> on the live connection (/ws/2) and reads the run again
// on its changes (at most every half second), and polls every second while the run goes (every
// five seconds otherwise), so it keeps up without the socket too.
import { useEffect, useMemo, useState } from 'preact/hooks';
import { ApiError } from '../api/api-error.js';
import { ErrorMessage } from '../components/error-message.js';
import { HeatMap } from '../components/heat-map.js';
import { MultiSeriesChart, type ChartLine } from '../components/multi-series-chart.js';
import { fixed, RunCards } from '../components/run-cards.js';
import { TableBox } from '../components/table-box.js';
import { TableHead } from '../components/table-head.js';
import { live } from '../services.js';
import { Link } from '../shell/link.js';
import type { RouteProps } from '../shell/router.js';
import {
  datacenterApi,
  plotImage,
  type DatacenterItem,
  type ShadowResults,
  type ShadowStatus,
  type Utilisation,
  type WhatIf,
} from './datacenter-api.js';
import { ShadowForm, WhatIfForm } from './datacenter-forms.js';

const RUNNING_POLL_MS = 1000;
const IDLE_POLL_MS = 5000;
/** The least time between two reads that live events ask for. */
const LIVE_GAP_MS = 500;
/** Steps the heat map may be read in. */
const STEPS = ['15m', '1h', '6h'];

const kw = (watts: number | null | undefined) =>
  watts === null || watts === undefined ? null : watts / 1000;

function signed(value: number | null | undefined, digits = 2): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  return `${value > 0 ? '+' : ''}${value.toFixed(digits)}`;
}

function when(iso: string | null | undefined): string {
  return iso ? new Date(iso).toLocaleString() : '—';
}

/** Everything the page shows of one datacenter, read together. */
interface Snapshot {
  item: DatacenterItem | null;
  /** The datacenter is not known to the server (yet). */
  missing: boolean;
  results: ShadowResults | null;
  utilisation: Utilisation | null;
  whatifs: { info: WhatIf; t: number[]; values: (number | null)[] }[];
  plot: string | null;
}

const EMPTY: Snapshot = {
  item: null,
  missing: false,
  results: null,
  utilisation: null,
  whatifs: [],
  plot: null,
};

const notFound = (error: unknown) => error instanceof ApiError && error.status === 404;

/** Reads a datacenter's run again and again (live, and polled); `reload` reads it now. */
function useDatacenter(id: string, step: string): [Snapshot, unknown, () => void] {
  const [snapshot, setSnapshot] = useState<Snapshot>(EMPTY);
  const [error, setError] = useState<unknown>(null);
  const [version, setVersion] = useState(0);

  useEffect(() => {
    setSnapshot(EMPTY);
    let stopped = false;
    let busy = false;
    let timer: ReturnType<typeof setTimeout> | null = null;
    let due = Infinity;
    let lastStart = 0;
    let seen = '';
    let plotKey = '';
    let current: Snapshot = EMPTY;

    const once = async () => {
      let item: DatacenterItem;
      try {
        item = await datacenterApi.one(id);
      } catch (caught) {
        if (!notFound(caught)) throw caught;
        current = { ...EMPTY, missing: true };
        return;
      }
      const status = item.shadow;
      current = { ...current, item, missing: false };
      if (!status) {
        current = { ...current, results: null, utilisation: null, whatifs: [], plot: null };
        return;
      }
      // What changes the figures: another window done, another state, another what-if.
      const key = [
        status.startedAt,
        status.state,
        status.progress.windowsDone,
        item.whatifs.join(','),
      ].join('|');
      // A what-if catches up with the live run on its own: read again while one is running.
      const catchingUp = current.whatifs.some((w) => w.info.state === 'running');
      if (key !== seen || catchingUp) {
        const [results, utilisation, infos] = await Promise.all([
          datacenterApi.results(id),
          datacenterApi.utilisation(id, step).catch((caught: unknown) => {
            if (notFound(caught)) return null;
            throw caught;
          }),
          Promise.all(
            item.whatifs.map((name) =>
              datacenterApi.whatif(id, name).catch((caught: unknown) => {
                if (notFound(caught)) return null;
                throw caught;
              }),
            ),
          ),
        ]);
        const rows = results.rows;
        const from = rows.length ? rows[0].timestamp - 86_400_000 : 0;
        const to = rows.length ? rows[rows.length - 1].timestamp + 86_400_000 : 0;
        const whatifs = await Promise.all(
          infos
            .filter((info): info is WhatIf => info !== null)
            .map(async (info) => {
              if (info.rows)
                return {
                  info,
                  t: info.rows.map((row) => row.timestamp),
                  values: info.rows.map((row) => row.predicted / 1000),
                };
              // Without its rows, the what-if twin's series (one point per window).
              if (!rows.length) return { info, t: [], values: [] };
              const read = await datacenterApi.whatifSeries(
                `${item.thingId}.whatif.${info.name}`,
                from,
                to,
              );
              const values = (read.series.value ?? []).map((v) =>
                typeof v === 'number' ? v / 1000 : null,
              );
              return { info, t: read.series.t, values };
            }),
        );
        current = { ...current, results, utilisation, whatifs };
        seen = key;
      }
      // The plot is written at the run's end.
      const endKey = `${status.startedAt}|${status.state}`;
      if (status.state !== 'running' && endKey !== plotKey) {
        current = { ...current, plot: await plotImage(id) };
        plotKey = endKey;
      } else if (status.state === 'running') {
        current = { ...current, plot: null };
        plotKey = '';
      }
    };

    const schedule = (delay: number) => {
      if (stopped) return;
      const at = Date.now() + delay;
      if (timer && at >= due) return;
      if (timer) clearTimeout(timer);
      due = at;
      timer = setTimeout(() => {
        timer = null;
        due = Infinity;
        void load();
      }, delay);
    };

    const load = async () => {
      if (busy) return schedule(LIVE_GAP_MS);
      busy = true;
      lastStart = Date.now();
      try {
        await once();
        if (!stopped) {
          setSnapshot(current);
          setError(null);
        }
      } catch (caught) {
        if (!stopped) setError(caught);
      } finally {
        busy = false;
        const running = current.item?.shadow?.state === 'running';
        schedule(running ? RUNNING_POLL_MS : IDLE_POLL_MS);
      }
    };

    void load();
    const unwatch = live.watch(`dc:${id}`, () =>
      schedule(Math.max(0, LIVE_GAP_MS - (Date.now() - lastStart))),
    );
    return () => {
      stopped = true;
      unwatch();
      if (timer) clearTimeout(timer);
    };
  }, [id, step, version]);

  return [snapshot, error, () => setVersion((n) => n + 1)];
}

/** Emission per window (g, at the window's last export) from the rows. */
function carbonPerWindow(results: ShadowResults): { t: number[]; values: (number | null)[] } {
  const byWindow = new Map<number, { t: number; g: number | null }>();
  for (const row of results.rows) {
    const entry = byWindow.get(row.windowId) ?? { t: row.timestamp, g: null };
    entry.t = Math.max(entry.t, row.timestamp);
    if (row.carbon !== null) entry.g = (entry.g ?? 0) + row.carbon;
    byWindow.set(row.windowId, entry);
  }
  const entries = [...byWindow.values()].sort((a, b) => a.t - b.t);
  return { t: entries.map((e) => e.t), values: entries.map((e) => e.g) };
}

function Progress({ status }: { status: ShadowStatus }) {
  return (
    <RunCards
      testId="shadow"
      state={status.state}
      progress={status.progress}
      mape={status.mape}
      mapeUncalibrated={status.mapeUncalibrated}
    >
      <div>
        <dt>Latest power</dt>
        <dd data-testid="shadow-latest">
          {fixed(kw(status.latest?.predicted))} kW
          <small>
            measured {fixed(kw(status.latest?.measured))} kW
            {status.latest ? ` at ${new Date(status.latest.timestamp).toLocaleString()}` : ''}
          </small>
        </dd>
      </div>
    </RunCards>
  );
}

function WhatIfTable({
  id,
  whatifs,
  onChange,
}: {
  id: string;
  whatifs: Snapshot['whatifs'];
  onChange: () => void;
}) {
  const [error, setError] = useState<unknown>(null);
  const remove = async (name: string) => {
    try {
      await datacenterApi.deleteWhatif(id, name);
      setError(null);
      onChange();
    } catch (caught) {
      setError(caught);
    }
  };
  return (
    <>
      <ErrorMessage error={error} />
      {whatifs.length === 0 ? (
        <p>No what-ifs yet.</p>
      ) : (
        <TableBox label="What-ifs against the live run" testId="whatifs">
          <table>
            <caption>What-if minus live over the same windows</caption>
            <TableHead
              columns={[
                'What-if',
                'State',
                'Energy kWh',
                'Δ energy kWh',
                'Peak kW',
                'Δ peak kW',
                'Carbon kg',
                'Δ carbon kg',
              ]}
              actions
            />
            <tbody>
              {whatifs.map(({ info }) => (
                <tr key={info.name} data-whatif={info.name}>
                  <td>
                    <code>{info.name}</code>
                  </td>
                  <td data-testid="whatif-state">
                    {info.state}
                    {info.error ? <small> {info.error.message}</small> : null}
                  </td>
                  <td>{fixed(info.energyKwh, 1)}</td>
                  <td data-metric="energy">{signed(info.difference?.energyKwh, 1)}</td>
                  <td>{fixed(kw(info.peakPowerW))}</td>
                  <td data-metric="peak">{signed(kw(info.difference?.peakPowerW))}</td>
                  <td>{fixed(info.carbonG === null ? null : info.carbonG / 1000)}</td>
                  <td data-metric="carbon">
                    {signed(
                      info.difference?.carbonG === null || info.difference?.carbonG === undefined
                        ? null
                        : info.difference.carbonG / 1000,
                    )}
                  </td>
                  <td>
                    <button type="button" class="small" onClick={() => void remove(info.name)}>
                      Delete {info.name}
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableBox>
      )}
    </>
  );
}

export function DatacenterPage({ params }: RouteProps) {
  const id = params.id;
  const [step, setStep] = useState('1h');
  const [snapshot, error, reload] = useDatacenter(id, step);
  const [actionError, setActionError] = useState<unknown>(null);
  const { item, results, utilisation, whatifs, plot } = snapshot;
  const status = item?.shadow ?? null;

  const power = useMemo<ChartLine[]>(() => {
    if (!results) return [];
    const t = results.rows.map((row) => row.timestamp);
    return [
      { label: 'measured kW', t, values: results.rows.map((row) => kw(row.measured)) },
      { label: 'predicted kW', t, values: results.rows.map((row) => kw(row.predicted)) },
      { label: 'uncalibrated kW', t, values: results.rows.map((row) => kw(row.uncalibrated)) },
      ...whatifs.map((w) => ({ label: `what-if ${w.info.name} kW`, t: w.t, values: w.values })),
    ];
  }, [results, whatifs]);

  const mape = useMemo<ChartLine[]>(() => {
    const points = results?.mapeOverTime ?? [];
    if (points.length === 0) return [];
    const t = points.map((p) => p.end);
    return [
      { label: 'MAPE per window %', t, values: points.map((p) => p.mape) },
      { label: 'cumulative MAPE %', t, values: points.map((p) => p.cumulativeMape) },
    ];
  }, [results]);

  const carbon = useMemo(() => (results ? carbonPerWindow(results) : null), [results]);
  const carbonTotal = carbon?.values.some((v) => v !== null)
    ? carbon.values.reduce<number>((sum, v) => sum + (v ?? 0), 0)
    : null;

  const stop = async () => {
    try {
      await datacenterApi.stop(id);
      setActionError(null);
      reload();
    } catch (caught) {
      setActionError(caught);
    }
  };

  const hostCount = utilisation?.hosts.length ?? 0;
  const stepCount = utilisation?.values.reduce((most, row) => Math.max(most, row.length), 0) ?? 0;

  return (
    <section>
      <h1>
        Datacenter <code>{id}</code>
      </h1>
      <p>
        <Link href="/datacenters">All datacenters</Link>
        {' · '}
        <Link href="/experiments">Experiments</Link>
        {item && (
          <>
            {' · '}
            <Link href={`/twins/${encodeURIComponent(item.thingId)}`}>
              Twin <code>{item.thingId}</code>
            </Link>
          </>
        )}
      </p>
      <ErrorMessage error={error ?? actionError} testId="datacenter-error" />
      {snapshot.missing && <p>No shadow run of this datacenter yet: start one below.</p>}
      {status && (
        <>
          <Progress status={status} />
          <p class="meta">
            Started {when(status.startedAt)}
            {status.endedAt ? `, ended ${when(status.endedAt)}` : ''}; speed {String(status.speed)},
            window {String(status.window)}, calibration {status.calibrate ? 'on' : 'off'}; results
            in <code>{status.out}</code>
          </p>
          {status.error && (
            <div class="error" role="alert" data-testid="shadow-error">
              {status.error.message}
            </div>
          )}
          {status.state === 'running' && (
            <button type="button" onClick={() => void stop()}>
              Stop shadow run
            </button>
          )}
          <h2>Power: measured against predicted</h2>
          {power.length > 0 && results && results.rows.length > 0 ? (
            <div class="chart-box" data-testid="power-chart" data-rows={results.rows.length}>
              <MultiSeriesChart lines={power} />
            </div>
          ) : (
            <p>No window done yet.</p>
          )}
          <h2>What-ifs beside the live run</h2>
          <WhatIfTable id={id} whatifs={whatifs} onChange={reload} />
          <WhatIfForm id={id} onAdded={reload} />
          <div class="split">
            <div>
              <h2>MAPE over time</h2>
              {mape.length > 0 ? (
                <div class="chart-box" data-testid="mape-chart">
                  <MultiSeriesChart lines={mape} />
                </div>
              ) : (
                <p>No MAPE yet (it needs measured power).</p>
              )}
            </div>
            <div>
              <h2>Carbon</h2>
              <p>
                Total{' '}
                <strong data-testid="carbon-total">
                  {fixed(carbonTotal === null ? null : carbonTotal / 1000)}
                </strong>{' '}
                kg CO2
              </p>
              {carbon && carbonTotal !== null ? (
                <div class="chart-box" data-testid="carbon-chart">
                  <MultiSeriesChart
                    lines={[{ label: 'emission per window g', t: carbon.t, values: carbon.values }]}
                  />
                </div>
              ) : (
                <p>No carbon figures (the run has no carbon-intensity trace).</p>
              )}
            </div>
          </div>
          <h2>Host utilisation</h2>
          <div class="toolbar">
            <label>
              Heat map step
              <select value={step} onChange={(event) => setStep(event.currentTarget.value)}>
                {STEPS.map((s) => (
                  <option key={s} value={s}>
                    {s}
                  </option>
                ))}
              </select>
            </label>
            {utilisation && (
              <span class="meta">
                {hostCount} hosts × {stepCount} steps from{' '}
                {new Date(utilisation.start).toLocaleString()}
              </span>
            )}
          </div>
          {utilisation && hostCount > 0 ? (
            <HeatMap
              values={utilisation.values}
              rowNames={utilisation.hosts}
              columnName={(column) =>
                new Date(utilisation.start + column * utilisation.stepMs).toLocaleString()
              }
              label={`Mean utilisation of ${hostCount} hosts (rows) over ${stepCount} steps of ${step} (columns)`}
            />
          ) : (
            <p>No utilisation yet.</p>
          )}
          <h2>Power plot of the run</h2>
          {plot ? (
            <img
              class="plot"
              src={plot}
              data-testid="power-plot"
              alt={`Measured against predicted power of ${id}, in kW`}
            />
          ) : (
            <p>The plot is written when the run ends.</p>
          )}
        </>
      )}
      {status?.state !== 'running' && (item || snapshot.missing) && (
        <>
          <h2>Start a shadow run</h2>
          <ShadowForm id={id} onStarted={reload} />
        </>
      )}
    </section>
  );
}

export function DatacentersPage() {
  const [items, setItems] = useState<DatacenterItem[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    let stopped = false;
    const load = () =>
      datacenterApi.list().then(
        (found) => !stopped && (setItems(found.items), setError(null)),
        (caught: unknown) => !stopped && setError(caught),
      );
    void load();
    const timer = setInterval(() => void load(), IDLE_POLL_MS);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, []);
  return (
    <section>
      <h1>Datacenters</h1>
      <p>
        <Link href="/experiments">Experiments</Link>: OpenDT-style runs of a config, with their
        figures and power plots.
      </p>
      <ErrorMessage error={error} />
      {items && items.length === 0 && <p>No datacenters yet: start a shadow run below.</p>}
      {items && items.length > 0 && (
        <TableBox label="Datacenters" testId="datacenters">
          <table>
            <TableHead
              columns={['Datacenter', 'Twin', 'Shadow run', 'Windows', 'MAPE %', 'What-ifs']}
            />
            <tbody>
              {items.map((item) => (
                <tr key={item.id}>
                  <td>
                    <Link href={`/datacenters/${encodeURIComponent(item.id)}`}>{item.id}</Link>
                  </td>
                  <td>
                    <code>{item.thingId}</code>
                  </td>
                  <td>{item.shadow?.state ?? 'none'}</td>
                  <td>
                    {item.shadow
                      ? `${item.shadow.progress.windowsDone} / ${item.shadow.progress.windows}`
                      : '—'}
                  </td>
                  <td>{fixed(item.shadow?.mape)}</td>
                  <td>{item.whatifs.join(', ')}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableBox>
      )}
      <h2>Start a shadow run</h2>
      <ShadowForm />
      <p class="hint">
        The files are paths on the server; starting a run takes the administrator's credential.
      </p>
    </section>
  );
}
