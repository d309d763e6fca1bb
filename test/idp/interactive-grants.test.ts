import { afterEach, describe, expect, it } from 'vitest';
import { createEntraEmulator, createOktaEmulator, type EntraEmulator, type OktaEmulator } from 'ubiq-idp/testing';
import { isIdpError, isSignInError, pollDeviceAuthorizationGrant, initiateDeviceAuthorization, signInWithBrowser, signInWithDevice, type DeviceCodePrompt } from 'ubiq-idp';
import type { IdpSettings } from '../../src/config/types.js';
import { deviceAuthorizationInternals } from '../../src/idp/device.js';

const CLIENT = '0oanative0000000000001';
const ENTRA_CLIENT = '11111111-2222-3333-4444-555555555555';
const DEVICE = 'urn:ietf:params:oauth:grant-type:device_code' as const;

let emulator: OktaEmulator | EntraEmulator | undefined;
afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
});

async function okta(redirectUris: string[] = [], grantTypes: Array<'authorization_code' | 'refresh_token' | 'password' | typeof DEVICE> = ['authorization_code', 'refresh_token', DEVICE]) {
  const e = createOktaEmulator({
    apps: [{ clientId: CLIENT, grantTypes, grantedScopes: ['okta.users.read', 'okta.groups.read'], redirectUris }],
    users: [{ login: 'ada@example.com', password: 'ada-password', mfaRequired: true }],
  });
  emulator = e;
  const info = await e.listen();
  const settings: IdpSettings = { provider: 'okta', customerId: '00000000-0000-4000-8000-000000000000', tokenEndpointUrl: info.tokenEndpoint, clientId: CLIENT, clientSecret: '' };
  return { e, info, settings };
}

/** Completes the sign-in pages with fetch (the Chromium tests do it in a real browser). */
async function completeInBrowser(url: string, emulatorTotp: () => string, password = 'ada-password'): Promise<string> {
  const cookies: string[] = [];
  const go = async (target: string, init: RequestInit = {}) => {
    const response = await fetch(target, { ...init, headers: { ...(init.headers as Record<string, string>), cookie: cookies.join('; ') }, redirect: 'manual' });
    for (const c of response.headers.getSetCookie()) cookies.push(c.split(';')[0] ?? '');
    return response;
  };
  const post = async (html: string, base: string, fields: Record<string, string>) => {
    const hidden = Object.fromEntries([...html.matchAll(/type="hidden" name="([^"]+)" value="([^"]*)"/g)].map((m) => [m[1] ?? '', m[2] ?? '']));
    return go(new URL(/action="([^"]+)"/.exec(html)?.[1] ?? '', base).href, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ ...hidden, ...fields }).toString() });
  };
  const signIn = await (await go(url)).text();
  const totp = await (await post(signIn, url, { username: 'ada@example.com', password, step: 'password' })).text();
  const done = await post(totp, url, { otp: emulatorTotp(), step: 'totp' });
  return done.headers.get('location') ?? '';
}

