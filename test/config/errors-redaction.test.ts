import { inspect } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, ConfigNotFoundError, isConfigError, isConfigNotFoundError } from '../../src/config/errors.js';
import { loadConfig } from '../../src/config/load.js';
import { UbiqIdpError, isUbiqIdpError } from '../../src/errors.js';
import { REDACTED } from '../../src/util/redact.js';
import { CANARY, expectNoSecrets, idpCredentials, oktaSeedDialect, recordingLogger, tempHome, type TempHome } from './helpers.js';
import { objectContaining } from '../helpers/matchers.js';

const homes: TempHome[] = [];
afterEach(async () => {
  await Promise.all(homes.splice(0).map((h) => h.cleanup()));
});
async function home(files: Record<string, string> = {}) {
  const h = await tempHome(files);
  homes.push(h);
  return h;
}

describe('errors', () => {
  it('no source at all: config_not_found, distinguishable from a malformed setup, naming where it looked', async () => {
    const h = await home();
    const error = await loadConfig({ homeDir: h.home, env: {} }).catch((e: unknown) => e);
    expect(isConfigNotFoundError(error)).toBe(true);
    expect(isConfigError(error)).toBe(false);
    expect(isUbiqIdpError(error)).toBe(true);
    expect(error).toBeInstanceOf(ConfigNotFoundError);
    expect(error).toBeInstanceOf(UbiqIdpError);
    expect(error).toMatchObject({ code: 'config_not_found', name: 'ConfigNotFoundError' });
    const message = (error as Error).message;
    expect(message).toContain(`${h.path('.ubiq/credentials')} (not found)`);
    expect(message).toContain(`${h.path('.ubiq/credentials.json')} (not found)`);
    expect(message).toContain('UBIQ_IDP_USERNAME');
  });

  it("a profile the file lacks, named by UBIQ_PROFILE: not found, and the hint names the file's profiles instead of telling to create it", async () => {
    const h = await home({ '.ubiq/configuration': oktaSeedDialect(), '.ubiq/credentials': idpCredentials('idp') });
    const error = await loadConfig({ homeDir: h.home, env: { UBIQ_PROFILE: 'work' } }).catch((e: unknown) => e);
    expect(isConfigNotFoundError(error)).toBe(true);
    expect((error as ConfigNotFoundError).hint).toContain('UBIQ_PROFILE=idp');
    expect((error as ConfigNotFoundError).hint).not.toMatch(/create/i);
    expect((error as Error).message).toContain('[work] (no such profile)');
  });

  it('an idp block alone (no user) is still not found; a malformed file beside it is config_invalid', async () => {
    let h = await home({ '.ubiq/configuration': oktaSeedDialect() });
    await expect(loadConfig({ homeDir: h.home, env: {} })).rejects.toMatchObject({ code: 'config_not_found' });
    h = await home({ '.ubiq/configuration': '{ nope' });
    await expect(loadConfig({ homeDir: h.home, env: {} })).rejects.toMatchObject({ code: 'config_invalid' });
  });

  it('ConfigError lists every problem with source and key, has a seed hint, and serialises without secrets', async () => {
    const h = await home({
      '.ubiq/configuration': oktaSeedDialect({ client_secret: `<${CANARY.clientSecret}>`, token_endpoint_url: `http://x.okta.com/${CANARY.clientSecret}` }),
      '.ubiq/credentials': `[default]\nIDP_USERNAME=<okta-username>\nIDP_PASSWORD=${CANARY.password};x\n`,
    });
    const error = await loadConfig({ homeDir: h.home, env: {} }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    const e = error as ConfigError;
    expect(e.name).toBe('ConfigError');
    expect(e.problems.length).toBe(4);
    for (const p of e.problems) expect(e.message).toContain(`${p.source} ${p.key}: ${p.message}`);
    expect(e.hint).toContain('Ubiq configuration file settings for the IDP');
    expectNoSecrets([e.message, e.hint, JSON.stringify(e), inspect(e), String(e.stack)].join('\n'));
  });

  it('guards match the class by its brand, never a look-alike of another library', () => {
    const invalid = new ConfigError([{ source: 'options', key: 'server', message: 'bad', code: 'invalid_url' }]);
    const notFound = new ConfigNotFoundError('nothing', ['environment']);
    expect(isConfigError(invalid)).toBe(true);
    expect(isConfigNotFoundError(invalid)).toBe(false);
    expect(isConfigNotFoundError(notFound)).toBe(true);
    expect(isConfigError(notFound)).toBe(false);
    // Same name and code, but not made by this library (the first version's guards matched these).
    expect(isConfigError(Object.assign(new Error('x'), { name: 'ConfigError', code: 'config_invalid', hint: undefined }))).toBe(false);
    expect(isConfigError({ code: 'config_invalid' })).toBe(false);
    expect(isConfigNotFoundError(Object.assign(new Error('x'), { name: 'ConfigNotFoundError', code: 'config_not_found' }))).toBe(false);
  });

  it('options of the wrong shape are problems of source "options"', async () => {
    const h = await home();
    const error = await loadConfig({ homeDir: h.home, env: {}, overrides: { password: 5, bogus: 1 } as never }).catch((e: unknown) => e);
    expect((error as ConfigError).problems).toEqual([
      objectContaining({ source: 'options', key: 'overrides.password', code: 'not_a_string' }),
      objectContaining({ source: 'options', key: 'overrides', code: 'unknown_key', message: 'has unknown keys: bogus' }),
    ]);
  });

  it('a profile named __proto__ is refused', async () => {
    const h = await home();
    await expect(loadConfig({ homeDir: h.home, env: { UBIQ_PROFILE: '__proto__' } })).rejects.toMatchObject({ problems: [objectContaining({ key: 'UBIQ_PROFILE' })] });
  });
});

describe('redaction', () => {
  it('an idp config shows no secret in JSON, inspect or String, while properties keep real values', async () => {
    const h = await home({ '.ubiq/configuration': oktaSeedDialect(), '.ubiq/credentials': idpCredentials('default') });
    const config = await loadConfig({ homeDir: h.home, env: {} });
    if (config.kind !== 'idp') throw new Error('expected idp');
    expect(config.user.password).toBe(CANARY.password);
    expect(config.idp.clientSecret).toBe(CANARY.clientSecret);
    // eslint-disable-next-line @typescript-eslint/no-base-to-string -- redactable objects define toString at run time; printing them is what this checks
    const texts = [JSON.stringify(config), inspect(config, { depth: 10 }), String(config), String(config.idp), String(config.user), inspect({ wrapped: config }, { depth: 10 })];
    for (const text of texts) expectNoSecrets(text);
    expect(JSON.parse(JSON.stringify(config))).toMatchObject({ idp: { clientSecret: REDACTED }, user: { password: REDACTED, username: 'alice@example.com' } });
    expect(Object.keys(config.idp)).toEqual(['provider', 'customerId', 'tokenEndpointUrl', 'clientId', 'clientSecret']);
  });

  it('static keys are redacted too', async () => {
    const h = await home();
    const config = await loadConfig({ homeDir: h.home, env: { UBIQ_ACCESS_KEY_ID: 'id', UBIQ_SECRET_SIGNING_KEY: CANARY.signingKey, UBIQ_SECRET_CRYPTO_ACCESS_KEY: CANARY.cryptoKey } });
    // eslint-disable-next-line @typescript-eslint/no-base-to-string -- redactable objects define toString at run time; printing them is what this checks
    for (const text of [JSON.stringify(config), inspect(config, { depth: 10 }), String(config)]) expectNoSecrets(text);
    expect(JSON.stringify(config)).toContain('"accessKeyId":"id"');
  });

  it('warnings go to the logger without values', async () => {
    const h = await home({ '.ubiq/configuration': oktaSeedDialect() });
    const logger = recordingLogger();
    await loadConfig({ homeDir: h.home, env: { UBIQ_IDP_USERNAME: 'u', UBIQ_IDP_PASSWORD: ` ${CANARY.password} ` }, logger });
    expect(logger.lines).toEqual([{ message: 'ubiq-idp config: environment UBIQ_IDP_PASSWORD: had leading or trailing whitespace, which was removed', fields: objectContaining({ code: 'env_whitespace' }) }]);
    expectNoSecrets(JSON.stringify(logger.lines));
  });
});

describe('options shape', () => {
  it('overrides.idp that is not an object says so', async () => {
    const error = await loadConfig({ homeDir: '', env: {}, overrides: { idp: 'okta' } as never }).catch((e: unknown) => e);
    expect((error as ConfigError).problems).toEqual([objectContaining({ key: 'overrides.idp', message: 'must be an object' })]);
  });
});

describe('hostile and odd files', () => {
  it('thousands of mistakes: a handful are listed with a count, the message stays short', async () => {
    const h = await home({ '.ubiq/configuration': `{"idp": {}, "x": [${'1,'.repeat(100_000)}]}}`, '.ubiq/credentials': idpCredentials('default') });
    const error = (await loadConfig({ homeDir: h.home, env: {} }).catch((e: unknown) => e)) as ConfigError;
    expect(error.code).toBe('config_invalid');
    expect(error.message.length).toBeLessThan(5_000);
    const lines = `[default]\nIDP_USERNAME=u\n${'NOEQUALS\n'.repeat(20_000)}`;
    const h2 = await home({ '.ubiq/credentials': lines });
    const error2 = (await loadConfig({ homeDir: h2.home, env: {} }).catch((e: unknown) => e)) as ConfigError;
    expect(error2.problems.filter((p) => p.code === 'missing_equals').length).toBe(20_000);
    expect(error2.message).toContain(`… and ${error2.problems.length - 50} more (see .problems)`);
  });

  it('deeply nested JSON is read or refused, never a stack overflow', async () => {
    const deep = `{"idp": {}, "deep": ${'['.repeat(200_000)}${']'.repeat(200_000)}}`;
    const h = await home({ '.ubiq/configuration': deep, '.ubiq/credentials': idpCredentials('default') });
    const error = await loadConfig({ homeDir: h.home, env: {} }).catch((e: unknown) => e);
    expect(isConfigError(error)).toBe(true);
  });

  it('an empty or blank configuration file is a warning, not an error', async () => {
    const h = await home({ '.ubiq/configuration': ' \r\n\t\n', '.ubiq/credentials': idpCredentials('default') });
    const env = { UBIQ_IDP_PROVIDER: 'okta', UBIQ_IDP_CUSTOMER_ID: '6e7e795e-26a2-4973-aa73-b9fc259ebc5f', UBIQ_IDP_TOKEN_ENDPOINT_URL: 'https://a.okta.com/oauth2/v1/token', UBIQ_IDP_TENANT_ID: 'c', UBIQ_IDP_CLIENT_SECRET: CANARY.clientSecret };
    const config = await loadConfig({ homeDir: h.home, env });
    expect(config.warnings).toEqual([objectContaining({ code: 'empty_file', source: h.path('.ubiq/configuration') })]);
  });
});
