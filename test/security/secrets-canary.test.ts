// Secrets canary (issue 8): the whole system — Okta emulator → credential provider → reference server →
// key endpoint, plus failure paths and the CLI — runs with seeded canary secrets (password, client secret,
// SCIM token, admin token) and the secrets it creates (IdP access/refresh/ID tokens, signing key, crypto
// key, private key PEM). Every log line, error (message, hint, cause chain, inspect, JSON), inspect and
// JSON of library objects, HTTP error body and CLI output is scanned: zero hits.
import { chmod, lstat, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createReferenceServer } from 'ubiq-idp/server';
import { loadConfig } from '../../src/config/load.js';
import { generateRsaKeyPair, type RsaKeyPair } from '../../src/crypto/keypair.js';
import { createIdpCredentialProvider } from '../../src/credentials/provider.js';
import { fromIdp } from '../../src/credentials/sources.js';
import type { UbiqIdpCredentials } from '../../src/credentials/ubiq-credentials.js';
import type { FetchLike } from '../../src/http/index.js';
import type { Logger } from '../../src/util/logger.js';
import { cli } from '../cli/cli-helpers.js';
import { signedPost } from '../server-keys/key-helpers.js';
import { refusedPort, startSystem, CLIENT_ID, CLIENT_SECRET, PASSWORD, USERNAME, type System } from './../reliability/helpers/system.js';

const SCIM_TOKEN = 'canary-scim-token-4f8a1c2e9b7d3a60';
const ADMIN_TOKEN = 'canary-admin-token-8e2b6d4f1a9c0e57';
const OTHER_PASSWORD = 'canary-wrong-password-71e3';
const OTHER_SECRET = 'canary-wrong-client-secret-5d92';

/** Everything printed, logged, thrown or answered, to be scanned at the end. */
const outputs: Array<{ where: string; text: string }> = [];
const record = (where: string, value: unknown) => {
  const text =
    typeof value === 'string'
      ? value
      : `${inspect(value, { depth: 12, showHidden: true })}\n${safeJson(value)}\n${value instanceof Error ? errorChain(value) : String(value)}`;
  outputs.push({ where, text });
};
function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? '';
  } catch (error) {
    return `unserialisable: ${String(error)}`;
  }
}
function errorChain(error: Error): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current instanceof Error && depth < 10; depth += 1) {
    // eslint-disable-next-line @typescript-eslint/no-base-to-string -- a foreign error may carry any hint value; print it as the runtime would
    parts.push(current.name, current.message, String((current as { hint?: unknown }).hint ?? ''), current.stack ?? '', safeJson(current));
    current = current.cause;
  }
  if (current !== undefined) parts.push(inspect(current, { depth: 6 }));
  return parts.join('\n');
}
function recordingLogger(where: string): Logger {
  const line = (level: string) => (message: string, fields?: Record<string, unknown>) => record(`${where} log ${level}`, `${message} ${inspect(fields, { depth: 8 })} ${safeJson(fields)}`);
  return { debug: line('debug'), info: line('info'), warn: line('warn'), error: line('error') };
}
async function expectFailure(where: string, run: () => Promise<unknown>): Promise<unknown> {
  const error = await run().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, `${where} should fail`).toBeInstanceOf(Error);
  record(where, error);
  return error;
}
async function httpBody(where: string, response: Response | Promise<Response>): Promise<number> {
  const answer = await response;
  const headers: string[] = [];
  answer.headers.forEach((value, name) => headers.push(`${name}: ${value}`));
  record(`${where} (HTTP ${answer.status})`, `${headers.join('\n')}\n${await answer.text()}`);
  return answer.status;
}

let sys: System;
let keys: RsaKeyPair;
const idpTokens = new Set<string>();
const createdSecrets = new Set<string>();

