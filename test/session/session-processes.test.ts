// 20 real processes start together on an expired session: one refresh-token grant and one SSO exchange
// between them (the lock); every process ends with the credentials the winner wrote.
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sessionFileName } from '../../src/session/paths.js';
import { projectRoot } from '../helpers/fresh-process.js';
import { startSessionSystem, type SessionSystem } from './helpers.js';

const PROCESSES = 20;
let s: SessionSystem;
let dir: string;
let script: string;

/** The app every child runs: defaultProvider() once, as an application would; prints what it got. */
const CHILD = `
import { defaultProvider } from ${JSON.stringify(join(projectRoot, 'src/index.ts'))};
const warnings = [];
const provider = defaultProvider({ allowInsecureHttp: true, load: { allowInsecureHttp: true }, modulusLength: 2048, logger: { warn: (m) => warnings.push(m) } });
const credentials = await provider();
await provider.close();
process.stdout.write(JSON.stringify({ accessKeyId: credentials.accessKeyId, expiresAt: credentials.expiresAt.toISOString(), warnings }));
`;

beforeAll(async () => {
  s = await startSessionSystem();
  await mkdir(join(projectRoot, 'node_modules', '.cache'), { recursive: true });
  dir = await mkdtemp(join(projectRoot, 'node_modules', '.cache', 'session-processes-'));
  await writeFile(join(dir, 'child.ts'), CHILD);
  script = join(dir, 'child.mjs');
  await build({ entryPoints: [join(dir, 'child.ts')], bundle: true, platform: 'node', format: 'esm', packages: 'external', outfile: script, logLevel: 'error', absWorkingDir: projectRoot });
}, 60_000);
afterAll(async () => {
  await s.close();
  await rm(dir, { recursive: true, force: true });
});

function runChild(): Promise<{ accessKeyId: string; expiresAt: string; warnings: string[] }> {
  // HOME is the temporary home: the child's loader and session find ~/.ubiq there, as a real user's would.
  const env = { PATH: process.env.PATH ?? '', HOME: s.home, ...s.env };
  return promisify(execFile)(process.execPath, [script], { cwd: projectRoot, env, timeout: 90_000 }).then(({ stdout }) => JSON.parse(stdout) as { accessKeyId: string; expiresAt: string; warnings: string[] });
}

describe('session: many processes, one sign-in', () => {
  it(`${PROCESSES} processes started together on an expired session make 1 token request and 1 SSO request`, async () => {
    // A session whose certificate is inside the renewal margin (20 s left of 1 h).
    await s.withShortCertificate(20_000, async () => {
      const first = s.provider();
      await first();
      await first.close();
    });
    const path = join(s.home, '.ubiq', 'sessions', sessionFileName({ server: s.sys.front.url, customerId: s.sys.server.info().customerId, profile: 'default' }));
    const expired = JSON.parse(await readFile(path, 'utf8')) as { credentials: { expiresAt: string } };
    s.resetCounts();

    const results = await Promise.all(Array.from({ length: PROCESSES }, () => runChild()));

    expect(s.counts()).toEqual({ password: 0, refresh: 1, sso: 1 });
    const written = JSON.parse(await readFile(path, 'utf8')) as { credentials: { accessKeyId: string; expiresAt: string } };
    expect(Date.parse(written.credentials.expiresAt)).toBeGreaterThan(Date.parse(expired.credentials.expiresAt));
    for (const result of results) {
      expect(result.expiresAt).toBe(written.credentials.expiresAt);
      expect(result.warnings).toEqual([]);
    }
    await expect(readFile(path.replace(/\.json$/, '.lock'))).rejects.toThrow(/ENOENT/);
  }, 180_000);
});
