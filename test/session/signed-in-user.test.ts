// A device or browser sign-in configures no username: the session records who signed in, from the claims
// the IdP returned (Okta: the access token's sub, its login; Entra: the ID token's preferred_username), and
// `whoami` says who. Through the CLI in process, against the Okta and Entra emulators and the reference
// server on 127.0.0.1; the person's part (approving the device code, the sign-in pages) done over HTTP.
import { mkdir, readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { ReferenceServer } from 'ubiq-idp/server';
import { createEntraEmulator, createOktaEmulator, type EntraEmulator, type OktaEmulator } from 'ubiq-idp/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultProvider } from '../../src/credentials/sources.js';
import { cli, tempDir } from '../cli/cli-helpers.js';
import { freePort, provisionedReferenceServer } from '../helpers/mfa-servers.js';

const OKTA_CLIENT = '0oasignedinuser000001';
const ENTRA_CLIENT = '6a1f3c52-9e4d-4b7a-8c21-3d0e5f7a9b14';
const OKTA_USER = 'ada@example.com';
const ENTRA_USER = 'ada@contoso.onmicrosoft.com';
const PASSWORD = 'canary-signed-in-user-password-4d2b';
const DEVICE = 'urn:ietf:params:oauth:grant-type:device_code' as const;

type Idp = 'okta' | 'entra';
let okta: OktaEmulator;
let entra: EntraEmulator;
const servers: Partial<Record<Idp, ReferenceServer>> = {};
let oktaPort = 0;
let work: { path: string; remove(): Promise<void> };

beforeAll(async () => {
  work = await tempDir('ubiq-signed-in-user-');
  oktaPort = await freePort();
  okta = createOktaEmulator({
    apps: [{ clientId: OKTA_CLIENT, grantTypes: ['authorization_code', 'refresh_token', DEVICE], grantedScopes: ['okta.users.read', 'okta.groups.read'], redirectUris: [`http://127.0.0.1:${oktaPort}/callback`] }],
    users: [{ login: OKTA_USER, password: PASSWORD }],
    rateLimit: { perUserPerSecond: 0 },
  });
  const oktaInfo = await okta.listen();
  servers.okta = await provisionedReferenceServer({ discoveryUrl: oktaInfo.discoveryUrl, issuer: oktaInfo.issuer, audience: oktaInfo.audience }, OKTA_USER);
  entra = createEntraEmulator({
    apps: [{ clientId: ENTRA_CLIENT, allowPublicClient: true, redirectUris: ['http://127.0.0.1/callback'] }],
    users: [{ userPrincipalName: ENTRA_USER, password: PASSWORD }],
  });
  await entra.listen();
  servers.entra = await provisionedReferenceServer({ discoveryUrl: entra.discoveryUrl, issuer: entra.issuerV1, audience: entra.audienceOf(ENTRA_CLIENT) }, ENTRA_USER);
}, 60_000);

afterAll(async () => {
  await Promise.all([okta?.close(), entra?.close(), servers.okta?.close(), servers.entra?.close()]);
  await work?.remove();
});

/** Settings from UBIQ_* variables only: a device or browser profile (UBIQ_IDP_GRANT), no username, no password, no client secret. */
function envFor(idp: Idp, grant: 'device' | 'browser'): Record<string, string> {
  const server = servers[idp]!;
  return {
    UBIQ_SERVER: server.info().origin,
    UBIQ_IDP_PROVIDER: idp,
    UBIQ_IDP_CUSTOMER_ID: server.info().customerId,
    UBIQ_IDP_TOKEN_ENDPOINT_URL: idp === 'okta' ? okta.tokenEndpoint : entra.tokenEndpoint,
    UBIQ_IDP_TENANT_ID: idp === 'okta' ? OKTA_CLIENT : ENTRA_CLIENT,
    UBIQ_IDP_GRANT: grant,
    UBIQ_IDP_BROWSER: 'none',
    ...(idp === 'okta' ? { UBIQ_IDP_REDIRECT_PORT: String(oktaPort) } : {}),
  };
}

/** The person's browser, over plain HTTP: the sign-in page, consent if asked, then the loopback redirect. */
async function signInPages(url: string, username: string): Promise<string> {
  const cookies: string[] = [];
  const go = async (target: string, init: RequestInit = {}) => {
    const answer = await fetch(target, { ...init, headers: { ...(init.headers as Record<string, string>), cookie: cookies.join('; ') }, redirect: 'manual' });
    for (const c of answer.headers.getSetCookie()) cookies.push(c.split(';')[0] ?? '');
    return answer;
  };
  let answer = await go(url);
  for (let step = 0; step < 8; step += 1) {
    const location = answer.headers.get('location');
    if (location !== null) {
      const next = new URL(location, url).href;
      if (next.includes('/callback')) return (await fetch(next)).text();
      answer = await go(next);
      continue;
    }
    const html = await answer.text();
    const hidden = Object.fromEntries([...html.matchAll(/type="hidden" name="([^"]+)" value="([^"]*)"/g)].map((m) => [m[1] ?? '', m[2] ?? '']));
    const fields: Record<string, string> = html.includes('name="username"') ? { username, password: PASSWORD, step: 'password' } : html.includes('value="consent_allow"') ? { step: 'consent_allow' } : {};
    if (Object.keys(fields).length === 0) throw new Error(`unexpected sign-in page: ${html.slice(0, 300)}`);
    const action = new URL(/action="([^"]+)"/.exec(html)?.[1] ?? '', url).href;
    answer = await go(action, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ ...hidden, ...fields }).toString() });
  }
  throw new Error('the sign-in pages did not come back to the loopback redirect');
}

