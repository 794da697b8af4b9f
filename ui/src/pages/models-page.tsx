// Models & services: the models with their runs (each series links to the Series page), the
// scenarios, and the scheduled services with their schedule, next run and run log.
import { useEffect, useState } from 'preact/hooks';
import type { ResponseBody } from '../api/api-client.js';
import { ErrorMessage } from '../components/error-message.js';
import { TableBox } from '../components/table-box.js';
import { TableHead } from '../components/table-head.js';
import { api } from '../services.js';
import { Link } from '../shell/link.js';
import { href, type RouteProps } from '../shell/router.js';

type Model = ResponseBody<'/models', 'get'>[number];
type Scenario = ResponseBody<'/scenarios', 'get'>[number];
type Service = ResponseBody<'/services', 'get'>[number];
type ModelRun = ResponseBody<'/models/{modelId}/runs', 'get'>[number];
type ServiceRun = ResponseBody<'/services/{serviceId}/runs', 'get'>['items'][number];

const REFRESH_MS = 3000;
/** Service runs shown (the newest page of the log). */
const SERVICE_RUNS = 100;

function when(iso: string | null | undefined): string {
  return iso ? new Date(iso).toLocaleString() : '—';
}

function scheduleOf(service: Service): string {
  if (!service.schedule) return 'on demand';
  return typeof service.schedule === 'string'
    ? `${service.schedule}${service.timezone ? ` (${service.timezone})` : ''}`
    : `every ${service.schedule.every}`;
}

