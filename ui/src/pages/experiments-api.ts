// The experiments API's answers as its contract gives them (/api/2/experiments…), and the reads and
// writes the experiments pages make.
import { api, session } from '../services.js';

export type ExperimentState = 'running' | 'succeeded' | 'failed' | 'stopped';

/** The figures of a run's summary.json the pages show. */
export interface ExperimentSummary {
  /** % on 5-minute means; null without a measurement. */
  mape: number | null;
  mape_uncalibrated: number | null;
  energy_kwh: { predicted: number; uncalibrated: number; measured: number | null };
  peak_power_w: { predicted: number; measured: number | null };
  carbon_g: number | null;
  wall_time_s: number;
  windows: number;
  exports: number;
  start: string | null;
  end: string | null;
  [extra: string]: unknown;
}

export interface ExperimentRun {
  name: string;
  run: number;
  state: ExperimentState;
  startedAt: string | null;
  progress: { windowsDone: number; windows: number; fraction: number; achievedSpeed: number };
  summary: ExperimentSummary | null;
  error: { message: string } | null;
  config: Record<string, unknown> | null;
  unused: string[];
}

export interface ExperimentItem {
  name: string;
  runs: { run: number; state: ExperimentState; summary: ExperimentSummary | null }[];
}

const enc = encodeURIComponent;
const runPath = (name: string, run: number) => `/experiments/${enc(name)}/runs/${run}`;

export const experimentsApi = {
  list: () => api.get<{ items: ExperimentItem[] }>('/experiments'),
  run: (name: string, run: number) => api.get<ExperimentRun>(runPath(name, run)),
  /** Starts a run of a YAML (or JSON) config; answers the run as it starts. */
  start: async (yaml: string) =>
    (
      await api.request<ExperimentRun>('POST', '/experiments', {
        body: yaml,
        contentType: 'application/yaml',
      })
    ).body,
  remove: (name: string, run: number) =>
    api.call('delete', '/experiments/{name}/runs/{run}', { params: { name, run: String(run) } }),
};

/**
 * A run's power plot as a data: URL (the page's CSP takes images from 'self' and data:, and an
 * <img> cannot send the bearer credential); null while the server has none (404).
 */
export async function experimentPlot(name: string, run: number): Promise<string | null> {
  const authorization = session.authorization();
  const response = await fetch(api.url(`${runPath(name, run)}/power_plot.png`), {
    headers: authorization ? { authorization } : {},
  });
  if (response.status === 404) return null;
  if (!response.ok) throw new Error(`The power plot could not be read (HTTP ${response.status}).`);
  const blob = await response.blob();
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result));
    reader.onerror = () => reject(new Error('The power plot could not be read.'));
    reader.readAsDataURL(blob);
  });
}
