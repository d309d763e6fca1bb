// fetchIdpToken / refreshIdpToken / renewIdpToken against the Okta emulator over a real socket.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createOktaEmulator, type OktaEmulator } from 'ubiq-idp/testing';
import { fetchIdpToken, refreshIdpToken, renewIdpToken, type FetchIdpTokenOptions } from '../../src/idp/index.js';
import type { IdpSettings } from '../../src/config/types.js';
import { failure } from './helpers.js';

const CLIENT_ID = '0oamj6wsupUbPfqXt697';
const SECRET = 'okta-client-secret-value';
const PASSWORD = 'ada-password-value';
const base: FetchIdpTokenOptions = { allowInsecureHttp: true, retry: { sleep: async () => {} } };

let okta: OktaEmulator;
let settings: IdpSettings;
beforeEach(async () => {
  okta = createOktaEmulator({
    apps: [{ clientId: CLIENT_ID, clientSecret: SECRET, grantTypes: ['password', 'refresh_token'], grantedScopes: ['okta.users.read', 'okta.groups.read'] }],
    users: [
      { login: 'ada@example.com', password: PASSWORD, groups: ['Engineering'] },
      { login: 'locked@example.com', password: PASSWORD, status: 'LOCKED_OUT' },
      { login: 'expired@example.com', password: PASSWORD, status: 'PASSWORD_EXPIRED' },
      { login: 'mfa@example.com', password: PASSWORD, mfaRequired: true },
    ],
    authorizationServers: [{ id: 'default', audience: 'api://ubiq', scopes: ['ubiq.read'] }],
  });
  const { tokenEndpoint } = await okta.listen();
  settings = { provider: 'okta', customerId: '6e7e795e-26a2-4973-aa73-b9fc259ebc5f', tokenEndpointUrl: tokenEndpoint, clientId: CLIENT_ID, clientSecret: SECRET };
});
afterEach(async () => {
  await okta.close();
});

