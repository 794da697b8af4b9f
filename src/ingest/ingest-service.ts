// Ingest as an application service: specs (managed, compiled, cached), messages to twins, dead letters, redrive.
import type { Identity } from '../auth/identity.js';
import type { ThingGuard } from '../auth/thing-guard.js';
import { errors } from '../core/error-registry.js';
import { TwinfoldError } from '../core/errors.js';
import type { JsonValue } from '../core/json.js';
import type { TwinRuntime } from '../runtime/twin-runtime.js';
import type { ThingCreation } from '../services/thing-creation.js';
import {
  deadLetterId,
  type DeadLetterFilter,
  type DeadLetterPage,
  type DeadLetterRecord,
  type IngestSpecRecord,
  type IngestStore,
} from '../store/ingest-store.js';
import { mapMessage, type MapResult, type MappingError } from './mapper.js';
import {
  ProtocolIngest,
  readProtocolMessage,
  type AckSink,
  type TwinCommands,
} from './protocol-ingest.js';
import { commandPath } from '../streams/ditto-protocol.js';
import { ObservationWriter, type LateValues } from './observation-writer.js';
import type { CompiledSpec, Observation, SourceKind, SpecOwner } from './spec.js';
import { compileSpec, isValidSpecId } from './spec-validation.js';
import { payloadText } from './payload-text.js';
import { topicContext } from './topic-context.js';
import type { MessageContext } from './template.js';

/** One raw message as a transport received it. */
export interface RawMessage {
  /** The message text as received (kept whole in a dead letter); absent for an element of a JSON array. */
  raw?: string;
  /** The parsed payload; absent when `raw` is not JSON (then `parseError` says why). */
  payload?: unknown;
  parseError?: string;
  /** `http`, `mqtt`, `nats`, `amqp`. */
  transport: string;
  topic: string | null;
  headers: Record<string, string>;
  context: MessageContext;
  received: number;
}

/** What an ingest answers: how many messages were accepted and rejected, and the dead letters made. */
export interface IngestOutcome {
  accepted: number;
  rejected: number;
  deadLetters: string[];
}

/** What `…/test` answers for one message (a Ditto Protocol source: the command it would run). */
export type TestOutcome =
  | { ok: true; observations: Observation[] }
  | {
      ok: true;
      command: { topic: string; thingId: string; action: string; path: string; value?: JsonValue };
    }
  | {
      ok: true;
      acknowledgement: { label: string; thingId: string; correlationId: string; status: number };
    }
  | { ok: false; errors: (MappingError | { reason: string; at: string; detail: string })[] };

interface LoadedSpec {
  record: IngestSpecRecord;
  compiled: CompiledSpec;
  owner: Identity;
}

function ownerIdentity(owner: SpecOwner): Identity {
  return {
    id: owner.id,
    subjects: owner.subjects,
    admin: owner.admin,
    namespaces: owner.namespaces,
    readOnly: false,
    via: 'token',
  };
}

/** The reason of a dead letter made by a failed write: the error code without its prefix. */
function writeReason(error: unknown): { reason: string; detail: string } {
  if (error instanceof TwinfoldError) {
    const colon = error.code.indexOf(':');
    return { reason: colon < 0 ? error.code : error.code.slice(colon + 1), detail: error.message };
  }
  return { reason: 'write.failed', detail: error instanceof Error ? error.message : String(error) };
}

export interface IngestServiceOptions {
  store: IngestStore;
  runtime: TwinRuntime;
  creation: ThingCreation;
  guard: ThingGuard;
  now?: () => number;
  /** Called for every dead letter made (metrics). */
  deadLettered?: (specId: string, reason: string) => void;
  /** Called once per ingest call with how many of its messages were accepted (metrics). */
  accepted?: (specId: string, count: number) => void;
  /**
   * Refuses (throws) a spec whose source this node cannot serve, e.g. a NATS source without
   * `--nats-url`; called on PUT before anything is stored.
   */
  checkSource?: (spec: CompiledSpec) => void;
  /**
   * Runs the twin commands of Ditto Protocol sources (the WebSocket's path); without it a spec
   * with a `dittoProtocol` source is refused on PUT.
   */
  commands?: TwinCommands;
  /** Takes the acknowledgements devices issue over Ditto Protocol sources. */
  acks?: AckSink;
  /** Where late observations go (the series); without it every observation updates its twin. */
  late?: LateValues;
}

