// What a service does when it runs, by kind: call an HTTP service, pull a URL through an ingest spec,
// or forecast; the effects that belong to other modules (model runs, the forecaster) are injected.
import type { Identity } from '../auth/identity.js';
import { isJsonObject, type JsonObject, type JsonValue } from '../core/json.js';
import { httpMessages, templateHeaders } from '../ingest/http-messages.js';
import type { IngestService, RawMessage } from '../ingest/ingest-service.js';
import type { ForecastJob, ServiceConfig } from './service-config.js';

/** What a run knows about itself, handed to the job of its kind. */
export interface JobContext {
  serviceId: string;
  runId: string;
  /** Epoch ms of the instant the run is for. */
  scheduledFor: number;
  attempt: number;
  parameters: JsonObject;
  /** The service's creator: the job acts with these rights. */
  owner: Identity;
  /** Aborted when the run times out or the scheduler stops. */
  signal: AbortSignal;
}

/** Runs the job of a service once; resolves to the output kept in the run log, rejects on failure. */
export interface ServiceJobs {
  run(config: ServiceConfig, context: JobContext): Promise<JsonValue>;
}

/** The forecaster's request, as a forecast service makes it. */
export interface ForecastRequest {
  filter: string;
  pointer: string;
  horizonMs: number;
  stepMs?: number;
  method?: string;
  parameters: JsonObject;
}

/**
 * Effects of runs that other modules own: registering a model run and forecasting. The composition
 * root wires them (to stubs that refuse while a build has no model registry or forecaster).
 */
export interface ServiceEffects {
  /** Registers a model run (`body`: {"scenario"?, "series": [...]}) of `modelId` as `owner`. */
  registerRun(owner: Identity, modelId: string, body: JsonObject): Promise<{ runId: string }>;
  /** Forecasts the selected twins' property as `owner`; resolves to the runs made. */
  forecast(owner: Identity, request: ForecastRequest): Promise<{ runIds: string[] }>;
}

/** Effects for a build without a model registry or forecaster: every call fails, saying so. */
export const UNAVAILABLE_EFFECTS: ServiceEffects = {
  registerRun: () =>
    Promise.reject(new Error('registering a model run is not available in this build')),
  forecast: () => Promise.reject(new Error('the forecaster is not available in this build')),
};

/** Most bytes of an answer read (a larger one fails the run). */
export const MAX_ANSWER_BYTES = 8 * 1024 * 1024;

export interface KindJobsOptions {
  /** Where `pull` and the observations of an `http` answer are ingested; absent: those fail. */
  ingest: IngestService | null;
  effects: ServiceEffects;
  /** The fetch of the runs (tests may wrap it); default the global one. */
  fetch?: typeof fetch;
  /** The clock of `received` on ingested messages. */
  now?: () => number;
}

/** A run that failed for a reason to show as is. */
export class JobError extends Error {
  override readonly name = 'JobError';
}

async function readText(response: Response): Promise<string> {
  const length = Number(response.headers.get('content-length') ?? '0');
  if (length > MAX_ANSWER_BYTES)
    throw new JobError(`the answer has ${length} bytes, more than ${MAX_ANSWER_BYTES}`);
  const text = await response.text();
  if (text.length > MAX_ANSWER_BYTES)
    throw new JobError(`the answer is longer than ${MAX_ANSWER_BYTES} characters`);
  return text;
}

/** The jobs of the three kinds. */
export class KindJobs implements ServiceJobs {
  private readonly fetch: typeof fetch;
  private readonly now: () => number;

  constructor(private readonly options: KindJobsOptions) {
    this.fetch = options.fetch ?? fetch;
    this.now = options.now ?? Date.now;
  }

  async run(config: ServiceConfig, context: JobContext): Promise<JsonValue> {
    const { job } = config;
    if (job.kind === 'http') return this.http(config, context);
    if (job.kind === 'pull') return this.pull(config, context);
    return this.forecast(job, context);
  }

