// Scheduled services as an application service: create, replace, read and delete services (an
// administrator, or their owner), run one on demand, and read its run log.
import type { Identity } from '../auth/identity.js';
import { errors } from '../core/error-registry.js';
import { isJsonObject, type JsonObject, type JsonValue } from '../core/json.js';
import type {
  RunPage,
  RunRecord,
  ServiceOwnerRecord,
  ServiceRecord,
  ServiceStore,
} from '../store/service-store.js';
import { scheduleOf, storedConfig, type Scheduler } from './scheduler.js';
import { configView, isValidServiceId, parseServiceConfig } from './service-config.js';

export interface ServiceManagerOptions {
  store: ServiceStore;
  /** Runs on-demand requests (and, once started, the schedule). */
  scheduler: Scheduler;
  now?: () => number;
}

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

/** A run as the API shows it. */
export function runView(run: RunRecord): JsonObject {
  return {
    runId: run.runId,
    serviceId: run.serviceId,
    status: run.status,
    trigger: run.trigger,
    scheduledFor: new Date(run.scheduledFor).toISOString(),
    started: iso(run.started),
    finished: iso(run.finished),
    durationMs: run.started !== null && run.finished !== null ? run.finished - run.started : null,
    attempt: run.attempt,
    output: (run.output ?? null) as JsonValue,
    error: run.error,
  };
}

export class ServiceManager {
  private readonly now: () => number;

  constructor(private readonly options: ServiceManagerOptions) {
    this.now = options.now ?? Date.now;
  }

  /** An administrator, or the owner with a token that reaches at least the owner's namespaces. */
  private mayManage(identity: Identity, record: ServiceRecord): boolean {
    if (identity.admin) return true;
    if (record.owner.id !== identity.id) return false;
    if (identity.namespaces === null) return true;
    const reach = record.owner.namespaces;
    return reach !== null && reach.every((ns) => identity.namespaces?.includes(ns));
  }

  private async visible(identity: Identity, id: string): Promise<ServiceRecord> {
    if (!isValidServiceId(id)) throw errors.serviceIdInvalid(id);
    const record = await this.options.store.getService(id);
    if (record === null || !this.mayManage(identity, record)) throw errors.serviceNotFound(id);
    return record;
  }

  view(record: ServiceRecord): JsonObject {
    return {
      serviceId: record.id,
      ...configView(storedConfig(record)),
      nextRun: iso(record.nextDue),
      revision: record.revision,
      created: new Date(record.created).toISOString(),
      modified: new Date(record.modified).toISOString(),
      owner: record.owner.id,
    };
  }

  async list(identity: Identity): Promise<JsonObject[]> {
    const all = await this.options.store.listServices();
    return all.filter((s) => this.mayManage(identity, s)).map((s) => this.view(s));
  }

  async get(identity: Identity, id: string): Promise<JsonObject> {
    return this.view(await this.visible(identity, id));
  }

  /**
   * Creates or replaces a service; it will run with the rights of `identity`. The next run is
   * the schedule's first instant after now (a replacement starts its schedule afresh).
   */
  async put(
    identity: Identity,
    id: string,
    body: unknown,
  ): Promise<{ created: boolean; view: JsonObject }> {
    if (!isValidServiceId(id)) throw errors.serviceIdInvalid(id);
    const existing = await this.options.store.getService(id);
    // Another's service is not there for the requester, as on a read.
    if (existing !== null && !this.mayManage(identity, existing)) throw errors.serviceNotFound(id);
    if (identity.readOnly) throw errors.readOnlyIdentity();
    const config = parseServiceConfig(body);
    const now = this.now();
    const owner: ServiceOwnerRecord = {
      id: identity.id,
      subjects: [...identity.subjects],
      admin: identity.admin,
      namespaces: identity.namespaces === null ? null : [...identity.namespaces],
    };
    const record: ServiceRecord = {
      id,
      revision: (existing?.revision ?? 0) + 1,
      created: existing?.created ?? now,
      modified: now,
      owner,
      config: JSON.stringify(config),
      nextDue: scheduleOf(config)?.nextAfter(now) ?? null,
    };
    const created = await this.options.store.putService(record);
    return { created, view: this.view(record) };
  }

  /** Deletes a service and its run log (a run under way finishes, unrecorded). */
  async delete(identity: Identity, id: string): Promise<void> {
    await this.visible(identity, id);
    if (identity.readOnly) throw errors.readOnlyIdentity();
    await this.options.store.deleteService(id);
  }

  /**
   * Starts a run now, its parameters overlaid with those of `body` ({"parameters"?: {…}}); a
   * service running already (here or in another process) is a 409.
   */
  async run(identity: Identity, id: string, body: unknown): Promise<JsonObject> {
    const record = await this.visible(identity, id);
    if (identity.readOnly) throw errors.readOnlyIdentity();
    let parameters: JsonObject = {};
    if (body !== undefined && body !== null) {
      if (!isJsonObject(body)) throw errors.serviceInvalid('/', 'the body must be a JSON object');
      for (const key of Object.keys(body))
        if (key !== 'parameters')
          throw errors.serviceInvalid(key, 'unknown field; a run request has parameters');
      if (body.parameters !== undefined) {
        if (!isJsonObject(body.parameters))
          throw errors.serviceInvalid('parameters', 'it must be a JSON object');
        parameters = body.parameters;
      }
    }
    const run = await this.options.scheduler.runNow(record, parameters);
    if (run === null) throw errors.serviceRunConflict(id);
    return runView(run);
  }

  async runs(identity: Identity, id: string, page: RunPage): Promise<RunRecord[]> {
    await this.visible(identity, id);
    return this.options.store.listRuns(id, page);
  }

  async getRun(identity: Identity, id: string, runId: string): Promise<JsonObject> {
    await this.visible(identity, id);
    const run = await this.options.store.getRun(id, runId);
    if (run === null) throw errors.serviceRunNotFound(id, runId);
    return runView(run);
  }
}
