// A process that a valid session can serve gets its first credentials from the session, read on the
// provider's own thread, without starting the login's setup in the worker (the IdP, HTTP and CSR modules);
// anything else goes to the worker's login. The worker here is the real one, built with a login that never
// answers and that leaves a mark when its setup starts.
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildLoginWorker, projectRoot } from '../helpers/fresh-process.js';
import { collectingLogger, startSessionSystem, type SessionSystem } from './helpers.js';

let s: SessionSystem;
let dir: string;
let unsetWorker: URL;
let setupMark: string;
beforeAll(async () => {
  s = await startSessionSystem();
  // Inside the project, so that the worker's bare imports resolve from node_modules.
  await mkdir(join(projectRoot, 'node_modules', '.cache'), { recursive: true });
  dir = await mkdtemp(join(projectRoot, 'node_modules', '.cache', 'ubiq-session-first-'));
  // The login worker with a login that never answers: only what is read before the login can serve.
  const neverSetUp = join(dir, 'never-set-up.mjs');
  setupMark = join(dir, 'setup-started');
  // Called when the worker sets up a provider's login (its warm-up does that as soon as a provider opens a slot).
  await writeFile(
    neverSetUp,
    `import { writeFileSync } from 'node:fs';\nexport async function createInProcessLogin() { writeFileSync(${JSON.stringify(setupMark)}, 'started'); ` +
      'return { login: { dispose() {} }, http: { async close() {} }, load: () => new Promise(() => {}) }; }\n',
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
  await rm(setupMark, { force: true });
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
  it("is served from a valid session on the provider's thread, without starting the login's setup", async () => {
    const expiresAt = await signIn();
    s.resetCounts();
    const logger = collectingLogger();
    const provider = s.provider({ loginWorkerScript: unsetWorker, logger });
    try {
      const credentials = await provider();
      expect(credentials.kind === 'idp' && credentials.expiresAt.getTime()).toBe(expiresAt.getTime());
      expect(s.counts()).toEqual({ password: 0, refresh: 0, sso: 0 });
      // Not by a login on this thread after the worker failed, and without the worker's login: a setup
      // started by the call (or just after it) would have left its mark by now.
      expect(logger.lines.join('\n')).not.toMatch(/main thread/);
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(existsSync(setupMark)).toBe(false);
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
    // The mark is seen when the login is set up, so its absence above means something.
    expect(existsSync(setupMark)).toBe(true);
    expect(await call).toBe('failed'); // close() ends the wait
  });
});
