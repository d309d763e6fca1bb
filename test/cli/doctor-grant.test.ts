// `ubiq-idp doctor` for device and browser sign-in profiles: the grant checked against the IdP, and the
// console switch named when it is missing (Okta: grant types, redirect URI; Entra: public client flows,
// Mobile and desktop redirect URI).
import { afterEach, describe, expect, it } from 'vitest';
import { createEntraEmulator, createOktaEmulator, type EntraEmulator, type OktaEmulator } from 'ubiq-idp/testing';
import { cli } from './cli-helpers.js';

const OKTA_CLIENT = '0oadoctornative000001';
const ENTRA_CLIENT = '3f0c2b1a-6d5e-4f7a-8b9c-0d1e2f3a4b5c';
const CUSTOMER = '6e7e795e-26a2-4973-aa73-b9fc259ebc5f';
const DEVICE = 'urn:ietf:params:oauth:grant-type:device_code' as const;

let emulator: OktaEmulator | EntraEmulator | undefined;
afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
});

function env(provider: 'okta' | 'entra', tokenEndpoint: string, clientId: string, grant: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    UBIQ_SERVER: 'http://127.0.0.1:9',
    UBIQ_IDP_PROVIDER: provider,
    UBIQ_IDP_CUSTOMER_ID: CUSTOMER,
    UBIQ_IDP_TOKEN_ENDPOINT_URL: tokenEndpoint,
    UBIQ_IDP_TENANT_ID: clientId,
    UBIQ_IDP_GRANT: grant,
    ...extra,
  };
}

async function doctor(vars: Record<string, string>): Promise<Array<{ status: string; title: string; fix?: string }>> {
  const run = await cli(['doctor', '--allow-http', '--json'], { env: vars });
  const parsed = JSON.parse(run.stdout) as { checks: Array<{ section: string; status: string; title: string; fix?: string }> };
  return parsed.checks.filter((check) => /sign-in/.test(check.title));
}

describe('doctor: device and browser grants', () => {
  it('Okta device: names "Device Authorization" when the grant type is not ticked, and passes once it is', async () => {
    const okta = createOktaEmulator({ apps: [{ clientId: OKTA_CLIENT, grantTypes: ['authorization_code', 'refresh_token'], grantedScopes: ['okta.users.read', 'okta.groups.read'] }] });
    emulator = okta;
    await okta.listen();
    const missing = await doctor(env('okta', okta.tokenEndpoint, OKTA_CLIENT, 'device'));
    expect(missing.find((c) => c.status === 'fail')?.fix).toContain('"Device Authorization"');
    okta.setAppOptions(OKTA_CLIENT, { grantTypes: ['authorization_code', 'refresh_token', DEVICE] });
    const ok = await doctor(env('okta', okta.tokenEndpoint, OKTA_CLIENT, 'device'));
    expect(ok.map((c) => c.status)).toEqual(['ok']);
  }, 60_000);

  it('Okta browser: names the Sign-in redirect URI with the port when it is not registered', async () => {
    const okta = createOktaEmulator({ apps: [{ clientId: OKTA_CLIENT, grantTypes: ['authorization_code', 'refresh_token'], redirectUris: ['http://127.0.0.1:8765/callback'] }] });
    emulator = okta;
    await okta.listen();
    const wrongPort = await doctor(env('okta', okta.tokenEndpoint, OKTA_CLIENT, 'browser', { UBIQ_IDP_REDIRECT_PORT: '8766' }));
    expect(wrongPort.find((c) => c.status === 'fail')?.fix).toContain('Sign-in redirect URIs: add http://127.0.0.1:8766/callback');
    const ok = await doctor(env('okta', okta.tokenEndpoint, OKTA_CLIENT, 'browser', { UBIQ_IDP_REDIRECT_PORT: '8765' }));
    expect(ok.map((c) => c.status)).toEqual(['ok']);
  }, 60_000);

  it('Entra: "Allow public client flows" for the device grant, "Mobile and desktop applications" for the browser', async () => {
    const entra = createEntraEmulator({ apps: [{ clientId: ENTRA_CLIENT }] });
    emulator = entra;
    await entra.listen();
    const device = await doctor(env('entra', entra.tokenEndpoint, ENTRA_CLIENT, 'device'));
    expect(device.find((c) => c.status === 'fail')?.fix).toContain('"Allow public client flows" = Yes');
    const browser = await doctor(env('entra', entra.tokenEndpoint, ENTRA_CLIENT, 'browser'));
    expect(browser.find((c) => c.status === 'fail')?.fix).toContain('"Mobile and desktop applications"');
    entra.setAppOptions(ENTRA_CLIENT, { allowPublicClient: true, redirectUris: ['http://127.0.0.1/callback'] });
    expect((await doctor(env('entra', entra.tokenEndpoint, ENTRA_CLIENT, 'device'))).map((c) => c.status)).toEqual(['ok']);
    expect((await doctor(env('entra', entra.tokenEndpoint, ENTRA_CLIENT, 'browser'))).map((c) => c.status)).toEqual(['ok']);
  }, 60_000);
});
