// What loadConfig tells a person, exactly (src/config/load.ts, src/config/resolve.ts): where it looked, the
// hint for each not-found case, the problem for each missing or partial value, the options checks, and the
// warnings' routing. Written against the mutation report (`npm run mutate -- --mutate 'src/config/**/*.ts'`).
import { describe, expect, it } from 'vitest';
import type { ConfigNotFoundError } from '../../src/config/errors.js';
import { loadConfig, resolveProfile } from '../../src/config/load.js';
import { CANARY, CUSTOMER_ID, idpCredentials, loadProblems, oktaSeedDialect, problemsOf, recordingLogger, tempHomes } from './helpers.js';

const home = tempHomes();
const ENV_LOOKED = 'environment: UBIQ_IDP_USERNAME, UBIQ_IDP_PASSWORD, UBIQ_ACCESS_KEY_ID, UBIQ_SECRET_SIGNING_KEY, UBIQ_SECRET_CRYPTO_ACCESS_KEY';
const OPTIONS_LOOKED = 'options: overrides.username/password, overrides.accessKeyId/secretSigningKey/secretCryptoAccessKey';
const STEP = "setup step 'Ubiq Credential settings'";
const OR_ENV = 'or set UBIQ_IDP_USERNAME and UBIQ_IDP_PASSWORD';

async function notFound(promise: Promise<unknown>): Promise<ConfigNotFoundError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toMatchObject({ code: 'config_not_found' });
  return error as ConfigNotFoundError;
}

