// fetchIdpToken / refreshIdpToken / renewIdpToken against the Entra emulator over a real socket.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { decodeJwt } from 'jose';
import { createEntraEmulator, type EntraEmulator } from 'ubiq-idp/testing';
import { fetchIdpToken, refreshIdpToken, renewIdpToken, type FetchIdpTokenOptions } from '../../src/idp/index.js';
import type { IdpSettings } from '../../src/config/types.js';
import { failure } from './helpers.js';

const CLIENT_ID = '6731de76-14a6-49ae-97bc-6eba6914391e';
const SECRET = 'entra-client-secret-value';
const PASSWORD = 'ada-password-value';
const UPN = 'ada@contoso.onmicrosoft.com';
const base: FetchIdpTokenOptions = { allowInsecureHttp: true, retry: { sleep: async () => {} } };

let entra: EntraEmulator;
let settings: IdpSettings;
beforeEach(async () => {
  entra = createEntraEmulator({
    apps: [{ clientId: CLIENT_ID, clientSecret: SECRET }],
    users: [
      { userPrincipalName: UPN, password: PASSWORD, groups: ['Engineering'] },
      { userPrincipalName: 'locked@contoso.onmicrosoft.com', password: PASSWORD, locked: true },
      { userPrincipalName: 'disabled@contoso.onmicrosoft.com', password: PASSWORD, accountEnabled: false },
      { userPrincipalName: 'expired@contoso.onmicrosoft.com', password: PASSWORD, passwordExpired: true },
      { userPrincipalName: 'mfa@contoso.onmicrosoft.com', password: PASSWORD, mfaRequired: true },
      { userPrincipalName: 'enrol@contoso.onmicrosoft.com', password: PASSWORD, mfaRequired: true, mfaRegistered: false },
    ],
  });
  const { tokenEndpoint } = await entra.listen();
  settings = { provider: 'entra', customerId: '6e7e795e-26a2-4973-aa73-b9fc259ebc5f', tokenEndpointUrl: tokenEndpoint, clientId: CLIENT_ID, clientSecret: SECRET };
});
afterEach(async () => {
  await entra.close();
});

describe('success', () => {
  it('gets a v1 token for api://{client id} with the default scope (no refresh token, no ID token)', async () => {
    const token = await fetchIdpToken(settings, { username: UPN, password: PASSWORD }, base);
    const claims = decodeJwt(token.accessToken);
    expect(claims).toMatchObject({ iss: entra.issuerV1, aud: `api://${CLIENT_ID}`, upn: UPN, unique_name: UPN, ver: '1.0', tid: entra.tenantId });
    expect(claims.groups).toHaveLength(1);
    expect(token.refreshToken).toBeUndefined();
    expect(token.idTokenClaims).toBeUndefined();
  });

  it('uses the scope override (an Application ID URI that is not api://{client id}) and HTTP Basic', async () => {
    entra.setAppOptions(CLIENT_ID, { applicationIdUri: 'https://ubiq.contoso.com' });
    const token = await fetchIdpToken({ ...settings, scope: 'https://ubiq.contoso.com/.default' }, { username: UPN, password: PASSWORD }, { ...base, clientAuth: 'client_secret_basic' });
    expect(decodeJwt(token.accessToken).aud).toBe('https://ubiq.contoso.com');
  });

  it('checks the ID token (v2 issuer derived from the token endpoint) and refreshes with the scope sent again', async () => {
    const scoped = { ...settings, scope: `api://${CLIENT_ID}/.default openid offline_access` };
    const token = await fetchIdpToken(scoped, { username: UPN, password: PASSWORD }, base);
    expect(token.idTokenClaims?.iss).toBe(entra.issuerV2);
    // As Entra: preferred_username is a profile-scope claim, absent from this ID token.
    expect(token.idTokenClaims?.preferred_username).toBeUndefined();
    expect(token.refreshToken).toMatch(/^1\./);
    const refreshed = await refreshIdpToken(scoped, token.refreshToken ?? '', base);
    expect(decodeJwt(refreshed.accessToken).upn).toBe(UPN);
    const renewed = await renewIdpToken(scoped, { username: UPN, password: PASSWORD }, refreshed, base);
    expect(renewed.via).toBe('refresh_token');
    entra.revokeRefreshTokens(UPN);
    const fallback = await renewIdpToken(scoped, { username: UPN, password: PASSWORD }, renewed, base);
    expect(fallback.via).toBe('password');
    expect(entra.stats().byGrant).toEqual({ password: 2, refresh_token: 3 });
  });

  it('a domain name in the token endpoint works; with openid the ID token issuer check fails with a message that says why', async () => {
    const byDomain = { ...settings, tokenEndpointUrl: `${entra.baseUrl}/contoso.onmicrosoft.com/oauth2/v2.0/token` };
    const token = await fetchIdpToken(byDomain, { username: UPN, password: PASSWORD }, base);
    expect(decodeJwt(token.accessToken).tid).toBe(entra.tenantId);
    const error = await failure(fetchIdpToken({ ...byDomain, scope: `api://${CLIENT_ID}/.default openid` }, { username: UPN, password: PASSWORD }, base));
    expect(error.code).toBe('invalid_response');
    expect(error.message).toContain(`issuer is not ${entra.baseUrl}/contoso.onmicrosoft.com/v2.0`);
    expect(error.message).toMatch(/directory \(tenant\) ID/);
  });

  it('works through the v2.0 discovery document', async () => {
    const token = await fetchIdpToken(settings, { username: UPN, password: PASSWORD }, { ...base, discoveryUrl: entra.discoveryUrl });
    expect(decodeJwt(token.accessToken).upn).toBe(UPN);
  });
});

