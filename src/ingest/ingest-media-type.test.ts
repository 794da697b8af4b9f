// ingestMediaType: the media type of an ingest body; a charset other than UTF-8 is a 415.
import { describe, expect, it } from 'vitest';
import { ingestMediaType } from './ingest-media-type.js';

describe('ingestMediaType', () => {
  it('is the lower-case media type, with or without a UTF-8 charset', () => {
    expect(ingestMediaType(undefined)).toBe('');
    expect(ingestMediaType('APPLICATION/JSON')).toBe('application/json');
    expect(ingestMediaType('application/x-ndjson; charset=UTF-8')).toBe('application/x-ndjson');
    expect(ingestMediaType('application/json;charset="utf8"')).toBe('application/json');
  });

  it('refuses another charset with a 415 naming it', () => {
    expect(() => ingestMediaType('application/json; charset=latin1')).toThrow(
      expect.objectContaining({ status: 415, message: expect.stringContaining('latin1') }),
    );
  });
});
