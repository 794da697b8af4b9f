// The WebSocket implementation of the device channel: live signals go to the sockets that asked
// for them (START-SEND-MESSAGES, -LIVE-COMMANDS, -LIVE-EVENTS) and whose identity may READ them.
import type { Identity } from '../auth/identity.js';
import type { JsonObject } from '../core/json.js';
import type { FilterNode } from '../rql/ast.js';
import { evaluateFilter } from '../rql/evaluate.js';
import type { DeviceChannel, LiveKind, LiveSignal } from '../messaging/device-channel.js';

/** What one socket asked for of one kind of live signal. */
export interface LiveSelection {
  namespaces?: ReadonlySet<string>;
  /** RQL over the twin as the subscriber may read it (Ditto filters live signals by the thing). */
  filter?: FilterNode;
}

/** One socket, as the channel sees it. */
export interface LiveSubscriber {
  identity(): Identity;
  readonly selections: Map<LiveKind, LiveSelection>;
  /** Sends a text frame; false when the socket is gone. */
  send(text: string): boolean;
}

export interface LiveAccess {
  /** May `identity` READ `resource` (`message:/…` or `thing:/…`) of the thing? */
  mayRead(identity: Identity, thingId: string, resource: string): boolean;
  /** The twin as `identity` may read it (for filters); null when it may read none of it. */
  twinView(identity: Identity, thingId: string): JsonObject | null;
}

export class WebSocketLiveChannel implements DeviceChannel {
  readonly name = 'websocket';
  private readonly subscribers = new Set<LiveSubscriber>();

  constructor(private readonly access: LiveAccess) {}

  add(subscriber: LiveSubscriber): void {
    this.subscribers.add(subscriber);
  }

  remove(subscriber: LiveSubscriber): void {
    this.subscribers.delete(subscriber);
  }

  publish(signal: LiveSignal): Promise<number> {
    let reached = 0;
    let text: string | null = null;
    const namespace = signal.thingId.slice(0, signal.thingId.indexOf(':'));
    for (const subscriber of this.subscribers) {
      const selection = subscriber.selections.get(signal.kind);
      if (!selection) continue;
      if (selection.namespaces && !selection.namespaces.has(namespace)) continue;
      const identity = subscriber.identity();
      if (!this.access.mayRead(identity, signal.thingId, signal.resource)) continue;
      if (selection.filter) {
        const twin = this.access.twinView(identity, signal.thingId);
        if (!twin || !evaluateFilter(selection.filter, twin)) continue;
      }
      text ??= JSON.stringify(signal.message);
      if (subscriber.send(text)) reached++;
    }
    return Promise.resolve(reached);
  }
}
