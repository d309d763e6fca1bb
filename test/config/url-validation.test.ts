// One URL validation: the same server or endpoint value gets the same verdict on every path that accepts it
// (config files/env, fromStaticKeys, the SSO exchange, fetchIdpToken, device/browser discovery, the
// reference server's options and admin API).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { exchangeIdpToken } from '../../src/credentials/sso.js';
import { fromStaticKeys } from '../../src/credentials/sources.js';
import { fetchIdpToken } from '../../src/idp/index.js';
import { initiateDeviceAuthorization } from '../../src/idp/device.js';
import { createReferenceServer } from '../../src/server/index.js';
import { checkEndpointUrl, DEFAULT_SERVER } from '../../src/util/endpoint-url.js';
import { DEFAULT_SERVER as CONFIG_DEFAULT_SERVER } from '../../src/config/fields.js';
import { startServer, type Running } from '../server/helpers.js';

type Verdict = 'accepted' | 'refused';
const CUSTOMER = '6e7e795e-26a2-4973-aa73-b9fc259ebc5f';
/** Thrown by the fetch of every path: reaching it means the URL was accepted. */
const SENT = new Error('request sent');
const sentinelFetch = async (): Promise<Response> => Promise.reject(SENT);

const SERVER_VALUES: [string, boolean][] = [
  ['https://api.example.com', false],
  ['api.example.com', false],
  ['https://api.example.com/', false],
  ['http://api.example.com/?q=1#f', false],
  ['http://api.example.com/?q=1#f', true],
  ['https://api.example.com/?q=1', false],
  ['https://api.example.com/#frag', false],
  ['https://user:pw@api.example.com', false],
  ['ftp://api.example.com', false],
  ['https://api example.com', false],
  ['http://127.0.0.1:8080', false],
  ['http://127.0.0.1:8080', true],
];

const ENDPOINT_VALUES: [string, boolean][] = [
  ['https://idp.example.com/oauth2/v1/token', false],
  ['idp.example.com/oauth2/v1/token', false],
  ['https://idp.example.com/oauth2/v1/token?client_id=x', false],
  ['https://idp.example.com/oauth2/v1/token#f', false],
  ['https://u:p@idp.example.com/oauth2/v1/token', false],
  ['ftp://idp.example.com/token', false],
  ['https://idp example.com/token', false],
  ['not a url', false],
  ['http://127.0.0.1:9/oauth2/v1/token', false],
  ['http://127.0.0.1:9/oauth2/v1/token', true],
  ['http://127.0.0.1:9/oauth2/v1/token?x=1', true],
];

const idpEnv = (overrides: Record<string, string>) => ({
  UBIQ_SERVER: 'https://api.example.com',
  UBIQ_IDP_PROVIDER: 'okta',
  UBIQ_IDP_CUSTOMER_ID: CUSTOMER,
  UBIQ_IDP_TOKEN_ENDPOINT_URL: 'https://idp.example.com/oauth2/v1/token',
  UBIQ_IDP_TENANT_ID: '0oaclient',
  UBIQ_IDP_CLIENT_SECRET: 'client-secret-value',
  UBIQ_IDP_USERNAME: 'ada@example.com',
  UBIQ_IDP_PASSWORD: 'password-value',
  ...overrides,
});

async function verdictOf(run: () => Promise<unknown>): Promise<Verdict> {
  try {
    await run();
    return 'accepted';
  } catch (error) {
    // Reaching the network (our sentinel, or a mapped network failure) means the URL passed validation.
    if (error === SENT) return 'accepted';
    const code = (error as { code?: unknown }).code;
    if (code === 'network_error' || code === 'sso_unreachable') return 'accepted';
    return 'refused';
  }
}

const expected = (kind: 'server' | 'url', value: string, allowInsecureHttp: boolean): Verdict =>
  checkEndpointUrl(kind, value, { allowInsecureHttp }).url === undefined ? 'refused' : 'accepted';

