// The provider table: issuer derivation, default scopes and error classification as data.
import { describe, expect, it } from 'vitest';
import { PROVIDERS, hintFor } from '../../src/idp/providers.js';
import { fetchIdpToken } from '../../src/idp/index.js';
import type { IdpSettings } from '../../src/config/types.js';
import type { IdpErrorCode } from '../../src/idp/errors.js';

describe('issuer derivation', () => {
  it.each([
    ['okta', 'https://trial-4377979.okta.com/oauth2/v1/token', 'https://trial-4377979.okta.com'],
    ['okta', 'https://trial-4377979.okta.com/oauth2/default/v1/token', 'https://trial-4377979.okta.com/oauth2/default'],
    ['okta', 'https://trial-4377979.okta.com/oauth2/aus1a2b3c4/v1/token/', 'https://trial-4377979.okta.com/oauth2/aus1a2b3c4'],
    ['entra', 'https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47/oauth2/v2.0/token', 'https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47/v2.0'],
  ] as const)('%s %s → %s', (provider, endpoint, issuer) => {
    expect(PROVIDERS[provider].issuerFromTokenEndpoint(new URL(endpoint))).toBe(issuer);
  });
});

it('default scopes are exactly the official clients\' scopes', () => {
  const settings = { customerId: 'c', tokenEndpointUrl: 'x', clientId: '0oa1', clientSecret: 's' };
  expect(PROVIDERS.okta.defaultScope({ ...settings, provider: 'okta' })).toBe('openid offline_access okta.users.read okta.groups.read');
  expect(PROVIDERS.entra.defaultScope({ ...settings, provider: 'entra', clientId: 'abc' })).toBe('api://abc/.default');
});

describe('classification', () => {
  const okta = (error: string, description: string, extra: Partial<{ grant: 'password' | 'refresh_token'; sentSecret: boolean; status: number }> = {}) =>
    PROVIDERS.okta.classify({ status: extra.status ?? 400, body: { error, error_description: description }, idpErrorCode: undefined, grant: extra.grant ?? 'password', sentSecret: extra.sentSecret ?? true });
  it('Okta', () => {
    expect(okta('invalid_grant', 'The credentials provided were invalid.')).toBe('invalid_credentials');
    expect(okta('invalid_grant', 'The password has expired.')).toBe('password_expired');
    expect(okta('invalid_grant', 'The refresh token is invalid or expired.', { grant: 'refresh_token' })).toBe('refresh_token_invalid');
    expect(okta('password_auth_denied_mfa', 'MFA required')).toBe('mfa_required');
    expect(okta('invalid_client', 'Client authentication failed.', { sentSecret: false, status: 401 })).toBe('client_secret_required');
    expect(okta('unauthorized_client', 'not authorized')).toBe('grant_not_enabled');
    expect(okta('invalid_scope', 'The requested scope is invalid')).toBe('scope_not_granted');
    expect(okta('something_new', 'x')).toBeUndefined();
  });
  it('Entra by AADSTS number, from error_codes or the description', () => {
    expect(PROVIDERS.entra.idpErrorCode({ error_description: 'AADSTS50126: Error validating credentials' })).toBe('50126');
    expect(PROVIDERS.entra.idpErrorCode({ error_codes: [7000222] })).toBe('7000222');
    const entra = (code: string, grant: 'password' | 'refresh_token' = 'password') =>
      PROVIDERS.entra.classify({ status: 400, body: { error: 'invalid_grant' }, idpErrorCode: code, grant, sentSecret: true });
    expect(entra('50076')).toBe('mfa_required');
    expect(entra('65001')).toBe('consent_required');
    expect(entra('70008', 'refresh_token')).toBe('refresh_token_invalid');
    expect(entra('50057', 'refresh_token')).toBe('account_disabled');
  });
});

it('every code has a hint, and the seed steps are named', () => {
  const codes: IdpErrorCode[] = ['invalid_credentials', 'consent_required', 'scope_not_granted', 'client_secret_expired', 'tenant_not_found', 'network_error'];
  for (const code of codes) for (const provider of ['okta', 'entra'] as const) expect(hintFor(provider, code).length).toBeGreaterThan(10);
  expect(hintFor('entra', 'consent_required')).toContain('Grant admin consent for YourAzureADTenantName');
  expect(hintFor('okta', 'scope_not_granted')).toContain('Grant Okta API Scopes');
  expect(hintFor('okta', 'mfa_required')).toContain('Password Authentication Policy');
});

it('an unknown provider is a typed invalid_settings error, and settings are checked before any request', async () => {
  const settings = { provider: 'auth0', customerId: 'c', tokenEndpointUrl: 'https://idp.example/token', clientId: 'x', clientSecret: 's' } as unknown as IdpSettings;
  const fetch = () => Promise.reject(new Error('no request expected'));
  await expect(fetchIdpToken(settings, { username: 'u', password: 'p' }, { fetch })).rejects.toMatchObject({ name: 'IdpError', code: 'invalid_settings' });
  const okta = { ...settings, provider: 'okta' as const };
  await expect(fetchIdpToken({ ...okta, tokenEndpointUrl: 'not a url' }, { username: 'u', password: 'p' }, { fetch })).rejects.toMatchObject({ code: 'invalid_settings' });
  await expect(fetchIdpToken({ ...okta, clientId: '' }, { username: 'u', password: 'p' }, { fetch })).rejects.toMatchObject({ code: 'invalid_settings' });
  await expect(fetchIdpToken({ ...okta, tokenEndpointUrl: 'ftp://idp.example/token' }, { username: 'u', password: 'p' }, { fetch })).rejects.toMatchObject({ code: 'invalid_settings' });
});