describe('errors', () => {
  const cases: Array<[string, string, (e: EntraEmulator) => void, Partial<IdpSettings>, string, string, RegExp]> = [
    ['invalid_credentials', '50126', () => {}, {}, UPN, 'wrong-password', /IDP_PASSWORD/],
    ['account_locked', '50053', () => {}, {}, 'locked@contoso.onmicrosoft.com', PASSWORD, /locked/],
    ['account_disabled', '50057', () => {}, {}, 'disabled@contoso.onmicrosoft.com', PASSWORD, /Account enabled/],
    ['password_expired', '50055', () => {}, {}, 'expired@contoso.onmicrosoft.com', PASSWORD, /IDP_PASSWORD/],
    ['mfa_required', '50076', () => {}, {}, 'mfa@contoso.onmicrosoft.com', PASSWORD, /MFA/],
    ['mfa_required', '50079', () => {}, {}, 'enrol@contoso.onmicrosoft.com', PASSWORD, /MFA/],
    ['consent_required', '65001', (e) => e.setAppOptions(CLIENT_ID, { adminConsent: false }), {}, UPN, PASSWORD, /Grant admin consent/],
    ['user_not_assigned', '50105', (e) => e.setAppOptions(CLIENT_ID, { assignmentRequired: true }), {}, UPN, PASSWORD, /\+ Add user\/group/],
    ['invalid_client_secret', '7000215', () => {}, { clientSecret: 'not-the-secret' }, UPN, PASSWORD, /Value/],
    ['client_secret_expired', '7000222', (e) => e.expireSecret(CLIENT_ID), {}, UPN, PASSWORD, /\+ New client secret/],
    ['client_secret_required', '7000218', () => {}, { clientSecret: '' }, UPN, PASSWORD, /Client Secrets/],
    ['application_not_found', '700016', () => {}, { clientId: '00000000-0000-0000-0000-000000000001' }, UPN, PASSWORD, /Application \(client\) ID/],
    ['tenant_not_found', '90002', () => {}, { tokenEndpointUrl: 'PLACEHOLDER/fabrikam.onmicrosoft.com/oauth2/v2.0/token' }, UPN, PASSWORD, /Directory \(tenant\) ID/],
    ['invalid_scope', '500011', () => {}, { scope: 'api://nobody/.default' }, UPN, PASSWORD, /Expose an API/],
  ];
  it.each(cases)('%s (AADSTS%s)', async (code, aadsts, arrange, override, username, password, hint) => {
    arrange(entra);
    const tokenEndpointUrl = override.tokenEndpointUrl?.replace('PLACEHOLDER', entra.baseUrl) ?? settings.tokenEndpointUrl;
    const error = await failure(fetchIdpToken({ ...settings, ...override, tokenEndpointUrl }, { username, password }, base));
    expect(error.code).toBe(code);
    expect(error.idpErrorCode).toBe(aadsts);
    expect(error.provider).toBe('entra');
    expect(error.hint).toMatch(hint);
    expect(error.correlation?.traceId).toMatch(/^[0-9a-f-]{36}$/);
    expect(error.correlation?.correlationId).toMatch(/^[0-9a-f-]{36}$/);
    expect(error.attempts).toBe(1);
    expect(error.message).toContain(`AADSTS${aadsts}`);
    expect(error.message).not.toMatch(/Trace ID/); // only the first line of the description
  });

  it('maps Entra throttling (429, AADSTS90055) to rate_limited with the Retry-After time', async () => {
    entra.faults.set({ rateLimitNext: { count: 5, retryAfterSeconds: 7 }, endpoints: ['token'] });
    const delays: number[] = [];
    const error = await failure(fetchIdpToken(settings, { username: UPN, password: PASSWORD }, { ...base, retry: { sleep: (ms) => Promise.resolve(void delays.push(ms)) } }));
    expect(error.code).toBe('rate_limited');
    expect(error.idpErrorCode).toBe('90055');
    expect(error.retryAfterMs).toBe(7_000);
    expect(delays).toEqual([7_000, 7_000, 7_000]);
    expect(entra.stats().byEndpoint.token).toBe(4);
  });

  it('an unknown refresh token is refresh_token_invalid (and renew falls back to the password)', async () => {
    const error = await failure(refreshIdpToken(settings, '1.not-a-refresh-token-value', base));
    expect(error.code).toBe('refresh_token_invalid');
    const renewed = await renewIdpToken(settings, { username: UPN, password: PASSWORD }, { accessToken: 'x', tokenType: 'Bearer', expiresAt: new Date(), refreshToken: '1.not-a-refresh-token-value' }, base);
    expect(renewed.via).toBe('password');
  });
});