/** Captures the tokens the IdP hands out (they are secrets too), then passes the answer on. */
const capturingFetch: FetchLike = async (input, init) => {
  const response = await fetch(input, init);
  if (String(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url).endsWith('/token') && response.status === 200) {
    const body = (await response.clone().json().catch(() => ({}))) as Record<string, unknown>;
    for (const field of ['access_token', 'refresh_token', 'id_token']) if (typeof body[field] === 'string') idpTokens.add(body[field]);
  }
  return response;
};

beforeAll(async () => {
  [sys, keys] = await Promise.all([startSystem({ server: { scimToken: SCIM_TOKEN, adminToken: ADMIN_TOKEN }, logger: recordingLogger('server') }), generateRsaKeyPair({ modulusLength: 2048 })]);
  const pem = String(keys.privateKey.export({ type: 'pkcs8', format: 'pem' }));
  for (const line of pem.split('\n').filter((l) => l.length > 40)) createdSecrets.add(line);
});
afterAll(async () => {
  await sys.close();
});

describe('secrets canary: the whole system', () => {
  it('happy path, IdP and SSO failures, HTTP errors and the CLI leak no secret anywhere', async () => {
    const providerLogger = recordingLogger('provider');
    const provider = sys.provider({ pregenerateKeyPair: keys, fetch: capturingFetch, logger: providerLogger, onRefreshError: (e) => record('onRefreshError', e) });
    const credentials: UbiqIdpCredentials = await provider();
    createdSecrets.add(credentials.secretSigningKey).add(credentials.secretCryptoAccessKey);
    record('credentials', credentials);
    record('provider', provider);
    record('config', sys.config);
    record('server.info()', sys.server.info());
    record('server settings', sys.server.context.settings);
    record('api keys', [...sys.server.store.listApiKeys()]);

    // Key endpoint: success, then error bodies.
    const origin = sys.server.info().origin;
    const ok = await signedPost(`${origin}/api/v0/encryption/key`, { uses: 1, payload_cert: credentials.payloadCert }, credentials);
    expect(ok.status).toBe(201);
    record('key endpoint 201 (no secret of ours expected)', JSON.stringify({ ...ok.body, encrypted_private_key: undefined, wrapped_data_key: undefined }));
    await httpBody('key endpoint, bad signature', fetch(`${origin}/api/v0/encryption/key`, { method: 'POST', headers: { 'content-type': 'application/json', signature: `keyId="${credentials.accessKeyId}", algorithm="hmac-sha512", created=1, headers="(created)", signature="AAAA"` }, body: '{}' }));
    const wrongSecret = await signedPost(`${origin}/api/v0/encryption/key`, { uses: 1, payload_cert: credentials.payloadCert }, { accessKeyId: credentials.accessKeyId, secretSigningKey: `${credentials.secretSigningKey}x` });
    record('key endpoint, wrong secret', JSON.stringify(wrongSecret));

    // SCIM and admin errors (wrong tokens that start like the real ones, bad bodies).
    const scimBase = sys.server.info().scimBaseUrl;
    const adminBase = sys.server.info().adminBaseUrl;
    await httpBody('SCIM wrong token', fetch(`${scimBase}/Users`, { headers: { authorization: `Bearer ${SCIM_TOKEN.slice(0, 20)}x` } }));
    await httpBody('SCIM admin token used', fetch(`${scimBase}/Users`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } }));
    await httpBody('SCIM bad JSON', fetch(`${scimBase}/Users`, { method: 'POST', headers: { authorization: `Bearer ${SCIM_TOKEN}`, 'content-type': 'application/scim+json' }, body: `{"userName": "${PASSWORD}` }));
    await httpBody('admin wrong token', fetch(`${adminBase}/settings`, { headers: { authorization: `Bearer ${SCIM_TOKEN}` } }));
    await httpBody('admin settings', fetch(`${adminBase}/idp`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } }));
    // SSO endpoint errors with a real token: bad CSR, token of the wrong audience.
    const accessToken = [...idpTokens][0]!;
    await httpBody('SSO bad CSR', fetch(`${scimBase}/sso`, { method: 'POST', headers: { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json' }, body: '{"csr":"junk"}' }));
    await httpBody('SSO tampered token', fetch(`${scimBase}/sso`, { method: 'POST', headers: { authorization: `Bearer ${accessToken.slice(0, -4)}AAAA`, 'content-type': 'application/json' }, body: '{"csr":"junk"}' }));

    // Renewal with the refresh token, then failure paths of the provider.
    record('forceRefresh', await provider.forceRefresh());
    sys.front.faults.failNext = 1;
    await expectFailure('SSO 503 on renewal', () => provider.forceRefresh());
    sys.front.faults.truncateNext = 1;
    await expectFailure('SSO truncated on renewal', () => provider.forceRefresh());
    sys.okta.faults.set({ malformedJson: 1, endpoints: ['token'] });
    await expectFailure('IdP malformed JSON', () => provider.forceRefresh());
    sys.okta.faults.set({ truncatedJson: 1, endpoints: ['token'] });
    await expectFailure('IdP truncated JSON', () => provider.forceRefresh());
    sys.okta.faults.set({ rateLimitNext: 1, endpoints: ['token'] });
    await expectFailure('IdP 429', () => provider.forceRefresh());
    sys.okta.faults.set({ failNext: { count: 1, status: 500 }, endpoints: ['token'] });
    await expectFailure('IdP 500', () => provider.forceRefresh());
    sys.okta.faults.clear();
    const audience = sys.server.context.settings.idp.audience;
    sys.server.context.settings.idp.audience = 'api://somebody-else';
    await expectFailure('SSO 401 wrong audience', () => provider.forceRefresh());
    sys.server.context.settings.idp.audience = audience;
    sys.okta.revokeRefreshTokens();
    sys.okta.updateUser(USERNAME, { password: 'changed-by-admin-pw' });
    await expectFailure('refresh token revoked and password changed', () => provider.forceRefresh());
    sys.okta.updateUser(USERNAME, { password: PASSWORD });
    await provider.close();
    await expectFailure('closed provider', () => provider());

    // Wrong client secret, wrong password, refused connection, timeout — each with its own provider.
    const load = async (overrides: { password?: string; clientSecret?: string; tokenEndpointUrl?: string }) =>
      loadConfig({
        env: {},
        homeDir: '/nonexistent-canary-home',
        allowInsecureHttp: true,
        logger: recordingLogger('config'),
        overrides: {
          server: sys.front.url,
          idp: { provider: 'okta', customerId: sys.server.info().customerId, tokenEndpointUrl: overrides.tokenEndpointUrl ?? sys.okta.tokenEndpoint, clientId: CLIENT_ID, clientSecret: overrides.clientSecret ?? CLIENT_SECRET },
          username: USERNAME,
          password: overrides.password ?? PASSWORD,
        },
      });
    const failing = async (where: string, config: Awaited<ReturnType<typeof load>>, extra: Parameters<typeof createIdpCredentialProvider>[0] = {}) => {
      // loginDeadlineMs 0: the first failure is the one whose text is scanned (the provider would otherwise retry the refused/slow IdP for minutes).
      const p = createIdpCredentialProvider({ config, allowInsecureHttp: true, pregenerateKeyPair: keys, retry: false, refresh: { retry: { loginDeadlineMs: 0 } }, logger: recordingLogger(where), ...extra });
      await expectFailure(where, () => p());
      record(`${where} provider`, p);
      await p.close();
    };
    await failing('wrong client secret', await load({ clientSecret: OTHER_SECRET }));
    await failing('wrong password', await load({ password: OTHER_PASSWORD }));
    await failing('connection refused', await load({ tokenEndpointUrl: `http://127.0.0.1:${await refusedPort()}/oauth2/v1/token` }));
    sys.okta.faults.set({ latencyMs: 3_000, endpoints: ['token'] });
    await failing('IdP timeout', await load({}), { timeoutMs: 300 });
    sys.okta.faults.clear();
    await expectFailure('config with an insecure endpoint', () => loadConfig({ env: {}, homeDir: '/nonexistent', overrides: { server: sys.front.url, idp: { provider: 'okta', customerId: sys.server.info().customerId, tokenEndpointUrl: sys.okta.tokenEndpoint, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET }, username: USERNAME, password: PASSWORD } }));
    await expectFailure('createReferenceServer with a short token', () => Promise.resolve().then(() => createReferenceServer({ scimToken: 'canary-short' })));

    // The CLI (login, doctor) with the canaries in its environment; `credentials` prints secrets by design.
    const env = {
      UBIQ_SERVER: sys.front.url,
      UBIQ_IDP_USERNAME: USERNAME,
      UBIQ_IDP_PASSWORD: PASSWORD,
      UBIQ_IDP_PROVIDER: 'okta',
      UBIQ_IDP_CUSTOMER_ID: sys.server.info().customerId,
      UBIQ_IDP_TOKEN_ENDPOINT_URL: sys.okta.tokenEndpoint,
      UBIQ_IDP_TENANT_ID: CLIENT_ID,
      UBIQ_IDP_CLIENT_SECRET: CLIENT_SECRET,
    };
    for (const argv of [
      ['login', '--allow-http', '--key-size', '2048'],
      ['login', '--allow-http', '--key-size', '2048', '--json'],
      ['doctor', '--allow-http'],
    ]) {
      const run = await cli(argv, { env });
      record(`cli ${argv.join(' ')} (exit ${run.code})`, `${run.stdout}\n${run.stderr}`);
    }
    const bad = await cli(['login', '--allow-http', '--key-size', '2048'], { env: { ...env, UBIQ_IDP_PASSWORD: OTHER_PASSWORD, UBIQ_IDP_CLIENT_SECRET: OTHER_SECRET } });
    expect(bad.code).not.toBe(0);
    record('cli login, wrong secrets', `${bad.stdout}\n${bad.stderr}`);
    const loginJson = await cli(['login', '--allow-http', '--key-size', '2048', '--json'], { env });
    expect(loginJson.code, loginJson.stderr).toBe(0);

    // ---- the scan ----
    const secrets = new Map<string, string>([
      ['password', PASSWORD],
      ['client secret', CLIENT_SECRET],
      ['SCIM token', SCIM_TOKEN],
      ['admin token', ADMIN_TOKEN],
      ['wrong password', OTHER_PASSWORD],
      ['wrong client secret', OTHER_SECRET],
    ]);
    for (const token of idpTokens) {
      secrets.set(`IdP token …${token.slice(-6)}`, token);
      const signature = token.split('.')[2];
      if (signature !== undefined && signature.length > 20) secrets.set(`IdP token signature …${token.slice(-6)}`, signature);
      if (!token.includes('.')) secrets.set(`opaque token middle …${token.slice(-6)}`, token.slice(4, -4));
    }
    for (const secret of createdSecrets) secrets.set(`created secret ${secret.slice(0, 4)}…`, secret);
    expect(idpTokens.size).toBeGreaterThanOrEqual(3); // access + ID + refresh tokens were captured
    expect(outputs.length).toBeGreaterThan(40);
    const hits: string[] = [];
    for (const { where, text } of outputs) for (const [name, secret] of secrets) if (text.includes(secret)) hits.push(`${name} in ${where}`);
    expect(hits).toEqual([]);
  }, 60_000);
});