describe('not found: where it looked and what to do', () => {
  it('no file at all', async () => {
    const h = await home();
    const error = await notFound(loadConfig({ homeDir: h.home, env: {} }));
    expect(error.lookedAt).toEqual([OPTIONS_LOOKED, ENV_LOOKED, `${h.path('.ubiq/credentials')} (not found)`, `${h.path('.ubiq/credentials.json')} (not found)`]);
    expect(error.message.split('\n')[0]).toBe("No Ubiq credentials found for profile 'default'.");
    expect(error.hint).toBe(`Create ${h.path('.ubiq/credentials')} with a [idp] profile holding IDP_USERNAME and IDP_PASSWORD (${STEP}), ${OR_ENV}.`);
  });

  it('no home and no path: says so, and names the setting', async () => {
    const error = await notFound(loadConfig({ homeDir: '', env: {} }));
    expect(error.lookedAt).toEqual([OPTIONS_LOOKED, ENV_LOOKED, 'no credentials file: no path was given and there is no home directory']);
    expect(error.hint).toBe(`Create a credentials file (UBIQ_CREDENTIALS_FILE) with a [idp] profile holding IDP_USERNAME and IDP_PASSWORD (${STEP}), ${OR_ENV}.`);
  });

  it('a named profile in a missing file: create it with that profile', async () => {
    const h = await home();
    const error = await notFound(loadConfig({ homeDir: h.home, env: {}, profile: 'work' }));
    expect(error.message.split('\n')[0]).toBe("No Ubiq credentials found for profile 'work'.");
    expect(error.hint).toBe(`Create ${h.path('.ubiq/credentials')} with a [work] profile holding IDP_USERNAME and IDP_PASSWORD (${STEP}), ${OR_ENV}.`);
  });

  it('the file lacks the named profile: choose one of its profiles', async () => {
    const h = await home({ '.ubiq/credentials': '[a]\nSERVER=x\n[b]\nSERVER=y\n' });
    const path = h.path('.ubiq/credentials');
    const error = await notFound(loadConfig({ homeDir: h.home, env: { UBIQ_PROFILE: 'work' } }));
    expect(error.lookedAt).toEqual([OPTIONS_LOOKED, ENV_LOOKED, `${path} [work] (no such profile) and [default] (named by UBIQ_PROFILE)`]);
    expect(error.hint).toBe(`${path} has the profile(s) [a], [b] but not [work]; choose one with UBIQ_PROFILE=a or the profile option (--profile a).`);
  });

  it('the file has no profile: add one (the named one, or [idp])', async () => {
    const h = await home({ '.ubiq/credentials': '; empty\n' });
    const path = h.path('.ubiq/credentials');
    const named = await notFound(loadConfig({ homeDir: h.home, env: {}, profile: 'work' }));
    expect(named.hint).toBe(`${path} has no profile: add a [work] profile holding IDP_USERNAME and IDP_PASSWORD to it (${STEP}), ${OR_ENV}.`);
    const unnamed = await notFound(loadConfig({ homeDir: h.home, env: {} }));
    expect(unnamed.lookedAt.at(-1)).toBe(`${path} [default] (no such profile) (no profile named; neither [default] nor [idp] holds credentials)`);
    expect(unnamed.hint).toBe(`${path} has no profile: add a [idp] profile holding IDP_USERNAME and IDP_PASSWORD to it (${STEP}), ${OR_ENV}.`);
  });

  it('the profile exists without credentials: add them to it; a credential key misspelled is named first', async () => {
    const h = await home({ '.ubiq/credentials': '[work]\nSERVER=x\nACCES_KEY_ID=k\nREGION=eu\n' });
    const path = h.path('.ubiq/credentials');
    const error = await notFound(loadConfig({ homeDir: h.home, env: {}, profile: 'work' }));
    expect(error.lookedAt.at(-1)).toBe(`${path} [work] and [default] (named by the profile option (--profile))`);
    expect(error.hint).toBe(
      `[work] ACCES_KEY_ID in ${path} is not a known key: did you mean ACCESS_KEY_ID? Otherwise: Add IDP_USERNAME and IDP_PASSWORD to the [work] profile of ${path} (${STEP}), ${OR_ENV}.`,
    );
    const plain = await home({ '.ubiq/credentials': '[default]\nSERVER=x\nSEVRER=y\n' });
    const e2 = await notFound(loadConfig({ homeDir: plain.home, env: {} }));
    expect(e2.lookedAt.at(-1)).toBe(`${plain.path('.ubiq/credentials')} [default] (no profile named; neither [default] nor [idp] holds credentials)`);
    expect(e2.hint).toBe(`Add IDP_USERNAME and IDP_PASSWORD to the [default] profile of ${plain.path('.ubiq/credentials')} (${STEP}), ${OR_ENV}.`);
  });

  it('unknown keys are warned about in the chosen profile and [default] only, shortened to 64 characters', async () => {
    const long = `X${'Y'.repeat(70)}`;
    const h = await home({ '.ubiq/credentials': `[default]\nIDP_USERNAME=u\nIDP_PASSWORD=p\n${long}=1\n[other]\nFOO=1\n`, '.ubiq/configuration': oktaSeedDialect() });
    const logger = recordingLogger();
    const config = await loadConfig({ homeDir: h.home, env: {}, logger });
    expect(config.warnings).toEqual([{ source: h.path('.ubiq/credentials'), key: `[default] ${long.slice(0, 64)}`, code: 'unknown_key', message: 'is not a known key and is ignored' }]);
    expect(logger.lines).toEqual([
      {
        message: `ubiq-idp config: ${h.path('.ubiq/credentials')} [default] ${long.slice(0, 64)}: is not a known key and is ignored`,
        fields: { source: h.path('.ubiq/credentials'), key: `[default] ${long.slice(0, 64)}`, code: 'unknown_key', message: 'is not a known key and is ignored' },
      },
    ]);
  });
});

