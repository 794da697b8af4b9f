// Acknowledgement labels as Ditto writes them, and the ones Twinfold issues itself.

/** Ditto's acknowledgement label syntax (AcknowledgementLabels.ACK_LABEL_REGEX). */
const ACK_LABEL = /^(\{\{\s*[a-z]+:[a-z]+\s*}}:)?[a-zA-Z0-9\-_:]{3,165}$/;

/** Labels Twinfold issues itself: no subscriber (socket or spec) may declare them. */
export const RESERVED_ACK_LABELS: readonly string[] = [
  'twin-persisted',
  'search-persisted',
  'live-response',
];

/** True when `label` is an acknowledgement label (`device-applied`, `my-app:done`). */
export function isAckLabel(label: unknown): label is string {
  return typeof label === 'string' && ACK_LABEL.test(label);
}
