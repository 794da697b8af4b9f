// NATS names Twinfold checks and makes: subscription subjects, stream names, durable consumer
// names of specs, and the subjects events are published on.
import { createHash } from 'node:crypto';

/** Why a subject cannot be subscribed to, or null when it can (`*` and a last `>` are wildcards). */
export function subjectProblem(subject: string): string | null {
  if (/\s/.test(subject)) return `the subject '${subject}' contains white space`;
  const tokens = subject.split('.');
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i];
    if (token === '') return `the subject '${subject}' has an empty token`;
    if (token === '>' && i !== tokens.length - 1)
      return `'>' must be the last token of the subject '${subject}'`;
    if (token.length > 1 && /[*>]/.test(token))
      return `'*' and '>' are whole tokens, not parts of '${token}'`;
  }
  return null;
}

/** Why a name is no JetStream stream name, or null. */
export function streamProblem(stream: string): string | null {
  return /^[^\s.*>/\\]{1,255}$/.test(stream)
    ? null
    : `'${stream}' is not a JetStream stream name (no white space, '.', '*', '>', '/' or '\\')`;
}

/** The durable consumer a spec reads its stream with: `twinfold-<specId>`, made safe for NATS. */
export function consumerName(specId: string): string {
  const safe = specId.replace(/[^A-Za-z0-9_-]/g, '_');
  if (safe === specId) return `twinfold-${specId}`;
  // Two spec ids that differ only in replaced characters get different consumers.
  const hash = createHash('sha256').update(specId).digest('hex').slice(0, 8);
  return `twinfold-${safe}-${hash}`;
}

/** One subject token from text: characters NATS gives a meaning (`.`, `*`, `>`, space) are %-escaped. */
function token(text: string): string {
  return text.replace(
    /[%.*>\s]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`,
  );
}

/**
 * The subject of an event of `thingId`: `<prefix>.<namespace>.<name>`. The namespace keeps its
 * dots (so `twinfold.events.org.acme.>` selects a namespace and those below it); the name is one
 * token, its `.`, `*`, `>`, `%` and white space escaped as `%2E`, `%2A`, `%3E`, `%25`, `%20`.
 *
 * @example
 * eventSubject('twinfold.events', 'org.acme:pump.7') // 'twinfold.events.org.acme.pump%2E7'
 */
export function eventSubject(prefix: string, thingId: string): string {
  const colon = thingId.indexOf(':');
  const namespace = thingId.slice(0, colon);
  const name = thingId.slice(colon + 1);
  const ns = namespace === '' ? '_' : namespace.split('.').map(token).join('.');
  return `${prefix}.${ns}.${name === '' ? '_' : token(name)}`;
}
