// Builds the login worker from source once per test run: worker threads run plain JavaScript, and
// vitest's transform does not reach them. vitest.config.ts points the library at the result.
import { buildLoginWorker } from './fresh-process.js';
import { LOGIN_WORKER_FOR_TESTS } from './login-worker-path.js';

export default async function setup(): Promise<void> {
  await buildLoginWorker(LOGIN_WORKER_FOR_TESTS);
}
