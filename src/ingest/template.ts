// thingId templates: literal text with `{{topic.<name>}}`, `{{subject.<n>}}`, `{{header.<name>}}` and `{{$.path}}`.
import { compileJsonPath, JsonPathError, readPath, type JsonPath } from './json-path.js';

/** One part of a template: literal text or a placeholder. */
export type TemplatePart =
  | { kind: 'text'; text: string }
  | { kind: 'topic'; name: string }
  | { kind: 'subject'; index: number }
  | { kind: 'header'; name: string }
  | { kind: 'path'; path: JsonPath };

export interface Template {
  readonly text: string;
  readonly parts: readonly TemplatePart[];
  /** The namespace when the text before the first `:` is literal; null when a placeholder can make it. */
  readonly namespace: string | null;
}

/** Why a template does not compile, and at which character. */
export class TemplateError extends Error {
  override readonly name = 'TemplateError';
  constructor(
    readonly template: string,
    readonly position: number,
    detail: string,
  ) {
    super(`${detail} at character ${position} of template '${template}'`);
  }
}

/** What a message offers a template besides its payload. */
export interface MessageContext {
  /** Named segments of the MQTT topic filter (`+thingId` → `topic.thingId`). */
  topic?: Record<string, string>;
  /** The NATS subject's tokens (`subject.0` is the first). */
  subject?: string[];
  /** Headers, by lower-case name. */
  headers?: Record<string, string | string[] | undefined>;
}

const PLACEHOLDER_NAME = /^[A-Za-z0-9_.-]+$/;

/**
 * Compiles a template; throws {@link TemplateError} saying where it fails.
 *
 * @example
 * compileTemplate('fleet:{{$.vin}}').namespace // 'fleet'
 */
export function compileTemplate(text: string): Template {
  if (typeof text !== 'string' || text === '')
    throw new TemplateError(String(text), 0, 'the template is empty');
  const parts: TemplatePart[] = [];
  let i = 0;
  while (i < text.length) {
    const open = text.indexOf('{{', i);
    const closeStray = text.indexOf('}}', i);
    if (closeStray >= 0 && (open < 0 || closeStray < open))
      throw new TemplateError(text, closeStray, "'}}' without '{{'");
    if (open < 0) {
      parts.push({ kind: 'text', text: text.slice(i) });
      break;
    }
    if (open > i) parts.push({ kind: 'text', text: text.slice(i, open) });
    const close = text.indexOf('}}', open + 2);
    if (close < 0) throw new TemplateError(text, open, "'{{' is not closed");
    const inner = text.slice(open + 2, close).trim();
    parts.push(placeholder(text, open + 2, inner));
    i = close + 2;
  }
  return { text, parts, namespace: literalNamespace(parts) };
}

function placeholder(text: string, at: number, inner: string): TemplatePart {
  if (inner.startsWith('$')) {
    try {
      const path = compileJsonPath(inner);
      if (path.many) throw new TemplateError(text, at, `'${inner}' selects a list, not one value`);
      return { kind: 'path', path };
    } catch (error) {
      if (error instanceof JsonPathError) throw new TemplateError(text, at, error.message);
      throw error;
    }
  }
  const dot = inner.indexOf('.');
  const scope = dot < 0 ? inner : inner.slice(0, dot);
  const name = dot < 0 ? '' : inner.slice(dot + 1);
  if (name === '' || !PLACEHOLDER_NAME.test(name))
    throw new TemplateError(
      text,
      at,
      `'{{${inner}}}' is not a placeholder (use topic.<name>, subject.<n>, header.<name> or a JSONPath like $.vin)`,
    );
  if (scope === 'topic') return { kind: 'topic', name };
  if (scope === 'header') return { kind: 'header', name: name.toLowerCase() };
  if (scope === 'subject') {
    if (!/^\d+$/.test(name))
      throw new TemplateError(
        text,
        at,
        `subject.${name}: the subject token is a number (subject.0)`,
      );
    return { kind: 'subject', index: Number(name) };
  }
  throw new TemplateError(
    text,
    at,
    `'${scope}' is not a placeholder scope (use topic, subject, header or $)`,
  );
}

function literalNamespace(parts: readonly TemplatePart[]): string | null {
  let literal = '';
  for (const part of parts) {
    if (part.kind !== 'text') return null;
    const colon = part.text.indexOf(':');
    if (colon >= 0) return literal + part.text.slice(0, colon);
    literal += part.text;
  }
  return null;
}

/** The result of filling a template: the text, or which placeholder had no value. */
export type Filled = { ok: true; value: string } | { ok: false; missing: string };

function textOf(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value === 'boolean') return String(value);
  return undefined;
}

/** Fills a template from a message (element and whole payload) and its context. */
export function fillTemplate(
  template: Template,
  element: unknown,
  message: unknown,
  context: MessageContext,
): Filled {
  let out = '';
  for (const part of template.parts) {
    let value: string | undefined;
    switch (part.kind) {
      case 'text':
        out += part.text;
        continue;
      case 'topic':
        value = context.topic?.[part.name];
        if (value === undefined) return { ok: false, missing: `topic.${part.name}` };
        break;
      case 'subject':
        value = context.subject?.[part.index];
        if (value === undefined) return { ok: false, missing: `subject.${part.index}` };
        break;
      case 'header': {
        const header = context.headers?.[part.name];
        value = Array.isArray(header) ? header[0] : header;
        if (value === undefined) return { ok: false, missing: `header.${part.name}` };
        break;
      }
      case 'path':
        value = textOf(readPath(part.path, element, message));
        if (value === undefined || value === '') return { ok: false, missing: part.path.text };
        break;
    }
    out += value;
  }
  return { ok: true, value: out };
}
