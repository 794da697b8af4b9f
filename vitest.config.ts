// Vitest: unit tests sit next to their sources (src/**/*.test.ts); end-to-end suites live in test/.
// Under CI a JSON report is written too, so .ci/run can print the pass/fail counts.
import { defineConfig } from 'vitest/config';

const ciReport = process.env.TWINFOLD_TEST_REPORT;

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    reporters: ciReport ? ['default', ['json', { outputFile: ciReport }]] : ['default'],
  },
});
