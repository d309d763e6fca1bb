import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { generateRsaKeyPair } from '../../src/crypto/keypair.js';
import { createIdpCredentialProvider } from '../../src/credentials/provider.js';
import { createEntraEmulator, createEntraProvisioningAgent, type EntraEmulator } from '../../src/testing/index.js';
import { startTestSsoEndpoint, type TestSsoEndpoint } from './helpers/sso-endpoint.js';

const CUSTOMER = '5b0c2f55-8a8e-4a36-9a57-0d1f3c6b7e21';
const CLIENT = '6731de76-14a6-49ae-97bc-6eba6914391e';
const SECRET = 'canary-entra-secret-Q~x1';
const UPN = 'ada@contoso.onmicrosoft.com';

let entra: EntraEmulator;
let sso: TestSsoEndpoint;
let tokenEndpoint: string;

beforeAll(async () => {
  entra = createEntraEmulator({ apps: [{ clientId: CLIENT, clientSecret: SECRET }], users: [{ userPrincipalName: UPN, password: 'canary-entra-pw' }] });
  const info = await entra.listen();
  tokenEndpoint = info.tokenEndpoint;
  // The reference server verifies Entra's v1 access tokens: issuer sts.windows.net, audience the
  // Application ID URI; Entra's provisioning service creates the user over SCIM (userName = UPN).
  sso = await startTestSsoEndpoint({
    customerId: CUSTOMER,
    idp: { discoveryUrl: entra.discoveryUrl, issuer: info.issuerV1, audience: `api://${CLIENT}` },
    provision: async (scim) => {
      await createEntraProvisioningAgent({ ...scim, emulator: entra }).provisionUser(UPN);
    },
  });
});
afterAll(async () => {
  await sso.close();
  await entra.close();
});

describe('createIdpCredentialProvider with Microsoft Entra ID', () => {
  it('signs in with the ROPC grant and the api://{client id}/.default scope, and exchanges a v1 token', async () => {
    const config = await loadConfig({
      env: {},
      homeDir: '/nonexistent-ubiq-idp-test-home',
      allowInsecureHttp: true,
      overrides: {
        server: sso.url,
        idp: { provider: 'entra', customerId: CUSTOMER, tokenEndpointUrl: tokenEndpoint, clientId: CLIENT, clientSecret: SECRET },
        username: UPN,
        password: 'canary-entra-pw',
      },
    });
    const provider = createIdpCredentialProvider({ config, allowInsecureHttp: true, pregenerateKeyPair: await generateRsaKeyPair({ modulusLength: 2048 }), retry: false });
    try {
      const credentials = await provider();
      expect(credentials).toMatchObject({ kind: 'idp', provider: 'entra', username: UPN, accessKeyId: sso.issued[0]!.publicValue });
      expect(entra.stats().byGrant).toEqual({ password: 1 });
      expect(sso.requests).toBe(1);
      // Entra issues no refresh token for this scope: renewals sign in with the password again.
      await provider.forceRefresh();
      expect(entra.stats().byGrant.password).toBe(2);
      expect(sso.keys[1]).toBe(sso.keys[0]);
    } finally {
      await provider.close();
    }
  });
});