  private async http(config: ServiceConfig, context: JobContext): Promise<JsonValue> {
    const job = config.job;
    if (job.kind !== 'http') throw new Error('not an http service');
    const body = {
      serviceId: context.serviceId,
      runId: context.runId,
      scheduledFor: new Date(context.scheduledFor).toISOString(),
      parameters: context.parameters,
      ...job.body,
    };
    const response = await this.fetch(job.url, {
      method: job.method,
      headers: { ...job.headers, 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify(body),
      signal: context.signal,
      redirect: 'error',
    });
    const text = await readText(response);
    if (!response.ok)
      throw new JobError(`HTTP ${response.status} from ${job.url}: ${text.slice(0, 500)}`);
    const output: JsonObject = { status: response.status };
    if (text.trim() === '') return output;
    let answer: unknown;
    try {
      answer = JSON.parse(text);
    } catch {
      // A service may answer with something other than JSON: nothing to register then.
      return output;
    }
    if (!isJsonObject(answer)) return output;
    if (answer.run !== undefined) {
      const run = answer.run;
      if (!isJsonObject(run) || typeof run.modelId !== 'string')
        throw new JobError('the answer\'s "run" must be an object with a "modelId" string');
      const { modelId, ...rest } = run;
      const registered = await this.options.effects.registerRun(context.owner, modelId, rest);
      output.run = { modelId, runId: registered.runId };
    }
    if (answer.observations !== undefined) {
      const observations = answer.observations;
      if (
        !isJsonObject(observations) ||
        typeof observations.specId !== 'string' ||
        !Array.isArray(observations.documents)
      )
        throw new JobError(
          'the answer\'s "observations" must be {"specId": string, "documents": [...]}',
        );
      const received = this.now();
      const messages = observations.documents.map((payload): RawMessage => ({
        transport: 'http',
        topic: null,
        headers: {},
        context: { headers: {} },
        received,
        raw: JSON.stringify(payload),
        payload,
      }));
      output.observations = {
        specId: observations.specId,
        ...(await this.ingest(context, observations.specId, messages)),
      };
    }
    return output;
  }

  private async pull(config: ServiceConfig, context: JobContext): Promise<JsonValue> {
    const job = config.job;
    if (job.kind !== 'pull') throw new Error('not a pull service');
    const spec = this.specOf(context, job.specId);
    const response = await this.fetch(job.url, {
      method: 'GET',
      headers: { ...job.headers, accept: 'application/json, application/x-ndjson' },
      signal: context.signal,
      redirect: 'error',
    });
    const text = await readText(response);
    if (!response.ok)
      throw new JobError(`HTTP ${response.status} from ${job.url}: ${text.slice(0, 500)}`);
    const type = (response.headers.get('content-type') ?? '').split(';')[0].trim().toLowerCase();
    const headers = templateHeaders(spec, Object.fromEntries(response.headers.entries()));
    let messages: RawMessage[];
    try {
      messages = httpMessages(type, text, headers, this.now());
    } catch (error) {
      throw new JobError(
        `the answer of ${job.url} cannot be ingested: ${(error as Error).message}`,
      );
    }
    return {
      status: response.status,
      specId: job.specId,
      ...(await this.ingest(context, job.specId, messages)),
    };
  }

  /** The spec `specId` as the owner may send to it (as POST /api/2/ingest/{specId} checks). */
  private specOf(context: JobContext, specId: string) {
    const ingest = this.options.ingest;
    if (ingest === null) throw new JobError('ingest is not available on this node');
    // Sending is writing: who may send to a spec is who may manage it (a 404 otherwise).
    ingest.get(context.owner, specId);
    const spec = ingest.specFor(specId);
    if (spec.source !== 'http')
      throw new JobError(
        `the ingest spec '${specId}' has a ${spec.source} source; a service sends to specs with an http source`,
      );
    return spec;
  }

  private async ingest(
    context: JobContext,
    specId: string,
    messages: RawMessage[],
  ): Promise<JsonObject> {
    this.specOf(context, specId);
    const outcome = await (this.options.ingest as IngestService).ingest(specId, messages);
    return {
      documents: messages.length,
      accepted: outcome.accepted,
      rejected: outcome.rejected,
      deadLetters: outcome.deadLetters,
    };
  }

  private async forecast(job: ForecastJob, context: JobContext): Promise<JsonValue> {
    const request: ForecastRequest = {
      filter: job.filter,
      pointer: job.pointer,
      horizonMs: job.horizonMs,
      parameters: context.parameters,
    };
    if (job.stepMs !== undefined) request.stepMs = job.stepMs;
    if (job.method !== undefined) request.method = job.method;
    const { runIds } = await this.options.effects.forecast(context.owner, request);
    return { runIds };
  }
}