/** The view of a spec that the API returns. */
export interface SpecView {
  specId: string;
  revision: number;
  created: string;
  modified: string;
  owner: string;
  spec: JsonValue;
}

/** Told after the set of specs changed (a put, a delete), so transports can (un)subscribe. */
export type SpecsChangedListener = () => void;

export class IngestService {
  private readonly specs = new Map<string, LoadedSpec>();
  private readonly specListeners = new Set<SpecsChangedListener>();
  private readonly writer: ObservationWriter;
  private readonly protocol: ProtocolIngest | null;
  private readonly store: IngestStore;
  private readonly now: () => number;
  private version = 0;

  constructor(private readonly options: IngestServiceOptions) {
    this.store = options.store;
    this.now = options.now ?? Date.now;
    this.writer = new ObservationWriter(
      options.runtime,
      options.creation,
      options.guard,
      options.late ?? null,
    );
    this.protocol = options.commands
      ? new ProtocolIngest(options.commands, options.acks ?? null)
      : null;
  }

  /** Loads and compiles the stored specs; a stored spec that no longer compiles is refused loudly. */
  async load(): Promise<void> {
    for (const record of await this.store.listSpecs()) {
      const compiled = compileSpec(record.specId, JSON.parse(record.spec));
      this.specs.set(record.specId, { record, compiled, owner: ownerIdentity(record.owner) });
    }
  }

  // --- specs ---

  /** Whether `identity` may manage a spec whose template makes `namespaces` (null = any). */
  private mayManage(identity: Identity, namespaces: string[] | null, owner?: SpecOwner): boolean {
    if (identity.admin) return true;
    if (owner !== undefined && owner.id !== identity.id) return false;
    if (identity.namespaces === null) return true;
    return namespaces !== null && namespaces.every((ns) => identity.namespaces?.includes(ns));
  }

  private visible(identity: Identity, specId: string): LoadedSpec {
    if (!isValidSpecId(specId)) throw errors.ingestSpecIdInvalid(specId);
    const loaded = this.specs.get(specId);
    if (!loaded || !this.mayManage(identity, loaded.compiled.namespaces, loaded.record.owner))
      throw errors.ingestSpecNotFound(specId);
    return loaded;
  }

  static view(record: IngestSpecRecord): SpecView {
    return {
      specId: record.specId,
      revision: record.revision,
      created: new Date(record.created).toISOString(),
      modified: new Date(record.modified).toISOString(),
      owner: record.owner.id,
      spec: JSON.parse(record.spec) as JsonValue,
    };
  }

  list(identity: Identity): SpecView[] {
    return [...this.specs.values()]
      .filter((s) => this.mayManage(identity, s.compiled.namespaces, s.record.owner))
      .sort((a, b) => (a.record.specId < b.record.specId ? -1 : 1))
      .map((s) => IngestService.view(s.record));
  }

  get(identity: Identity, specId: string): SpecView {
    return IngestService.view(this.visible(identity, specId).record);
  }

