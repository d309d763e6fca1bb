// The whole chain on one machine: Okta emulator → credential provider → reference server SSO endpoint →
// signed key requests, with access granted and revoked through SCIM as Okta would do it.
import forge from 'node-forge';
import { afterEach, describe, expect, it } from 'vitest';
import type { ReferenceServer } from 'ubiq-idp/server';
import { loadConfig } from '../../src/config/load.js';
import { createIdpCredentialProvider, type CredentialProvider } from '../../src/credentials/provider.js';
import type { UbiqIdpCredentials } from '../../src/credentials/ubiq-credentials.js';
import { OKTA_CLIENT, OKTA_SECRET, oktaEmulator } from '../server-sso/idp-helpers.js';
import { startServer } from '../server-sso/server-helpers.js';
import { datasetGroup, encryptLikeClient, parseClientCiphertext, scim, scimGroup, scimUser, signedPost } from './key-helpers.js';

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (closers.length > 0) await closers.pop()?.();
});

/** Unwraps as the official client does in IdP mode: forge decrypts the local encrypted private key with the crypto access key. */
const forgeKeys = new Map<string, forge.pki.rsa.PrivateKey>();
function officialUnwrap(credentials: UbiqIdpCredentials, wrappedDataKey: string): Buffer {
  // forge's PBKDF2 is slow in pure JS: open each encrypted key once.
  let privateKey = forgeKeys.get(credentials.encryptedPrivateKey);
  if (privateKey === undefined) {
    privateKey = forge.pki.decryptRsaPrivateKey(credentials.encryptedPrivateKey, credentials.secretCryptoAccessKey);
    forgeKeys.set(credentials.encryptedPrivateKey, privateKey);
  }
  return Buffer.from(privateKey.decrypt(forge.util.decode64(wrappedDataKey), 'RSA-OAEP'), 'binary');
}

async function setUp(): Promise<{ server: ReferenceServer; origin: string; provider: CredentialProvider<UbiqIdpCredentials>; adaId: string; groupId: string }> {
  const okta = oktaEmulator();
  closers.push(() => okta.close());
  const info = await okta.listen();
  const { server, origin } = await startServer({ idp: { discoveryUrl: info.discoveryUrl, issuer: info.issuer, audience: info.audience } });
  closers.push(() => server.close());
  const adaId = await scimUser(server, 'ada@example.com');
  await datasetGroup(server, 'Engineering', ['payroll']);
  const groupId = await scimGroup(server, 'Engineering', [adaId]);
  const config = await loadConfig({
    env: {},
    homeDir: '/nonexistent-ubiq-idp-test-home',
    allowInsecureHttp: true,
    overrides: {
      server: origin,
      idp: { provider: 'okta', customerId: server.info().customerId, tokenEndpointUrl: info.tokenEndpoint, clientId: OKTA_CLIENT, clientSecret: OKTA_SECRET },
      username: 'ada@example.com',
      password: 'ada-password',
    },
  });
  const provider = createIdpCredentialProvider({ config, allowInsecureHttp: true, modulusLength: 2048, retry: false });
  closers.push(() => provider.close());
  return { server, origin, provider, adaId, groupId };
}

describe('credential provider → reference server → key endpoints', () => {
  it('gets credentials from the SSO endpoint and uses them to encrypt and decrypt', async () => {
    const { server, origin, provider } = await setUp();
    const credentials = await provider();
    const key = server.store.findApiKeyByAccessKeyId(credentials.accessKeyId);
    expect(key?.name).toBe('ada@example.com');
    expect(credentials.expiresAt.getTime()).toBeGreaterThan(Date.now());

    const encryption = await signedPost(`${origin}/api/v0/encryption/key`, { uses: 1, payload_cert: credentials.payloadCert }, credentials);
    expect(encryption.status).toBe(201);
    const ciphertext = encryptLikeClient(officialUnwrap(credentials, String(encryption.body.wrapped_data_key)), String(encryption.body.encrypted_data_key), 'sample');
    const parsed = parseClientCiphertext(ciphertext);

    // A renewal keeps public_value/signing_value; the new certificate works, and so does the old one until it expires.
    const renewed = await provider.forceRefresh();
    expect(renewed.accessKeyId).toBe(credentials.accessKeyId);
    expect(renewed.secretSigningKey).toBe(credentials.secretSigningKey);
    expect(renewed.payloadCert).not.toBe(credentials.payloadCert);
    for (const cert of [renewed.payloadCert, credentials.payloadCert]) {
      const decryption = await signedPost(`${origin}/api/v0/decryption/key`, { encrypted_data_key: parsed.encryptedDataKey, payload_cert: cert }, renewed);
      expect(decryption.status).toBe(200);
      expect(parsed.decrypt(officialUnwrap(renewed, String(decryption.body.wrapped_data_key)))).toBe('sample');
    }
  });

  it('is refused the next key once the user leaves the group, and refused credentials once deactivated', async () => {
    const { server, origin, provider, adaId, groupId } = await setUp();
    const credentials = await provider();
    const remove = await scim(server, 'PATCH', `/Groups/${groupId}`, {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [{ op: 'remove', path: 'members', value: [{ value: adaId }] }],
    });
    expect([200, 204]).toContain(remove.status);
    const refused = await signedPost(`${origin}/api/v0/encryption/key`, { uses: 1, dataset: 'payroll', payload_cert: credentials.payloadCert }, credentials);
    expect(refused).toMatchObject({ status: 403, body: { error: 'dataset_access_denied', dataset: 'payroll' } });

    await scim(server, 'PATCH', `/Users/${adaId}`, {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [{ op: 'Replace', path: 'active', value: 'False' }],
    });
    const error = await provider.forceRefresh().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as { code?: string }).code).toBe('sso_forbidden');
    expect((error as Error).message).toContain('deactivated');
  });
});