describe('one URL validation', () => {
  it('DEFAULT_SERVER is defined once', () => {
    expect(CONFIG_DEFAULT_SERVER).toBe(DEFAULT_SERVER);
  });

  it.each(SERVER_VALUES)('server %s (allowInsecureHttp %s): the same verdict from loadConfig, fromStaticKeys and the SSO exchange', async (value, allowInsecureHttp) => {
    const want = expected('server', value, allowInsecureHttp);
    const verdicts = {
      loadConfig: await verdictOf(() => loadConfig({ env: idpEnv({ UBIQ_SERVER: value }), homeDir: '/nonexistent-home', allowInsecureHttp })),
      fromStaticKeys: await verdictOf(() => Promise.resolve().then(() => fromStaticKeys({ server: value, accessKeyId: 'AK', secretSigningKey: 'SSK', secretCryptoAccessKey: 'SCAK' }, { allowInsecureHttp, load: { env: {} } }))),
      exchangeIdpToken: await verdictOf(() =>
        exchangeIdpToken({ server: value, customerId: CUSTOMER, accessToken: 'access-token-value', csrPem: 'unused', retry: false, allowInsecureHttp, fetch: sentinelFetch }),
      ),
    };
    expect(verdicts).toEqual({ loadConfig: want, fromStaticKeys: want, exchangeIdpToken: want });
  });

  it('the example of the issue is refused by fromStaticKeys as by loadConfig', () => {
    expect(() => fromStaticKeys({ server: 'http://api.example.com/?q=1#f', accessKeyId: 'AK', secretSigningKey: 'SSK', secretCryptoAccessKey: 'SCAK' }, { load: { env: {} } })).toThrow(
      /query or #fragment/,
    );
  });

  it.each(ENDPOINT_VALUES)('endpoint %s (allowInsecureHttp %s): the same verdict from loadConfig, fetchIdpToken and discovery', async (value, allowInsecureHttp) => {
    const want = expected('url', value, allowInsecureHttp);
    const settings = { provider: 'okta' as const, customerId: CUSTOMER, tokenEndpointUrl: value, clientId: '0oaclient', clientSecret: 'client-secret-value' };
    const user = { username: 'ada@example.com', password: 'password-value' };
    const good = 'https://idp.example.com/oauth2/v1/token';
    const verdicts = {
      loadConfig: await verdictOf(() => loadConfig({ env: idpEnv({ UBIQ_IDP_TOKEN_ENDPOINT_URL: value }), homeDir: '/nonexistent-home', allowInsecureHttp })),
      fetchIdpToken: await verdictOf(() => fetchIdpToken(settings, user, { allowInsecureHttp, retry: false, fetch: sentinelFetch })),
      discoveryUrl: await verdictOf(() => fetchIdpToken({ ...settings, tokenEndpointUrl: good }, user, { discoveryUrl: value, allowInsecureHttp, retry: false, fetch: sentinelFetch })),
      deviceSignIn: await verdictOf(() => initiateDeviceAuthorization(settings, { allowInsecureHttp, retry: false, fetch: sentinelFetch })),
    };
    expect(verdicts).toEqual({ loadConfig: want, fetchIdpToken: want, discoveryUrl: want, deviceSignIn: want });
  });
});

describe("the reference server's IdP settings (http:// allowed: it talks to local emulators)", () => {
  let run: Running;
  beforeAll(async () => {
    run = await startServer({});
  });
  afterAll(async () => {
    await run.close();
  });

  it.each(ENDPOINT_VALUES)('discoveryUrl %s: the client paths with allowInsecureHttp give the same verdict', async (value) => {
    const want = expected('url', value, true);
    const options = await verdictOf(async () => createReferenceServer({ idp: { discoveryUrl: value } }).close());
    const admin = await run.admin('PATCH', '/idp', { discoveryUrl: value });
    expect({ options, admin: admin.status === 200 ? 'accepted' : 'refused' }).toEqual({ options: want, admin: want });
  });
});