describe('success', () => {
  it('gets a token with the default Okta scope, a refresh token and checked ID token claims', async () => {
    const now = okta.clock.now();
    const token = await fetchIdpToken(settings, { username: 'ada@example.com', password: PASSWORD }, base);
    expect(token.tokenType).toBe('Bearer');
    expect(token.scope).toBe('openid offline_access okta.users.read okta.groups.read');
    expect(token.refreshToken).toEqual(expect.any(String));
    expect(token.idTokenClaims?.sub).toMatch(/^00u/);
    expect(token.idTokenClaims?.preferred_username).toBeUndefined(); // a profile claim: not requested
    expect(token.expiresAt.getTime()).toBeGreaterThanOrEqual(now + 3_590_000);
    const [, payload] = token.accessToken.split('.');
    expect(JSON.parse(Buffer.from(payload ?? '', 'base64url').toString())).toMatchObject({ sub: 'ada@example.com', cid: CLIENT_ID });
    expect(okta.stats().byGrant).toEqual({ password: 1 });
  });

  it('computes expiresAt from the injected clock', async () => {
    okta.clock.setNow(Date.parse('2030-01-01T00:00:00Z'));
    const token = await fetchIdpToken(settings, { username: 'ada@example.com', password: PASSWORD }, { ...base, now: () => okta.clock.now() });
    expect(token.expiresAt.toISOString()).toBe('2030-01-01T01:00:00.000Z');
  });

  it('sends the client secret with HTTP Basic when asked', async () => {
    const token = await fetchIdpToken(settings, { username: 'ada@example.com', password: PASSWORD }, { ...base, clientAuth: 'client_secret_basic' });
    expect(token.accessToken).not.toBe('');
  });

  it('uses a custom authorization server (issuer derived from /oauth2/{id}/v1/token) and a scope override', async () => {
    const custom = okta.authorizationServer('default');
    const token = await fetchIdpToken({ ...settings, tokenEndpointUrl: custom.tokenEndpoint, scope: 'openid ubiq.read' }, { username: 'ada@example.com', password: PASSWORD }, base);
    expect(token.scope).toBe('openid ubiq.read');
    expect(token.idTokenClaims?.iss).toBe(custom.issuer);
    expect(token.refreshToken).toBeUndefined();
  });

  it('reads the token endpoint from a discovery document when discoveryUrl is given', async () => {
    const token = await fetchIdpToken({ ...settings, tokenEndpointUrl: 'https://unused.example/oauth2/v1/token' }, { username: 'ada@example.com', password: PASSWORD }, { ...base, discoveryUrl: okta.discoveryUrl });
    expect(token.idTokenClaims?.iss).toBe(okta.issuer);
    expect(okta.stats().byEndpoint).toMatchObject({ discovery: 1, token: 1 });
  });

  it('refreshes with the refresh token (rotation) and renews via refresh, then falls back to the password', async () => {
    const first = await fetchIdpToken(settings, { username: 'ada@example.com', password: PASSWORD }, base);
    const refreshed = await refreshIdpToken(settings, first.refreshToken ?? '', base);
    expect(refreshed.refreshToken).not.toBe(first.refreshToken);
    expect(refreshed.scope).toBe(first.scope);
    // The used refresh token died with rotation: refresh fails, renew falls back to the password.
    const reused = await failure(refreshIdpToken(settings, first.refreshToken ?? '', base));
    expect(reused.code).toBe('refresh_token_invalid');
    okta.clock.advance(2_000); // out of the per-user rate-limit window
    const renewed = await renewIdpToken(settings, { username: 'ada@example.com', password: PASSWORD }, refreshed, base);
    expect(renewed.via).toBe('refresh_token');
    okta.revokeRefreshTokens('ada@example.com');
    const fallback = await renewIdpToken(settings, { username: 'ada@example.com', password: PASSWORD }, renewed, base);
    expect(fallback.via).toBe('password');
    expect(JSON.stringify(fallback)).toContain('"via":"password"');
    expect(JSON.stringify(fallback)).not.toContain(fallback.accessToken);
    expect(okta.stats().byGrant).toEqual({ password: 2, refresh_token: 4 });
  });

  it('renew without a previous token signs in with the password', async () => {
    const renewed = await renewIdpToken(settings, { username: 'ada@example.com', password: PASSWORD }, undefined, base);
    expect(renewed.via).toBe('password');
  });

  it('does not fall back to the password when the refresh fails for a reason the password cannot fix', async () => {
    const first = await fetchIdpToken(settings, { username: 'ada@example.com', password: PASSWORD }, base);
    okta.setAppOptions(CLIENT_ID, { clientSecret: 'rotated-secret-value' });
    const error = await failure(renewIdpToken(settings, { username: 'ada@example.com', password: PASSWORD }, first, base));
    expect(error.code).toBe('invalid_client_secret');
    expect(okta.stats().byGrant).toEqual({ password: 1, refresh_token: 1 });
  });
});

