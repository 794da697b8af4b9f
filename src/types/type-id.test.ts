import { describe, expect, it } from 'vitest';
import { parseTypeId } from './type-id.js';
import { caught } from './type-test-support.js';

describe('parseTypeId', () => {
  it('splits namespace, name and version', () => {
    expect(parseTypeId('dc:rack:1.0.0')).toEqual({
      namespace: 'dc',
      name: 'rack',
      version: '1.0.0',
    });
    expect(parseTypeId('org.eclipse-x:pdu_2:v3')).toEqual({
      namespace: 'org.eclipse-x',
      name: 'pdu_2',
      version: 'v3',
    });
  });

  it('refuses ids that are not namespace:name:version with a 400 types:id.invalid', () => {
    for (const id of [
      '',
      'dc:rack',
      'dc:rack:1:2',
      ':rack:1',
      'dc::1',
      'dc:rack:',
      'dc:ra/ck:1',
      'dc:rack:1/0',
      '1dc:rack:1',
      'dc..x:rack:1',
      'dc:ra ck:1',
      'dc:rack:1\u0000',
      `dc:${'x'.repeat(260)}:1`,
    ]) {
      const err = caught(() => parseTypeId(id));
      expect([err.status, err.code], id).toEqual([400, 'types:id.invalid']);
    }
  });
});
