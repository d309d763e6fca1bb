import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ConfigNotFoundError } from '../../src/config/errors.js';
import { chain } from '../../src/credentials/chain.js';
import { CredentialsUnavailableError } from '../../src/credentials/errors.js';
import { generateRsaKeyPair, type RsaKeyPair } from '../../src/crypto/keypair.js';
import type { CredentialProvider } from '../../src/credentials/provider.js';
import { defaultProvider, fromConfigFiles, fromEnv, fromIdp, fromStaticKeys, type SourceOptions } from '../../src/credentials/sources.js';
import type { UbiqCredentials } from '../../src/credentials/ubiq-credentials.js';
import { CLIENT_ID, CLIENT_SECRET, CUSTOMER_ID, PASSWORD, startIdpFixture, USERNAME, type IdpFixture } from './helpers/idp-fixture.js';

let fx: IdpFixture;
let keys: RsaKeyPair;
let home: string;
const opened: CredentialProvider<UbiqCredentials>[] = [];

beforeAll(async () => {
  [fx, keys] = await Promise.all([startIdpFixture(), generateRsaKeyPair({ modulusLength: 2048 })]);
});
beforeEach(async () => {
  await Promise.all(opened.splice(0).map((p) => p.close()));
  await fx.reset();
  if (home) await rm(home, { recursive: true, force: true });
  home = await mkdtemp(join(tmpdir(), 'ubiq-idp-sources-'));
});
afterAll(async () => {
  await Promise.all(opened.splice(0).map((p) => p.close()));
  await fx.close();
  await rm(home, { recursive: true, force: true });
});

function track<P extends CredentialProvider<UbiqCredentials>>(provider: P): P {
  opened.push(provider);
  return provider;
}

function idpEnv(): Record<string, string> {
  const tokenEndpoint = fx.config.kind === 'idp' ? fx.config.idp.tokenEndpointUrl : '';
  return {
    UBIQ_SERVER: fx.sso.url,
    UBIQ_IDP_USERNAME: USERNAME,
    UBIQ_IDP_PASSWORD: PASSWORD,
    UBIQ_IDP_PROVIDER: 'okta',
    UBIQ_IDP_CUSTOMER_ID: CUSTOMER_ID,
    UBIQ_IDP_TOKEN_ENDPOINT_URL: tokenEndpoint,
    UBIQ_IDP_TENANT_ID: CLIENT_ID,
    UBIQ_IDP_CLIENT_SECRET: CLIENT_SECRET,
  };
}

const STATIC_ENV = { UBIQ_ACCESS_KEY_ID: 'env-access-key', UBIQ_SECRET_SIGNING_KEY: 'env-signing-key', UBIQ_SECRET_CRYPTO_ACCESS_KEY: 'env-crypto-key' };

function options(env: Record<string, string>, extra: SourceOptions = {}): SourceOptions {
  return { load: { env, homeDir: home, allowInsecureHttp: true }, modulusLength: 2048, pregenerateKeyPair: keys, retry: false, ...extra };
}

async function writeUbiqFiles(credentials: string, configuration?: unknown): Promise<void> {
  await mkdir(join(home, '.ubiq'), { recursive: true });
  await writeFile(join(home, '.ubiq', 'credentials'), credentials, { mode: 0o600 });
  if (configuration !== undefined) await writeFile(join(home, '.ubiq', 'configuration'), JSON.stringify(configuration), { mode: 0o600 });
}

function idpConfiguration() {
  const tokenEndpoint = fx.config.kind === 'idp' ? fx.config.idp.tokenEndpointUrl : '';
  return { idp: { type: 'okta', customer_id: CUSTOMER_ID, token_endpoint_url: tokenEndpoint, tenant_id: CLIENT_ID, client_secret: CLIENT_SECRET } };
}

