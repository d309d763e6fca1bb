import { fileURLToPath } from 'node:url';

/** Where the test run's login worker is built (`.mjs`: node_modules/.cache is outside the package's ESM scope). */
export const LOGIN_WORKER_FOR_TESTS = fileURLToPath(new URL('../../node_modules/.cache/ubiq-idp-vitest/login-worker.mjs', import.meta.url));