describe('device authorization grant (RFC 8628)', () => {
  it('Okta: prompt, polling through pending, then the token with a refresh token', async () => {
    const { e, settings } = await okta();
    let prompt: DeviceCodePrompt | undefined;
    const token = await signInWithDevice(settings, {
      allowInsecureHttp: true,
      onDeviceCode: (p) => {
        prompt = p;
        setTimeout(() => e.approveDevice(p.userCode, 'ada@example.com'), 1_500);
      },
    });
    expect(prompt?.verificationUriComplete).toContain(prompt?.userCode);
    expect(token.via).toBe('device');
    expect(token.refreshToken).toBeDefined();
    expect(e.stats().byGrant[DEVICE]).toBeGreaterThanOrEqual(2);
    expect(JSON.stringify(prompt)).not.toMatch(/device_code/);
  });

  it('denied, expired and unknown codes are SignInErrors with a hint; a missing grant is grant_not_enabled', async () => {
    const { e, settings } = await okta();
    const denied = await initiateDeviceAuthorization(settings, { allowInsecureHttp: true });
    e.denyDevice(denied.prompt.userCode);
    const deniedError = await pollDeviceAuthorizationGrant(denied).catch((error: unknown) => error);
    expect(isSignInError(deniedError) && deniedError.code).toBe('access_denied');
    expect(isSignInError(deniedError) && deniedError.hint).toContain('Allow');

    const expiring = await initiateDeviceAuthorization(settings, { allowInsecureHttp: true });
    e.clock.advance(601_000);
    const expired = await pollDeviceAuthorizationGrant(expiring).catch((error: unknown) => error);
    expect(isSignInError(expired) && expired.code).toBe('expired_token');
    e.clock.useRealTime();

    const unknown = await initiateDeviceAuthorization(settings, { allowInsecureHttp: true });
    (deviceAuthorizationInternals(unknown).response as { device_code: string }).device_code = 'forged';
    const bad = await pollDeviceAuthorizationGrant(unknown).catch((error: unknown) => error);
    expect(isSignInError(bad) && bad.code).toBe('bad_verification_code');
    expect(String(bad)).not.toContain('forged');

    e.setAppOptions(CLIENT, { grantTypes: ['authorization_code', 'refresh_token'] });
    const refused = await initiateDeviceAuthorization(settings, { allowInsecureHttp: true }).catch((error: unknown) => error);
    expect(isIdpError(refused) && refused.code).toBe('grant_not_enabled');
  });

  it('Entra: without "Allow public client flows" the hint names it', async () => {
    const e = createEntraEmulator({ apps: [{ clientId: ENTRA_CLIENT }], users: [{ userPrincipalName: 'ada@contoso.onmicrosoft.com', password: 'pw', mfaRequired: true }] });
    emulator = e;
    const info = await e.listen();
    const settings: IdpSettings = { provider: 'entra', customerId: '00000000-0000-4000-8000-000000000000', tokenEndpointUrl: info.tokenEndpoint, clientId: ENTRA_CLIENT, clientSecret: '' };
    const error = await initiateDeviceAuthorization(settings, { allowInsecureHttp: true }).catch((caught: unknown) => caught);
    expect(isIdpError(error) && error.code).toBe('client_secret_required');
    e.setAppOptions(ENTRA_CLIENT, { allowPublicClient: true });
    const token = await signInWithDevice(settings, { allowInsecureHttp: true, onDeviceCode: (p) => setTimeout(() => e.approveDevice(p.userCode, 'ada@contoso.onmicrosoft.com'), 200) });
    expect(token.idTokenClaims?.tid).toBe(e.tenantId);
  });
});

describe('browser sign-in (authorization code + PKCE on a loopback listener)', () => {
  it('Okta: the browser signs in with TOTP, the listener gets the code once, the token comes back', async () => {
    const port = 40_000 + Math.floor(Math.random() * 20_000);
    const { e, settings } = await okta([`http://127.0.0.1:${port}/callback`]);
    let printed = '';
    let followUp: Promise<unknown> = Promise.resolve();
    const token = await signInWithBrowser(settings, {
      allowInsecureHttp: true,
      redirectPort: port,
      openBrowser: (url) => {
        printed = url;
        followUp = completeInBrowser(url, () => e.totp('ada@example.com')).then(async (location) => {
          const first = await fetch(location);
          const second = await fetch(location).then((r) => r.status, (error: unknown) => (error as Error).message);
          return { first: first.status, firstBody: await first.text(), second };
        });
        return Promise.resolve(true);
      },
    });
    const seen = (await followUp) as { first: number; firstBody: string; second: unknown };
    expect(token.via).toBe('browser');
    expect(token.idTokenClaims?.amr).toEqual(['pwd', 'otp', 'mfa']);
    expect(seen.first).toBe(200);
    expect(seen.firstBody).toContain('Signed in');
    expect(seen.firstBody).not.toMatch(/code=|eyJ/);
    expect(seen.second).toBe('fetch failed'); // nothing listens any more
    const url = new URL(printed);
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
    expect(url.searchParams.get('redirect_uri')).toBe(`http://127.0.0.1:${port}/callback`);
    expect(url.searchParams.get('nonce')).not.toBeNull();
  });

  it('a redirect with a wrong state is refused (state_mismatch), and the code is never redeemed', async () => {
    const { e, settings } = await okta(['http://127.0.0.1:1/placeholder']);
    const error = await signInWithBrowser(settings, {
      allowInsecureHttp: true,
      openBrowser: (url) => {
        const redirect = new URL(new URL(url).searchParams.get('redirect_uri') ?? '');
        redirect.searchParams.set('code', 'attacker-code');
        redirect.searchParams.set('state', 'forged');
        void fetch(redirect).catch(() => {});
        return Promise.resolve(true);
      },
    }).catch((caught: unknown) => caught);
    expect(isSignInError(error) && error.code).toBe('state_mismatch');
    expect(String((error as Error).message)).not.toContain('attacker-code');
    expect(e.stats().byGrant.authorization_code ?? 0).toBe(0);
  });

  it('times out when the browser never comes back, and an unregistered grant is refused by the IdP page', async () => {
    const { settings } = await okta([]);
    const started = Date.now();
    const error = await signInWithBrowser(settings, { allowInsecureHttp: true, callbackTimeoutMs: 300, openBrowser: () => Promise.resolve(false) }).catch((caught: unknown) => caught);
    expect(isSignInError(error) && error.code).toBe('callback_timeout');
    expect(Date.now() - started).toBeLessThan(20_000);
  });
});
