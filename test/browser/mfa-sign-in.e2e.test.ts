// End to end in a real browser: `ubiq-idp login --browser` / `--device` as real processes, Debian's Chromium
// (driven by playwright-core) completing the emulators' sign-in pages with a TOTP second factor, the session
// written, and an app in another process then getting credentials from it (and a 201 key) without signing in.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { build, type BuildOptions } from 'esbuild';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReferenceServer } from 'ubiq-idp/server';
import { createEntraEmulator, createOktaEmulator, type EntraEmulator, type OktaEmulator } from 'ubiq-idp/testing';
import { freePort, provisionedReferenceServer } from '../helpers/mfa-servers.js';
import { projectRoot } from '../helpers/fresh-process.js';

const CHROMIUM = '/usr/bin/chromium';
const OKTA_CLIENT = '0oamfanative0000000001';
const ENTRA_CLIENT = '7d3c1a52-2f4e-4b8a-9c61-5e0f2d9b8a17';
const OKTA_USER = 'ada@example.com';
const ENTRA_USER = 'ada@contoso.onmicrosoft.com';
const PASSWORD = 'canary-mfa-password-5e1f';
const DEVICE = 'urn:ietf:params:oauth:grant-type:device_code' as const;
const SHOTS = join(projectRoot, 'test-output', 'mfa-sign-in');

let browser: Browser;
let dir = '';
let cliJs = '';
let appJs = '';
let okta: OktaEmulator;
let entra: EntraEmulator;
let oktaServer: ReferenceServer;
let entraServer: ReferenceServer;
let oktaPort = 0;
const timings: Record<string, number> = {};

// The app: what a user's program does after `ubiq-idp login`. No password, no sign-in: the session serves it.
const APP = `
import { defaultProvider } from './src/index.js';
import { requestEncryptionKey } from './src/cli/demo-keys.js';
const logger = { warn: (m) => console.error('warn', m), info: (m) => console.error('info', m), debug: (m) => console.error('debug', m) };
const provider = defaultProvider({ load: { allowInsecureHttp: true, env: process.env, homeDir: process.env.HOME }, allowInsecureHttp: true, logger });
try {
  const credentials = await provider();
  const answer = await requestEncryptionKey(credentials, process.argv[2]);
  console.log(JSON.stringify({ kind: credentials.kind, username: credentials.username, status: answer.status }));
} catch (error) {
  console.log(JSON.stringify({ error: error.code, message: error.message }));
} finally {
  await provider.close();
}
`;

beforeAll(async () => {
  await mkdir(SHOTS, { recursive: true });
  await mkdir(join(projectRoot, 'node_modules', '.cache'), { recursive: true });
  dir = await mkdtemp(join(projectRoot, 'node_modules', '.cache', 'mfa-e2e-'));
  cliJs = join(dir, 'cli.mjs');
  appJs = join(dir, 'app.mjs');
  await writeFile(join(dir, 'app.ts'), APP.replaceAll('./src/', `${projectRoot}src/`));
  const common: BuildOptions = { bundle: true, platform: 'node', format: 'esm', packages: 'external', logLevel: 'error', absWorkingDir: projectRoot, nodePaths: [join(projectRoot, 'node_modules')] };
  await Promise.all([build({ ...common, entryPoints: [join(projectRoot, 'src/cli/main.ts')], outfile: cliJs }), build({ ...common, entryPoints: [join(dir, 'app.ts')], outfile: appJs })]);

  oktaPort = await freePort();
  okta = createOktaEmulator({
    apps: [{ clientId: OKTA_CLIENT, grantTypes: ['authorization_code', 'refresh_token', DEVICE], grantedScopes: ['okta.users.read', 'okta.groups.read'], redirectUris: [`http://127.0.0.1:${oktaPort}/callback`] }],
    users: [{ login: OKTA_USER, password: PASSWORD, mfaRequired: true }],
    rateLimit: { perUserPerSecond: 0 },
  });
  const oktaInfo = await okta.listen();
  oktaServer = await provisionedReferenceServer({ discoveryUrl: oktaInfo.discoveryUrl, issuer: oktaInfo.issuer, audience: oktaInfo.audience }, OKTA_USER);
  entra = createEntraEmulator({
    apps: [{ clientId: ENTRA_CLIENT, allowPublicClient: true, redirectUris: ['http://127.0.0.1/callback'] }],
    users: [{ userPrincipalName: ENTRA_USER, password: PASSWORD, mfaRequired: true }],
  });
  await entra.listen();
  entraServer = await provisionedReferenceServer({ discoveryUrl: entra.discoveryUrl, issuer: entra.issuerV1, audience: entra.audienceOf(ENTRA_CLIENT) }, ENTRA_USER);
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await Promise.all([okta?.close(), entra?.close(), oktaServer?.close(), entraServer?.close()]);
  if (dir) await rm(dir, { recursive: true, force: true });
  // The figures for the closing note: how long each end-to-end flow took.
  console.log(`mfa-sign-in e2e timings (ms): ${JSON.stringify(timings)}`);
});