describe('options and the profile name', () => {
  it('overrides of the wrong shape: each problem names its path', async () => {
    const h = await home();
    const problems = await problemsOf(loadConfig({ homeDir: h.home, env: {}, overrides: { server: 5, idp: 'x', colour: 1 } as never }));
    expect(problems).toEqual(
      expect.arrayContaining([
        { source: 'options', key: 'overrides', code: 'unknown_key', message: 'has unknown keys: colour' },
        { source: 'options', key: 'overrides.server', code: 'not_a_string', message: 'must be a string' },
        { source: 'options', key: 'overrides.idp', code: 'not_a_string', message: 'must be an object' },
      ]),
    );
    expect(problems).toHaveLength(3);
  });

  it('a reserved profile name is refused, naming where it came from', async () => {
    const h = await home();
    expect(await problemsOf(loadConfig({ homeDir: h.home, env: { UBIQ_PROFILE: 'constructor' } }))).toEqual([
      { source: 'environment', key: 'UBIQ_PROFILE', code: 'forbidden_name', message: 'is not an allowed profile name' },
    ]);
    expect(await problemsOf(loadConfig({ homeDir: h.home, env: {}, profile: 'prototype' }))).toEqual([
      { source: 'options', key: 'profile', code: 'forbidden_name', message: 'is not an allowed profile name' },
    ]);
  });

  it('a redirect port given as a number, and every option source named', async () => {
    const h = await home();
    const config = await loadConfig({
      homeDir: h.home,
      env: {},
      overrides: {
        server: 'ubiq.example.com',
        username: 'u',
        password: CANARY.password,
        idp: { provider: 'entra', customerId: CUSTOMER_ID, tokenEndpointUrl: 'https://login.microsoftonline.com/t/oauth2/v2.0/token', clientId: '11111111-2222-3333-4444-555555555555', clientSecret: CANARY.clientSecret, redirectPort: 8400 },
      },
    });
    if (config.kind !== 'idp') throw new Error('expected idp');
    expect(config.idp.redirectPort).toBe(8400);
    expect(config.server).toBe('https://ubiq.example.com');
    expect(config.sources.fields).toMatchObject({
      server: { origin: 'option', source: 'options', key: 'overrides.server' },
      'idp.redirectPort': { origin: 'option', source: 'options', key: 'overrides.idp.redirectPort' },
      'user.password': { origin: 'option', source: 'options', key: 'overrides.password' },
    });
    expect(config.allowInsecureHttp).toBe(false);
    expect(config.otherBlocks).toEqual({});
    expect(config.profile).toBe('default');
  });
});

