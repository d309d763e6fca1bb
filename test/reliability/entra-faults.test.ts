// The fault matrix's main cases against the Entra emulator (v1 tokens for the app's api:// resource, as
// ARCHITECTURE.md, IdP token request) and the reference server over real sockets: throttling with Retry-After, 5xx then
// healthy, malformed JSON, a hung token endpoint — bounded requests, no unhandled rejection, no timer left.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEntraEmulator, type EntraEmulator } from 'ubiq-idp/testing';
import { createReferenceServer, type ReferenceServer } from 'ubiq-idp/server';
import { loadConfig, type LoadedConfig } from '../../src/config/load.js';
import { generateRsaKeyPair, type RsaKeyPair } from '../../src/crypto/keypair.js';
import { createIdpCredentialProvider, type CredentialProvider } from '../../src/credentials/provider.js';
import type { UbiqIdpCredentials } from '../../src/credentials/ubiq-credentials.js';
import type { RetryOptions } from '../../src/http/index.js';
import { testCa } from '../server-sso/server-helpers.js';
import { scimUser } from '../server-keys/key-helpers.js';
import { guardEachTest } from './helpers/suite.js';

const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const CLIENT = '6731de76-14a6-49ae-97bc-6eba6914391e';
const SECRET = 'canary-entra-rel-secret-2b7f';
const UPN = 'ada@contoso.onmicrosoft.com';
const PASSWORD = 'canary-entra-rel-password-9e1c';

let entra: EntraEmulator;
let server: ReferenceServer;
let config: LoadedConfig;
let keys: RsaKeyPair;
const providers: CredentialProvider<UbiqIdpCredentials>[] = [];

beforeAll(async () => {
  entra = createEntraEmulator({ tenantId: TENANT, apps: [{ clientId: CLIENT, clientSecret: SECRET, displayName: 'Ubiq' }], users: [{ userPrincipalName: UPN, password: PASSWORD }] });
  [keys] = await Promise.all([generateRsaKeyPair({ modulusLength: 2048 }), entra.listen()]);
  server = createReferenceServer({ ...(await testCa()), idp: { discoveryUrl: entra.discoveryUrl, issuer: entra.issuerV1, audience: entra.audienceOf(CLIENT) } });
  const { origin } = await server.listen();
  await scimUser(server, UPN);
  config = await loadConfig({
    env: {},
    homeDir: '/nonexistent-ubiq-idp-reliability-home',
    allowInsecureHttp: true,
    overrides: { server: origin, idp: { provider: 'entra', customerId: server.info().customerId, tokenEndpointUrl: entra.tokenEndpoint, clientId: CLIENT, clientSecret: SECRET }, username: UPN, password: PASSWORD },
  });
  // Warm up: the emulator creates its signing key on the first token.
  const warm = provider();
  await warm();
});
afterAll(async () => {
  await Promise.all(providers.map((p) => p.close()));
  await server.close();
  await entra.close();
});
guardEachTest({
  reset() {
    entra.faults.clear();
    entra.resetStats();
  },
  async cleanup() {
    await Promise.all(providers.splice(0).map((p) => p.close()));
    entra.faults.clear();
  },
});

function provider(retry: RetryOptions | false = false, timeoutMs?: number): CredentialProvider<UbiqIdpCredentials> {
  // One login's HTTP-level bounds are under test: the provider's own retry of a transient first login is
  // off (refresh.retry.loginDeadlineMs 0; tested in test/credentials/login-retry.test.ts).
  const p = createIdpCredentialProvider({
    config,
    allowInsecureHttp: true,
    modulusLength: 2048,
    pregenerateKeyPair: keys,
    retry,
    refresh: { retry: { loginDeadlineMs: 0 } },
    ...(timeoutMs ? { timeoutMs } : {}),
  });
  providers.push(p);
  return p;
}
function recorded(maxAttempts: number): { retry: RetryOptions; waits: number[] } {
  const waits: number[] = [];
  return { waits, retry: { maxAttempts, baseDelayMs: 10, deadlineMs: 60_000, sleep: (ms) => Promise.resolve(void waits.push(ms)) } };
}

describe('credential provider against the Entra emulator under faults', () => {
  it('429 throttling with Retry-After: waits what Entra asks, then signs in (v1 token accepted by the SSO endpoint)', async () => {
    entra.faults.set({ rateLimitNext: { count: 2, retryAfterSeconds: 3 }, endpoints: ['token'] });
    const { retry, waits } = recorded(4);
    const credentials = await provider(retry)();
    expect(credentials.provider).toBe('entra');
    expect(waits).toEqual([3_000, 3_000]);
    expect(entra.stats().byEndpoint.token).toBe(3);
  });

  it('a throttling storm longer than the retry budget: typed rate_limited after maxAttempts requests', async () => {
    entra.faults.set({ rateLimitNext: { count: 50, retryAfterSeconds: 1, retryAfterFormat: 'http-date' }, endpoints: ['token'] });
    await expect(provider(recorded(3).retry)()).rejects.toMatchObject({ name: 'IdpError', code: 'rate_limited' });
    expect(entra.stats().byEndpoint.token).toBe(3);
  });

  it('5xx gateway pages for a while, then healthy', async () => {
    entra.faults.set({ failNext: { count: 2, status: 504 }, endpoints: ['token'] });
    const { retry, waits } = recorded(4);
    expect((await provider(retry)()).kind).toBe('idp');
    expect(waits).toHaveLength(2);
    expect(entra.stats().byEndpoint.token).toBe(3);
  });

  it('malformed, truncated JSON and dropped connections: typed errors, one request each, then it works', async () => {
    const p = provider();
    entra.faults.set({ malformedJson: 1, endpoints: ['token'] });
    await expect(p()).rejects.toMatchObject({ name: 'IdpError', code: 'invalid_response' });
    entra.faults.set({ truncatedJson: 1, endpoints: ['token'] });
    await expect(p()).rejects.toMatchObject({ name: 'IdpError', code: 'invalid_response' });
    entra.faults.set({ dropConnections: 1, endpoints: ['token'] });
    await expect(p()).rejects.toMatchObject({ name: 'IdpError', code: 'network_error' });
    expect(entra.stats().byEndpoint.token).toBe(3);
    expect((await p()).kind).toBe('idp');
  });

  it('a hung token endpoint: timeout per attempt, bounded, close() leaves nothing behind', async () => {
    entra.faults.set({ latencyMs: 8_000, endpoints: ['token'] });
    const p = provider(recorded(2).retry, 600);
    await expect(p()).rejects.toMatchObject({ name: 'IdpError', code: 'timeout' });
    expect(entra.stats().byEndpoint.token).toBe(2);
  });
});
