import { inspect } from 'node:util';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createCsr } from '../../src/credentials/csr.js';
import { generateRsaKeyPair, type RsaKeyPair } from '../../src/crypto/keypair.js';
import { exchangeIdpToken, ssoUrl } from '../../src/credentials/sso.js';
import { createHttpClient } from '../../src/http/index.js';
import { createOktaEmulator, createOktaProvisioningAgent, type OktaEmulator, type OktaProvisioningAgent } from '../../src/testing/index.js';
import { startTestSsoEndpoint, type TestSsoEndpoint } from './helpers/sso-endpoint.js';

const CUSTOMER = '7d6f4b34-0c5e-4c1a-9a1e-3f1f0b1f2a11';
const CLIENT = '0oaSsoExchangeTest001';
const CLIENT_SECRET = 'canary-sso-client-secret-2b7e';
const USER = 'grace@example.com';
const PASSWORD = 'canary-sso-password-8c4d';

// The reference server (through the test front, which also injects the faults it never produces) with
// the Okta emulator as its IdP and the user provisioned over SCIM; TOKEN is a real Okta access token.
let okta: OktaEmulator;
let agent: OktaProvisioningAgent;
let endpoint: TestSsoEndpoint;
let keyPair: RsaKeyPair;
let csrPem: string;
let TOKEN: string;

async function passwordGrant(tokenEndpoint: string): Promise<string> {
  const response = await fetch(tokenEndpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'password', username: USER, password: PASSWORD, client_id: CLIENT, client_secret: CLIENT_SECRET, scope: 'openid' }),
    signal: AbortSignal.timeout(10_000),
  });
  const body = (await response.json()) as { access_token?: string };
  if (response.status !== 200 || body.access_token === undefined) throw new Error(`token request: HTTP ${response.status}`);
  return body.access_token;
}

beforeAll(async () => {
  okta = createOktaEmulator({
    apps: [{ clientId: CLIENT, clientSecret: CLIENT_SECRET, grantTypes: ['password'] }],
    users: [{ login: USER, password: PASSWORD }],
  });
  const [info, keys] = await Promise.all([okta.listen(), generateRsaKeyPair({ modulusLength: 2048 })]);
  keyPair = keys;
  csrPem = await createCsr(keyPair);
  endpoint = await startTestSsoEndpoint({
    customerId: CUSTOMER,
    lifetimeSeconds: 600,
    idp: { discoveryUrl: info.discoveryUrl, issuer: info.issuer, audience: info.audience },
    provision: async (scim) => {
      agent = createOktaProvisioningAgent({ ...scim, emulator: okta });
      await agent.assignUser(USER);
    },
  });
  TOKEN = await passwordGrant(info.tokenEndpoint);
});
afterAll(async () => {
  await endpoint?.close();
  await okta?.close();
});
beforeEach(() => {
  endpoint.canned.length = 0;
  endpoint.wrongKeyNext = 0;
});

const exchange = (overrides: Partial<Parameters<typeof exchangeIdpToken>[0]> = {}) =>
  exchangeIdpToken({
    server: endpoint.url,
    customerId: CUSTOMER,
    accessToken: TOKEN,
    csrPem,
    expectedPublicKey: keyPair.publicKey,
    retry: false,
    allowInsecureHttp: true, // the test endpoint listens on http://127.0.0.1
    ...overrides,
  });

/** Every way an error can be printed must be free of the token. */
function expectNoToken(error: unknown): void {
  const texts = [String(error), inspect(error, { depth: 10 }), JSON.stringify(error), (error as Error).stack ?? '', JSON.stringify((error as { hint?: string }).hint ?? '')];
  for (const text of texts) expect(text).not.toContain(TOKEN);
}

