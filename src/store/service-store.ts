// Port: scheduled services (their settings and next due instant), their run log, and the lease
// that lets only one scheduler (of any process on the store) run a service at a time.

/** Who made a service; it runs with these rights. */
export interface ServiceOwnerRecord {
  id: string;
  subjects: string[];
  admin: boolean;
  namespaces: string[] | null;
}

export interface ServiceRecord {
  id: string;
  revision: number;
  created: number;
  modified: number;
  owner: ServiceOwnerRecord;
  /** The service's settings as JSON text, as validated (`kind`, `schedule`, …). */
  config: string;
  /**
   * Epoch ms of the next scheduled instant still to run; null for a service run on demand only.
   * Moved by {@link ServiceStore.claim} (and set by `putService`).
   */
  nextDue: number | null;
}

/**
 * `queued`: waiting for its (next) attempt; `running`: an attempt is under way; then one of
 * `succeeded`, `failed`, `timedout` (the outcome of the last attempt).
 */
export type RunStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'timedout';

/** One run of a service: a scheduled instant or an on-demand request, with its attempts. */
export interface RunRecord {
  serviceId: string;
  runId: string;
  status: RunStatus;
  /** `schedule` (a due instant, possibly caught up) or `demand` (POST …/run). */
  trigger: 'schedule' | 'demand';
  /** Epoch ms of the instant the run is for (the request time for a demand run). */
  scheduledFor: number;
  /** Epoch ms the first attempt started; null while queued before it. */
  started: number | null;
  /** Epoch ms the run ended; null until then. */
  finished: number | null;
  /** The attempt under way or last made, from 1. */
  attempt: number;
  /** What the job answered (JSON), for a succeeded run. */
  output: unknown;
  /** What went wrong with the last attempt, for a person; null when it succeeded. */
  error: string | null;
}

/** Which runs of a service: newest first, older than `beforeRunId`. */
export interface RunPage {
  beforeRunId?: string;
  limit: number;
}

export interface ServiceStore {
  /** Every service, in id order. */
  listServices(): Promise<ServiceRecord[]>;
  getService(id: string): Promise<ServiceRecord | null>;
  /** The services whose next due instant is at or before `now`, in id order. */
  dueServices(now: number): Promise<ServiceRecord[]>;
  /**
   * Creates a service or replaces its settings and next due instant; a lease held on it stays
   * (a run under way finishes). Resolves to true when it created it.
   */
  putService(service: ServiceRecord): Promise<boolean>;
  /** Deletes a service with its runs and lease; false when there was no such service. */
  deleteService(id: string): Promise<boolean>;
  /**
   * Claims the scheduled instant `dueAt` of a service for `holder`, atomically: succeeds only
   * while the service's next due instant is still `dueAt` and no unexpired lease is held
   * (`leaseUntil < now`), and in the same statement moves the next due instant to `nextDue` and
   * takes the lease until `now + leaseMs`. Of several claimers of one instant exactly one wins.
   */
  claim(
    serviceId: string,
    holder: string,
    dueAt: number,
    nextDue: number | null,
    now: number,
    leaseMs: number,
  ): Promise<boolean>;
  /** Takes the lease of a service (an on-demand run) when no unexpired lease is held. */
  lease(serviceId: string, holder: string, now: number, leaseMs: number): Promise<boolean>;
  /** Extends a lease `holder` still holds to `until`; false when it no longer holds it. */
  renew(serviceId: string, holder: string, until: number): Promise<boolean>;
  /** Gives up a lease `holder` holds (nothing when another holds it). */
  release(serviceId: string, holder: string): Promise<void>;
  /** Stores a run (replacing the one with its id); nothing for a deleted service. */
  putRun(run: RunRecord): Promise<void>;
  getRun(serviceId: string, runId: string): Promise<RunRecord | null>;
  /** Runs of a service, newest (highest run id) first. */
  listRuns(serviceId: string, page: RunPage): Promise<RunRecord[]>;
  close(): Promise<void>;
}

let lastMs = 0;
let counter = 0;

/** A new run id that sorts after every id made before it in this process: `run-<ms><n><random>`. */
export function runId(now: number = Date.now()): string {
  if (now > lastMs) {
    lastMs = now;
    counter = 0;
  } else counter++;
  const random = Math.floor(Math.random() * 36 ** 4);
  return `run-${lastMs.toString(36).padStart(11, '0')}${counter.toString(36).padStart(4, '0')}${random
    .toString(36)
    .padStart(4, '0')}`;
}
