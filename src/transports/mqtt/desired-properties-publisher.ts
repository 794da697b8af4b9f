// Publishes each committed change of a feature's desiredProperties to the thing's command topic (its
// spec's, or `devices/{thingId}/commands`), and each twin event a write asks the devices of a spec to
// acknowledge (`requested-acks`) to theirs.
import type { TwinEvent } from '../../core/events.js';
import type { JsonValue } from '../../core/json.js';
import { commandTopic, type DeviceCommandChannel } from '../../ingest/device-command-channel.js';
import type {
  CommittedEventStream,
  EventSubscription,
} from '../../runtime/committed-event-stream.js';
import { eventEnvelope } from '../../streams/ditto-protocol.js';
import type { Identity } from '../../auth/identity.js';
import { formatPointer } from '../../core/json-pointer.js';
import type { ReplySink } from '../../messaging/device-channel.js';
import type { CommandRoutes } from './command-routes.js';

function isObject(value: JsonValue | undefined): value is Record<string, JsonValue> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Whether an event changes some feature's desiredProperties (directly, or within a larger value). */
export function changesDesiredProperties(event: TwinEvent): boolean {
  const [root, , part] = event.path;
  if (event.path.length >= 3) return root === 'features' && part === 'desiredProperties';
  if (event.action === 'deleted') return false;
  const value = event.value;
  if (event.path.length === 2)
    return root === 'features' && isObject(value) && value.desiredProperties !== undefined;
  const features = event.path.length === 0 ? (isObject(value) ? value.features : undefined) : value;
  if (event.path.length === 1 && root !== 'features') return false;
  if (!isObject(features)) return false;
  return Object.values(features).some((f) => isObject(f) && f.desiredProperties !== undefined);
}

export interface PublisherLogger {
  warn(object: object, message: string): void;
}

/** What publishing events for acknowledgement needs: who owns a thing's commands, and rights. */
export interface AckPublishing {
  routes: Pick<CommandRoutes, 'ownerOf' | 'commandTopicOf'>;
  /** Whether the spec owner may READ the event's resource (`thing:/attributes/a`). */
  mayRead(identity: Identity, thingId: string, resource: string): boolean;
  /** Where the weak acknowledgements of events the owner may not read go. */
  sink: Pick<ReplySink, 'acknowledge'>;
}

/**
 * Reads the committed-event stream from now on, in its own loop (never in the commit path), and
 * publishes each desiredProperties change, as its Ditto Protocol event, to the command topic of the
 * spec that owns the thing's commands, or to `devices/{thingId}/commands` when none does.
 */
export class DesiredPropertiesPublisher {
  private readonly subscription: EventSubscription;
  readonly done: Promise<void>;

  constructor(
    events: CommittedEventStream,
    private readonly channel: DeviceCommandChannel,
    private readonly logger: PublisherLogger,
    private readonly routes: Pick<CommandRoutes, 'ownerOf' | 'commandTopicOf'>,
    private readonly acks: AckPublishing | null = null,
  ) {
    this.subscription = events.subscribe();
    this.done = this.run();
  }

  private async run(): Promise<void> {
    try {
      for await (const event of this.subscription) {
        const acked = event.ackRequest === undefined ? null : this.publishForAcks(event);
        if (!changesDesiredProperties(event)) continue;
        const owner = this.routes.ownerOf(event.thingId);
        const topic =
          owner === null
            ? commandTopic(event.thingId)
            : this.routes.commandTopicOf(owner, event.thingId);
        if (acked === topic) continue;
        this.send(topic, JSON.stringify(eventEnvelope(event)), owner?.qos ?? 1, event.thingId);
      }
    } catch (error) {
      this.logger.warn({ err: error }, 'the MQTT command publisher stopped reading events');
    }
  }

  /**
   * Publishes an event whose write requests labels that the devices of the thing's spec declare
   * (`commands.acks`) on the spec's command topic, with the `correlation-id` and `requested-acks`
   * the devices answer with; returns the topic, or null when it went to none. As in Ditto, labels
   * of an event the spec's owner may not READ are acknowledged weakly at once.
   */
  private publishForAcks(event: TwinEvent): string | null {
    const request = event.ackRequest;
    if (this.acks === null || request === undefined) return null;
    const owner = this.acks.routes.ownerOf(event.thingId);
    const declared = owner?.spec.commands?.acks ?? [];
    const labels = request.labels.filter((label) => declared.includes(label));
    if (owner === null || labels.length === 0) return null;
    const resource = `thing:${formatPointer(event.path)}`;
    if (!this.acks.mayRead(owner.owner, event.thingId, resource)) {
      const headers = { 'correlation-id': request.correlationId, 'ditto-weak-ack': 'true' };
      for (const label of labels)
        this.acks.sink.acknowledge(label, { topic: '', headers, path: '/', status: 200 });
      return null;
    }
    const envelope = eventEnvelope(event);
    envelope.headers['correlation-id'] = request.correlationId;
    envelope.headers['requested-acks'] = JSON.stringify(labels);
    const topic = this.acks.routes.commandTopicOf(owner, event.thingId);
    this.send(topic, JSON.stringify(envelope), owner.qos, event.thingId);
    return topic;
  }

  private send(topic: string, payload: string, qos: 0 | 1, thingId: string): void {
    this.channel
      .publish(topic, payload, qos)
      .catch((error: unknown) =>
        this.logger.warn(
          { err: error, thingId, topic },
          'a twin event for the device could not be published over MQTT',
        ),
      );
  }

  async close(): Promise<void> {
    await this.subscription.return();
    await this.done;
  }
}