type Idp = 'okta' | 'entra';

/** A fresh home per test: its own ~/.ubiq/sessions. Settings come from UBIQ_* variables only. */
async function home(idp: Idp): Promise<{ env: Record<string, string>; path: string }> {
  const path = await mkdtemp(join(dir, `home-${idp}-`));
  const server = idp === 'okta' ? oktaServer : entraServer;
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: path,
    UBIQ_SERVER: server.info().origin,
    UBIQ_IDP_PROVIDER: idp,
    UBIQ_IDP_CUSTOMER_ID: server.info().customerId,
    UBIQ_IDP_TOKEN_ENDPOINT_URL: idp === 'okta' ? okta.tokenEndpoint : entra.tokenEndpoint,
    UBIQ_IDP_TENANT_ID: idp === 'okta' ? OKTA_CLIENT : ENTRA_CLIENT,
    UBIQ_IDP_BROWSER: 'none', // the test's Chromium opens the printed URL
    ...(idp === 'okta' ? { UBIQ_IDP_REDIRECT_PORT: String(oktaPort) } : {}),
  };
  return { env, path };
}

interface Running {
  child: ChildProcess;
  output(): string;
  /** Resolves when the output matches. */
  waitFor(pattern: RegExp): Promise<RegExpExecArray>;
  exit: Promise<number>;
}

function run(args: string[], env: Record<string, string>): Running {
  const child = spawn(process.execPath, [cliJs, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  const waiters = new Set<() => void>();
  const onData = (chunk: Buffer) => {
    text += chunk.toString('utf8');
    for (const check of waiters) check();
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  const exit = new Promise<number>((resolve) => child.on('close', (code, signal) => resolve(code ?? (signal === 'SIGINT' ? 130 : 1))));
  return {
    child,
    output: () => text,
    exit,
    waitFor(pattern) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const match = pattern.exec(text);
          if (match !== null) {
            waiters.delete(check);
            resolve(match);
          }
        };
        waiters.add(check);
        void exit.then(() => {
          check();
          if (waiters.has(check)) reject(new Error(`the CLI exited before printing ${pattern}: ${text}`));
        });
        check();
      });
    },
  };
}

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}

/** Signs in on the IdP's pages: username + password, then the TOTP code from the emulator. */
async function signIn(page: Page, prefix: string, username: string, totp: () => string): Promise<void> {
  await page.waitForSelector('input[autocomplete="username"]');
  await shot(page, `${prefix}-1-sign-in`);
  await page.fill('input[autocomplete="username"]', username);
  await page.fill('input[autocomplete="current-password"]', PASSWORD);
  await Promise.all([page.waitForSelector('input[autocomplete="one-time-code"]'), page.click('button[type=submit]')]);
  await shot(page, `${prefix}-2-totp`);
  await page.fill('input[autocomplete="one-time-code"]', totp());
  await Promise.all([page.waitForLoadState('load'), page.click('button[type=submit]')]);
}

/** The app in a new process: credentials from the session, a 201 encryption key. */
async function appRun(env: Record<string, string>): Promise<{ kind?: string; username?: string; status?: number; error?: string }> {
  const child = spawn(process.execPath, [appJs, 'payroll'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString('utf8')));
  await new Promise((resolve) => child.on('close', resolve));
  if (!out.includes('"status":201')) console.error(err);
  return JSON.parse(out.trim().split('\n').pop() ?? '{}') as { kind?: string; username?: string; status?: number; error?: string };
}