  /** Creates or replaces a spec; takes effect for the next message. */
  async put(
    identity: Identity,
    specId: string,
    body: unknown,
  ): Promise<{ created: boolean; view: SpecView }> {
    if (!isValidSpecId(specId)) throw errors.ingestSpecIdInvalid(specId);
    if (identity.readOnly) throw errors.readOnlyIdentity();
    const compiled = compileSpec(specId, body);
    if (compiled.payload === 'dittoProtocol' && this.protocol === null)
      throw errors.ingestSourceUnavailable('the Ditto Protocol', 'its API (this node runs none)');
    this.options.checkSource?.(compiled);
    const existing = this.specs.get(specId);
    if (existing && !this.mayManage(identity, existing.compiled.namespaces, existing.record.owner))
      throw existing && !identity.admin && existing.record.owner.id !== identity.id
        ? errors.ingestSpecForbidden(`the spec '${specId}' belongs to another owner`)
        : errors.ingestSpecNotFound(specId);
    if (!this.mayManage(identity, compiled.namespaces))
      throw errors.ingestSpecForbidden(
        compiled.namespaces === null
          ? 'its thingId template can produce any namespace, and the token is limited to some'
          : `its thingId template produces namespace '${compiled.namespaces.join("', '")}', outside the token's namespaces`,
      );
    const now = this.now();
    const owner: SpecOwner = {
      id: identity.id,
      subjects: [...identity.subjects],
      admin: identity.admin,
      namespaces: identity.namespaces === null ? null : [...identity.namespaces],
    };
    const record: IngestSpecRecord = {
      specId,
      revision: (existing?.record.revision ?? 0) + 1,
      created: existing?.record.created ?? now,
      modified: now,
      owner,
      spec: JSON.stringify(body),
    };
    await this.store.putSpec(record);
    this.specs.set(specId, { record, compiled, owner: ownerIdentity(owner) });
    this.specsChanged();
    return { created: existing === undefined, view: IngestService.view(record) };
  }

  async delete(identity: Identity, specId: string): Promise<void> {
    this.visible(identity, specId);
    if (identity.readOnly) throw errors.readOnlyIdentity();
    await this.store.deleteSpec(specId);
    this.specs.delete(specId);
    this.specsChanged();
  }

  /** Calls `listener` after every change to the set of specs; returns the unsubscribe. */
  onSpecsChanged(listener: SpecsChangedListener): () => void {
    this.specListeners.add(listener);
    return () => this.specListeners.delete(listener);
  }

  /** Counts the changes to the set of specs (for caches of what is derived from them). */
  get specsVersion(): number {
    return this.version;
  }

  /** The specs that have a `commands` section, with their owners, in id order. */
  commandSpecs(): { spec: CompiledSpec; owner: Identity }[] {
    return [...this.specs.values()]
      .filter((s) => s.compiled.commands !== null)
      .sort((a, b) => (a.compiled.specId < b.compiled.specId ? -1 : 1))
      .map((s) => ({ spec: s.compiled, owner: s.owner }));
  }

  private specsChanged(): void {
    this.version++;
    for (const listener of this.specListeners) listener();
  }

  /** The compiled specs whose source is `kind` (`mqtt`, `nats`, `amqp`, …), in id order. */
  specsOfSource(kind: SourceKind): CompiledSpec[] {
    return [...this.specs.values()]
      .filter((s) => s.compiled.source === kind)
      .map((s) => s.compiled)
      .sort((a, b) => (a.specId < b.specId ? -1 : 1));
  }

  // --- messages ---

  /** The spec a transport delivers to, or the 404. */
  specFor(specId: string): CompiledSpec {
    const loaded = this.specs.get(specId);
    if (!loaded) throw errors.ingestSpecNotFound(specId);
    return loaded.compiled;
  }

  /** The observations a sample message would give, or its errors; changes nothing. */
  async test(identity: Identity, specId: string, message: RawMessage): Promise<TestOutcome> {
    const { compiled } = this.visible(identity, specId);
    if (compiled.payload === 'dittoProtocol') return protocolTest(compiled, message);
    if (message.payload === undefined)
      return {
        ok: false,
        errors: [{ reason: 'payload.invalid', at: '/', detail: message.parseError ?? 'not JSON' }],
      };
    return mapMessage(compiled, message.payload, message.context, message.received);
  }

