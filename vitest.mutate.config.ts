// The tests Stryker runs against each mutant (`npm run mutate`): the unit and in-process suites of the
// mutated modules, without the slow socket and fleet suites that cover them only incidentally.
import { defineConfig } from 'vitest/config';
import base from './vitest.config.js';

// Not mergeConfig: it would append to the base include list instead of replacing it.
export default defineConfig({
  ...base,
  test: {
    ...base.test,
    include: [
      'test/config/**/*.test.ts',
      'test/credentials/refreshing*.test.ts',
      'test/signing/**/*.test.ts',
      'test/server/scim-*.test.ts',
      'test/server/provisioning-*.test.ts',
      'test/mutation/**/*.test.ts',
    ],
  },
});
