import { inspect } from 'node:util';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createCsr } from '../../src/credentials/csr.js';
import { generateRsaKeyPair, type RsaKeyPair } from '../../src/credentials/keypair.js';
import { exchangeIdpToken, ssoUrl } from '../../src/credentials/sso.js';
import { createHttpClient } from '../../src/http/index.js';
import { startTestSsoEndpoint, type TestSsoEndpoint } from './helpers/sso-endpoint.js';

const CUSTOMER = '7d6f4b34-0c5e-4c1a-9a1e-3f1f0b1f2a11';
const TOKEN = 'canary-access-token-0123456789';

let endpoint: TestSsoEndpoint;
let keyPair: RsaKeyPair;
let csrPem: string;

beforeAll(async () => {
  keyPair = await generateRsaKeyPair({ modulusLength: 2048 });
  csrPem = await createCsr(keyPair);
  endpoint = await startTestSsoEndpoint({ customerId: CUSTOMER, lifetimeSeconds: 600 });
});
afterAll(async () => {
  await endpoint.close();
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
    ...overrides,
  } as Parameters<typeof exchangeIdpToken>[0]);

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
    endpoint.canned.push({ status, body: JSON.stringify({ message: `server says no; echo ${TOKEN}` }) });
    const error = await exchange().catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'SsoError', code, status });
    expect((error as { hint?: string }).hint).toBeTruthy();
    expect((error as Error).message).toContain('server says no');
    expectNoToken(error);
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
