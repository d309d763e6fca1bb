// login → whoami → credentials → logout through the CLI (in process), against the Okta emulator and the
// reference server on 127.0.0.1: one sign-in serves the later commands; logout deletes the file and
// revokes the refresh token (Okta advertises a revocation endpoint; Entra advertises none).
import { lstat, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { createEntraEmulator } from 'ubiq-idp/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { isIdpError, refreshIdpToken } from '../../src/idp/index.js';
import { revokeRefreshToken } from '../../src/idp/revoke.js';
import { sessionFileName } from '../../src/session/paths.js';
import { cli } from '../cli/cli-helpers.js';
import { CLIENT_ID, CLIENT_SECRET, startSessionSystem, USERNAME, type SessionSystem } from './helpers.js';

let s: SessionSystem;
let path: string;
const run = (argv: string[]) => cli([...argv, '--allow-http', '--key-size', '2048'], { env: s.env, homeDir: s.home });

beforeAll(async () => {
  s = await startSessionSystem();
  path = join(s.home, '.ubiq', 'sessions', sessionFileName({ server: s.sys.front.url, customerId: s.sys.server.info().customerId, profile: 'default' }));
}, 60_000);
afterAll(async () => {
  await s.close();
});
beforeEach(async () => {
  await rm(join(s.home, '.ubiq'), { recursive: true, force: true });
  s.resetCounts();
});

describe('CLI and session', () => {
  it('login saves the session; whoami and credentials use it without signing in; logout deletes it and revokes the refresh token', async () => {
    const login = await run(['login']);
    expect(login.code, login.stderr).toBe(0);
    expect(login.stdout).toContain(`saved to ${path}`);
    expect(s.counts()).toEqual({ password: 1, refresh: 0, sso: 1 });
    const file = JSON.parse(await readFile(path, 'utf8')) as { refreshToken: string; credentials: { secretSigningKey: string; secretCryptoAccessKey: string } };

    const who = await run(['whoami', '--json']);
    expect(who.code, who.stderr).toBe(0);
    const answer = JSON.parse(who.stdout) as Record<string, unknown>;
    expect(answer).toMatchObject({ source: 'session', signedIn: true, user: USERNAME, provider: 'okta', profile: 'default', renewable: true, sessionPath: path });
    expect(answer.issuer).toBe(s.sys.okta.authorizationServer().issuer);
    const human = await run(['whoami']);
    expect(human.stdout).toMatch(/source\s+session /);
    for (const output of [who.stdout, human.stdout, login.stdout, login.stderr]) {
      for (const secret of [file.refreshToken, file.credentials.secretSigningKey, file.credentials.secretCryptoAccessKey]) expect(output).not.toContain(secret);
    }

    const exported = await run(['credentials', '--format', 'json']);
    expect(exported.code, exported.stderr).toBe(0);
    expect(s.counts()).toEqual({ password: 1, refresh: 0, sso: 1 }); // served from the session

    const logout = await run(['logout', '--json']);
    expect(logout.code, logout.stdout).toBe(0);
    expect(JSON.parse(logout.stdout)).toMatchObject({ deleted: true, revoked: true, path });
    await expect(lstat(path)).rejects.toThrow(/ENOENT/);
    // The refresh token is dead at the IdP.
    const settings = { provider: 'okta' as const, customerId: s.env.UBIQ_IDP_CUSTOMER_ID!, tokenEndpointUrl: s.sys.okta.tokenEndpoint, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET };
    const refused = await refreshIdpToken(settings, file.refreshToken, { allowInsecureHttp: true, retry: false }).catch((e: unknown) => e);
    expect(isIdpError(refused) && refused.code).toBe('refresh_token_invalid');

    const after = JSON.parse((await run(['whoami', '--json'])).stdout) as Record<string, unknown>;
    expect(after).toMatchObject({ source: 'password', signedIn: false });
    const again = await run(['logout']);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('no session for profile [default]');
  });

  it('login --no-session neither uses nor writes a session; whoami reports a session it cannot use', async () => {
    const login = await run(['login', '--no-session']);
    expect(login.code, login.stderr).toBe(0);
    expect(login.stdout).toContain('not saved (--no-session)');
    await expect(lstat(path)).rejects.toThrow(/ENOENT/);

    expect((await run(['login'])).code).toBe(0);
    const file = await readFile(path, 'utf8');
    await import('node:fs/promises').then((fs) => fs.writeFile(path, file.replace(USERNAME, 'grace@example.com'), { mode: 0o600 }));
    const who = await run(['whoami', '--json']);
    expect(JSON.parse(who.stdout)).toMatchObject({ source: 'password', sessionProblem: { code: 'session_mismatch' } });
    const logout = await run(['logout', '--json']);
    expect(JSON.parse(logout.stdout)).toMatchObject({ deleted: true, revoked: false, sessionProblem: 'session_mismatch' });
  });

  it('Entra advertises no revocation endpoint: revokeRefreshToken says so instead of pretending', async () => {
    const entra = createEntraEmulator({ apps: [{ clientId: '6731de76-14a6-49ae-97bc-6eba6914391e', clientSecret: 'entra-secret' }], users: [] });
    const { tokenEndpoint } = await entra.listen();
    try {
      const settings = { provider: 'entra' as const, customerId: '6e7e795e-26a2-4973-aa73-b9fc259ebc5f', tokenEndpointUrl: tokenEndpoint, clientId: '6731de76-14a6-49ae-97bc-6eba6914391e', clientSecret: 'entra-secret' };
      expect(await revokeRefreshToken(settings, 'some-refresh-token', { allowInsecureHttp: true, retry: false })).toEqual({ revoked: false, reason: 'no_revocation_endpoint' });
    } finally {
      await entra.close();
    }
  });
});
