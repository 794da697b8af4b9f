import { describe, expect, it } from 'vitest';
import { withoutTsxLoader } from './worker-entry.js';

describe('worker entry', () => {
  it("passes a worker the process's Node flags without tsx's loader", () => {
    expect(
      withoutTsxLoader(['--import', 'tsx', '--cpu-prof', '--import=tsx', '--import', './x.js']),
    ).toEqual(['--cpu-prof', '--import', './x.js']);
    expect(withoutTsxLoader(['--max-old-space-size=512'])).toEqual(['--max-old-space-size=512']);
  });
});