describe('missing and partial values', () => {
  it('a missing idp field names both its names, its aliases and its variable, in the configuration file', async () => {
    const h = await home({ '.ubiq/configuration': oktaSeedDialect({ tenant_id: undefined, type: undefined }), '.ubiq/credentials': idpCredentials('idp') });
    const path = h.path('.ubiq/configuration');
    expect(await loadProblems(h)).toEqual([
      { source: path, key: 'idp.type', code: 'missing_field', message: 'is missing: add "type" (or "provider") to the idp block, or set UBIQ_IDP_PROVIDER' },
      {
        source: path,
        key: 'idp.tenant_id',
        code: 'missing_field',
        message: 'is missing: add "tenant_id" (or "idp_tenant_id"; "client_id" and "idp_client_id" are accepted too) to the idp block, or set UBIQ_IDP_TENANT_ID',
      },
    ]);
  });

  it('no idp settings at all: one problem for the block; with a broken configuration file, only that', async () => {
    const h = await home({ '.ubiq/credentials': idpCredentials('idp') });
    expect(await loadProblems(h)).toEqual([
      {
        source: h.path('.ubiq/configuration'),
        key: 'idp',
        code: 'missing_idp_block',
        message:
          'the profile signs in with IDP_USERNAME/IDP_PASSWORD but there are no idp settings: add an "idp" block to the configuration file, or set UBIQ_IDP_PROVIDER, UBIQ_IDP_CUSTOMER_ID, UBIQ_IDP_TOKEN_ENDPOINT_URL, UBIQ_IDP_TENANT_ID and UBIQ_IDP_CLIENT_SECRET',
      },
    ]);
    expect((await loadProblems(h, { homeDir: '', env: { UBIQ_IDP_USERNAME: 'u', UBIQ_IDP_PASSWORD: 'p' } }))[0]).toMatchObject({ source: 'configuration', key: 'idp', code: 'missing_idp_block' });
    const broken = await home({ '.ubiq/credentials': idpCredentials('idp'), '.ubiq/configuration': '{"idp": 5}' });
    expect((await loadProblems(broken)).map((p) => p.code)).toEqual(['not_an_object']);
    // One idp field given: the others are listed one by one.
    const one = await loadProblems(h, { env: { UBIQ_IDP_PROVIDER: 'okta' } });
    expect(one.map((p) => p.key)).toEqual(['idp.customer_id', 'idp.token_endpoint_url', 'idp.tenant_id', 'idp.client_secret']);
  });

  it('a missing credential names the profile, the key and the variable; a value already refused is not also missing', async () => {
    const h = await home({ '.ubiq/configuration': oktaSeedDialect(), '.ubiq/credentials': '[idp]\nIDP_USERNAME=u\n' });
    expect(await loadProblems(h)).toEqual([
      { source: h.path('.ubiq/credentials'), key: '[idp] IDP_PASSWORD', code: 'missing_field', message: 'is missing: add IDP_PASSWORD=… to the [idp] profile, or set UBIQ_IDP_PASSWORD' },
    ]);
    const env = await loadProblems(h, { homeDir: '', env: { UBIQ_ACCESS_KEY_ID: 'k' } });
    expect(env).toEqual([
      { source: 'credentials', key: '[default] SECRET_SIGNING_KEY', code: 'missing_field', message: 'is missing: add SECRET_SIGNING_KEY=… to the [default] profile, or set UBIQ_SECRET_SIGNING_KEY' },
      {
        source: 'credentials',
        key: '[default] SECRET_CRYPTO_ACCESS_KEY',
        code: 'missing_field',
        message: 'is missing: add SECRET_CRYPTO_ACCESS_KEY=… to the [default] profile, or set UBIQ_SECRET_CRYPTO_ACCESS_KEY',
      },
    ]);
    const refused = await home({ '.ubiq/configuration': oktaSeedDialect(), '.ubiq/credentials': '[idp]\nIDP_USERNAME=u\nIDP_PASSWORD=a;b\n' });
    expect((await loadProblems(refused)).map((p) => p.code)).toEqual(['ini_inline_comment']);
    const inDefault = await home({ '.ubiq/configuration': oktaSeedDialect(), '.ubiq/credentials': '[default]\nIDP_PASSWORD=a;b\n[work]\nIDP_USERNAME=u\n' });
    expect((await loadProblems(inDefault, { profile: 'work' })).map((p) => p.code)).toEqual(['ini_inline_comment']);
  });

  it('the highest source with a sign-in and keys: a mixed-credentials warning naming it', async () => {
    const h = await home({ '.ubiq/configuration': oktaSeedDialect(), '.ubiq/credentials': '[default]\nIDP_USERNAME=u\nIDP_PASSWORD=p\nACCESS_KEY_ID=k\n' });
    const config = await loadConfig({ homeDir: h.home, env: {} });
    expect(config.kind).toBe('idp');
    expect(config.warnings).toEqual([
      {
        source: h.path('.ubiq/credentials'),
        key: '[default]',
        code: 'mixed_credentials',
        message: 'has both an IdP sign-in (IDP_USERNAME/IDP_PASSWORD) and static API keys; using the IdP sign-in',
      },
    ]);
    const env = await loadConfig({ homeDir: '', env: { UBIQ_IDP_USERNAME: 'u', UBIQ_IDP_PASSWORD: 'p', UBIQ_SECRET_SIGNING_KEY: 's', UBIQ_IDP_PROVIDER: 'okta', UBIQ_IDP_CUSTOMER_ID: CUSTOMER_ID, UBIQ_IDP_TOKEN_ENDPOINT_URL: 'https://x.okta.com/t', UBIQ_IDP_TENANT_ID: 'c', UBIQ_IDP_CLIENT_SECRET: 's' } });
    expect(env.warnings).toEqual([{ source: 'environment', code: 'mixed_credentials', message: 'has both an IdP sign-in (IDP_USERNAME/IDP_PASSWORD) and static API keys; using the IdP sign-in' }]);
  });

  it('exported credentials: all four together or a problem naming each missing one in the source\'s own names', async () => {
    const keys = 'ACCESS_KEY_ID=k\nSECRET_SIGNING_KEY=s\nSECRET_CRYPTO_ACCESS_KEY=c\n';
    const h = await home({ '.ubiq/credentials': `[default]\n${keys}PAYLOAD_CERT=QUJD\nCREDENTIALS_USERNAME=alice\n` });
    const path = h.path('.ubiq/credentials');
    const message =
      "is missing: exported IdP credentials need PAYLOAD_CERT, ENCRYPTED_PRIVATE_KEY, CREDENTIALS_USERNAME, CREDENTIALS_PROVIDER together; export them again with 'ubiq-idp credentials'";
    expect(await loadProblems(h)).toEqual([
      { source: path, key: '[default] ENCRYPTED_PRIVATE_KEY', code: 'incomplete_issued_credentials', message },
      { source: path, key: '[default] CREDENTIALS_PROVIDER', code: 'incomplete_issued_credentials', message },
    ]);
    const env = await loadProblems(h, { homeDir: '', env: { UBIQ_ACCESS_KEY_ID: 'k', UBIQ_SECRET_SIGNING_KEY: 's', UBIQ_SECRET_CRYPTO_ACCESS_KEY: 'c', UBIQ_CREDENTIALS_EXPIRES_AT: '2030-01-31T12:00:00Z' } });
    expect(env.map((p) => [p.source, p.key])).toEqual([
      ['environment', 'UBIQ_PAYLOAD_CERT'],
      ['environment', 'UBIQ_ENCRYPTED_PRIVATE_KEY'],
      ['environment', 'UBIQ_CREDENTIALS_USERNAME'],
      ['environment', 'UBIQ_CREDENTIALS_PROVIDER'],
    ]);
    expect(env[0]!.message).toBe(
      "is missing: exported IdP credentials need UBIQ_PAYLOAD_CERT, UBIQ_ENCRYPTED_PRIVATE_KEY, UBIQ_CREDENTIALS_USERNAME, UBIQ_CREDENTIALS_PROVIDER together; export them again with 'ubiq-idp credentials'",
    );
    // A bad value among a complete set is its own problem, and no issued credentials come back.
    const pem = Buffer.from('-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----').toString('base64');
    const bad = await home({ '.ubiq/credentials': `[default]\n${keys}PAYLOAD_CERT=QUJD\nENCRYPTED_PRIVATE_KEY=${pem}\nCREDENTIALS_USERNAME=alice\nCREDENTIALS_PROVIDER=google\n` });
    expect((await loadProblems(bad)).map((p) => [p.key, p.code])).toEqual([['[default] CREDENTIALS_PROVIDER', 'unknown_provider']]);
    const good = await home({ '.ubiq/credentials': `[default]\n${keys}PAYLOAD_CERT=QUJD\nENCRYPTED_PRIVATE_KEY=${pem}\nCREDENTIALS_USERNAME=alice\nCREDENTIALS_PROVIDER=Entra\nCREDENTIALS_EXPIRES_AT=2030-01-31T12:00:00Z\n` });
    const config = await loadConfig({ homeDir: good.home, env: {} });
    if (config.kind !== 'static') throw new Error('expected static');
    expect({ ...config.issued }).toEqual({
      payloadCert: 'QUJD',
      encryptedPrivateKey: '-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n',
      username: 'alice',
      provider: 'entra',
      expiresAt: '2030-01-31T12:00:00Z',
    });
    // Certificates from another source than the keys are not paired with them.
    const split = await loadConfig({ homeDir: good.home, env: { UBIQ_ACCESS_KEY_ID: 'k2', UBIQ_SECRET_SIGNING_KEY: 's2', UBIQ_SECRET_CRYPTO_ACCESS_KEY: 'c2' } });
    expect(split.kind === 'static' && split.issued).toBeUndefined();
    const noExpiry = await home({ '.ubiq/credentials': `[default]\n${keys}PAYLOAD_CERT=QUJD\nENCRYPTED_PRIVATE_KEY=${pem}\nCREDENTIALS_USERNAME=alice\nCREDENTIALS_PROVIDER=okta\n` });
    const loaded = await loadConfig({ homeDir: noExpiry.home, env: {} });
    expect(loaded.kind === 'static' && Object.keys({ ...loaded.issued })).toEqual(['payloadCert', 'encryptedPrivateKey', 'username', 'provider']);
  });
});

