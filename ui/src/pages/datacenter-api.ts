// The datacenter API's answers as its contract gives them (/api/2/datacenters…), and the reads the page makes.
import { api, session } from '../services.js';

export interface ShadowStatus {
  id: string;
  state: 'running' | 'succeeded' | 'failed' | 'stopped';
  startedAt: string | null;
  endedAt: string | null;
  progress: { windowsDone: number; windows: number; fraction: number; achievedSpeed: number };
  speed: number | 'max';
  window: string | number;
  calibrate: boolean;
  /** % on 5-minute means. */
  mape: number | null;
  mapeUncalibrated: number | null;
  latest: {
    timestamp: number;
    predicted: number;
    measured: number | null;
    uncalibrated: number;
  } | null;
  error: { message: string } | null;
  out: string;
  summary: Record<string, unknown> | null;
}

export interface DatacenterItem {
  id: string;
  thingId: string;
  shadow: ShadowStatus | null;
  whatifs: string[];
}

export interface ResultRow {
  timestamp: number;
  windowId: number;
  /** W. */
  predicted: number;
  measured: number | null;
  uncalibrated: number;
  /** g CO2 in the export interval. */
  carbon: number | null;
}

export interface MapePoint {
  start: number;
  end: number;
  mape: number;
  cumulativeMape: number;
}

export interface ShadowResults {
  rows: ResultRow[];
  mapeOverTime: MapePoint[];
}

export interface Utilisation {
  hosts: string[];
  start: number;
  stepMs: number;
  /** Per host, mean utilisation 0..1 per step (null where unknown). */
  values: (number | null)[][];
}

export interface WhatIf {
  name: string;
  state: string;
  energyKwh: number | null;
  peakPowerW: number | null;
  carbonG: number | null;
  difference: {
    energyKwh: number | null;
    peakPowerW: number | null;
    carbonG: number | null;
  } | null;
  error?: { message: string } | null;
  /** Its predicted power per export interval (W), when asked for with `rows=true`. */
  rows?: { timestamp: number; windowId: number; predicted: number }[];
}

/** The body of POST /datacenters/{id}/shadow. */
export interface ShadowStart {
  workload: string;
  topology: string;
  power: string;
  carbon?: string;
  speed?: number | 'max';
  window?: string;
  calibrate?: boolean;
}

const enc = encodeURIComponent;

export const datacenterApi = {
  list: () => api.get<{ items: DatacenterItem[] }>('/datacenters'),
  one: (id: string) => api.get<DatacenterItem>(`/datacenters/${enc(id)}`),
  status: (id: string) => api.get<ShadowStatus>(`/datacenters/${enc(id)}/shadow`),
  results: (id: string) => api.get<ShadowResults>(`/datacenters/${enc(id)}/shadow/results`),
  utilisation: (id: string, step: string) =>
    api.get<Utilisation>(`/datacenters/${enc(id)}/shadow/utilisation`, { query: { step } }),
  // Writes through the OpenAPI document's paths, so their bodies are checked against the server's.
  start: (id: string, body: ShadowStart) =>
    api.call('post', '/datacenters/{id}/shadow', { params: { id }, body }),
  stop: (id: string) => api.call('delete', '/datacenters/{id}/shadow', { params: { id } }),
  whatif: (id: string, name: string) =>
    api.get<WhatIf>(`/datacenters/${enc(id)}/whatif/${enc(name)}`, { query: { rows: true } }),
  putWhatif: (id: string, name: string, topology: string) =>
    api.call('put', '/datacenters/{id}/whatif/{name}', {
      params: { id, name },
      body: { topology },
    }),
  deleteWhatif: (id: string, name: string) =>
    api.call('delete', '/datacenters/{id}/whatif/{name}', { params: { id, name } }),
  /** A what-if's predicted power per window (W), from its twin's series. */
  whatifSeries: (thingId: string, from: number, to: number) =>
    api.get<{ series: { t: number[]; value?: (number | null)[] } }>(
      `/timeseries/things/${enc(thingId)}/features/power/properties/predicted`,
      { query: { from, to } },
    ),
};

/**
 * The run's power plot as a data: URL (the page's CSP takes images from 'self' and data:, and an
 * <img> cannot send the bearer credential); null while the server has none (404).
 */
export async function plotImage(id: string): Promise<string | null> {
  const authorization = session.authorization();
  const response = await fetch(api.url(`/datacenters/${enc(id)}/shadow/plot.png`), {
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
