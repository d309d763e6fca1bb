import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { CANARY, CUSTOMER_ID, idpCredentials, oktaSeedDialect, tempHome, type TempHome } from './helpers.js';

const homes: TempHome[] = [];
async function home(files: Record<string, string> = {}) {
  const h = await tempHome(files);
  homes.push(h);
  return h;
}
afterEach(async () => {
  await Promise.all(homes.splice(0).map((h) => h.cleanup()));
});

const fullIdpEnv = {
  UBIQ_IDP_PROVIDER: 'okta',
  UBIQ_IDP_CUSTOMER_ID: CUSTOMER_ID,
  UBIQ_IDP_TOKEN_ENDPOINT_URL: 'https://env.okta.com/oauth2/v1/token',
  UBIQ_IDP_TENANT_ID: 'env-client-id',
  UBIQ_IDP_CLIENT_SECRET: CANARY.clientSecret,
  UBIQ_IDP_USERNAME: 'env-user@example.com',
  UBIQ_IDP_PASSWORD: CANARY.password,
};

describe('sources and precedence', () => {
  it('needs no file when the environment supplies everything (CI)', async () => {
    const h = await home();
    const config = await loadConfig({ homeDir: h.home, env: fullIdpEnv });
    expect(config.kind).toBe('idp');
    if (config.kind !== 'idp') return;
    expect(config.idp).toMatchObject({ provider: 'okta', clientId: 'env-client-id', tokenEndpointUrl: 'https://env.okta.com/oauth2/v1/token' });
    expect(config.user.username).toBe('env-user@example.com');
    expect(config.server).toBe('https://api.ubiqsecurity.com');
    expect(config.sources.fields.server).toEqual({ origin: 'default', source: 'default', key: 'server' });
    expect(config.sources.fields['idp.clientSecret']).toEqual({ origin: 'env', source: 'environment', key: 'UBIQ_IDP_CLIENT_SECRET' });
    expect(config.sources.files.map((f) => [f.chosenBy, f.found])).toEqual([
      ['default', false],
      ['default', false],
      ['fallback', false],
    ]);
  });

  it('options win over environment, environment over the credentials profile, profile over [default]', async () => {
    const h = await home({
      '.ubiq/configuration': oktaSeedDialect(),
      '.ubiq/credentials':
        '[default]\nSERVER=https://default.example.com\nIDP_USERNAME=default-user\nIDP_PASSWORD=default-pw\n' +
        '[work]\nIDP_USERNAME=work-user\n',
    });
    const base = { homeDir: h.home, profile: 'work' };
    let config = await loadConfig({ ...base, env: {} });
    if (config.kind !== 'idp') throw new Error('expected idp');
    // Per key: username from [work], password and server fall back to [default].
    expect(config.user).toMatchObject({ username: 'work-user', password: 'default-pw' });
    expect(config.server).toBe('https://default.example.com');
    expect(config.sources.fields['user.username']).toMatchObject({ origin: 'credentials', profile: 'work', key: 'IDP_USERNAME' });
    expect(config.sources.fields['user.password']).toMatchObject({ origin: 'credentials', profile: 'default' });

    config = await loadConfig({ ...base, env: { UBIQ_IDP_USERNAME: 'env-user', UBIQ_SERVER: 'env.example.com' } });
    if (config.kind !== 'idp') throw new Error('expected idp');
    expect(config.user.username).toBe('env-user');
    expect(config.server).toBe('https://env.example.com');
    expect(config.sources.fields['user.username']).toEqual({ origin: 'env', source: 'environment', key: 'UBIQ_IDP_USERNAME' });

    config = await loadConfig({ ...base, env: { UBIQ_IDP_USERNAME: 'env-user' }, overrides: { username: 'code-user', server: 'https://code.example.com/' } });
    if (config.kind !== 'idp') throw new Error('expected idp');
    expect(config.user.username).toBe('code-user');
    expect(config.server).toBe('https://code.example.com');
    expect(config.sources.fields['user.username']).toEqual({ origin: 'option', source: 'options', key: 'overrides.username' });
  });

  it('idp settings: options > environment > configuration file', async () => {
    const h = await home({ '.ubiq/configuration': oktaSeedDialect(), '.ubiq/credentials': idpCredentials('default') });
    let config = await loadConfig({ homeDir: h.home, env: { UBIQ_IDP_TENANT_ID: 'env-client' } });
    if (config.kind !== 'idp') throw new Error('expected idp');
    expect(config.idp.clientId).toBe('env-client');
    expect(config.idp.customerId).toBe(CUSTOMER_ID);
    expect(config.sources.fields['idp.customerId']).toMatchObject({ origin: 'configuration', key: 'idp.customer_id', source: h.path('.ubiq/configuration') });
    config = await loadConfig({ homeDir: h.home, env: { UBIQ_IDP_TENANT_ID: 'env-client' }, overrides: { idp: { clientId: 'code-client', scope: 'api://custom/.default' } } });
    if (config.kind !== 'idp') throw new Error('expected idp');
    expect(config.idp.clientId).toBe('code-client');
    expect(config.idp.scope).toBe('api://custom/.default');
  });

  it('an empty value falls back to the next source, as the official clients do', async () => {
    const h = await home({ '.ubiq/configuration': oktaSeedDialect(), '.ubiq/credentials': '[default]\nIDP_USERNAME=u\nIDP_PASSWORD=p\n[p]\nIDP_USERNAME=\nSERVER=\n' });
    const config = await loadConfig({ homeDir: h.home, profile: 'p', env: { UBIQ_SERVER: '' } });
    if (config.kind !== 'idp') throw new Error('expected idp');
    expect(config.user.username).toBe('u');
    expect(config.server).toBe('https://api.ubiqsecurity.com');
  });

  it('SERVER without a scheme gets https://', async () => {
    const h = await home({ '.ubiq/configuration': oktaSeedDialect(), '.ubiq/credentials': '[default]\nSERVER=api.example.com:8443/\nIDP_USERNAME=u\nIDP_PASSWORD=p\n' });
    const config = await loadConfig({ homeDir: h.home, env: {} });
    expect(config.server).toBe('https://api.example.com:8443');
  });

  it('chooses profile by option, then UBIQ_PROFILE, then default', async () => {
    const h = await home({
      '.ubiq/configuration': oktaSeedDialect(),
      '.ubiq/credentials': `${idpCredentials('default')}[env]\nIDP_USERNAME=env-profile\n[opt]\nIDP_USERNAME=opt-profile\n`,
    });
    const names = async (options: Parameters<typeof loadConfig>[0]) => {
      const c = await loadConfig({ homeDir: h.home, ...options });
      return c.kind === 'idp' ? [c.profile, c.sources.profile.chosenBy, c.user.username] : [];
    };
    expect(await names({ env: {} })).toEqual(['default', 'default', 'alice@example.com']);
    expect(await names({ env: { UBIQ_PROFILE: 'env' } })).toEqual(['env', 'env', 'env-profile']);
    expect(await names({ env: { UBIQ_PROFILE: 'env' }, profile: 'opt' })).toEqual(['opt', 'option', 'opt-profile']);
  });

  it('file locations: option > UBIQ_*_FILE > ~/.ubiq, with ~ expanded', async () => {
    const h = await home({
      'a/conf.json': oktaSeedDialect({ tenant_id: 'from-a' }),
      'b/conf.json': oktaSeedDialect({ tenant_id: 'from-b' }),
      'a/creds': idpCredentials('default'),
      '.ubiq/configuration': oktaSeedDialect({ tenant_id: 'from-home' }),
      '.ubiq/credentials': idpCredentials('default'),
    });
    const clientId = async (options: Parameters<typeof loadConfig>[0]) => {
      const c = await loadConfig({ homeDir: h.home, ...options });
      return c.kind === 'idp' ? c.idp.clientId : undefined;
    };
    expect(await clientId({ env: {} })).toBe('from-home');
    expect(await clientId({ env: { UBIQ_CONFIGURATION_FILE: '~/b/conf.json' } })).toBe('from-b');
    expect(await clientId({ env: { UBIQ_CONFIGURATION_FILE: h.path('b/conf.json') }, configurationFile: h.path('a/conf.json') })).toBe('from-a');
    const c = await loadConfig({ homeDir: h.home, env: { UBIQ_CREDENTIALS_FILE: h.path('a/creds') } });
    expect(c.sources.files.find((f) => f.path === h.path('a/creds'))).toMatchObject({ chosenBy: 'env', found: true, format: 'ini' });
  });

  it('falls back to ~/.ubiq/credentials.json (profiles as JSON objects) only when ~/.ubiq/credentials is missing', async () => {
    const json = JSON.stringify({ default: { SERVER: 'json.example.com', IDP_USERNAME: 'json-user', IDP_PASSWORD: CANARY.password } });
    const h = await home({ '.ubiq/configuration': oktaSeedDialect(), '.ubiq/credentials.json': json });
    let config = await loadConfig({ homeDir: h.home, env: {} });
    if (config.kind !== 'idp') throw new Error('expected idp');
    expect(config.user.username).toBe('json-user');
    expect(config.server).toBe('https://json.example.com');
    expect(config.sources.files.at(-1)).toMatchObject({ chosenBy: 'fallback', found: true, format: 'json' });
    await h.write('.ubiq/credentials', idpCredentials('default'));
    config = await loadConfig({ homeDir: h.home, env: {} });
    if (config.kind !== 'idp') throw new Error('expected idp');
    expect(config.user.username).toBe('alice@example.com');
  });

  it('a static-key profile loads as kind static; the highest source decides the kind', async () => {
    const h = await home({
      '.ubiq/credentials': `[default]\nIDP_USERNAME=u\nIDP_PASSWORD=p\n[keys]\nACCESS_KEY_ID=abc\nSECRET_SIGNING_KEY=${CANARY.signingKey}\nSECRET_CRYPTO_ACCESS_KEY=${CANARY.cryptoKey}\n`,
    });
    const config = await loadConfig({ homeDir: h.home, profile: 'keys', env: {} });
    expect(config.kind).toBe('static');
    if (config.kind !== 'static') return;
    expect(config.keys).toMatchObject({ accessKeyId: 'abc', secretSigningKey: CANARY.signingKey, secretCryptoAccessKey: CANARY.cryptoKey });
    expect(config.sources.fields['keys.accessKeyId']).toMatchObject({ origin: 'credentials', profile: 'keys' });
  });

  it('env-only static keys work and report their variable names', async () => {
    const h = await home();
    const config = await loadConfig({
      homeDir: h.home,
      env: { UBIQ_ACCESS_KEY_ID: 'id', UBIQ_SECRET_SIGNING_KEY: CANARY.signingKey, UBIQ_SECRET_CRYPTO_ACCESS_KEY: `${CANARY.cryptoKey}\n` },
    });
    if (config.kind !== 'static') throw new Error('expected static');
    expect(config.keys.secretCryptoAccessKey).toBe(CANARY.cryptoKey);
    expect(config.warnings).toEqual([expect.objectContaining({ code: 'env_whitespace', key: 'UBIQ_SECRET_CRYPTO_ACCESS_KEY' })]);
  });

  it('keeps unknown top-level blocks for the encryption client', async () => {
    const conf = { event_reporting: { wake_interval: 1 }, key_caching: { ttl_seconds: 1800 }, nodejs: { anything: [1, 2] }, idp: (JSON.parse(oktaSeedDialect()) as { idp: unknown }).idp };
    const h = await home({ '.ubiq/configuration': JSON.stringify(conf), '.ubiq/credentials': idpCredentials('default') });
    const config = await loadConfig({ homeDir: h.home, env: {} });
    expect(config.otherBlocks).toEqual({ event_reporting: { wake_interval: 1 }, key_caching: { ttl_seconds: 1800 }, nodejs: { anything: [1, 2] } });
  });

  it('does not look in a home directory when there is none', async () => {
    const config = await loadConfig({ homeDir: '', env: fullIdpEnv });
    expect(config.sources.files).toEqual([]);
  });
});