  /**
   * Ingests messages for one spec: maps each, applies the observations of those that map, and
   * resolves once those are durable and every rejected message is a stored dead letter.
   */
  async ingest(specId: string, messages: RawMessage[]): Promise<IngestOutcome> {
    const loaded = this.specs.get(specId);
    if (!loaded) throw errors.ingestSpecNotFound(specId);
    const letters: DeadLetterRecord[] = [];
    const results = await this.process(loaded, messages, (message, reason, detail) =>
      letters.push(this.letter(specId, message, reason, detail)),
    );
    await this.store.putDeadLetters(letters);
    for (const letter of letters) this.options.deadLettered?.(specId, letter.reason);
    const accepted = results.filter((ok) => ok).length;
    if (accepted > 0) this.options.accepted?.(specId, accepted);
    return {
      accepted,
      rejected: letters.length,
      deadLetters: letters.map((l) => l.id),
    };
  }

  /**
   * Maps and applies; returns per message whether it was accepted, reporting each rejection (in
   * message order for those mapped synchronously). The observation sets of every message mapped
   * synchronously are written together (see ObservationWriter.writeMany): one wait for
   * durability per request, not one per message.
   */
  private async process(
    loaded: LoadedSpec,
    messages: RawMessage[],
    reject: (message: RawMessage, reason: string, detail: string) => void,
  ): Promise<boolean[]> {
    const { compiled, owner } = loaded;
    if (compiled.payload === 'dittoProtocol') return this.processProtocol(loaded, messages, reject);
    const accepted: boolean[] = new Array<boolean>(messages.length).fill(false);
    const observations: Observation[] = [];
    /** The message of each observation set, by position. */
    const sources: number[] = [];
    const later: Promise<void>[] = [];
    for (let m = 0; m < messages.length; m++) {
      const message = messages[m];
      if (message.payload === undefined) {
        reject(message, 'payload.invalid', message.parseError ?? 'the message is not JSON');
        continue;
      }
      const mapped = mapMessage(compiled, message.payload, message.context, message.received);
      if (mapped instanceof Promise) {
        later.push(
          mapped
            .then((result) => this.applyMapped(owner, compiled, message, result, reject))
            .then((ok) => void (accepted[m] = ok)),
        );
        continue;
      }
      if (!mapped.ok) {
        this.rejectMapping(message, mapped.errors, reject);
        continue;
      }
      accepted[m] = true;
      for (const observation of mapped.observations) {
        observations.push(observation);
        sources.push(m);
      }
    }
    const failures = await this.writer.writeMany(owner, compiled, observations);
    // A message whose sets failed is rejected once, with the reason of its first failed set.
    for (const [position, error] of [...failures].sort((a, b) => a[0] - b[0])) {
      const m = sources[position];
      if (!accepted[m]) continue;
      accepted[m] = false;
      const { reason, detail } = writeReason(error);
      reject(messages[m], reason, detail);
    }
    await Promise.all(later);
    return accepted;
  }

  /** Runs the Ditto Protocol messages of a spec, each as a twin command (see ProtocolIngest). */
  private async processProtocol(
    { compiled, owner }: LoadedSpec,
    messages: RawMessage[],
    reject: (message: RawMessage, reason: string, detail: string) => void,
  ): Promise<boolean[]> {
    const protocol = this.protocol;
    if (protocol === null) throw errors.ingestSourceUnavailable('the Ditto Protocol', 'its API');
    const outcomes = await Promise.all(
      messages.map((message) => protocol.apply(owner, compiled, message)),
    );
    // Rejections are reported in message order, whichever thing's command finished first.
    return outcomes.map((refused, m) => {
      if (refused === null) return true;
      reject(messages[m], refused.reason, refused.detail);
      return false;
    });
  }

