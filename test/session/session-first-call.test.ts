// A process that a valid session can serve gets its first credentials as soon as the login worker has read
// the session, without waiting for the login to be set up (the IdP, HTTP and CSR modules); anything else
// goes to the worker's login. The worker here is the real one, built with a login that never answers.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildLoginWorker, projectRoot } from '../helpers/fresh-process.js';
import { collectingLogger, startSessionSystem, type SessionSystem } from './helpers.js';

let s: SessionSystem;
let dir: string;
let unsetWorker: URL;
beforeAll(async () => {
  s = await startSessionSystem();
  // Inside the project, so that the worker's bare imports resolve from node_modules.
  await mkdir(join(projectRoot, 'node_modules', '.cache'), { recursive: true });
  dir = await mkdtemp(join(projectRoot, 'node_modules', '.cache', 'ubiq-session-first-'));
  // The login worker with a login that never answers: only what is read before the login can serve.
  const neverSetUp = join(dir, 'never-set-up.mjs');
  await writeFile(
    neverSetUp,
    'export async function createInProcessLogin() { return { login: { dispose() {} }, http: { async close() {} }, load: () => new Promise(() => {}) }; }\n',
  );
  const script = join(dir, 'login-worker.mjs');
  await buildLoginWorker(script, [{ name: 'never-set-up', setup: (b) => b.onResolve({ filter: /in-process-login\.js$/ }, () => ({ path: neverSetUp })) }]);
  unsetWorker = pathToFileURL(script);
}, 60_000);
afterAll(async () => {
  await s.close();
  await rm(dir, { recursive: true, force: true });
});
beforeEach(async () => {
  await rm(join(s.home, '.ubiq'), { recursive: true, force: true });
  s.resetCounts();
});

async function signIn(): Promise<Date> {
  const first = s.provider();
  const credentials = await first();
  await first.close();
  if (credentials.kind !== 'idp') throw new Error('expected IdP credentials');
  return credentials.expiresAt;
}

describe('the first call of a process with a session', () => {
  it('is served from a valid session, not by the login', async () => {
    const expiresAt = await signIn();
    s.resetCounts();
    const logger = collectingLogger();
    const provider = s.provider({ loginWorkerScript: unsetWorker, logger });
    try {
      const credentials = await provider();
      expect(credentials.kind === 'idp' && credentials.expiresAt.getTime()).toBe(expiresAt.getTime());
      expect(s.counts()).toEqual({ password: 0, refresh: 0, sso: 0 });
      // Served by the worker, not by a login on this thread after the worker failed.
      expect(logger.lines.join('\n')).not.toMatch(/main thread/);
    } finally {
      await provider.close();
    }
  });

  it('waits for the login when the session is too close to expiry to serve', async () => {
    await s.withShortCertificate(20_000, signIn); // inside the one-minute renewal margin
    const logger = collectingLogger();
    const provider = s.provider({ loginWorkerScript: unsetWorker, logger });
    const call = provider().then(
      () => 'served',
      () => 'failed',
    );
    const outcome = await Promise.race([call, new Promise((resolve) => setTimeout(() => resolve('waiting for the login'), 1_500))]);
    await provider.close();
    expect(outcome).toBe('waiting for the login');
    expect(logger.lines.join('\n')).not.toMatch(/main thread/);
    expect(await call).toBe('failed'); // close() ends the wait
  });
});
