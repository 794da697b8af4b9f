// NATS names: subjects that may be subscribed, consumer names of specs, event subjects.
import { describe, expect, it } from 'vitest';
import { consumerName, eventSubject, streamProblem, subjectProblem } from './nats-names.js';

describe('nats names', () => {
  it('accepts subjects with whole-token wildcards and refuses the others, saying why', () => {
    expect(subjectProblem('a.*.b')).toBeNull();
    expect(subjectProblem('a.>')).toBeNull();
    expect(subjectProblem('a.>.b')).toMatch(/last token/);
    expect(subjectProblem('a..b')).toMatch(/empty token/);
    expect(subjectProblem('a.b*')).toMatch(/whole tokens/);
    expect(subjectProblem('a b')).toMatch(/white space/);
    expect(streamProblem('EVENTS')).toBeNull();
    expect(streamProblem('a.b')).toMatch(/not a JetStream stream name/);
  });

  it('names the consumer of a spec safely and without collisions', () => {
    expect(consumerName('meters')).toBe('twinfold-meters');
    expect(consumerName('a.b')).toMatch(/^twinfold-a_b-[0-9a-f]{8}$/);
    expect(consumerName('a.b')).not.toBe(consumerName('a:b'));
  });

  it('puts an event on <prefix>.<namespace>.<name>, the name one escaped token', () => {
    expect(eventSubject('twinfold.events', 'org.acme:pump')).toBe('twinfold.events.org.acme.pump');
    expect(eventSubject('p', 'ns:a.b*c>d e%')).toBe('p.ns.a%2Eb%2Ac%3Ed%20e%25');
  });
});
