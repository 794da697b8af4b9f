// What a transport's topic, subject or routing key offers a thingId template (`topic.<name>`, `subject.<n>`).
import type { SourceKind } from './spec.js';
import type { MessageContext } from './template.js';

/**
 * The named segments of an MQTT topic under a filter whose `+name` and `#name` segments are named
 * (`devices/+thingId/telemetry`); null when the topic does not match the filter.
 *
 * @example
 * matchMqttTopic('devices/+thingId/telemetry', 'devices/ns:d1/telemetry') // { thingId: 'ns:d1' }
 */
export function matchMqttTopic(filter: string, topic: string): Record<string, string> | null {
  const want = filter.split('/');
  const have = topic.split('/');
  const named: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    const segment = want[i];
    if (segment.startsWith('#')) {
      if (segment.length > 1) named[segment.slice(1)] = have.slice(i).join('/');
      return named;
    }
    if (i >= have.length) return null;
    if (segment.startsWith('+')) {
      if (segment.length > 1) named[segment.slice(1)] = have[i];
    } else if (segment !== have[i]) return null;
  }
  return want.length === have.length ? named : null;
}

/** The template context of a message that came with `topic` over a spec's source. */
export function topicContext(
  source: SourceKind,
  filter: string | undefined,
  topic: string | null,
  headers: Record<string, string>,
): MessageContext | string {
  const context: MessageContext = { headers };
  if (topic === null || source === 'http') return context;
  if (source === 'mqtt') {
    const named = filter === undefined ? {} : matchMqttTopic(filter, topic);
    if (named === null) return `the topic '${topic}' does not match the spec's filter '${filter}'`;
    context.topic = named;
  } else if (source === 'nats') context.subject = topic.split('.');
  else if (source === 'amqp') {
    // The routing key: whole as `topic.routingKey`, and its dot-separated words as `subject.<n>`.
    context.topic = { routingKey: topic };
    context.subject = topic.split('.');
  }
  return context;
}
