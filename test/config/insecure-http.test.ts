// One switch for http:// (local emulators): the allowInsecureHttp option, wherever it is given, and
// UBIQ_ALLOW_INSECURE_HTTP=1 mean the same for the loader, the token fetcher, the SSO exchange and the providers.
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { startLocalUbiq, type LocalUbiq } from '../../examples/support/local-ubiq.js';
import { loadConfig } from '../../src/config/load.js';
import { createIdpCredentialProvider } from '../../src/credentials/provider.js';
import { defaultProvider, fromStaticKeys } from '../../src/credentials/sources.js';
import { exchangeIdpToken } from '../../src/credentials/sso.js';
import { fetchIdpToken } from '../../src/idp/index.js';
import { allowsInsecureHttp } from '../../src/util/insecure-http.js';
import { loadProblems, tempHomes } from './helpers.js';
import { stringMatching } from '../helpers/matchers.js';

const home = tempHomes();
let local: LocalUbiq;
let files: string;

beforeAll(async () => {
  local = await startLocalUbiq(); // Okta emulator and reference server on http://127.0.0.1
  files = await local.writeHome();
});
afterAll(async () => {
  await local?.close();
});
afterEach(() => {
  vi.unstubAllEnvs();
});

const HOW = /allowInsecureHttp: true, UBIQ_ALLOW_INSECURE_HTTP=1 in the environment, or the CLI's --allow-http/;

describe('the loader', () => {
  it('refuses http:// and says exactly how to allow it', async () => {
    const h = await home();
    const problems = await loadProblems(h, { env: { ...local.env() } });
    expect(problems.map((p) => p.key).sort()).toEqual(['UBIQ_IDP_TOKEN_ENDPOINT_URL', 'UBIQ_SERVER']);
    for (const problem of problems) expect(problem).toMatchObject({ code: 'insecure_http', message: stringMatching(HOW) });
  });

  it('allows it with UBIQ_ALLOW_INSECURE_HTTP=1 (or true/yes) and says so in the result', async () => {
    for (const value of ['1', 'true', 'YES']) {
      const config = await loadConfig({ homeDir: '/nonexistent', env: { ...local.env(), UBIQ_ALLOW_INSECURE_HTTP: value } });
      expect(config.allowInsecureHttp).toBe(true);
    }
    const config = await loadConfig({ homeDir: '/nonexistent', env: local.env(), allowInsecureHttp: true });
    expect(config.allowInsecureHttp).toBe(true);
    expect(allowsInsecureHttp(undefined, { UBIQ_ALLOW_INSECURE_HTTP: '0' })).toBe(false);
  });
});

describe('the providers', () => {
  it('createIdpCredentialProvider({ allowInsecureHttp: true }) at the top level reaches the loader (it was ignored there)', async () => {
    const provider = createIdpCredentialProvider({ allowInsecureHttp: true, modulusLength: 2048, load: { homeDir: files, env: {}, profile: 'idp' } });
    try {
      const credentials = await provider();
      expect(credentials.username).toBe(local.username);
    } finally {
      await provider.close();
    }
  }, 60_000);

  it('defaultProvider() signs in and exchanges over http:// with UBIQ_ALLOW_INSECURE_HTTP=1 alone', async () => {
    const provider = defaultProvider({ modulusLength: 2048, session: false, load: { homeDir: files, env: { UBIQ_ALLOW_INSECURE_HTTP: '1' } } });
    try {
      const credentials = await provider();
      expect(credentials.kind).toBe('idp');
    } finally {
      await provider.close();
    }
  }, 60_000);

  it('fromStaticKeys() refuses an http:// server unless allowed', () => {
    const keys = { accessKeyId: 'AK', secretSigningKey: 'canary-ssk', secretCryptoAccessKey: 'canary-scak', server: local.server };
    expect(() => fromStaticKeys(keys)).toThrow(HOW);
    expect(() => fromStaticKeys(keys, { allowInsecureHttp: true })).not.toThrow();
    expect(() => fromStaticKeys(keys, { load: { env: { UBIQ_ALLOW_INSECURE_HTTP: '1' } } })).not.toThrow();
  });
});

describe('the token fetcher and the SSO exchange on their own', () => {
  const settings = () => ({ provider: 'okta' as const, customerId: '6e7e795e-26a2-4973-aa73-b9fc259ebc5f', tokenEndpointUrl: local.tokenEndpoint, clientId: local.clientId, clientSecret: local.clientSecret });

  it('fetchIdpToken: refused with how to allow it; UBIQ_ALLOW_INSECURE_HTTP=1 in the process allows it', async () => {
    const user = { username: local.username, password: local.password };
    await expect(fetchIdpToken(settings(), user, { retry: false })).rejects.toMatchObject({ code: 'insecure_endpoint', message: stringMatching(HOW) });
    vi.stubEnv('UBIQ_ALLOW_INSECURE_HTTP', '1');
    const token = await fetchIdpToken(settings(), user, { retry: false });
    expect(token.accessToken).toBeTruthy();
  });

  it('exchangeIdpToken: an http:// server is refused before the access token is sent', async () => {
    const error = await exchangeIdpToken({ server: local.server, customerId: local.customerId, accessToken: 'canary-access-token', csrPem: 'unused', retry: false }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'sso_insecure_server', hint: stringMatching(HOW) });
    expect(JSON.stringify(error)).not.toContain('canary-access-token');
  });
});