describe('errors', () => {
  const cases: Array<[string, (o: OktaEmulator) => void, Partial<IdpSettings>, string, string, RegExp]> = [
    ['invalid_credentials', () => {}, {}, 'ada@example.com', 'wrong-password', /IDP_PASSWORD/],
    ['invalid_credentials', () => {}, {}, 'locked@example.com', PASSWORD, /locked, suspended or deactivated/],
    ['password_expired', () => {}, {}, 'expired@example.com', PASSWORD, /IDP_PASSWORD/],
    ['mfa_required', () => {}, {}, 'mfa@example.com', PASSWORD, /Password Authentication Policy/],
    ['mfa_required', (o) => o.setAppOptions(CLIENT_ID, { signOnPolicy: 'mfa' }), {}, 'ada@example.com', PASSWORD, /Password Authentication Policy/],
    ['invalid_client_secret', () => {}, { clientSecret: 'not-the-secret' }, 'ada@example.com', PASSWORD, /CLIENT SECRETS/],
    ['invalid_client_secret', (o) => o.expireSecret(CLIENT_ID), {}, 'ada@example.com', PASSWORD, /expired/],
    ['client_secret_required', () => {}, { clientSecret: '' }, 'ada@example.com', PASSWORD, /client_secret/],
    ['application_not_found', () => {}, { clientId: '0oaunknown' }, 'ada@example.com', PASSWORD, /Client ID/],
    ['grant_not_enabled', (o) => o.setAppOptions(CLIENT_ID, { grantTypes: ['authorization_code'] }), {}, 'ada@example.com', PASSWORD, /Resource Owner Password/],
    ['scope_not_granted', (o) => o.setAppOptions(CLIENT_ID, { grantedScopes: ['okta.users.read'] }), {}, 'ada@example.com', PASSWORD, /Grant Okta API Scopes/],
    ['endpoint_not_found', () => {}, { tokenEndpointUrl: 'PLACEHOLDER/oauth2/nope/v1/token' }, 'ada@example.com', PASSWORD, /oauth2\/v1\/token/],
  ];
  it.each(cases)('%s', async (code, arrange, override, username, password, hint) => {
    arrange(okta);
    const tokenEndpointUrl = override.tokenEndpointUrl?.replace('PLACEHOLDER', okta.orgUrl) ?? settings.tokenEndpointUrl;
    const error = await failure(fetchIdpToken({ ...settings, ...override, tokenEndpointUrl }, { username, password }, base));
    expect(error.code).toBe(code);
    expect(error.provider).toBe('okta');
    expect(error.hint).toMatch(hint);
    expect(error.attempts).toBe(1); // 4xx is never retried
    expect(error.message).not.toContain(password);
    expect(error.message).not.toContain(SECRET);
  });

  it('maps the per-user rate limit (HTTP 429 with error=invalid_grant) to rate_limited, not invalid_credentials', async () => {
    okta.clock.setNow(Date.now());
    okta.setRateLimit({ perUserPerSecond: 1 });
    await fetchIdpToken(settings, { username: 'ada@example.com', password: PASSWORD }, base);
    const delays: number[] = [];
    const error = await failure(
      fetchIdpToken(settings, { username: 'ada@example.com', password: PASSWORD }, { ...base, retry: { maxAttempts: 3, sleep: (ms) => Promise.resolve(void delays.push(ms)) } }),
    );
    expect(error.code).toBe('rate_limited');
    expect(error.status).toBe(429);
    expect(error.idpError).toBe('invalid_grant');
    expect(error.attempts).toBe(3);
    expect(delays).toHaveLength(2); // waited for X-Rate-Limit-Reset between attempts (the frozen clock never moves on)
    expect(error.retryAfterMs).toEqual(expect.any(Number));
  });

  it('rejects http:// endpoints unless allowInsecureHttp is set', async () => {
    const error = await failure(fetchIdpToken(settings, { username: 'ada@example.com', password: PASSWORD }));
    expect(error.code).toBe('insecure_endpoint');
    expect(okta.stats().total).toBe(0);
  });

  it('carries Okta\'s errorId for an unknown client id', async () => {
    const error = await failure(fetchIdpToken({ ...settings, clientId: '0oaunknown' }, { username: 'ada@example.com', password: PASSWORD }, base));
    expect(error.correlation?.errorId).toMatch(/^oae/);
    expect(error.status).toBe(401);
  });
});

describe('wire format', () => {
  async function capture(clientAuth?: 'client_secret_post' | 'client_secret_basic') {
    const seen: Array<{ body: URLSearchParams; authorization: string | null; contentType: string | null }> = [];
    // An injected fetch that records the request and hands it to the emulator's in-process handler.
    const fetch = async (input: string | URL | Request, init?: RequestInit) => {
      const request = new Request(input, init);
      seen.push({ body: new URLSearchParams(await request.clone().text()), authorization: request.headers.get('authorization'), contentType: request.headers.get('content-type') });
      return okta.fetch(request);
    };
    await fetchIdpToken(settings, { username: 'ada@example.com', password: PASSWORD }, { ...base, fetch, ...(clientAuth === undefined ? {} : { clientAuth }) });
    return seen;
  }

  it('sends what the official clients send: client_id and client_secret in the form body, the default scope, no Basic', async () => {
    const [sent] = await capture();
    expect(sent?.authorization).toBeNull();
    expect(sent?.contentType).toMatch(/^application\/x-www-form-urlencoded/);
    expect(Object.fromEntries(sent?.body ?? [])).toEqual({
      grant_type: 'password',
      username: 'ada@example.com',
      password: PASSWORD,
      client_id: CLIENT_ID,
      client_secret: SECRET,
      scope: 'openid offline_access okta.users.read okta.groups.read',
    });
  });

  it('client_secret_basic moves the secret to the Authorization header', async () => {
    const [sent] = await capture('client_secret_basic');
    expect(sent?.authorization).toMatch(/^Basic /);
    expect(sent?.body.has('client_secret')).toBe(false);
  });
});