async function sessionFile(home: string): Promise<Record<string, unknown>> {
  const dir = join(home, '.ubiq', 'sessions');
  const files = (await readdir(dir)).filter((name) => name.endsWith('.json'));
  expect(files).toHaveLength(1);
  return JSON.parse(await readFile(join(dir, files[0]!), 'utf8')) as Record<string, unknown>;
}

const FLAGS = ['--allow-http', '--key-size', '2048'];
const USERS: Record<Idp, string> = { okta: OKTA_USER, entra: ENTRA_USER };

describe.each(['okta', 'entra'] as const)('%s: who signed in is recorded and shown', (idp) => {
  it('login --device: the session records the user; whoami (human and --json) and login say who', async () => {
    const home = join(work.path, `${idp}-device`);
    await mkdir(home);
    const emulator = idp === 'okta' ? okta : entra;
    let approved = false;
    const login = await cli(['login', '--device', ...FLAGS], {
      env: envFor(idp, 'device'),
      homeDir: home,
      onStderr: (text) => {
        const code = /enter the code:\s+(\S+)/.exec(text)?.[1];
        if (code === undefined || approved) return;
        approved = true;
        setTimeout(() => emulator.approveDevice(code, USERS[idp]), 50);
      },
    });
    expect(login.code, login.stderr).toBe(0);
    expect(login.stdout).toContain(`Signed in as ${USERS[idp]}.`);
    expect(await sessionFile(home)).toMatchObject({ signedInUser: USERS[idp], identity: { username: '' } });

    const who = await cli(['whoami', '--json', ...FLAGS.slice(0, 1)], { env: envFor(idp, 'device'), homeDir: home });
    expect(who.code, who.stderr).toBe(0);
    expect(JSON.parse(who.stdout)).toMatchObject({ source: 'session', signedIn: true, user: USERS[idp], provider: idp });
    const human = await cli(['whoami', ...FLAGS.slice(0, 1)], { env: envFor(idp, 'device'), homeDir: home });
    expect(human.stdout).toMatch(new RegExp(`who\\s+${USERS[idp].replace(/\./g, '\\.')}`));

    // An app's credentials from the session carry the name too (not an empty username).
    const exported = await cli(['credentials', '--format', 'json', ...FLAGS], { env: envFor(idp, 'device'), homeDir: home });
    expect(exported.code, exported.stderr).toBe(0);
    expect(JSON.parse(exported.stdout)).toMatchObject({ username: USERS[idp] });

    // An app's provider (login worker on, as by default): its first call is served from the session.
    const provider = defaultProvider({ load: { env: envFor(idp, 'device'), homeDir: home, allowInsecureHttp: true }, allowInsecureHttp: true });
    try {
      const credentials = await provider();
      expect(credentials.kind === 'idp' && credentials.username).toBe(USERS[idp]);
    } finally {
      await provider.close();
    }
  }, 60_000);

  it('login --browser: the session records the user and whoami says who', async () => {
    const home = join(work.path, `${idp}-browser`);
    await mkdir(home);
    let opened = false;
    let page: Promise<string> | undefined;
    const login = await cli(['login', '--browser', ...FLAGS], {
      env: envFor(idp, 'browser'),
      homeDir: home,
      onStderr: (text) => {
        const url = /^\s+(http:\/\/\S+)$/m.exec(text)?.[1];
        if (url === undefined || opened) return;
        opened = true;
        page = signInPages(url, USERS[idp]);
        page.catch(() => {});
      },
    });
    expect(login.code, login.stderr).toBe(0);
    expect(await page).toContain('Signed in');
    expect(await sessionFile(home)).toMatchObject({ signedInUser: USERS[idp] });
    const who = await cli(['whoami', '--json', '--allow-http'], { env: envFor(idp, 'browser'), homeDir: home });
    expect(JSON.parse(who.stdout)).toMatchObject({ source: 'session', user: USERS[idp], provider: idp });
  }, 60_000);
});