/** Reads something now and every few seconds until the page leaves; answers it and any error. */
function usePolled<T>(read: () => Promise<T>, key: string): [T | null, unknown, () => void] {
  const [value, setValue] = useState<T | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [version, setVersion] = useState(0);
  useEffect(() => {
    setValue(null);
  }, [key]);
  useEffect(() => {
    let stopped = false;
    const load = () =>
      read().then(
        (found) => !stopped && (setValue(found), setError(null)),
        (caught: unknown) => !stopped && setError(caught),
      );
    void load();
    const timer = setInterval(() => void load(), REFRESH_MS);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, [key, version]);
  return [value, error, () => setVersion((n) => n + 1)];
}

function ModelRuns({ modelId }: { modelId: string }) {
  const [runs, error] = usePolled<ModelRun[]>(
    () => api.read('/models/{modelId}/runs', { params: { modelId } }),
    modelId,
  );
  return (
    <div data-testid="model-runs">
      <h2>
        Runs of <code>{modelId}</code>
      </h2>
      <ErrorMessage error={error} />
      {runs && runs.length === 0 && <p>No runs yet.</p>}
      {runs && runs.length > 0 && (
        <TableBox label={`Runs of ${modelId}`}>
          <table>
            <TableHead columns={['Run', 'Scenario', 'Created', 'From', 'To', 'Series']} />
            <tbody>
              {[...runs].reverse().map((run) => (
                <tr key={run.runId}>
                  <td>
                    <code>{run.runId}</code>
                  </td>
                  <td>{run.scenario ?? ''}</td>
                  <td>{when(run.created)}</td>
                  <td>{new Date(run.from).toLocaleString()}</td>
                  <td>{new Date(run.to).toLocaleString()}</td>
                  <td>
                    {run.series.map((series) => (
                      <div key={`${series.thingId} ${series.pointer}`}>
                        <Link
                          href={href('/series', {
                            thing: series.thingId,
                            pointer: series.pointer,
                            run: run.runId,
                          })}
                        >
                          {series.thingId} {series.pointer}
                        </Link>{' '}
                        <small>({series.points} points)</small>
                      </div>
                    ))}
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

function ServiceRuns({ serviceId }: { serviceId: string }) {
  const [page, error, reload] = usePolled<{ items: ServiceRun[] }>(
    () =>
      api.read('/services/{serviceId}/runs', {
        params: { serviceId },
        query: { limit: SERVICE_RUNS },
      }),
    serviceId,
  );
  const [runError, setRunError] = useState<unknown>(null);
  const runNow = async () => {
    try {
      await api.call('post', '/services/{serviceId}/run', { params: { serviceId }, body: {} });
      setRunError(null);
      reload();
    } catch (caught) {
      setRunError(caught);
    }
  };
  return (
    <div data-testid="service-runs">
      <h2>
        Run log of <code>{serviceId}</code>{' '}
        <button type="button" class="small" onClick={() => void runNow()}>
          Run now
        </button>
      </h2>
      <ErrorMessage error={error ?? runError} />
      {page && page.items.length === 0 && <p>No runs yet.</p>}
      {page && page.items.length > 0 && (
        <TableBox label={`Run log of ${serviceId}`}>
          <table>
            <TableHead
              columns={['Run', 'Trigger', 'Status', 'Scheduled', 'Started', 'Duration', 'Error']}
            />
            <tbody>
              {page.items.map((run) => (
                <tr key={`${run.runId} ${run.attempt}`}>
                  <td>
                    <code>{run.runId}</code>
                  </td>
                  <td>{run.trigger}</td>
                  <td data-status={run.status}>{run.status}</td>
                  <td>{when(run.scheduledFor)}</td>
                  <td>{when(run.started)}</td>
                  <td>{run.durationMs === null ? '' : `${run.durationMs.toLocaleString()} ms`}</td>
                  <td class="clip">{run.error ?? ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableBox>
      )}
    </div>
  );
}

export function ModelsPage({ query }: RouteProps) {
  const model = query.get('model') ?? '';
  const service = query.get('service') ?? '';
  const [lists, error] = usePolled<{
    models: Model[];
    scenarios: Scenario[];
    services: Service[];
  }>(async () => {
    const [models, scenarios, services] = await Promise.all([
      api.read('/models'),
      api.read('/scenarios'),
      api.read('/services'),
    ]);
    return { models, scenarios, services };
  }, 'lists');
  return (
    <section>
      <h1>Models &amp; services</h1>
      <ErrorMessage error={error} />
      <h2>Models</h2>
      {lists && lists.models.length === 0 && <p>No models yet.</p>}
      {lists && lists.models.length > 0 && (
        <TableBox label="Models" testId="models">
          <table>
            <TableHead columns={['Model', 'Kind', 'Owner', 'Modified', 'Description']} />
            <tbody>
              {lists.models.map((item) => (
                <tr key={item.modelId}>
                  <td>
                    <Link
                      href={href('/models', { model: item.modelId, service })}
                      aria-current={item.modelId === model ? 'true' : undefined}
                    >
                      {item.modelId}
                    </Link>
                  </td>
                  <td>{item.kind}</td>
                  <td>{item.owner}</td>
                  <td>{when(item.modified)}</td>
                  <td class="clip">{item.description ?? ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableBox>
      )}
      {model && <ModelRuns modelId={model} />}
      <h2>Scenarios</h2>
      {lists && lists.scenarios.length === 0 && <p>No scenarios yet.</p>}
      {lists && lists.scenarios.length > 0 && (
        <TableBox label="Scenarios" testId="scenarios">
          <table>
            <TableHead columns={['Scenario', 'Owner', 'Parameters', 'Description']} />
            <tbody>
              {lists.scenarios.map((item) => (
                <tr key={item.scenarioId}>
                  <td>{item.scenarioId}</td>
                  <td>{item.owner}</td>
                  <td class="clip">
                    <code>{JSON.stringify(item.parameters)}</code>
                  </td>
                  <td class="clip">{item.description ?? ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableBox>
      )}
      <h2>Services</h2>
      {lists && lists.services.length === 0 && <p>No services yet.</p>}
      {lists && lists.services.length > 0 && (
        <TableBox label="Services" testId="services">
          <table>
            <TableHead columns={['Service', 'Kind', 'Schedule', 'Next run', 'Owner']} />
            <tbody>
              {lists.services.map((item) => (
                <tr key={item.serviceId}>
                  <td>
                    <Link
                      href={href('/models', { model, service: item.serviceId })}
                      aria-current={item.serviceId === service ? 'true' : undefined}
                    >
                      {item.serviceId}
                    </Link>
                  </td>
                  <td>{item.kind}</td>
                  <td>{scheduleOf(item)}</td>
                  <td>{when(item.nextRun)}</td>
                  <td>{item.owner}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableBox>
      )}
      {service && <ServiceRuns serviceId={service} />}
    </section>
  );
}