describe('device and browser sign-ins, and cross-field warnings', () => {
  const idpEnv = { UBIQ_IDP_PROVIDER: 'okta', UBIQ_IDP_CUSTOMER_ID: CUSTOMER_ID, UBIQ_IDP_TOKEN_ENDPOINT_URL: 'https://x.okta.com/oauth2/v1/token', UBIQ_IDP_TENANT_ID: 'c' };
  it('the idp settings alone make an IdP profile for the device grant: no username, password or secret needed', async () => {
    const config = await loadConfig({ homeDir: '', env: { ...idpEnv, UBIQ_IDP_GRANT: 'device' } });
    if (config.kind !== 'idp') throw new Error('expected idp');
    expect(config.idp).toMatchObject({ grant: 'device', clientSecret: '' });
    expect({ ...config.user }).toEqual({ username: '', password: '' });
    const named = await loadConfig({ homeDir: '', env: { ...idpEnv, UBIQ_IDP_GRANT: 'browser', UBIQ_IDP_USERNAME: 'alice', UBIQ_IDP_PASSWORD: 'ignored' } });
    expect(named.kind === 'idp' && { ...named.user }).toEqual({ username: 'alice', password: '' });
    // The password grant still needs them.
    await expect(loadConfig({ homeDir: '', env: { ...idpEnv, UBIQ_IDP_GRANT: 'password' } })).rejects.toMatchObject({ code: 'config_not_found' });
    expect((await problemsOf(loadConfig({ homeDir: '', env: { ...idpEnv, UBIQ_IDP_GRANT: 'password', UBIQ_IDP_USERNAME: 'u', UBIQ_IDP_PASSWORD: 'p' } }))).map((p) => p.key)).toEqual(['idp.client_secret']);
  });

  it('a provider that does not match the endpoint is warned on the provider; an Entra client id on the client id', async () => {
    const user = { UBIQ_IDP_USERNAME: 'u', UBIQ_IDP_PASSWORD: 'p', UBIQ_IDP_CLIENT_SECRET: 's' };
    const config = await loadConfig({ homeDir: '', env: { ...idpEnv, ...user, UBIQ_IDP_PROVIDER: 'entra' } });
    expect(config.warnings.map((w) => [w.source, w.key, w.code])).toEqual([
      ['environment', 'UBIQ_IDP_PROVIDER', 'provider_endpoint_mismatch'],
      ['environment', 'UBIQ_IDP_TENANT_ID', 'entra_client_id_not_guid'],
    ]);
    const ok = await loadConfig({ homeDir: '', env: { ...idpEnv, ...user } });
    expect(ok.warnings).toEqual([]);
  });
});