/** Nothing secret in what the CLI printed: no token of the session, no authorization code. */
async function expectNoSecrets(homePath: string, printed: string, others: string[] = []): Promise<void> {
  const sessions = join(homePath, '.ubiq', 'sessions');
  const files = (await readdir(sessions)).filter((name) => name.endsWith('.json'));
  expect(files.length).toBe(1);
  const session = await readFile(join(sessions, files[0] ?? ''), 'utf8');
  const secrets = [...session.matchAll(/"(?:refreshToken|secretSigningKey|secretCryptoAccessKey|encryptedPrivateKey)"\s*:\s*"([^"]{12,})"/g)].map((m) => m[1] ?? '');
  expect(secrets.length).toBeGreaterThan(0);
  for (const secret of [...secrets, ...others]) expect(printed).not.toContain(secret.slice(0, 40));
}

describe.each<Idp>(['okta', 'entra'])('%s: MFA sign-in in Chromium', (idp) => {
  const totp = () => (idp === 'okta' ? okta.totp(OKTA_USER) : entra.totp(ENTRA_USER));
  const user = idp === 'okta' ? OKTA_USER : ENTRA_USER;

  it('login --browser: Chromium signs in with password + TOTP, the CLI gets the code once, writes the session, and an app uses it without signing in', async () => {
    const started = performance.now();
    const { env, path } = await home(idp);
    const login = run(['login', '--browser', '--allow-http', '--key-size', '2048'], env);
    const url = (await login.waitFor(/^ {4}(http:\/\/127\.0\.0\.1:\d+\/\S*authorize\S+)$/m))[1] ?? '';
    const authorize = new URL(url);
    expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
    const page = await browser.newPage();
    let callback = '';
    page.on('request', (request) => {
      if (request.url().startsWith('http://127.0.0.1') && request.url().includes('/callback')) callback = request.url();
    });
    await page.goto(url);
    await signIn(page, `${idp}-browser`, user, totp);
    await page.waitForSelector('text=Signed in');
    await shot(page, `${idp}-browser-3-done`);
    const pageHtml = await page.content();
    await page.close();
    expect(await login.exit).toBe(0);
    expect(login.output()).toContain(`Signed in as ${user}`);
    const code = new URL(callback).searchParams.get('code') ?? '';
    expect(code.length).toBeGreaterThan(10);
    expect(pageHtml).not.toContain(code);
    // The listener took one request and closed: the same redirect again finds nothing listening.
    await expect(fetch(callback)).rejects.toThrow();
    await expectNoSecrets(path, login.output(), [code]);
    const grantsBefore = (idp === 'okta' ? okta : entra).stats().byGrant;
    // The app's settings say how this profile signs in (grant = browser in the idp block; here the variable).
    const app = await appRun({ ...env, UBIQ_IDP_GRANT: 'browser' });
    expect(app).toMatchObject({ kind: 'idp', status: 201 });
    expect((idp === 'okta' ? okta : entra).stats().byGrant).toEqual(grantsBefore); // no sign-in, no refresh
    timings[`${idp} login --browser + app`] = Math.round(performance.now() - started);
  }, 90_000);

  it('login --device: Chromium enters the code on the verification page and signs in while the CLI polls', async () => {
    const started = performance.now();
    const { env, path } = await home(idp);
    const login = run(['login', '--device', '--allow-http', '--key-size', '2048'], env);
    const verification = (await login.waitFor(/open (http:\/\/\S+) in a browser/))[1] ?? '';
    const userCode = (await login.waitFor(/^ {4}([A-Z0-9-]{6,})$/m))[1] ?? '';
    await login.waitFor(/Waiting for you to finish/);
    const page = await browser.newPage();
    await page.goto(verification);
    await shot(page, `${idp}-device-0-code-entry`);
    await page.fill('#user_code', userCode);
    await page.click('button[type=submit]');
    await signIn(page, `${idp}-device`, user, totp);
    await page.waitForSelector('text=Approve the sign-in');
    await shot(page, `${idp}-device-3-approve`);
    await page.click('#allow');
    await page.waitForSelector('text=Device activated');
    await shot(page, `${idp}-device-4-done`);
    await page.close();
    expect(await login.exit).toBe(0);
    expect(login.output()).toContain(`Signed in as ${user}`);
    expect((idp === 'okta' ? okta : entra).stats().byGrant[DEVICE]).toBeGreaterThanOrEqual(1);
    await expectNoSecrets(path, login.output());
    const app = await appRun({ ...env, UBIQ_IDP_GRANT: 'device' });
    expect(app).toMatchObject({ kind: 'idp', status: 201 });
    timings[`${idp} login --device + app`] = Math.round(performance.now() - started);
  }, 90_000);
});

