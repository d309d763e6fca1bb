// Builds the login worker from source once per test run: worker threads run plain JavaScript, and
// vitest's transform does not reach them. vitest.config.ts points the library at the result.
import { rm } from 'node:fs/promises';
import { buildLoginWorker } from './fresh-process.js';
import { LOGIN_WORKER_FOR_TESTS } from './login-worker-path.js';

export default async function setup(): Promise<void> {
  // A new file, not the old one rewritten: a node_modules copied with hard links (cp -al, a second
  // checkout) shares the old file with other checkouts, whose tests would then run this source's worker.
  await rm(LOGIN_WORKER_FOR_TESTS, { force: true });
  await buildLoginWorker(LOGIN_WORKER_FOR_TESTS);
}
