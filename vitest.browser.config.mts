import { defineConfig } from 'vitest/config';
import base from './vitest.config.mts';

/**
 * The browser tests: a real Chromium (Debian's /usr/bin/chromium, driven by
 * playwright-core) against a real server. Kept out of `npm test`, whose
 * include (`test/**\/*.test.ts`) does not match `*.browser.ts`.
 * Run with `npm run test:browser`; .ci/run installs Chromium first.
 */
export default defineConfig({
  ...base,
  test: {
    ...base.test,
    include: ['test/browser/**/*.browser.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    maxWorkers: 1,
  },
});
