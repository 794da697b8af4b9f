// Command topic templates (`devices/{{thingId}}/commands`): checked, filled, matched, and compared with MQTT filters.
import type { Template } from './template.js';

export const THING_ID_PLACEHOLDER = '{{thingId}}';

/** A command topic template, split into MQTT segments, with where the thingId stands. */
export interface CommandTopic {
  readonly text: string;
  readonly segments: readonly string[];
  /** The index of the `{{thingId}}` segment. */
  readonly thingAt: number;
}

/** Why `text` is not a command topic template; null when it is. */
export function commandTopicProblem(text: unknown): string | null {
  if (typeof text !== 'string' || text === '') return 'a non-empty topic string is expected';
  if (text.startsWith('$')) return "a topic starting with '$' is the broker's own";
  if (/[+#\0]/.test(text)) return 'a topic to publish on has no wildcard (+, #)';
  const segments = text.split('/');
  const at = segments.filter((s) => s === THING_ID_PLACEHOLDER).length;
  if (at !== 1) return `'${THING_ID_PLACEHOLDER}' must be one whole segment of the topic, once`;
  const rest = segments.filter((s) => s !== THING_ID_PLACEHOLDER).join('/');
  if (rest.includes('{{') || rest.includes('}}'))
    return `only '${THING_ID_PLACEHOLDER}' is a placeholder here`;
  return null;
}

/** Compiles a template checked by {@link commandTopicProblem}. */
export function compileCommandTopic(text: string): CommandTopic {
  const segments = text.split('/');
  return { text, segments, thingAt: segments.indexOf(THING_ID_PLACEHOLDER) };
}

/** The topic of one thing. */
export function fillCommandTopic(topic: CommandTopic, thingId: string): string {
  return topic.segments.map((s, i) => (i === topic.thingAt ? thingId : s)).join('/');
}

/** The broker filter of every thing's topic (`devices/+/commands`). */
export function commandTopicFilter(topic: CommandTopic): string {
  return topic.segments.map((s, i) => (i === topic.thingAt ? '+' : s)).join('/');
}

/** The thingId a concrete topic is about, or null when it is not this template's. */
export function matchCommandTopic(topic: CommandTopic, text: string): string | null {
  const have = text.split('/');
  if (have.length !== topic.segments.length) return null;
  for (let i = 0; i < have.length; i++)
    if (i !== topic.thingAt && have[i] !== topic.segments[i]) return null;
  const thingId = have[topic.thingAt];
  return thingId === '' ? null : thingId;
}

/**
 * What an MQTT subscription filter takes of a template's topics: `null` when no topic of the
 * template matches the filter; `{thingId}` when only one thing's; `{thingId: null}` when a
 * wildcard covers the thingId segment (every thing's).
 */
export function filterOverlap(
  topic: CommandTopic,
  filter: string,
): { thingId: string | null } | null {
  const want = filter.split('/');
  let thingId: string | null = null;
  for (let i = 0; i < want.length; i++) {
    const segment = want[i];
    if (segment === '#') return i <= topic.thingAt ? { thingId: null } : { thingId };
    if (i >= topic.segments.length) return null;
    if (i === topic.thingAt) thingId = segment === '+' ? null : segment;
    else if (segment !== '+' && segment !== topic.segments[i]) return null;
  }
  return want.length === topic.segments.length ? { thingId } : null;
}

/** Whether every topic `filter` matches also matches `cover` (both MQTT filters). */
export function filterWithin(filter: string, cover: string): boolean {
  const want = filter.split('/');
  const have = cover.split('/');
  for (let i = 0; i < want.length; i++) {
    const c = have[i];
    if (c === undefined) return false;
    if (c.startsWith('#')) return true;
    if (c.startsWith('+')) {
      if (want[i] === '#') return false;
      continue;
    }
    if (want[i] !== c) return false;
  }
  return want.length === have.length;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** A test of whether a thingId template can produce `thingId` (each placeholder: some text). */
export function templateMatcher(template: Template): RegExp {
  const body = template.parts
    .map((p) => (p.kind === 'text' ? escapeRegExp(p.text) : '.+'))
    .join('');
  return new RegExp(`^${body}$`, 's');
}

/** How specific a template is: its literal characters (more wins when several can produce a thing). */
export function templateLiteralLength(template: Template): number {
  return template.parts.reduce((n, p) => n + (p.kind === 'text' ? p.text.length : 0), 0);
}