describe('the profile read, and why', () => {
  it('resolveProfile reads only the credentials file and says why', async () => {
    const h = await home({ '.ubiq/credentials': idpCredentials('idp'), '.ubiq/configuration': '{ broken' });
    expect(await resolveProfile({ homeDir: h.home, env: {} })).toEqual({
      name: 'idp',
      chosenBy: 'detected',
      reason: 'no profile named; [default] does not exist and [idp] holds IDP_USERNAME (the profile the setup documents write)',
    });
    expect(await resolveProfile({ homeDir: h.home, env: { UBIQ_PROFILE: 'x' } })).toEqual({ name: 'x', chosenBy: 'env', reason: 'named by UBIQ_PROFILE' });
  });

  it('logs the choice at debug level, and the loaded config records it', async () => {
    const h = await home({ '.ubiq/credentials': idpCredentials('idp'), '.ubiq/configuration': oktaSeedDialect() });
    const debug: Array<[string, unknown]> = [];
    const config = await loadConfig({ homeDir: h.home, env: {}, logger: { warn: () => {}, debug: (message, fields) => debug.push([message, fields]) } });
    expect(debug).toEqual([
      ['ubiq-idp config: profile [idp]: no profile named; [default] does not exist and [idp] holds IDP_USERNAME (the profile the setup documents write)', { profile: 'idp', chosenBy: 'detected' }],
    ]);
    expect(config.profile).toBe('idp');
    expect(config.sources.profile.chosenBy).toBe('detected');
    expect(config.sources.profilesFound).toEqual(['idp']);
  });

  it('a named profile missing from the file: a warning when nothing came from the file, a problem when [default] would fill in', async () => {
    const h = await home({ '.ubiq/credentials': '[default]\nSERVER=https://d.example.com\n', '.ubiq/configuration': oktaSeedDialect() });
    const path = h.path('.ubiq/credentials');
    const env = { UBIQ_IDP_USERNAME: 'u', UBIQ_IDP_PASSWORD: 'p' };
    expect(await problemsOf(loadConfig({ homeDir: h.home, env, profile: 'work' }))).toEqual([
      { source: path, key: '[work]', code: 'profile_not_found', message: "profile 'work' is not in this file (profiles: default); refusing to use [default] in its place" },
    ]);
    const empty = await home({ '.ubiq/credentials': '; none\n', '.ubiq/configuration': oktaSeedDialect() });
    const config = await loadConfig({ homeDir: empty.home, env, profile: 'work' });
    expect(config.warnings).toEqual([{ source: empty.path('.ubiq/credentials'), key: '[work]', code: 'profile_not_found', message: "profile 'work' is not in this file (profiles: none)" }]);
  });
});

