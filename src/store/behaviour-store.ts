// Port: twin types (immutable versions of behaviour documents) and the alerts their assessments
// raise, as a projection of the journal's alert events with the position it has reached; the
// assessments waiting out their `for`; the records of what-if forks and of background jobs
// (replays, bulk migrations), kept across restarts.

/** One version of a type, as stored. */
export interface TypeRecord {
  /** `namespace:name:version`. */
  id: string;
  namespace: string;
  /** The normalised document as JSON text. */
  document: string;
  /** Epoch ms it was created. */
  created: number;
}

export type AlertState = 'active' | 'acknowledged' | 'resolved';

/** One alert: an assessment of a twin raised once, then maybe acknowledged, then resolved. */
export interface AlertRecord {
  /** `<thingId>:<assessment>:<revision that raised it>`: stable, so replays can be compared. */
  id: string;
  thingId: string;
  namespace: string;
  /** The type (id) whose assessment raised it. */
  type: string;
  assessment: string;
  severity: string;
  /** `acknowledged` is an active alert someone acknowledged; a resolved one stays resolved. */
  state: AlertState;
  /** Event time it was raised, epoch ms, and the twin's revision that raised it. */
  raisedAt: number;
  raisedRevision: number;
  resolvedAt: number | null;
  resolvedRevision: number | null;
  acknowledgedAt: number | null;
  acknowledgedBy: string | null;
  note: string | null;
}

/** Which alerts: every field given narrows; newest raised first; paged with `cursor`. */
export interface AlertQuery {
  /** Only these namespaces (the requester's); null for every one. */
  namespaces: readonly string[] | null;
  thingId?: string;
  type?: string;
  assessment?: string;
  severity?: string;
  state?: AlertState;
  /** Raised at or after / before (epoch ms). */
  from?: number;
  to?: number;
  limit: number;
  /** Opaque, from the previous page's `cursor`. */
  cursor?: string;
}

export interface AlertPage {
  items: AlertRecord[];
  /** Present when more items follow. */
  cursor?: string;
}

export interface BehaviourStore {
  /** Every type (of these namespaces when given), in id order. */
  listTypes(namespaces?: readonly string[] | null): Promise<TypeRecord[]>;
  getType(id: string): Promise<TypeRecord | null>;
  /** Stores a new version; false (and nothing changed) when the id exists already. */
  createType(type: TypeRecord): Promise<boolean>;
  /** False when there was no such type. */
  deleteType(id: string): Promise<boolean>;

  /**
   * Upserts alerts (by id) and moves the projection's position to `position` (a journal `seq`), in
   * one transaction: after a crash both are as before or both as after.
   */
  applyAlerts(alerts: readonly AlertRecord[], position: number): Promise<void>;
  /** The journal position the alerts reflect (0 before any). */
  alertPosition(): Promise<number>;
  getAlert(id: string): Promise<AlertRecord | null>;
  listAlerts(query: AlertQuery): Promise<AlertPage>;
  /** Deletes the alerts of these twins' namespace (a scenario namespace deleted); returns how many. */
  deleteAlertsOfNamespace(namespace: string): Promise<number>;

  /**
   * Replaces, in one transaction, the pending assessments of each twin given (an empty list
   * removes the twin's); the other twins' stay. A twin given twice: the last one given wins.
   */
  replacePendingAssessments(twins: readonly TwinPendingAssessments[]): Promise<void>;
  /** Every twin's pending assessments, in thingId order, each twin's by assessment name. */
  listPendingAssessments(): Promise<TwinPendingAssessments[]>;

  /** Stores (or replaces) the record of a what-if fork, by its scenario namespace. */
  putFork(fork: ForkRecordRow): Promise<void>;
  /** Every fork record, in namespace order. */
  listForks(): Promise<ForkRecordRow[]>;
  /** False when there was no fork of that namespace. */
  deleteFork(namespace: string): Promise<boolean>;

  /**
   * Stores (or replaces, keeping its place in the list) the record of a background job, by kind
   * and id.
   */
  putJob(job: JobRow): Promise<void>;
  /** The record of one job with its detail, or null. */
  getJob(kind: string, id: string): Promise<JobRow | null>;
  /** The jobs of a kind without their detail, newest first (created, then first stored). */
  listJobs(kind: string): Promise<JobSummaryRow[]>;
  /** Deletes all but the `keep` newest jobs of a kind (as {@link listJobs} orders them); returns how many. */
  trimJobs(kind: string, keep: number): Promise<number>;
}

/**
 * An assessment whose condition holds and whose `for` has not elapsed yet, as the live runtime last
 * had it: kept so that after a restart its alert is raised when due, with no new observation, and
 * `for` is counted from when the condition began to hold.
 */
export interface PendingAssessment {
  assessment: string;
  /** The type (id) whose assessment it is. */
  type: string;
  /** Event time the condition began to hold, epoch ms. */
  since: number;
  /** Event time the alert is raised at if the condition still holds (`since` + `for`), epoch ms. */
  due: number;
}

/** The pending assessments of one twin (none: it has none). */
export interface TwinPendingAssessments {
  thingId: string;
  assessments: PendingAssessment[];
}

/** A what-if fork as stored: its scenario namespace and its record (JSON, the fork service's). */
export interface ForkRecordRow {
  namespace: string;
  record: string;
}

/**
 * A background job as stored: its kind (`replay`, `migration`), id, owner, creation time (epoch ms),
 * its record (JSON, the job service's) and, apart, its detail (JSON: the bulky part a list leaves
 * out, such as a migration's per-twin results), null while it has none.
 */
export interface JobRow {
  kind: string;
  id: string;
  owner: string;
  created: number;
  record: string;
  detail: string | null;
}

/** A job as {@link BehaviourStore.listJobs} gives it: without its detail. */
export type JobSummaryRow = Omit<JobRow, 'detail'>;
