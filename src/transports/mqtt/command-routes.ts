// Which spec owns a thing's commands, its command and response topics, and who may use them on MQTT.
import type { Identity } from '../../auth/identity.js';
import {
  commandTopicFilter,
  compileCommandTopic,
  fillCommandTopic,
  filterOverlap,
  filterWithin,
  matchCommandTopic,
  templateLiteralLength,
  templateMatcher,
  type CommandTopic,
} from '../../ingest/command-topic.js';
import type { IngestService } from '../../ingest/ingest-service.js';
import { DEFAULT_COMMANDS, type CompiledSpec } from '../../ingest/spec.js';
import { brokerFilter } from './topic-router.js';

/** A spec with `commands`, compiled for routing. */
export interface CommandSpec {
  spec: CompiledSpec;
  owner: Identity;
  topic: CommandTopic;
  responseTopic: CommandTopic;
  qos: 0 | 1;
  produces: RegExp;
  specificity: number;
}

/** A topic Twinfold knows as a command or response topic, and the thing it is about. */
export interface CommandTopicMatch {
  kind: 'command' | 'response';
  thingId: string;
  /** The spec of the template; null for the default command topic of desiredProperties. */
  spec: CommandSpec | null;
}

/** Who is on the other end of an MQTT connection. */
export type MqttParty = { anonymous: true } | { anonymous: false; identity: Identity };

function namespaceOf(thingId: string): string {
  const colon = thingId.indexOf(':');
  return colon < 0 ? thingId : thingId.slice(0, colon);
}

/** The default command topic: desiredProperties changes go there for every twin. */
const DEFAULT_TOPIC = compileCommandTopic(DEFAULT_COMMANDS.topic);

/**
 * The rule of ownership: a thing's commands belong to the spec with a `commands` section whose
 * thingId template can produce the thing's id; when several can, the one with the most literal
 * characters in its template (the most specific) wins, then the first by spec id. The rule needs no
 * state: it holds for twins created over the API, and after a restart, exactly as for twins
 * created by the spec's telemetry.
 */
export class CommandRoutes {
  private version = -1;
  private specs: CommandSpec[] = [];

  constructor(
    private readonly ingest: IngestService,
    /** Specs whose topics clients without a token may use (the demo's). */
    private readonly anonymousSpecs: ReadonlySet<string> = new Set(),
  ) {}

  private current(): CommandSpec[] {
    if (this.version !== this.ingest.specsVersion) {
      this.version = this.ingest.specsVersion;
      this.specs = this.ingest.commandSpecs().map(({ spec, owner }) => {
        const commands = spec.commands!;
        return {
          spec,
          owner,
          topic: compileCommandTopic(commands.topic),
          responseTopic: compileCommandTopic(commands.responseTopic),
          qos: commands.qos,
          produces: templateMatcher(spec.thingId),
          specificity: templateLiteralLength(spec.thingId),
        };
      });
    }
    return this.specs;
  }

  /** The spec that owns `thingId`'s commands, or null (then nothing goes to its device over MQTT). */
  ownerOf(thingId: string): CommandSpec | null {
    let best: CommandSpec | null = null;
    for (const candidate of this.current())
      if (
        candidate.produces.test(thingId) &&
        (best === null || candidate.specificity > best.specificity)
      )
        best = candidate;
    return best;
  }

  commandTopicOf(owner: CommandSpec, thingId: string): string {
    return fillCommandTopic(owner.topic, thingId);
  }

  /** The broker filters of every response topic, each once (what Twinfold subscribes to). */
  responseFilters(): string[] {
    return [...new Set(this.current().map((c) => commandTopicFilter(c.responseTopic)))].sort();
  }

  /** Every template Twinfold publishes on or listens to, with its kind. */
  private templates(): {
    kind: 'command' | 'response';
    topic: CommandTopic;
    spec: CommandSpec | null;
  }[] {
    const all: { kind: 'command' | 'response'; topic: CommandTopic; spec: CommandSpec | null }[] = [
      { kind: 'command', topic: DEFAULT_TOPIC, spec: null },
    ];
    for (const c of this.current()) {
      all.push({ kind: 'command', topic: c.topic, spec: c });
      all.push({ kind: 'response', topic: c.responseTopic, spec: c });
    }
    return all;
  }

  /** The command and response templates `topic` is a topic of (a topic may be several's). */
  match(topic: string): CommandTopicMatch[] {
    const matches: CommandTopicMatch[] = [];
    for (const t of this.templates()) {
      const thingId = matchCommandTopic(t.topic, topic);
      if (thingId !== null) matches.push({ kind: t.kind, thingId, spec: t.spec });
    }
    return matches;
  }

  /**
   * Whether `party` may see or send the commands and responses of `thingId`: a token of limited
   * namespaces those of its namespaces, an anonymous (demo) client those of the things the demo's
   * spec owns; any other token every thing's.
   */
  mayUse(party: MqttParty, thingId: string): boolean {
    if (party.anonymous) {
      const owner = this.ownerOf(thingId);
      return owner !== null && this.anonymousSpecs.has(owner.spec.specId);
    }
    const allowed = party.identity.namespaces;
    return allowed === null || allowed.includes(namespaceOf(thingId));
  }

  /** Whether `party` may publish on `topic` as far as command topics go (a read-only token sends nothing there). */
  mayPublish(party: MqttParty, topic: string): boolean {
    const matches = this.match(topic);
    if (matches.length === 0) return true;
    if (!party.anonymous && party.identity.readOnly) return false;
    return matches.every((m) => this.mayUse(party, m.thingId));
  }

  /**
   * Whether `party` may subscribe to `filter`. A filter that reaches no command or response topic
   * is any broker's business. One that does: a single thing's topic needs {@link mayUse} of it; a
   * wildcard over the thingId (every thing's topics) needs a token of every namespace. An anonymous
   * client may subscribe only within the demo spec's topics (its source and its command topics),
   * and receives on wildcards only what {@link mayReceive} lets through.
   */
  maySubscribe(party: MqttParty, filter: string, anonymousFilters: readonly string[]): boolean {
    if (party.anonymous && !anonymousFilters.some((cover) => filterWithin(filter, cover)))
      return false;
    for (const t of this.templates()) {
      const overlap = filterOverlap(t.topic, filter);
      if (overlap === null) continue;
      if (overlap.thingId !== null) {
        if (!this.mayUse(party, overlap.thingId)) return false;
      } else if (!party.anonymous && party.identity.namespaces !== null) return false;
    }
    return true;
  }

  /** The filters an anonymous client may subscribe within: the anonymous specs' topics. */
  anonymousFilters(mqttFilters: readonly CompiledSpec[]): string[] {
    const filters: string[] = [];
    for (const spec of mqttFilters)
      if (this.anonymousSpecs.has(spec.specId) && spec.filter !== null)
        filters.push(brokerFilter(spec.filter));
    for (const c of this.current())
      if (this.anonymousSpecs.has(c.spec.specId))
        filters.push(commandTopicFilter(c.topic), commandTopicFilter(c.responseTopic));
    return filters;
  }

  /** Whether a publish on `topic` may be forwarded to `party` (checked per message, for wildcards). */
  mayReceive(party: MqttParty, topic: string): boolean {
    return this.match(topic).every((m) => this.mayUse(party, m.thingId));
  }
}
