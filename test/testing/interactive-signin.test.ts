import { createHash } from 'node:crypto';
import { decodeJwt } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import { createEntraEmulator, createOktaEmulator, type EntraEmulator, type OktaEmulator } from 'ubiq-idp/testing';
import { totpCode } from '../../src/testing/emulator-totp.js';

const CLIENT = '0oanative0000000000001';
const ENTRA_CLIENT = '11111111-2222-3333-4444-555555555555';
const REDIRECT = 'http://127.0.0.1:53682/callback';
const VERIFIER = 'a-verifier-that-is-long-enough-for-pkce-0123456789abcdef';
const CHALLENGE = createHash('sha256').update(VERIFIER).digest('base64url');

let emulator: OktaEmulator | EntraEmulator | undefined;
afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
});

/** A tiny browser: follows the forms by hand, keeps cookies, never follows the final redirect to the app. */
function browser() {
  const cookies = new Map<string, string>();
  async function go(url: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (cookies.size > 0) headers.set('cookie', [...cookies].map(([k, v]) => `${k}=${v}`).join('; '));
    const response = await fetch(url, { ...init, headers, redirect: 'manual' });
    for (const cookie of response.headers.getSetCookie()) {
      const [pair] = cookie.split(';');
      const eq = pair?.indexOf('=') ?? -1;
      if (pair !== undefined && eq > 0) cookies.set(pair.slice(0, eq), pair.slice(eq + 1));
    }
    return response;
  }
  async function submit(base: string, html: string, fields: Record<string, string>): Promise<Response> {
    const action = /action="([^"]+)"/.exec(html)?.[1] ?? '';
    const hidden = Object.fromEntries([...html.matchAll(/type="hidden" name="([^"]+)" value="([^"]*)"/g)].map((m) => [m[1] ?? '', m[2] ?? '']));
    return go(new URL(action, base).href, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ ...hidden, ...fields }) });
  }
  return { go, submit, cookies };
}

describe('TOTP (RFC 6238)', () => {
  it('matches the RFC 6238 SHA-1 test vectors (last six digits)', () => {
    const secret = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ'; // "12345678901234567890"
    expect(totpCode(secret, 59_000)).toBe('287082');
    expect(totpCode(secret, 1_111_111_109_000)).toBe('081804');
    expect(totpCode(secret, 2_000_000_000_000)).toBe('279037');
  });
});

