import { describe, expect, it } from 'vitest';
import { contentTag, parseEntityTags, strongMatch, weakMatch } from './etag.js';

describe('entity tags', () => {
  it('parses lists, weak tags and *; rejects unquoted tags', () => {
    expect(parseEntityTags('"rev:1", W/"rev:2",*')).toEqual([
      { weak: false, tag: '"rev:1"' },
      { weak: true, tag: '"rev:2"' },
      { weak: false, tag: '*' },
    ]);
    expect(parseEntityTags('rev:1')).toBeNull();
    expect(parseEntityTags('"a*"')).toBeNull();
  });

  it('If-Match compares strongly, If-None-Match weakly', () => {
    const weak = parseEntityTags('W/"rev:1"')!;
    expect(strongMatch(weak, '"rev:1"')).toBe(false);
    expect(weakMatch(weak, '"rev:1"')).toBe(true);
    expect(strongMatch(parseEntityTags('*')!, null)).toBe(false);
  });

  it('content tags depend on content only', () => {
    expect(contentTag({ a: 1 })).toBe(contentTag({ a: 1 }));
    expect(contentTag({ a: 1 })).not.toBe(contentTag({ a: 2 }));
  });

  it('content tags stay the same across versions (clients keep them for If-Match)', () => {
    expect(contentTag(21.5)).toBe('"hash:545694a9"');
    expect(contentTag({ a: [1, 'x'] })).toBe('"hash:6f7b3ff1"');
    expect(contentTag('\u00e9')).toBe('"hash:507809f2"');
  });
});
