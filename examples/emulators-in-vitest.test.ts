// Use the Okta and Entra emulators in your own vitest suite: a real token endpoint on 127.0.0.1, real
// error bodies, and fault injection, with no IdP account and no network. Copy this file into your tests.
import { fetchIdpToken, isIdpError, type IdpSettings } from 'ubiq-idp';
import { createEntraEmulator, createOktaEmulator, type EntraEmulator, type OktaEmulator } from 'ubiq-idp/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const customerId = '6e7e795e-26a2-4973-aa73-b9fc259ebc5f';

describe('my app signs in with Okta', () => {
  let okta: OktaEmulator;
  let settings: IdpSettings;

  beforeAll(async () => {
    okta = createOktaEmulator({
      // The seed's OIDC setup: a Native app with the Resource Owner Password grant and the Okta API scopes.
      apps: [{ clientId: '0oamj6wsupUbPfqXt697', clientSecret: 'test-secret', grantTypes: ['password', 'refresh_token'], grantedScopes: ['okta.users.read', 'okta.groups.read'] }],
      users: [{ login: 'ada@example.com', password: 'test-password' }],
      rateLimit: { perUserPerSecond: 0 },
    });
    const { tokenEndpoint } = await okta.listen();
    settings = { provider: 'okta', customerId, tokenEndpointUrl: tokenEndpoint, clientId: '0oamj6wsupUbPfqXt697', clientSecret: 'test-secret' };
  });
  afterAll(() => okta.close());

  it('gets a token', async () => {
    const token = await fetchIdpToken(settings, { username: 'ada@example.com', password: 'test-password' }, { allowInsecureHttp: true });
    expect(token.refreshToken).toBeDefined();
  });

  it('tells a wrong password apart from a wrong client secret', async () => {
    const wrongPassword = await fetchIdpToken(settings, { username: 'ada@example.com', password: 'nope' }, { allowInsecureHttp: true }).catch((e: unknown) => e);
    expect(isIdpError(wrongPassword) && wrongPassword.code).toBe('invalid_credentials');
    const wrongSecret = await fetchIdpToken({ ...settings, clientSecret: 'nope' }, { username: 'ada@example.com', password: 'test-password' }, { allowInsecureHttp: true }).catch((e: unknown) => e);
    expect(isIdpError(wrongSecret) && wrongSecret.code).toBe('invalid_client_secret');
  });

  it('survives a short outage (retries 503 with backoff)', async () => {
    okta.faults.set({ failNext: { count: 2, status: 503 } });
    const token = await fetchIdpToken(settings, { username: 'ada@example.com', password: 'test-password' }, { allowInsecureHttp: true, retry: { maxAttempts: 4, baseDelayMs: 1, maxDelayMs: 5 } });
    expect(token.accessToken).toBeTruthy();
    expect(okta.faults.pending().failNext).toBe(0);
  });
});

describe('my app signs in with Entra ID', () => {
  let entra: EntraEmulator;
  let settings: IdpSettings;

  beforeAll(async () => {
    entra = createEntraEmulator({
      apps: [{ clientId: '6731de76-14a6-49ae-97bc-6eba6914391e', clientSecret: 'test-secret' }],
      users: [{ userPrincipalName: 'ada@contoso.onmicrosoft.com', password: 'test-password', mfaRequired: false }],
    });
    const { tokenEndpoint } = await entra.listen();
    settings = { provider: 'entra', customerId, tokenEndpointUrl: tokenEndpoint, clientId: '6731de76-14a6-49ae-97bc-6eba6914391e', clientSecret: 'test-secret' };
  });
  afterAll(() => entra.close());

  it('reports a disabled account with its AADSTS code', async () => {
    entra.updateUser('ada@contoso.onmicrosoft.com', { accountEnabled: false });
    const error = await fetchIdpToken(settings, { username: 'ada@contoso.onmicrosoft.com', password: 'test-password' }, { allowInsecureHttp: true }).catch((e: unknown) => e);
    expect(isIdpError(error) && [error.code, error.idpErrorCode]).toEqual(['account_disabled', '50057']);
    entra.updateUser('ada@contoso.onmicrosoft.com', { accountEnabled: true });
  });
});
