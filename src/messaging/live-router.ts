// Routes live signals to the device channels attached (WebSocket now, MQTT later) and their replies
// and acknowledgements back to the requests waiting for them.
import type { DeviceChannel, LiveSignal, ProtocolMessage, ReplySink } from './device-channel.js';
import { AckRequests } from './ack-aggregation.js';
import { PendingReplies } from './pending-replies.js';

export class LiveRouter implements ReplySink {
  /** Requests (messages, live commands) waiting for a response, by correlation-id. */
  readonly replies = new PendingReplies<ProtocolMessage>();
  /** Writes waiting for custom acknowledgements, by correlation-id. */
  readonly acks = new AckRequests();
  private readonly channels = new Set<DeviceChannel>();

  /** Attaches a channel; returns how to detach it. */
  attach(channel: DeviceChannel): () => void {
    this.channels.add(channel);
    return () => this.channels.delete(channel);
  }

  /** Publishes a signal on every channel; resolves with how many recipients it reached in all. */
  async publish(signal: LiveSignal): Promise<number> {
    const counts = await Promise.all([...this.channels].map((channel) => channel.publish(signal)));
    return counts.reduce((sum, count) => sum + count, 0);
  }

  reply(message: ProtocolMessage): boolean {
    const id = message.headers['correlation-id'];
    return id !== undefined && this.replies.complete(id, message);
  }

  acknowledge(label: string, message: ProtocolMessage): boolean {
    const id = message.headers['correlation-id'];
    if (id === undefined) return false;
    const ack = { status: message.status ?? 200, headers: message.headers } as {
      status: number;
      headers: Record<string, string>;
      payload?: ProtocolMessage['value'];
    };
    if (message.value !== undefined) ack.payload = message.value;
    return this.acks.issue(id, label, ack);
  }
}