  private rejectMapping(
    message: RawMessage,
    errors: MappingError[],
    reject: (message: RawMessage, reason: string, detail: string) => void,
  ): void {
    const [first] = errors;
    const detail = errors
      .map(
        (e) => `${e.element === undefined ? '' : `element ${e.element}: `}at ${e.at}: ${e.detail}`,
      )
      .join('; ');
    reject(message, first.reason, detail);
  }

  private applyMapped(
    owner: Identity,
    compiled: CompiledSpec,
    message: RawMessage,
    result: MapResult,
    reject: (message: RawMessage, reason: string, detail: string) => void,
  ): Promise<boolean> {
    if (!result.ok) {
      this.rejectMapping(message, result.errors, reject);
      return Promise.resolve(false);
    }
    return this.writer.writeMany(owner, compiled, result.observations).then((failures) => {
      if (failures.size === 0) return true;
      const first = Math.min(...failures.keys());
      const { reason, detail } = writeReason(failures.get(first));
      reject(message, reason, detail);
      return false;
    });
  }

  private letter(
    specId: string,
    message: RawMessage,
    reason: string,
    detail: string,
  ): DeadLetterRecord {
    return {
      id: deadLetterId(this.now()),
      specId,
      transport: message.transport,
      topic: message.topic,
      headers: message.headers,
      received: message.received,
      reason,
      detail,
      payload: message.raw ?? payloadText(message.payload),
      encoding: 'utf8',
      attempts: 0,
    };
  }

  // --- dead letters ---

  /** Whether `identity` may see the dead letters of `specId` (administrators see all). */
  private mayReadLetters(identity: Identity, specId: string): boolean {
    if (identity.admin) return true;
    const loaded = this.specs.get(specId);
    return (
      loaded !== undefined &&
      this.mayManage(identity, loaded.compiled.namespaces, loaded.record.owner)
    );
  }

  /** Non-administrators must name a spec they manage. */
  private assertFilterAllowed(identity: Identity, filter: DeadLetterFilter): void {
    if (identity.admin) return;
    if (filter.specId === undefined)
      throw errors.forbidden(
        'only an administrator lists dead letters of every spec: give spec=<specId>',
      );
    if (!this.mayReadLetters(identity, filter.specId))
      throw errors.ingestSpecNotFound(filter.specId);
  }

  async listDeadLetters(identity: Identity, page: DeadLetterPage): Promise<DeadLetterRecord[]> {
    this.assertFilterAllowed(identity, page);
    return this.store.listDeadLetters(page);
  }

  async getDeadLetter(identity: Identity, id: string): Promise<DeadLetterRecord> {
    const letter = await this.store.getDeadLetter(id);
    if (letter === null || !this.mayReadLetters(identity, letter.specId))
      throw errors.deadLetterNotFound(id);
    return letter;
  }

  async purge(identity: Identity, filter: DeadLetterFilter & { ids?: string[] }): Promise<number> {
    if (identity.readOnly) throw errors.readOnlyIdentity();
    if (filter.ids !== undefined) {
      for (const id of filter.ids) await this.getDeadLetter(identity, id);
    } else this.assertFilterAllowed(identity, filter);
    return this.store.deleteDeadLetters(filter);
  }

