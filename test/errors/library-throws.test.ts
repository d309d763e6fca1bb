// Every failure of the library surfaces as an error of its own classes (with a code to narrow on), also
// where it used to throw a plain Error, TypeError or RangeError: options of the data-key vault and the IdP
// token verifier, a device authorization that is not ours, the HTTP client's body cap, a session whose
// fields do not belong together, the FF1 cipher and the emulators' TOTP secrets.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { isUbiqIdpError } from '../../src/errors.js';
import { createHttpClient } from '../../src/http/client.js';
import { isHttpRequestError } from '../../src/http/errors.js';
import { pollDeviceAuthorizationGrant, type DeviceAuthorization } from '../../src/idp/device.js';
import { isSignInError } from '../../src/idp/sign-in-errors.js';
import { createDataKeyVault, isDataKeyError } from '../../src/server/keys/data-keys.js';
import { isIdpTokenVerifierOptionsError } from '../../src/server/sso/idp-token-errors.js';
import { createIdpTokenVerifier, type AsymmetricJwsAlgorithm } from '../../src/server/sso/idp-token-verifier.js';
import { isSessionError } from '../../src/session/errors.js';
import { openSessionCredentials, type SessionCredentials, type SessionIdentity } from '../../src/session/format.js';
import { isEmulatorUsageError } from '../../src/testing/emulator-errors.js';
import { totpCode } from '../../src/testing/emulator-totp.js';
import { createFf1, numberOf, textOf } from '../../src/testing/ff1.js';
import { isStructuredClientError } from '../../src/testing/structured-client.js';

/** What `fn` threw (or its promise rejected with). */
async function thrown(fn: () => unknown): Promise<unknown> {
  try {
    await fn();
  } catch (error) {
    return error;
  }
  return 'nothing thrown';
}

/** The code, or why there is none, of what `fn` threw, after checking it is one of the library's errors. */
async function codeOf(fn: () => unknown, guard: (value: unknown) => boolean): Promise<string> {
  const error = await thrown(fn);
  if (!isUbiqIdpError(error)) return `not a UbiqIdpError: ${String(error)}`;
  if (!guard(error)) return `wrong class: ${error.name}`;
  expect(error.hint).toMatch(/\w/);
  return error.code;
}

const recipient = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey;

describe('errors of the library where plain errors were thrown', () => {
  it('data-key vault: a short master secret and an unusable dataset name', async () => {
    expect(await codeOf(() => createDataKeyVault({ masterSecret: randomBytes(31) }), isDataKeyError)).toBe('data_key_options_invalid');
    const vault = createDataKeyVault({ masterSecret: randomBytes(32) });
    expect(await codeOf(() => vault.issue('', recipient), isDataKeyError)).toBe('dataset_name_invalid');
    expect(await codeOf(() => vault.issue('é'.repeat(128), recipient), isDataKeyError)).toBe('dataset_name_invalid');
    expect(vault.issue('x'.repeat(255), recipient).max_uses).toBe(1);
  });

  it('createIdpTokenVerifier: an algorithms list with no asymmetric algorithm', async () => {
    const base = { discoveryUrl: 'https://idp.example/.well-known/openid-configuration', issuer: 'https://idp.example', audience: 'api://x' };
    expect(await codeOf(() => createIdpTokenVerifier({ ...base, algorithms: [] }), isIdpTokenVerifierOptionsError)).toBe('idp_token_verifier_options_invalid');
    const symmetric = ['HS256'] as unknown as AsymmetricJwsAlgorithm[];
    expect(await codeOf(() => createIdpTokenVerifier({ ...base, algorithms: symmetric }), isIdpTokenVerifierOptionsError)).toBe('idp_token_verifier_options_invalid');
    expect(createIdpTokenVerifier({ ...base, algorithms: ['RS256'] })).toHaveProperty('verify');
  });

  it('pollDeviceAuthorizationGrant: an object initiateDeviceAuthorization() did not return', async () => {
    const copy = { prompt: { userCode: 'ABCD-EFGH', verificationUri: 'https://idp.example/activate', expiresAt: new Date(), intervalSeconds: 5 } } as DeviceAuthorization;
    expect(await codeOf(() => pollDeviceAuthorizationGrant(copy), isSignInError)).toBe('unknown_device_authorization');
  });

  it('HTTP client: an answer body over the 4 MiB cap, declared or not, is a network_error that says so', async () => {
    const big = new Uint8Array(4 * 1024 * 1024 + 1);
    for (const headers of [{ 'content-length': String(big.byteLength) }, {}] as Record<string, string>[]) {
      const http = createHttpClient({ retry: false, fetch: async () => Promise.resolve(new Response(big, { headers })) });
      const error = await thrown(() => http.request('https://idp.example/token?secret=x', { method: 'GET' }));
      expect(isHttpRequestError(error)).toBe(true);
      expect(error).toMatchObject({ code: 'network_error', url: 'https://idp.example/token', message: expect.stringMatching(/larger than 4194304/) as unknown });
      expect((error as Error).message).not.toContain('secret=x');
      expect((error as { hint: string }).hint).toMatch(/more than 4 MiB/);
    }
  });

  it('a session whose private key does not open with its passphrase is a SessionError (session_corrupt)', async () => {
    const stored = { encryptedPrivateKey: 'not a PEM', secretCryptoAccessKey: 'x' } as SessionCredentials;
    expect(await codeOf(() => openSessionCredentials(stored, {} as SessionIdentity), isSessionError)).toBe('session_corrupt');
  });

  it('FF1: a character outside the alphabet, a value too long, a bad AES key or alphabet', async () => {
    expect(await codeOf(() => numberOf('12a', '0123456789'), isStructuredClientError)).toBe('structured_input_invalid');
    expect(await codeOf(() => textOf(1000n, '0123456789', 2), isStructuredClientError)).toBe('structured_input_invalid');
    expect(await codeOf(() => createFf1(randomBytes(20), '0123456789'), isStructuredClientError)).toBe('structured_input_invalid');
    expect(await codeOf(() => createFf1(randomBytes(16), '00'), isStructuredClientError)).toBe('structured_input_invalid');
    expect(await codeOf(() => createFf1(randomBytes(16), '01').encrypt('1', Buffer.alloc(0)), isStructuredClientError)).toBe('structured_input_invalid');
  });

  it('emulator TOTP: a secret that is not base32', async () => {
    expect(await codeOf(() => totpCode('not base32!', Date.now()), isEmulatorUsageError)).toBe('emulator_usage');
  });
});