describe('Okta emulator: browser sign-in and device authorization', () => {
  async function start(extra: { consentRequired?: boolean } = {}) {
    const okta = createOktaEmulator({
      apps: [{ clientId: CLIENT, grantTypes: ['authorization_code', 'refresh_token', 'password', 'urn:ietf:params:oauth:grant-type:device_code'], grantedScopes: ['okta.users.read', 'okta.groups.read'], redirectUris: [REDIRECT], ...extra }],
      users: [
        { login: 'ada@example.com', password: 'ada-password', mfaRequired: true },
        { login: 'bob@example.com', password: 'bob-password' },
      ],
    });
    emulator = okta;
    const info = await okta.listen();
    return { okta, info };
  }
  const scope = 'openid offline_access okta.users.read';

  it('discovery advertises the device endpoint, the four grants, and S256 only', async () => {
    const { info } = await start();
    const doc = (await (await fetch(info.discoveryUrl)).json()) as Record<string, unknown>;
    expect(doc.device_authorization_endpoint).toBe(`${info.orgUrl}/oauth2/v1/device/authorize`);
    expect(doc.authorization_endpoint).toBe(`${info.orgUrl}/oauth2/v1/authorize`);
    expect(doc.grant_types_supported).toEqual(['authorization_code', 'refresh_token', 'password', 'urn:ietf:params:oauth:grant-type:device_code']);
    expect(doc.code_challenge_methods_supported).toEqual(['S256']);
  });

  it('password + TOTP on the pages gives a code whose tokens carry the nonce, otp in amr, and the password grant issuer and audience', async () => {
    const { okta, info } = await start();
    const b = browser();
    const authorize = `${info.orgUrl}/oauth2/v1/authorize?${new URLSearchParams({ client_id: CLIENT, response_type: 'code', scope, redirect_uri: REDIRECT, state: 'st-1', nonce: 'n-1', code_challenge: CHALLENGE, code_challenge_method: 'S256' })}`;
    const signIn = await (await b.go(authorize)).text();
    expect(signIn).toContain('autocomplete="username"');
    expect(signIn).toContain('autocomplete="current-password"');
    const totpHtml = await (await b.submit(info.orgUrl, signIn, { username: 'ada@example.com', password: 'ada-password', step: 'password' })).text();
    expect(totpHtml).toContain('autocomplete="one-time-code"');
    const wrong = await (await b.submit(info.orgUrl, totpHtml, { otp: '000000' === okta.totp('ada@example.com') ? '111111' : '000000', step: 'totp' })).text();
    expect(wrong).toContain('That code is not correct');
    const done = await b.submit(info.orgUrl, wrong, { otp: okta.totp('ada@example.com'), step: 'totp' });
    expect(done.status).toBe(302);
    const back = new URL(done.headers.get('location') ?? '');
    expect(back.origin + back.pathname).toBe(REDIRECT);
    expect(back.searchParams.get('state')).toBe('st-1');
    const code = back.searchParams.get('code') ?? '';
    const exchange = (verifier: string) =>
      fetch(info.tokenEndpoint, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ grant_type: 'authorization_code', client_id: CLIENT, code, redirect_uri: REDIRECT, code_verifier: verifier }) });
    const tokens = (await (await exchange(VERIFIER)).json()) as Record<string, string>;
    const access = decodeJwt(tokens.access_token ?? '');
    expect(access.iss).toBe(info.issuer);
    expect(access.aud).toBe(info.audience);
    const id = decodeJwt(tokens.id_token ?? '');
    expect(id.nonce).toBe('n-1');
    expect(id.amr).toEqual(['pwd', 'otp', 'mfa']);
    // The code is single-use.
    expect(((await (await exchange(VERIFIER)).json()) as Record<string, string>).error).toBe('invalid_grant');
  });

  it('refuses a code redeemed with the wrong PKCE verifier, and burns the code', async () => {
    const { info } = await start();
    const b = browser();
    const signIn = await (await b.go(`${info.orgUrl}/oauth2/v1/authorize?${new URLSearchParams({ client_id: CLIENT, response_type: 'code', scope, redirect_uri: REDIRECT, state: 's', code_challenge: CHALLENGE, code_challenge_method: 'S256' })}`)).text();
    const done = await b.submit(info.orgUrl, signIn, { username: 'bob@example.com', password: 'bob-password', step: 'password' });
    const code = new URL(done.headers.get('location') ?? '').searchParams.get('code') ?? '';
    const answer = await fetch(info.tokenEndpoint, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ grant_type: 'authorization_code', client_id: CLIENT, code, redirect_uri: REDIRECT, code_verifier: `${VERIFIER}x` }) });
    expect(answer.status).toBe(400);
    expect(((await answer.json()) as Record<string, string>).error_description).toBe('PKCE verification failed.');
  });

  it('refuses a form post without the CSRF cookie (a cross-site post)', async () => {
    const { info } = await start();
    const b = browser();
    const signIn = await (await b.go(`${info.orgUrl}/oauth2/v1/authorize?${new URLSearchParams({ client_id: CLIENT, response_type: 'code', scope, redirect_uri: REDIRECT, code_challenge: CHALLENGE, code_challenge_method: 'S256' })}`)).text();
    b.cookies.clear();
    const refused = await b.submit(info.orgUrl, signIn, { username: 'bob@example.com', password: 'bob-password', step: 'password' });
    expect(refused.status).toBe(403);
    expect(await refused.text()).toContain('CSRF');
  });

  it('an unregistered redirect URI gets an error page, never a redirect; a plain challenge is refused', async () => {
    const { info } = await start();
    const page = await fetch(`${info.orgUrl}/oauth2/v1/authorize?${new URLSearchParams({ client_id: CLIENT, response_type: 'code', scope, redirect_uri: 'http://127.0.0.1:1/evil', code_challenge: CHALLENGE, code_challenge_method: 'S256' })}`, { redirect: 'manual' });
    expect(page.status).toBe(400);
    expect(await page.text()).toContain('Login redirect URI');
    const plain = await fetch(`${info.orgUrl}/oauth2/v1/authorize?${new URLSearchParams({ client_id: CLIENT, response_type: 'code', scope, redirect_uri: REDIRECT, code_challenge: VERIFIER, code_challenge_method: 'plain' })}`, { redirect: 'manual' });
    expect(new URL(plain.headers.get('location') ?? '').searchParams.get('error')).toBe('invalid_request');
  });

  it('device authorization: pending, then approved through the verification page with TOTP and consent; denial and expiry', async () => {
    const { okta, info } = await start({ consentRequired: true });
    const start1 = (await (await fetch(`${info.orgUrl}/oauth2/v1/device/authorize`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ client_id: CLIENT, scope }) })).json()) as Record<string, string>;
    expect(start1.verification_uri).toBe(`${info.orgUrl}/activate`);
    expect(start1.verification_uri_complete).toBe(`${info.orgUrl}/activate?user_code=${start1.user_code}`);
    const poll = async (deviceCode: string) =>
      (await (await fetch(info.tokenEndpoint, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:device_code', client_id: CLIENT, device_code: deviceCode }) })).json()) as Record<string, string>;
    expect((await poll(start1.device_code ?? '')).error).toBe('authorization_pending');
    expect((await poll(start1.device_code ?? '')).error).toBe('slow_down');
    const b = browser();
    const entry = await (await b.go(start1.verification_uri_complete ?? '')).text();
    expect(entry).toContain(`value="${start1.user_code}"`);
    const signIn = await (await b.submit(info.orgUrl, entry, { user_code: start1.user_code ?? '', step: 'user_code' })).text();
    const totp = await (await b.submit(info.orgUrl, signIn, { username: 'ada@example.com', password: 'ada-password', step: 'password' })).text();
    const consent = await (await b.submit(info.orgUrl, totp, { otp: okta.totp('ada@example.com'), step: 'totp' })).text();
    expect(consent).toContain('Permissions requested');
    const approve = await (await b.submit(info.orgUrl, consent, { step: 'consent_allow' })).text();
    const done = await (await b.submit(info.orgUrl, approve, { step: 'device_allow' })).text();
    expect(done).toContain('Device activated');
    const tokens = await poll(start1.device_code ?? '');
    expect(decodeJwt(tokens.access_token ?? '').sub).toBe('ada@example.com');
    expect((await poll(start1.device_code ?? '')).error).toBe('invalid_grant');

    const denied = (await (await fetch(`${info.orgUrl}/oauth2/v1/device/authorize`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ client_id: CLIENT, scope }) })).json()) as Record<string, string>;
    expect(okta.pendingUserCodes()).toEqual([denied.user_code]);
    okta.denyDevice(denied.user_code ?? '');
    expect((await poll(denied.device_code ?? '')).error).toBe('access_denied');

    const expiring = (await (await fetch(`${info.orgUrl}/oauth2/v1/device/authorize`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ client_id: CLIENT, scope }) })).json()) as Record<string, string>;
    okta.clock.advance(601_000);
    expect((await poll(expiring.device_code ?? '')).error).toBe('expired_token');
  });
});