describe('secrets canary: session files', () => {
  it('the secrets are in the session file (mode 0600) and nowhere else: no other file under the home, no log line, no CLI output', async () => {
    const home = await mkdtemp(join(tmpdir(), 'ubiq-canary-session-home-'));
    const start = outputs.length;
    try {
      const env = {
        UBIQ_SERVER: sys.front.url,
        UBIQ_IDP_USERNAME: USERNAME,
        UBIQ_IDP_PASSWORD: PASSWORD,
        UBIQ_IDP_PROVIDER: 'okta',
        UBIQ_IDP_CUSTOMER_ID: sys.server.info().customerId,
        UBIQ_IDP_TOKEN_ENDPOINT_URL: sys.okta.tokenEndpoint,
        UBIQ_IDP_TENANT_ID: CLIENT_ID,
        UBIQ_IDP_CLIENT_SECRET: CLIENT_SECRET,
      };
      const command = async (argv: string[]) => {
        const run = await cli([...argv, '--allow-http', '--key-size', '2048'], { env, homeDir: home });
        record(`cli ${argv.join(' ')} (exit ${run.code})`, `${run.stdout}\n${run.stderr}`);
        return run;
      };
      expect((await command(['login'])).code).toBe(0);
      const dir = join(home, '.ubiq', 'sessions');
      const [name] = (await readdir(dir)).filter((n) => n.endsWith('.json'));
      const path = join(dir, name!);
      const file = JSON.parse(await readFile(path, 'utf8')) as { refreshToken: string; credentials: Record<string, string> };
      const secrets = new Map<string, string>([
        ['password', PASSWORD],
        ['client secret', CLIENT_SECRET],
        ['session refresh token', file.refreshToken],
        ['session signing key', file.credentials.secretSigningKey!],
        ['session crypto access key', file.credentials.secretCryptoAccessKey!],
      ]);
      for (const line of file.credentials.encryptedPrivateKey!.split('\n').filter((l) => l.length > 40)) secrets.set(`session encrypted key ${line.slice(0, 4)}…`, line);
      // The secrets are really in the file, which only its owner can read.
      expect((await lstat(path)).mode & 0o777).toBe(0o600);
      expect((await lstat(dir)).mode & 0o777).toBe(0o700);

      await command(['whoami']);
      await command(['whoami', '--json']);
      await command(['login', '--json']);
      // An app served from the session, then one that finds it readable by others (warning) and signs in again.
      const logger = recordingLogger('session provider');
      const app = fromIdp({ load: { env, homeDir: home, allowInsecureHttp: true, logger }, allowInsecureHttp: true, modulusLength: 2048, logger });
      record('credentials from the session', await app());
      record('provider', app);
      await app.close();
      await chmod(path, 0o644);
      const again = fromIdp({ load: { env, homeDir: home, allowInsecureHttp: true, logger }, allowInsecureHttp: true, modulusLength: 2048, logger });
      record('credentials after a refused session', await again());
      await again.close();
      const strict = fromIdp({ load: { env, homeDir: home, allowInsecureHttp: true, strictPermissions: true, logger }, allowInsecureHttp: true, modulusLength: 2048, logger });
      await chmod(path, 0o644);
      await expectFailure('strict session refusal', () => strict());
      await strict.close();
      await chmod(path, 0o600);
      // The session written after the refusal holds new secrets: add them before the file is deleted.
      const rewritten = JSON.parse(await readFile(path, 'utf8')) as { refreshToken: string; credentials: Record<string, string> };
      secrets.set('rewritten refresh token', rewritten.refreshToken).set('rewritten signing key', rewritten.credentials.secretSigningKey!).set('rewritten crypto access key', rewritten.credentials.secretCryptoAccessKey!);

      // No other file under the home holds any of them (temporary files, the lock, anything).
      const others: string[] = [];
      const walk = async (at: string): Promise<void> => {
        for (const entry of await readdir(at, { withFileTypes: true })) {
          const full = join(at, entry.name);
          if (entry.isDirectory()) await walk(full);
          else if (full !== path) others.push(full);
        }
      };
      await walk(home);
      for (const other of others) record(`file ${other}`, await readFile(other, 'utf8'));

      expect((await command(['logout'])).code).toBe(0);
      await expect(lstat(path)).rejects.toThrow(/ENOENT/);

      const hits: string[] = [];
      for (const { where, text } of outputs.slice(start)) for (const [secretName, secret] of secrets) if (text.includes(secret)) hits.push(`${secretName} in ${where}`);
      expect(outputs.length - start).toBeGreaterThan(8);
      expect(hits).toEqual([]);
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  }, 60_000);
});
