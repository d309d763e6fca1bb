import { fileURLToPath, pathToFileURL } from 'node:url';
import { defineConfig } from 'vitest/config';
import { LOGIN_WORKER_FOR_TESTS } from './test/helpers/login-worker-path.js';

const src = (path: string) => fileURLToPath(new URL(`./src/${path}`, import.meta.url));

export default defineConfig({
  resolve: {
    // Examples and tests import the package by its public name, as users do.
    alias: [
      { find: /^ubiq-idp\/server$/, replacement: src('server/index.ts') },
      { find: /^ubiq-idp\/testing$/, replacement: src('testing/index.ts') },
      { find: /^ubiq-idp$/, replacement: src('index.ts') },
    ],
  },
  // The login worker, built from source by test/helpers/global-setup.ts (the published build finds its own beside it).
  define: { __UBIQ_IDP_LOGIN_WORKER__: JSON.stringify(pathToFileURL(LOGIN_WORKER_FOR_TESTS).href) },
  test: {
    globalSetup: ['test/helpers/global-setup.ts'],
    include: ['test/**/*.test.ts'],
    environment: 'node',
    testTimeout: 20_000,
    hookTimeout: 20_000,
    pool: 'forks',
  },
});
