// The port through which Twinfold sends to devices (commands, messages): one MQTT broker or another.

/** Publishes a payload on a device-facing topic; resolves once the broker has taken it. */
export interface DeviceCommandChannel {
  publish(topic: string, payload: string | Buffer, qos: 0 | 1): Promise<void>;
}

/** The command topic of a thing, as in Ditto's MQTT examples. */
export function commandTopic(thingId: string): string {
  return `devices/${thingId}/commands`;
}
