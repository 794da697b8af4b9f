// Publishes each committed change of a feature's desiredProperties to the thing's command topic.
import type { TwinEvent } from '../../core/events.js';
import type { JsonValue } from '../../core/json.js';
import { commandTopic, type DeviceCommandChannel } from '../../ingest/device-command-channel.js';
import type {
  CommittedEventStream,
  EventSubscription,
} from '../../runtime/committed-event-stream.js';
import { eventEnvelope } from '../../streams/ditto-protocol.js';

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

/**
 * Reads the committed-event stream from now on, in its own loop (never in the commit path), and
 * publishes each desiredProperties change, as its Ditto Protocol event, to `devices/{thingId}/commands`.
 */
export class DesiredPropertiesPublisher {
  private readonly subscription: EventSubscription;
  readonly done: Promise<void>;

  constructor(
    events: CommittedEventStream,
    private readonly channel: DeviceCommandChannel,
    private readonly logger: PublisherLogger,
  ) {
    this.subscription = events.subscribe();
    this.done = this.run();
  }

  private async run(): Promise<void> {
    try {
      for await (const event of this.subscription) {
        if (!changesDesiredProperties(event)) continue;
        const payload = JSON.stringify(eventEnvelope(event));
        this.channel
          .publish(commandTopic(event.thingId), payload, 1)
          .catch((error: unknown) =>
            this.logger.warn(
              { err: error, thingId: event.thingId },
              'a desiredProperties command could not be published over MQTT',
            ),
          );
      }
    } catch (error) {
      this.logger.warn({ err: error }, 'the MQTT command publisher stopped reading events');
    }
  }

  async close(): Promise<void> {
    await this.subscription.return();
    await this.done;
  }
}