describe('exchangeIdpToken over a real socket', () => {
  it('posts the CSR with the bearer token to {server}/{customer}/api/v3/scim/sso and validates the answer', async () => {
    const before = endpoint.requests;
    const result = await exchange({ server: `${endpoint.url}/` });
    expect(endpoint.requests).toBe(before + 1);
    expect(endpoint.tokens.at(-1)).toBe(TOKEN);
    const issued = endpoint.issued.at(-1)!;
    expect(result.publicValue).toBe(issued.publicValue);
    expect(result.signingValue).toBe(issued.signingValue);
    expect(result.certificate).toBe(issued.certificate);
    expect(Buffer.from(result.payloadCert, 'base64').toString('utf8')).toBe(issued.certificate);
    expect(result.notAfter.getTime() - Date.now()).toBeGreaterThan(500_000);
    expect(result.notBefore.getTime()).toBeLessThan(Date.now());
  });

  it('builds the URL from SERVER and the customer id', () => {
    expect(ssoUrl('https://api.ubiqsecurity.com//', CUSTOMER)).toBe(`https://api.ubiqsecurity.com/${CUSTOMER}/api/v3/scim/sso`);
  });

  it.each([
    [401, 'sso_unauthorized'],
    [403, 'sso_forbidden'],
    [404, 'sso_not_found'],
    [400, 'sso_rejected'],
    [500, 'sso_server_error'],
    [503, 'sso_server_error'],
    [429, 'sso_rate_limited'],
    [201, 'sso_unexpected_status'],
  ])('maps %i to %s, with a hint and without the token', async (status, code) => {
    // Canned: the mapping of any server's refusal, including one that echoes the token (ours never does;
    // its own refusals are below).
    endpoint.canned.push({ status, body: JSON.stringify({ message: `server says no; echo ${TOKEN}` }) });
    const error = await exchange().catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'SsoError', code, status });
    expect((error as { hint?: string }).hint).toBeTruthy();
    expect((error as Error).message).toContain('server says no');
    expectNoToken(error);
  });

  it.each([
    ['401 for a token of another IdP audience', 401, 'sso_unauthorized', 'audience'],
    ['403 for a deactivated user', 403, 'sso_forbidden', 'deactivated (SCIM active: false)'],
    ['404 for another customer id', 404, 'sso_not_found', 'No Ubiq customer with this id'],
    ['400 for a CSR that is not one', 400, 'sso_rejected', 'certificate request'],
  ] as const)('the reference server: %s maps to its code, quotes the server once, never the token', async (_name, status, code, said) => {
    const { adminBaseUrl, adminToken } = endpoint.server.info();
    const patchIdp = (audience: string) =>
      fetch(`${adminBaseUrl}/idp`, {
        method: 'PATCH',
        headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ audience }),
        signal: AbortSignal.timeout(10_000),
      });
    const audience = endpoint.server.info().idp.audience ?? '';
    let error: unknown;
    if (status === 401) {
      expect((await patchIdp('api://another-audience')).status).toBe(200);
      try {
        error = await exchange().catch((e: unknown) => e);
      } finally {
        expect((await patchIdp(audience)).status).toBe(200);
      }
    } else if (status === 403) {
      await agent.deactivateUser(USER);
      try {
        error = await exchange().catch((e: unknown) => e);
      } finally {
        await agent.reactivateUser(USER);
      }
    } else if (status === 404) {
      error = await exchange({ customerId: '00000000-0000-4000-8000-000000000000' }).catch((e: unknown) => e);
    } else {
      error = await exchange({ csrPem: '-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n' }).catch((e: unknown) => e);
    }
    expect(error).toMatchObject({ name: 'SsoError', code, status });
    const message = (error as Error).message;
    expect(message).toContain(said);
    // The server's sentence ends with a period and so does ours: one period, not two.
    expect(message).not.toMatch(/\.\.$/);
    expect(message).toMatch(/[^.]\.$/);
    expectNoToken(error);
    // Afterwards the same exchange works again.
    expect((await exchange()).publicValue).toBe(endpoint.server.store.findApiKeyByUserId(endpoint.server.store.findUserByUserName(USER)!.id)?.accessKeyId);
  });

  it('drops the final period of a server message, keeps its other punctuation, and still shortens long ones', async () => {
    endpoint.canned.push({ status: 403, body: JSON.stringify({ message: 'Account locked...  ' }) });
    expect(((await exchange().catch((e: unknown) => e)) as Error).message).toMatch(/\(403\): Account locked\.$/);
    endpoint.canned.push({ status: 403, body: JSON.stringify({ message: 'Who are you?' }) });
    expect(((await exchange().catch((e: unknown) => e)) as Error).message).toMatch(/\(403\): Who are you\?\.$/);
    endpoint.canned.push({ status: 403, body: JSON.stringify({ message: '.', error: 'forbidden' }) });
    expect(((await exchange().catch((e: unknown) => e)) as Error).message).toMatch(/\(403\): forbidden\.$/);
    endpoint.canned.push({ status: 403, body: JSON.stringify({ message: `${'x'.repeat(300)}.` }) });
    expect(((await exchange().catch((e: unknown) => e)) as Error).message).toMatch(/: x{200}…\.$/);
  });

  it('retries 5xx through the HTTP client before giving up', async () => {
    endpoint.canned.push({ status: 502, body: 'bad gateway', contentType: 'text/html' });
    const before = endpoint.requests;
    const http = createHttpClient({ retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 1 } });
    try {
      const result = await exchange({ http });
      expect(result.publicValue).toBeTruthy();
      expect(endpoint.requests).toBe(before + 2);
    } finally {
      await http.close();
    }
  });

  it('rejects a 200 whose body is not JSON', async () => {
    endpoint.canned.push({ status: 200, body: '<html>login page</html>', contentType: 'text/html' });
    await expect(exchange()).rejects.toMatchObject({ code: 'sso_bad_response', status: 200 });
  });

  it('rejects a 200 without the documented fields, naming them', async () => {
    endpoint.canned.push({ status: 200, body: JSON.stringify({ api_cert: 'x', public_value: '' }) });
    const error = await exchange().catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'sso_bad_response' });
    expect((error as Error).message).toContain('public_value');
    expect((error as Error).message).toContain('signing_value');
  });

  it('rejects a certificate that does not parse', async () => {
    endpoint.canned.push({ status: 200, body: JSON.stringify({ api_cert: 'not a certificate', public_value: 'a', signing_value: 'b' }) });
    await expect(exchange()).rejects.toMatchObject({ code: 'sso_certificate_invalid' });
  });

  it('rejects a certificate for a key that is not ours', async () => {
    endpoint.wrongKeyNext = 1;
    await expect(exchange()).rejects.toMatchObject({ code: 'sso_certificate_key_mismatch' });
  });

  it('rejects a certificate that is not valid now (expired, or not yet valid beyond the skew)', async () => {
    await expect(exchange({ now: () => Date.now() + 3_600_000 })).rejects.toMatchObject({ code: 'sso_certificate_not_valid_now' });
    await expect(exchange({ now: () => Date.now() - 3_600_000 })).rejects.toMatchObject({ code: 'sso_certificate_not_valid_now' });
  });

  it('rejects with the caller’s abort reason', async () => {
    endpoint.latencyMs = 2_000;
    try {
      const controller = new AbortController();
      const pending = exchange({ signal: controller.signal });
      setTimeout(() => controller.abort(new Error('caller aborted')), 20);
      await expect(pending).rejects.toThrow('caller aborted');
    } finally {
      endpoint.latencyMs = 0;
    }
  });

  it('reports an unreachable server as sso_unreachable without the token', async () => {
    const error = await exchange({ server: 'http://127.0.0.1:1' }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'sso_unreachable' });
    expectNoToken(error);
  });
});