describe('Entra emulator: browser sign-in and device code', () => {
  async function start(extra: { allowPublicClient?: boolean } = {}) {
    const entra = createEntraEmulator({
      apps: [{ clientId: ENTRA_CLIENT, redirectUris: ['http://127.0.0.1/callback'], allowPublicClient: true, ...extra }],
      users: [{ userPrincipalName: 'ada@contoso.onmicrosoft.com', password: 'ada-password', mfaRequired: true }],
    });
    emulator = entra;
    const info = await entra.listen();
    return { entra, info };
  }
  const scope = `api://${ENTRA_CLIENT}/.default openid offline_access`;

  it('a loopback redirect URI matches on any port; tokens carry the v1 issuer and the Application ID URI', async () => {
    const { entra, info } = await start();
    const base = new URL(info.url).origin;
    const b = browser();
    const signIn = await (await b.go(`${base}/${info.tenantId}/oauth2/v2.0/authorize?${new URLSearchParams({ client_id: ENTRA_CLIENT, response_type: 'code', scope, redirect_uri: REDIRECT, state: 's', nonce: 'n', code_challenge: CHALLENGE, code_challenge_method: 'S256' })}`)).text();
    const totp = await (await b.submit(base, signIn, { username: 'ada@contoso.onmicrosoft.com', password: 'ada-password', step: 'password' })).text();
    const done = await b.submit(base, totp, { otp: entra.totp('ada@contoso.onmicrosoft.com'), step: 'totp' });
    const code = new URL(done.headers.get('location') ?? '').searchParams.get('code') ?? '';
    const tokens = (await (await fetch(info.tokenEndpoint, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ grant_type: 'authorization_code', client_id: ENTRA_CLIENT, code, redirect_uri: REDIRECT, code_verifier: VERIFIER, scope }) })).json()) as Record<string, string>;
    const access = decodeJwt(tokens.access_token ?? '');
    expect(access.iss).toBe(info.issuerV1);
    expect(access.aud).toBe(`api://${ENTRA_CLIENT}`);
    expect(decodeJwt(tokens.id_token ?? '').nonce).toBe('n');
  });

  it('the password grant of an MFA user gets AADSTS50076; the device code needs "Allow public client flows"', async () => {
    const { info } = await start({ allowPublicClient: false });
    const denied = await fetch(info.tokenEndpoint, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ grant_type: 'password', client_id: ENTRA_CLIENT, client_secret: '', username: 'ada@contoso.onmicrosoft.com', password: 'ada-password', scope }) });
    expect(((await denied.json()) as { error_codes: number[] }).error_codes).toEqual([7000218]);
    const device = await fetch(`${new URL(info.url).origin}/${info.tenantId}/oauth2/v2.0/devicecode`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ client_id: ENTRA_CLIENT, scope }) });
    expect(((await device.json()) as { error_codes: number[] }).error_codes).toEqual([7000218]);
  });

  it('device code: declined and approved through the test API', async () => {
    const { entra, info } = await start();
    const base = new URL(info.url).origin;
    const begin = async () => (await (await fetch(`${base}/${info.tenantId}/oauth2/v2.0/devicecode`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ client_id: ENTRA_CLIENT, scope }) })).json()) as Record<string, string>;
    const poll = async (deviceCode: string) =>
      (await (await fetch(info.tokenEndpoint, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:device_code', client_id: ENTRA_CLIENT, device_code: deviceCode }) })).json()) as Record<string, unknown>;
    const first = await begin();
    expect(first.message).toContain(first.user_code);
    expect(first.verification_uri_complete).toBeUndefined();
    entra.denyDevice(first.user_code ?? '');
    expect((await poll(first.device_code ?? '')).error).toBe('authorization_declined');
    const second = await begin();
    entra.approveDevice(second.user_code ?? '', 'ada@contoso.onmicrosoft.com');
    const tokens = await poll(second.device_code ?? '');
    expect(decodeJwt(String(tokens.access_token)).amr).toEqual(['pwd', 'otp', 'mfa']);
    expect((await poll('not-a-device-code')).error).toBe('bad_verification_code');
  });
});