describe('printing a loaded configuration', () => {
  // The loaded objects define toString(); the type checker cannot see it.
  const printed = (value: unknown): string => String(value);
  it('each part prints under its type name with its secrets redacted', async () => {
    const h = await home({ '.ubiq/credentials': idpCredentials('idp'), '.ubiq/configuration': oktaSeedDialect() });
    const config = await loadConfig({ homeDir: h.home, env: {} });
    if (config.kind !== 'idp') throw new Error('expected idp');
    expect(printed(config.idp)).toMatch(/^IdpSettings \{.*"clientSecret":"\[REDACTED\]"/);
    expect(printed(config.user)).toBe('IdpUserCredentials {"username":"alice@example.com","password":"[REDACTED]"}');
    expect(printed(config)).toMatch(/^LoadedConfig \{"kind":"idp"/);
    const pem = Buffer.from('-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----').toString('base64');
    const s = await home({
      '.ubiq/credentials': `[default]\nACCESS_KEY_ID=k\nSECRET_SIGNING_KEY=${CANARY.signingKey}\nSECRET_CRYPTO_ACCESS_KEY=${CANARY.cryptoKey}\nPAYLOAD_CERT=QUJD\nENCRYPTED_PRIVATE_KEY=${pem}\nCREDENTIALS_USERNAME=alice\nCREDENTIALS_PROVIDER=okta\n`,
    });
    const keys = await loadConfig({ homeDir: s.home, env: {} });
    if (keys.kind !== 'static') throw new Error('expected static');
    expect(printed(keys.keys)).toBe('StaticKeyCredentials {"accessKeyId":"k","secretSigningKey":"[REDACTED]","secretCryptoAccessKey":"[REDACTED]"}');
    expect(printed(keys.issued)).toBe('IssuedCredentialFields {"payloadCert":"QUJD","encryptedPrivateKey":"[REDACTED]","username":"alice","provider":"okta"}');
  });
});
