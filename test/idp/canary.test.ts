// Canary: a seeded password, client secret, refresh token and access token must appear in no error
// (message, hint, cause chain, inspect, JSON), no log line and no printed token, on any path.
import { inspect } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createEntraEmulator, createOktaEmulator } from 'ubiq-idp/testing';
import { fetchIdpToken, refreshIdpToken, renewIdpToken, type FetchIdpTokenOptions } from '../../src/idp/index.js';
import type { IdpSettings } from '../../src/config/types.js';
import type { Logger } from '../../src/util/logger.js';

const PASSWORD = 'CANARY-password-7c1e';
const SECRET = 'CANARY-secret-93ab';
const ENTRA_ID = '6731de76-14a6-49ae-97bc-6eba6914391e';
const lines: string[] = [];
const record = (level: string) => (message: string, fields?: Record<string, unknown>) => void lines.push(`${level} ${message} ${JSON.stringify(fields ?? {})}`);
const logger: Logger = { debug: record('debug'), info: record('info'), warn: record('warn'), error: record('error') };
const options: FetchIdpTokenOptions = { allowInsecureHttp: true, logger, retry: { maxAttempts: 2, sleep: async () => {} } };

const okta = createOktaEmulator({
  apps: [{ clientId: '0oaclient', clientSecret: SECRET, grantTypes: ['password', 'refresh_token'], grantedScopes: ['okta.users.read', 'okta.groups.read'] }],
  users: [{ login: 'ada@example.com', password: PASSWORD }, { login: 'mfa@example.com', password: PASSWORD, mfaRequired: true }],
  rateLimit: { perUserPerSecond: 0 },
});
const entra = createEntraEmulator({
  apps: [{ clientId: ENTRA_ID, clientSecret: SECRET }],
  users: [{ userPrincipalName: 'ada@contoso.onmicrosoft.com', password: PASSWORD }],
});
let oktaSettings: IdpSettings;
let entraSettings: IdpSettings;
beforeAll(async () => {
  oktaSettings = { provider: 'okta', customerId: 'c', tokenEndpointUrl: (await okta.listen()).tokenEndpoint, clientId: '0oaclient', clientSecret: SECRET };
  entraSettings = { provider: 'entra', customerId: 'c', tokenEndpointUrl: (await entra.listen()).tokenEndpoint, clientId: ENTRA_ID, clientSecret: SECRET };
});
afterAll(async () => {
  await okta.close();
  await entra.close();
});

function everything(value: unknown): string {
  const parts = [inspect(value, { depth: 10, showHidden: true }), JSON.stringify(value) ?? '', String(value)];
  let current: unknown = value;
  for (let depth = 0; depth < 6 && current instanceof Error; depth += 1) {
    parts.push(current.message, String((current as { hint?: unknown }).hint), current.stack ?? '', JSON.stringify(current));
    current = current.cause;
  }
  return parts.join('\n');
}

async function caught(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a failure');
    },
    (error: unknown) => error,
  );
}

it('no secret in errors, logs or printed tokens on any path, for both providers', async () => {
  const token = await fetchIdpToken(oktaSettings, { username: 'ada@example.com', password: PASSWORD }, options);
  const refresh = token.refreshToken ?? '';
  const access = token.accessToken;
  expect(refresh).not.toBe('');
  const secrets = [PASSWORD, SECRET, refresh, access];
  // eslint-disable-next-line @typescript-eslint/no-base-to-string -- redactable objects define toString at run time; printing them is what this checks
  const printed: string[] = [everything(token), inspect(token), JSON.stringify(token), `${String(token)}`];

  const failures: unknown[] = [];
  const ada = { username: 'ada@example.com', password: PASSWORD };
  failures.push(await caught(fetchIdpToken(oktaSettings, { username: 'ada@example.com', password: `${PASSWORD}-wrong` }, options)));
  failures.push(await caught(fetchIdpToken(oktaSettings, { username: 'mfa@example.com', password: PASSWORD }, options)));
  failures.push(await caught(fetchIdpToken({ ...oktaSettings, clientSecret: `${SECRET}-wrong` }, ada, options)));
  failures.push(await caught(fetchIdpToken({ ...oktaSettings, tokenEndpointUrl: `${oktaSettings.tokenEndpointUrl}?client_secret=${SECRET}` }, ada, { ...options, allowInsecureHttp: false })));
  okta.faults.set({ failNext: 5, endpoints: ['token'] });
  failures.push(await caught(fetchIdpToken(oktaSettings, ada, options)));
  okta.faults.set({ dropConnections: 5 });
  failures.push(await caught(fetchIdpToken(oktaSettings, ada, options)));
  okta.faults.clear();
  okta.faults.set({ malformedJson: 1 });
  failures.push(await caught(fetchIdpToken(oktaSettings, ada, options)));
  okta.faults.set({ truncatedJson: 1 });
  failures.push(await caught(fetchIdpToken(oktaSettings, ada, options)));
  const renewed = await renewIdpToken(oktaSettings, ada, token, options);
  printed.push(everything(renewed));
  failures.push(await caught(refreshIdpToken(oktaSettings, refresh, options))); // rotated: now invalid
  failures.push(await caught(refreshIdpToken({ ...oktaSettings, clientSecret: `${SECRET}-wrong` }, renewed.refreshToken ?? '', options)));
  // A 200 that is not a valid token answer still carries tokens: they must not leak into the error.
  const bad = JSON.stringify({ access_token: access, refresh_token: refresh, token_type: 'mac', expires_in: 3600 });
  failures.push(await caught(fetchIdpToken(oktaSettings, ada, { ...options, fetch: () => Promise.resolve(new Response(bad, { status: 200, headers: { 'content-type': 'application/json' } })) })));
  failures.push(await caught(fetchIdpToken(oktaSettings, ada, { ...options, fetch: () => Promise.resolve(new Response(bad.replace('"mac"', '"Bearer"').replace('3600', '"x"'), { status: 200, headers: { 'content-type': 'application/json' } })) })));
  // An injected fetch that throws an error quoting the request body.
  // eslint-disable-next-line @typescript-eslint/no-base-to-string -- the library sends a form-encoded string body; quoting it is the leak this checks
  failures.push(await caught(fetchIdpToken(oktaSettings, ada, { ...options, fetch: async (_url, init) => Promise.reject(new TypeError(`fetch failed: ${String(init?.body)}`)) })));
  failures.push(await caught(fetchIdpToken(entraSettings, { username: 'ada@contoso.onmicrosoft.com', password: `${PASSWORD}-wrong` }, options)));
  failures.push(await caught(fetchIdpToken({ ...entraSettings, clientSecret: `${SECRET}-wrong` }, { username: 'ada@contoso.onmicrosoft.com', password: PASSWORD }, options)));
  failures.push(await caught(refreshIdpToken(entraSettings, refresh, options)));

  expect(failures.length).toBe(16);
  const haystack = [...failures.map(everything), ...printed, ...lines].join('\n');
  for (const secret of secrets) expect(haystack).not.toContain(secret);
  expect(haystack).toContain('[REDACTED]');
  expect(lines.length).toBeGreaterThan(10); // the logger really was called
});