describe('refusals, each with its typed error and exit code', () => {
  it('device: the person cancels on the approval page → access_denied, exit 4', async () => {
    const started = performance.now();
    const { env } = await home('okta');
    const login = run(['login', '--device', '--allow-http', '--key-size', '2048'], env);
    const complete = (await login.waitFor(/Or open (http:\/\/\S+) \(the code is filled in\)/))[1] ?? '';
    const page = await browser.newPage();
    await page.goto(complete);
    await page.click('button[type=submit]');
    await signIn(page, 'okta-deny', OKTA_USER, () => okta.totp(OKTA_USER));
    await page.click('#deny');
    await page.waitForSelector('text=Sign-in cancelled');
    await shot(page, 'okta-deny-3-cancelled');
    await page.close();
    expect(await login.exit).toBe(4);
    expect(login.output()).toMatch(/declined/);
    timings['device denied'] = Math.round(performance.now() - started);
  }, 90_000);

  it('device: the code expires while the CLI polls → expired_token, exit 4', async () => {
    const started = performance.now();
    const { env } = await home('entra');
    const login = run(['login', '--device', '--allow-http', '--key-size', '2048'], env);
    await login.waitFor(/Waiting for you to finish/);
    entra.clock.advance(901_000);
    try {
      expect(await login.exit).toBe(4);
    } finally {
      entra.clock.useRealTime();
    }
    expect(login.output()).toMatch(/expired/);
    timings['device expired'] = Math.round(performance.now() - started);
  }, 90_000);

  it('device: a wrong code on the verification page is refused there; Ctrl-C then ends the CLI with 130', async () => {
    const started = performance.now();
    const { env } = await home('okta');
    const login = run(['login', '--device', '--allow-http', '--key-size', '2048'], env);
    const verification = (await login.waitFor(/open (http:\/\/\S+) in a browser/))[1] ?? '';
    const page = await browser.newPage();
    await page.goto(verification);
    await page.fill('#user_code', 'BBBB-BBBB');
    await page.click('button[type=submit]');
    await page.waitForSelector('text=That code is not valid');
    await shot(page, 'okta-wrong-code');
    await page.close();
    login.child.kill('SIGINT');
    expect(await login.exit, login.output()).toBe(130);
    timings['device wrong code + Ctrl-C'] = Math.round(performance.now() - started);
  }, 90_000);

  it('browser: a redirect with a forged state is refused (state_mismatch, exit 4), and the code is never redeemed', async () => {
    const started = performance.now();
    const { env } = await home('entra');
    const before = entra.stats().byGrant.authorization_code ?? 0;
    const login = run(['login', '--browser', '--allow-http', '--key-size', '2048'], env);
    const url = (await login.waitFor(/^ {4}(http:\/\/127\.0\.0\.1:\d+\/\S*authorize\S+)$/m))[1] ?? '';
    const redirect = new URL(new URL(url).searchParams.get('redirect_uri') ?? '');
    redirect.searchParams.set('code', 'forged-code-value');
    redirect.searchParams.set('state', 'forged-state');
    const page = await browser.newPage();
    await page.goto(redirect.href);
    await shot(page, 'entra-forged-state');
    expect(await page.content()).not.toContain('forged-code-value');
    await page.close();
    expect(await login.exit).toBe(4);
    expect(login.output()).toMatch(/state/);
    expect(login.output()).not.toContain('forged-code-value');
    expect(entra.stats().byGrant.authorization_code ?? 0).toBe(before);
    timings['browser forged state'] = Math.round(performance.now() - started);
  }, 90_000);
});