describe('chain()', () => {
  const unavailable = (message: string) => (): Promise<UbiqCredentials> => Promise.reject(new CredentialsUnavailableError(message));
  const statik = fromStaticKeys({ accessKeyId: 'AK', secretSigningKey: 'SSK', secretCryptoAccessKey: 'SCAK' });

  it('moves on only on "unavailable" errors and keeps the first source that answers', async () => {
    let calls = 0;
    const counting = async () => {
      calls += 1;
      return statik();
    };
    const provider = chain(unavailable('no env'), async () => Promise.reject(new ConfigNotFoundError('nothing', ['environment'])), counting);
    expect((await provider()).accessKeyId).toBe('AK');
    expect((await provider()).accessKeyId).toBe('AK');
    expect(calls).toBe(2);
  });

  it('stops at a misconfigured source with its own error', async () => {
    const broken = (): Promise<UbiqCredentials> => Promise.reject(Object.assign(new Error('bad file'), { code: 'config_invalid' }));
    const provider = chain(unavailable('no env'), broken, statik);
    await expect(provider()).rejects.toMatchObject({ code: 'config_invalid' });
  });

  it('does not move on for another library\'s "try the next link" error', async () => {
    // An AWS SDK CredentialsProviderError carries tryNextLink; the first version's guard took it for ours.
    const aws = (): Promise<UbiqCredentials> =>
      Promise.reject(Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError', tryNextLink: true, code: 'credentials_unavailable' }));
    await expect(chain(aws, statik)()).rejects.toMatchObject({ name: 'CredentialsProviderError' });
  });

  it('says where every source looked when none has credentials', async () => {
    const error = await chain(unavailable('env: nothing'), unavailable('files: ~/.ubiq/credentials (not found)'))().catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'credentials_unavailable' });
    expect((error as Error).message).toContain('env: nothing');
    expect((error as Error).message).toContain('~/.ubiq/credentials (not found)');
    expect((error as { hint?: string }).hint).toContain('IDP_USERNAME');
  });

  it('close() closes every full provider in it', async () => {
    let closed = 0;
    const full = Object.assign(async () => statik(), {
      forceRefresh: async () => statik(),
      close: () => {
        closed += 1;
        return Promise.resolve();
      },
      onRefresh: () => () => {},
      onRefreshError: () => () => {},
    });
    const provider = chain(full, full);
    await provider.close();
    expect(closed).toBe(2);
  });
});

describe('fromStaticKeys()', () => {
  it('answers the given keys, redacted when printed', async () => {
    const provider = fromStaticKeys({ accessKeyId: 'AK', secretSigningKey: 'canary-ssk-1', secretCryptoAccessKey: 'canary-scak-1', server: 'api.example.com/' });
    const credentials = await provider();
    expect(credentials).toMatchObject({ kind: 'static', accessKeyId: 'AK', server: 'https://api.example.com' });
    expect(JSON.stringify(credentials)).not.toContain('canary-ssk-1');
    expect(await provider.forceRefresh()).toBe(credentials);
  });

  it('rejects empty keys with a typed error', () => {
    expect(() => fromStaticKeys({ accessKeyId: '', secretSigningKey: 'x', secretCryptoAccessKey: 'y' })).toThrow(expect.objectContaining({ code: 'invalid_provider_options' }));
  });

  it('without keys reads a static profile, and is unavailable for an IdP profile', async () => {
    expect((await track(fromStaticKeys(undefined, options(STATIC_ENV)))()).accessKeyId).toBe('env-access-key');
    await expect(track(fromStaticKeys(undefined, options(idpEnv())))()).rejects.toMatchObject({ code: 'credentials_unavailable' });
  });
});

describe('fromEnv()', () => {
  it('is unavailable, naming the variables, when the environment has no credentials', async () => {
    const error = await track(fromEnv(options({})))().catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'credentials_unavailable' });
    expect((error as Error).message).toContain('UBIQ_IDP_USERNAME');
  });

  it('answers static keys from UBIQ_ACCESS_KEY_ID …', async () => {
    const credentials = await track(fromEnv(options(STATIC_ENV)))();
    expect(credentials).toMatchObject({ kind: 'static', accessKeyId: 'env-access-key', server: 'https://api.ubiqsecurity.com' });
  });

  it('signs in with UBIQ_IDP_* (the CI way) and reports refreshes', async () => {
    const refreshed: string[] = [];
    const provider = track(fromEnv(options(idpEnv(), { onRefresh: (c) => refreshed.push(c.accessKeyId) })));
    const credentials = await provider();
    expect(credentials.kind).toBe('idp');
    expect(credentials.accessKeyId).toBe(fx.sso.issued[0]!.publicValue);
    expect(refreshed).toEqual([credentials.accessKeyId]);
  });

  it('stops the chain when the environment is set but incomplete', async () => {
    const env = idpEnv();
    delete (env as Record<string, string | undefined>).UBIQ_IDP_CLIENT_SECRET;
    await expect(track(fromEnv(options(env)))()).rejects.toMatchObject({ code: 'config_invalid' });
  });
});