  /**
   * Sends dead letters through their spec again (as it is now): each one that is accepted is
   * deleted; each one rejected again stays, with its new reason and one more attempt.
   */
  async redrive(
    identity: Identity,
    letters: DeadLetterRecord[],
  ): Promise<{ redriven: number; failed: number; deadLetters: string[] }> {
    if (identity.readOnly) throw errors.readOnlyIdentity();
    let redriven = 0;
    const failed: DeadLetterRecord[] = [];
    const bySpec = new Map<string, DeadLetterRecord[]>();
    for (const letter of letters)
      bySpec.set(letter.specId, [...(bySpec.get(letter.specId) ?? []), letter]);
    for (const [specId, group] of bySpec) {
      const loaded = this.specs.get(specId);
      if (!loaded) {
        for (const letter of group)
          failed.push({
            ...letter,
            attempts: letter.attempts + 1,
            reason: 'spec.notfound',
            detail: `the spec '${specId}' no longer exists`,
          });
        continue;
      }
      const messages = group.map((letter) => this.messageOf(letter, loaded.compiled));
      const again = new Map<RawMessage, { reason: string; detail: string }>();
      const results = await this.process(loaded, messages, (message, reason, detail) =>
        again.set(message, { reason, detail }),
      );
      results.forEach((ok, i) => {
        const letter = group[i];
        const failure = again.get(messages[i]);
        if (ok || failure === undefined) redriven++;
        else failed.push({ ...letter, attempts: letter.attempts + 1, ...failure });
      });
    }
    await this.store.putDeadLetters(failed);
    const failedIds = new Set(failed.map((l) => l.id));
    const done = letters.filter((l) => !failedIds.has(l.id)).map((l) => l.id);
    if (done.length > 0) await this.store.deleteDeadLetters({ ids: done });
    for (const letter of failed) this.options.deadLettered?.(letter.specId, letter.reason);
    return { redriven, failed: failed.length, deadLetters: failed.map((l) => l.id) };
  }

  /**
   * The message a dead letter holds, as its transport received it: with what its topic, subject
   * or routing key offers the spec's thingId template (`{{topic.<name>}}`, `{{subject.<n>}}`).
   */
  private messageOf(letter: DeadLetterRecord, spec: CompiledSpec): RawMessage {
    const raw =
      letter.encoding === 'base64'
        ? Buffer.from(letter.payload, 'base64').toString('utf8')
        : letter.payload;
    const message: RawMessage = {
      raw: letter.payload,
      transport: letter.transport,
      topic: letter.topic,
      headers: letter.headers,
      context: { headers: letter.headers },
      received: letter.received,
    };
    const context = topicContext(
      spec.source,
      spec.filter ?? undefined,
      letter.topic,
      letter.headers,
    );
    if (typeof context === 'string') {
      // The spec's filter changed since: the topic no longer matches it.
      message.parseError = context;
      return message;
    }
    message.context = context;
    try {
      message.payload = JSON.parse(raw);
    } catch (error) {
      message.parseError = (error as Error).message;
    }
    return message;
  }

  /** Dead letters to redrive by id, checked like a read. */
  async letterById(identity: Identity, id: string): Promise<DeadLetterRecord> {
    return this.getDeadLetter(identity, id);
  }

  /** Every dead letter of a spec (to redrive them all), in pages. */
  async lettersOf(identity: Identity, filter: DeadLetterFilter): Promise<DeadLetterRecord[]> {
    this.assertFilterAllowed(identity, filter);
    const all: DeadLetterRecord[] = [];
    let after: string | undefined;
    for (;;) {
      const page = await this.store.listDeadLetters({ ...filter, after, limit: 1000 });
      all.push(...page);
      if (page.length < 1000) return all;
      after = page[page.length - 1].id;
    }
  }
}

/** What a Ditto Protocol message would do (`…/test`): the command or acknowledgement, or why not. */
function protocolTest(spec: CompiledSpec, message: RawMessage): TestOutcome {
  const reading = readProtocolMessage(spec, message);
  if (!reading.ok)
    return { ok: false, errors: [{ reason: reading.reason, at: '/', detail: reading.detail }] };
  if ('ack' in reading) {
    const { label, message: ack } = reading.ack;
    const [namespace, name] = ack.topic.split('/');
    return {
      ok: true,
      acknowledgement: {
        label,
        thingId: `${namespace}:${name}`,
        correlationId: ack.headers['correlation-id'],
        status: ack.status ?? 200,
      },
    };
  }
  const { command } = reading;
  const view: { topic: string; thingId: string; action: string; path: string; value?: JsonValue } =
    {
      topic: command.topic,
      thingId: command.thingId,
      action: command.action,
      path: commandPath(command),
    };
  if (command.value !== undefined) view.value = command.value;
  return { ok: true, command: view };
}
