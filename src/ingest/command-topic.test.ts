// Command topic templates: what is a template, and how filters and thingId templates relate to it.
import { describe, expect, it } from 'vitest';
import {
  commandTopicProblem,
  compileCommandTopic,
  filterOverlap,
  filterWithin,
  matchCommandTopic,
  templateLiteralLength,
  templateMatcher,
} from './command-topic.js';
import { compileTemplate } from './template.js';

const topic = compileCommandTopic('devices/{{thingId}}/commands');

describe('command topics', () => {
  it('accepts a template with {{thingId}} as one whole segment only', () => {
    expect(commandTopicProblem('devices/{{thingId}}/commands')).toBeNull();
    expect(commandTopicProblem('{{thingId}}')).toBeNull();
    expect(commandTopicProblem('devices/x{{thingId}}/commands')).toContain('one whole segment');
    expect(commandTopicProblem('a/{{thingId}}/{{thingId}}')).toContain('once');
    expect(commandTopicProblem('a/+/{{thingId}}')).toContain('wildcard');
    expect(commandTopicProblem('a/{{thingId}}/#')).toContain('wildcard');
    expect(commandTopicProblem('$SYS/{{thingId}}')).toContain("'$'");
    expect(commandTopicProblem('a/{{thingId}}/{{name}}')).toContain('only');
    expect(commandTopicProblem('')).not.toBeNull();
    expect(commandTopicProblem(3)).not.toBeNull();
  });

  it('reads the thingId of a concrete topic', () => {
    expect(matchCommandTopic(topic, 'devices/acme:d1/commands')).toBe('acme:d1');
    expect(matchCommandTopic(topic, 'devices/acme:d1/commands/response')).toBeNull();
    expect(matchCommandTopic(topic, 'devices//commands')).toBeNull();
    expect(matchCommandTopic(topic, 'other/acme:d1/commands')).toBeNull();
  });

  it('tells what a subscription filter takes of a template', () => {
    expect(filterOverlap(topic, 'devices/acme:d1/commands')).toEqual({ thingId: 'acme:d1' });
    expect(filterOverlap(topic, 'devices/+/commands')).toEqual({ thingId: null });
    expect(filterOverlap(topic, '#')).toEqual({ thingId: null });
    expect(filterOverlap(topic, 'devices/#')).toEqual({ thingId: null });
    expect(filterOverlap(topic, 'devices/acme:d1/#')).toEqual({ thingId: 'acme:d1' });
    expect(filterOverlap(topic, '+/acme:d1/+')).toEqual({ thingId: 'acme:d1' });
    expect(filterOverlap(topic, 'devices/+/telemetry')).toBeNull();
    expect(filterOverlap(topic, 'devices/+/commands/response')).toBeNull();
    expect(filterOverlap(topic, 'devices/+')).toBeNull();
  });

  it('tells whether a filter lies within another', () => {
    expect(filterWithin('devices/+/commands', 'devices/+/commands')).toBe(true);
    expect(filterWithin('devices/a:b/commands', 'devices/+thingId/commands')).toBe(true);
    expect(filterWithin('devices/a/b/c', 'devices/#')).toBe(true);
    expect(filterWithin('devices/#', 'devices/+/commands')).toBe(false);
    expect(filterWithin('#', 'devices/+/commands')).toBe(false);
    expect(filterWithin('devices/+/commands/x', 'devices/+/commands')).toBe(false);
    expect(filterWithin('devices/+', 'devices/+/commands')).toBe(false);
  });

  it('knows which thingIds a thingId template can produce, and how specific it is', () => {
    const acme = compileTemplate('acme:{{topic.name}}');
    const any = compileTemplate('{{topic.thingId}}');
    expect(templateMatcher(acme).test('acme:d1')).toBe(true);
    expect(templateMatcher(acme).test('acme:')).toBe(false);
    expect(templateMatcher(acme).test('fleet:d1')).toBe(false);
    expect(templateMatcher(compileTemplate('a.b:{{$.id}}-x')).test('aXb:1-x')).toBe(false);
    expect(templateMatcher(any).test('fleet:d1')).toBe(true);
    expect(templateLiteralLength(acme)).toBeGreaterThan(templateLiteralLength(any));
  });
});