describe('fromConfigFiles() and fromIdp()', () => {
  it('signs in with the [idp] profile of ~/.ubiq/credentials and the idp block of ~/.ubiq/configuration', async () => {
    await writeUbiqFiles(`[default]\nACCESS_KEY_ID=x\nSECRET_SIGNING_KEY=y\nSECRET_CRYPTO_ACCESS_KEY=z\n\n[idp]\nSERVER=${fx.sso.url}\nIDP_USERNAME=${USERNAME}\nIDP_PASSWORD=${PASSWORD}\n`, idpConfiguration());
    const credentials = await track(fromConfigFiles(options({}, { profile: 'idp' })))();
    expect(credentials).toMatchObject({ kind: 'idp', username: USERNAME, profile: 'idp' });
    expect(fx.sso.requests).toBe(1);
  });

  it('is unavailable when there are no files', async () => {
    await expect(track(fromConfigFiles(options({})))()).rejects.toMatchObject({ code: 'credentials_unavailable' });
  });

  it('fromIdp() is unavailable for a static profile', async () => {
    await writeUbiqFiles('[default]\nACCESS_KEY_ID=x\nSECRET_SIGNING_KEY=y\nSECRET_CRYPTO_ACCESS_KEY=z\n');
    const error = await track(fromIdp(options({})))().catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'credentials_unavailable' });
    expect((error as Error).message).toContain('API keys');
  });
});

describe('defaultProvider()', () => {
  it('prefers the environment over the files', async () => {
    await writeUbiqFiles(`[default]\nSERVER=${fx.sso.url}\nIDP_USERNAME=${USERNAME}\nIDP_PASSWORD=${PASSWORD}\n`, idpConfiguration());
    const credentials = await track(defaultProvider(options(STATIC_ENV)))();
    expect(credentials).toMatchObject({ kind: 'static', accessKeyId: 'env-access-key' });
    expect(fx.sso.requests).toBe(0);
  });

  it('signs in with the files when the environment is empty; one login for concurrent callers', async () => {
    await writeUbiqFiles(`[default]\nSERVER=${fx.sso.url}\nIDP_USERNAME=${USERNAME}\nIDP_PASSWORD=${PASSWORD}\n`, idpConfiguration());
    const refreshed: string[] = [];
    const provider = track(defaultProvider(options({}, { onRefresh: (c) => refreshed.push(c.accessKeyId) })));
    const all = await Promise.all(Array.from({ length: 200 }, () => provider()));
    expect(new Set(all).size).toBe(1);
    expect(all[0]!.kind).toBe('idp');
    expect(fx.sso.requests).toBe(1);
    expect(fx.okta.stats().byEndpoint.token).toBe(1);
    const forced = await provider.forceRefresh();
    expect(forced).not.toBe(all[0]);
    // The first sign-in is reported too, not only later refreshes.
    expect(refreshed).toEqual([all[0]!.accessKeyId, forced.accessKeyId]);
  });

  it('says where it looked when nothing is configured', async () => {
    const error = await track(defaultProvider(options({})))().catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'credentials_unavailable' });
    expect((error as Error).message).toContain('environment');
    expect((error as Error).message).toContain(join(home, '.ubiq', 'credentials'));
  });

  it('stops at a malformed credentials file instead of skipping it', async () => {
    await writeUbiqFiles('[default]\nSERVER=<https://api.ubiqsecurity.com>\nIDP_USERNAME=a\n');
    await expect(track(defaultProvider(options({})))()).rejects.toMatchObject({ code: 'config_invalid' });
  });
});