describe('warnings about the sources themselves', () => {
  it('a file named by option or UBIQ_*_FILE that does not exist is a warning (and the loader goes on)', async () => {
    const h = await home();
    const config = await loadConfig({ homeDir: h.home, env: { ...fullIdpEnv, UBIQ_CREDENTIALS_FILE: h.path('nope/credentials') }, configurationFile: h.path('nope/configuration') });
    expect(config.warnings.map((w) => [w.code, w.source, w.message])).toEqual([
      ['file_not_found', h.path('nope/configuration'), 'was named by an option but does not exist'],
      ['file_not_found', h.path('nope/credentials'), 'was named by an environment variable but does not exist'],
    ]);
    // An explicitly named credentials file has no credentials.json fallback.
    expect(config.sources.files.map((f) => f.chosenBy)).toEqual(['option', 'env']);
  });

  it('one source with both an IdP sign-in and static keys: IdP wins, with a warning', async () => {
    const h = await home({ '.ubiq/configuration': oktaSeedDialect(), '.ubiq/credentials': `${idpCredentials('default')}ACCESS_KEY_ID=a\n` });
    const config = await loadConfig({ homeDir: h.home, env: {} });
    expect(config.kind).toBe('idp');
    expect(config.warnings).toEqual([expect.objectContaining({ code: 'mixed_credentials', key: '[default]', source: h.path('.ubiq/credentials') })]);
  });

  it('a higher source with static keys beats a lower one with an IdP sign-in, without a warning', async () => {
    const h = await home({ '.ubiq/credentials': idpCredentials('default') });
    const config = await loadConfig({ homeDir: h.home, env: { UBIQ_ACCESS_KEY_ID: 'a', UBIQ_SECRET_SIGNING_KEY: CANARY.signingKey, UBIQ_SECRET_CRYPTO_ACCESS_KEY: CANARY.cryptoKey } });
    expect(config.kind).toBe('static');
    expect(config.warnings).toEqual([]);
  });

  it('control characters and a ?query in URLs are problems; the customer id is lower-cased', async () => {
    const h = await home({ '.ubiq/configuration': oktaSeedDialect({ customer_id: CUSTOMER_ID.toUpperCase() }), '.ubiq/credentials': idpCredentials('default') });
    const error = await loadConfig({ homeDir: h.home, env: { UBIQ_IDP_TOKEN_ENDPOINT_URL: 'https://a.okta.com/oauth2/v1/token?x=1', UBIQ_IDP_TENANT_ID: 'a\u0007b' } }).catch((e: unknown) => e);
    expect((error as { problems: Array<{ key: string; code: string }> }).problems.map((p) => `${p.key}:${p.code}`)).toEqual([
      'UBIQ_IDP_TOKEN_ENDPOINT_URL:query_in_url',
      'UBIQ_IDP_TENANT_ID:control_characters',
    ]);
    const config = await loadConfig({ homeDir: h.home, env: {} });
    expect(config.kind === 'idp' && config.idp.customerId).toBe(CUSTOMER_ID);
  });
});
