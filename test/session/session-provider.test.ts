// The session across providers (each one stands for a process): one sign-in, then served from the file,
// renewed with the refresh token, and refused (with a warning, or a SessionError when strict) whenever
// the file is not one we wrote for this user.
import { chmod, lstat, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { isSessionError } from '../../src/session/errors.js';
import { sessionFileName } from '../../src/session/paths.js';
import { signedPost } from '../server-keys/key-helpers.js';
import { collectingLogger, startSessionSystem, USERNAME, type SessionSystem } from './helpers.js';

let s: SessionSystem;
let sessionPath: string;

beforeAll(async () => {
  s = await startSessionSystem();
  sessionPath = join(s.home, '.ubiq', 'sessions', sessionFileName({ server: s.sys.front.url, customerId: s.sys.server.info().customerId, profile: 'default' }));
}, 60_000);
afterAll(async () => {
  await s.close();
});
beforeEach(async () => {
  await rm(join(s.home, '.ubiq'), { recursive: true, force: true });
  s.resetCounts();
});

/** Signs in once (a fresh provider), so a session exists. */
async function signIn(): Promise<void> {
  const first = s.provider();
  await first();
  await first.close();
}

describe('session: one sign-in shared by every provider', () => {
  it('writes the session (dir 0700, file 0600, hashed name), and a new provider is served from it without any request', async () => {
    const first = s.provider();
    const a = await first();
    await first.close();
    expect(s.counts()).toEqual({ password: 1, refresh: 0, sso: 1 });
    expect((await lstat(join(s.home, '.ubiq', 'sessions'))).mode & 0o777).toBe(0o700);
    expect((await lstat(sessionPath)).mode & 0o777).toBe(0o600);
    const names = await readdir(join(s.home, '.ubiq', 'sessions'));
    expect(names).toEqual([sessionFileName({ server: s.sys.front.url, customerId: s.sys.server.info().customerId, profile: 'default' })]);
    expect(names.join()).not.toContain(USERNAME);

    const second = s.provider();
    const b = await second();
    expect(s.counts()).toEqual({ password: 1, refresh: 0, sso: 1 });
    expect(b.kind === 'idp' && a.kind === 'idp' && b.expiresAt.getTime() === a.expiresAt.getTime()).toBe(true);
    expect(b.accessKeyId).toBe(a.accessKeyId);
    // The served credentials work at the key endpoint (private key and certificate from the file).
    const answer = await signedPost(`${s.sys.server.info().origin}/api/v0/encryption/key`, { uses: 1, payload_cert: b.kind === 'idp' ? b.payloadCert : '' }, b);
    expect(answer.status).toBe(201);
  });

  it('renews an expiring session with its refresh token (no password), reusing the key pair, and writes it back', async () => {
    await s.withShortCertificate(20_000, signIn);
    const before = JSON.parse(await readFile(sessionPath, 'utf8')) as { credentials: { encryptedPrivateKey: string; expiresAt: string } };
    s.resetCounts();
    const logger = collectingLogger();
    const provider = s.provider({ logger, load: { env: { ...s.env, UBIQ_IDP_PASSWORD: 'not-the-password-any-more' } } });
    const credentials = await provider();
    expect(s.counts()).toEqual({ password: 0, refresh: 1, sso: 1 });
    const after = JSON.parse(await readFile(sessionPath, 'utf8')) as { credentials: { encryptedPrivateKey: string; expiresAt: string } };
    expect(after.credentials.encryptedPrivateKey).toBe(before.credentials.encryptedPrivateKey);
    expect(Date.parse(after.credentials.expiresAt)).toBeGreaterThan(Date.parse(before.credentials.expiresAt));
    expect(credentials.kind === 'idp' && credentials.expiresAt.toISOString()).toBe(new Date(after.credentials.expiresAt).toISOString());
    expect(logger.warnings).toEqual([]);
  });

  it('session: false neither reads nor writes a session', async () => {
    await signIn();
    s.resetCounts();
    const off = s.provider({ session: false });
    await off();
    expect(s.counts()).toEqual({ password: 1, refresh: 0, sso: 1 });
    await rm(join(s.home, '.ubiq'), { recursive: true, force: true });
    const again = s.provider({ session: false });
    await again();
    await expect(lstat(sessionPath)).rejects.toThrow(/ENOENT/);
  });
});

describe('session: never used silently when it is not ours', () => {
  const refusals: Array<{ name: string; damage: () => Promise<void>; code: string; warning: RegExp }> = [
    { name: 'readable by others (0644)', damage: () => chmod(sessionPath, 0o644), code: 'session_insecure', warning: /can be read by other users \(mode 0644\).*chmod 600/ },
    { name: 'truncated JSON', damage: async () => writeFile(sessionPath, (await readFile(sessionPath, 'utf8')).slice(0, 200), { mode: 0o600 }), code: 'session_corrupt', warning: /not valid JSON/ },
    {
      name: 'another format version',
      damage: async () => writeFile(sessionPath, (await readFile(sessionPath, 'utf8')).replace('"version": 1', '"version": 2'), { mode: 0o600 }),
      code: 'session_corrupt',
      warning: /format version 2/,
    },
    {
      name: 'fields swapped (signing key and crypto key)',
      damage: async () => {
        const file = JSON.parse(await readFile(sessionPath, 'utf8')) as { credentials: Record<string, string> };
        const c = file.credentials;
        [c.secretSigningKey, c.secretCryptoAccessKey] = [c.secretCryptoAccessKey!, c.secretSigningKey!];
        await writeFile(sessionPath, JSON.stringify(file), { mode: 0o600 });
      },
      code: 'session_corrupt',
      warning: /does not hold together \(the private key does not open/,
    },
    {
      name: 'for another user',
      damage: async () => writeFile(sessionPath, (await readFile(sessionPath, 'utf8')).replace(USERNAME, 'grace@example.com'), { mode: 0o600 }),
      code: 'session_mismatch',
      warning: /another sign-in \(user differs\)/,
    },
    {
      name: 'a symbolic link',
      damage: async () => {
        const target = `${sessionPath}.real`;
        await writeFile(target, await readFile(sessionPath, 'utf8'), { mode: 0o600 });
        await rm(sessionPath);
        await symlink(target, sessionPath);
      },
      code: 'session_insecure',
      warning: /is a symbolic link/,
    },
    {
      name: 'a FIFO (not a regular file)',
      damage: async () => {
        await rm(sessionPath);
        execFileSync('mkfifo', ['-m', '600', sessionPath]);
      },
      code: 'session_insecure',
      warning: /is not a regular file/,
    },
  ];

  for (const refusal of refusals) {
    it(`${refusal.name}: warns and signs in again; strictPermissions throws ${refusal.code}`, async () => {
      await signIn();
      await refusal.damage();
      s.resetCounts();
      const strict = s.provider({ load: { strictPermissions: true } });
      const error = await strict().catch((e: unknown) => e);
      expect(isSessionError(error), String(error)).toBe(true);
      expect((error as { code: string }).code).toBe(refusal.code);
      expect((error as { hint?: string }).hint).toMatch(/ubiq-idp logout|chmod 600|rm /);
      expect(s.counts()).toEqual({ password: 0, refresh: 0, sso: 0 });

      const logger = collectingLogger();
      const lenient = s.provider({ logger });
      await lenient();
      expect(s.counts().password).toBe(1);
      expect(logger.warnings.join('\n')).toMatch(refusal.warning);
      // The new sign-in replaced whatever was there with a private regular file.
      const info = await lstat(sessionPath);
      expect(info.isFile() && (info.mode & 0o777) === 0o600).toBe(true);
    });
  }
});
