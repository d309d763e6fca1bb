import { describe, expect, it } from 'vitest';
import { isConfigNotFoundError, type ConfigNotFoundError } from '../../src/config/errors.js';
import { loadConfig } from '../../src/config/load.js';
import { suggestKey } from '../../src/config/mistakes.js';
import { defaultProvider } from '../../src/credentials/sources.js';
import { CANARY, expectNoSecrets, idpCredentials, loadProblems, oktaSeedDialect, tempHomes } from './helpers.js';
import { objectContaining, stringContaining, stringMatching } from '../helpers/matchers.js';

const home = tempHomes();

async function notFound(promise: Promise<unknown>): Promise<ConfigNotFoundError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isConfigNotFoundError(error)).toBe(true);
  const found = error as ConfigNotFoundError;
  expectNoSecrets(`${found.message}\n${found.hint ?? ''}`);
  return found;
}

describe('the profile read when none is named', () => {
  it('the setup documents\' [idp] profile is used when [default] holds no credentials, and the choice is explained', async () => {
    const h = await home({ '.ubiq/configuration': oktaSeedDialect(), '.ubiq/credentials': idpCredentials('idp') });
    const debug: string[] = [];
    const config = await loadConfig({ homeDir: h.home, env: {}, logger: { warn() {}, debug: (message) => debug.push(message) } });
    expect(config.kind).toBe('idp');
    expect(config.profile).toBe('idp');
    expect(config.sources.profile).toEqual({ name: 'idp', chosenBy: 'detected', reason: stringContaining('[idp] holds IDP_USERNAME') });
    expect(config.sources.profile.reason).toContain('[default] does not exist');
    expect(debug).toContain(`ubiq-idp config: profile [idp]: ${config.sources.profile.reason}`);
  });

  it('[default] wins when it holds credentials, static keys included', async () => {
    const h = await home({
      '.ubiq/configuration': oktaSeedDialect(),
      '.ubiq/credentials': `[default]\nACCESS_KEY_ID=a\nSECRET_SIGNING_KEY=${CANARY.signingKey}\nSECRET_CRYPTO_ACCESS_KEY=${CANARY.cryptoKey}\n${idpCredentials('idp')}`,
    });
    const config = await loadConfig({ homeDir: h.home, env: {} });
    expect(config.kind).toBe('static');
    expect(config.sources.profile).toEqual({ name: 'default', chosenBy: 'default', reason: 'no profile named; [default] holds credentials' });
  });

  it('a [default] with only SERVER does not hide [idp]; its SERVER still fills what [idp] lacks', async () => {
    const h = await home({
      '.ubiq/configuration': oktaSeedDialect(),
      '.ubiq/credentials': '[default]\nSERVER=https://eu.ubiqsecurity.com\n[idp]\nIDP_USERNAME=alice@example.com\nIDP_PASSWORD=pw\n',
    });
    const config = await loadConfig({ homeDir: h.home, env: {} });
    expect(config.profile).toBe('idp');
    expect(config.sources.profile.reason).toContain('[default] holds no credentials');
    expect(config.server).toBe('https://eu.ubiqsecurity.com');
  });

  it('a named profile is used as named, by option before UBIQ_PROFILE', async () => {
    const h = await home({ '.ubiq/configuration': oktaSeedDialect(), '.ubiq/credentials': `${idpCredentials('idp')}${idpCredentials('work')}` });
    const byEnv = await loadConfig({ homeDir: h.home, env: { UBIQ_PROFILE: 'work' } });
    expect(byEnv.sources.profile).toEqual({ name: 'work', chosenBy: 'env', reason: 'named by UBIQ_PROFILE' });
    const byOption = await loadConfig({ homeDir: h.home, env: { UBIQ_PROFILE: 'idp' }, profile: 'work' });
    expect(byOption.sources.profile).toMatchObject({ name: 'work', chosenBy: 'option' });
  });
});

describe('not found: the hint fits what exists', () => {
  it('no credentials file: create it, with the [idp] profile', async () => {
    const h = await home({ '.ubiq/configuration': oktaSeedDialect() });
    const error = await notFound(loadConfig({ homeDir: h.home, env: {} }));
    expect(error.hint).toContain(`Create ${h.path('.ubiq/credentials')} with a [idp] profile`);
  });

  it('the file exists with an empty profile: add the keys to it, never create the file', async () => {
    const h = await home({ '.ubiq/configuration': oktaSeedDialect(), '.ubiq/credentials': '[default]\nSERVER=https://api.ubiqsecurity.com\n' });
    const error = await notFound(loadConfig({ homeDir: h.home, env: {} }));
    expect(error.hint).toContain(`Add IDP_USERNAME and IDP_PASSWORD to the [default] profile of ${h.path('.ubiq/credentials')}`);
    expect(error.hint).not.toMatch(/create/i);
  });

  it('defaultProvider() passes the files\' hint on instead of its generic "create ~/.ubiq/credentials"', async () => {
    const h = await home({ '.ubiq/configuration': oktaSeedDialect(), '.ubiq/credentials': '[default]\nSERVER=https://api.ubiqsecurity.com\n' });
    const provider = defaultProvider({ load: { homeDir: h.home, env: {} } });
    const error = (await provider().catch((e: unknown) => e)) as { code?: string; hint?: string };
    await provider.close();
    expect(error.code).toBe('credentials_unavailable');
    expect(error.hint).toContain(`Add IDP_USERNAME and IDP_PASSWORD to the [default] profile of ${h.path('.ubiq/credentials')}`);
  });

  it('the file exists with no profile at all: add one', async () => {
    const h = await home({ '.ubiq/credentials': '; nothing yet\n' });
    const error = await notFound(loadConfig({ homeDir: h.home, env: {} }));
    expect(error.hint).toContain(`${h.path('.ubiq/credentials')} has no profile: add a [idp] profile`);
    expect(error.hint).not.toMatch(/create/i);
  });

  it('a misspelled IDP_USERNAME in [idp]: the hint names the key and the fix', async () => {
    const h = await home({ '.ubiq/configuration': oktaSeedDialect(), '.ubiq/credentials': `[idp]\nIDP_USRNAME=alice@example.com\nIDP_PASSWORD=${CANARY.password}\n` });
    const error = await notFound(loadConfig({ homeDir: h.home, env: {} }));
    expect(error.hint).toContain(`[idp] IDP_USRNAME in ${h.path('.ubiq/credentials')} is not a known key: did you mean IDP_USERNAME?`);
    expect(error.hint).not.toMatch(/create/i);
  });
});

describe('client_id, the honest name of tenant_id', () => {
  it('is read in both dialects', async () => {
    for (const [name, key] of [
      ['client_id', 'tenant_id'],
      ['idp_client_id', 'tenant_id'],
    ] as const) {
      const h = await home({ '.ubiq/configuration': oktaSeedDialect({ [key]: undefined, [name]: '0oaCLIENTID' }), '.ubiq/credentials': idpCredentials('idp') });
      const config = await loadConfig({ homeDir: h.home, env: {} });
      expect(config.kind === 'idp' && config.idp.clientId).toBe('0oaCLIENTID');
      expect(config.sources.fields['idp.clientId']).toMatchObject({ key: `idp.${name}` });
    }
  });

  it('the same value under both names is fine; different values are an error naming both', async () => {
    let h = await home({ '.ubiq/configuration': oktaSeedDialect({ client_id: '0oamj6wsupUbPfqXt697' }), '.ubiq/credentials': idpCredentials('idp') });
    expect((await loadConfig({ homeDir: h.home, env: {} })).kind).toBe('idp');
    h = await home({ '.ubiq/configuration': oktaSeedDialect({ idp_client_id: '0oaOTHER' }), '.ubiq/credentials': idpCredentials('idp') });
    const problems = await loadProblems(h, { env: {} });
    expect(problems).toEqual([objectContaining({ key: 'idp.tenant_id', code: 'conflicting_keys', message: stringMatching(/"tenant_id" and "idp_client_id" are given, with different values/) })]);
  });
});

describe('misspelled keys in the files', () => {
  it('client_secert in the idp block: a warning with the suggestion, and the missing client_secret points to it', async () => {
    const h = await home({ '.ubiq/configuration': oktaSeedDialect({ client_secret: undefined, client_secert: CANARY.clientSecret }), '.ubiq/credentials': idpCredentials('idp') });
    const problems = await loadProblems(h, { env: {} });
    expect(problems).toEqual([
      objectContaining({ key: 'idp.client_secret', code: 'missing_field', message: stringContaining('idp.client_secert is there: did you mean client_secret?') }),
    ]);
  });

  it('IDP_USRNAME in a named profile: the missing IDP_USERNAME points to it', async () => {
    const h = await home({ '.ubiq/configuration': oktaSeedDialect(), '.ubiq/credentials': `[idp]\nIDP_USRNAME=alice@example.com\nIDP_PASSWORD=${CANARY.password}\n` });
    const problems = await loadProblems(h, { env: {}, profile: 'idp' });
    // The password alone makes it an IdP profile; the username is then missing, and the typo is named.
    expect(problems).toEqual([objectContaining({ key: '[idp] IDP_USERNAME', code: 'missing_field', message: stringContaining('[idp] IDP_USRNAME is there: did you mean IDP_USERNAME?') })]);
  });

  it('idp_token_endpont_url: warned with the suggestion (official dialect)', async () => {
    const config = JSON.stringify({
      idp: { provider: 'okta', ubiq_customer_id: '6e7e795e-26a2-4973-aa73-b9fc259ebc5f', idp_token_endpoint_url: 'https://x.okta.com/oauth2/v1/token', idp_token_endpont_url: 'x', idp_tenant_id: 'c', idp_client_secret: 's' },
    });
    const h = await home({ '.ubiq/configuration': config, '.ubiq/credentials': idpCredentials('idp') });
    const loaded = await loadConfig({ homeDir: h.home, env: {} });
    expect(loaded.warnings).toContainEqual(objectContaining({ key: 'idp.idp_token_endpont_url', code: 'unknown_key', message: 'is not a known idp setting; did you mean "idp_token_endpoint_url"?' }));
  });

  it('suggestKey: typing slips and separators yes, unrelated keys no', () => {
    const ini = ['SERVER', 'IDP_USERNAME', 'IDP_PASSWORD', 'ACCESS_KEY_ID', 'SECRET_SIGNING_KEY', 'SECRET_CRYPTO_ACCESS_KEY'];
    expect(suggestKey('IDP_USRNAME', ini)).toBe('IDP_USERNAME');
    expect(suggestKey('idp-password', ini)).toBe('IDP_PASSWORD');
    expect(suggestKey('USERNAME', ini)).toBe('IDP_USERNAME');
    expect(suggestKey('SEVRER', ini)).toBe('SERVER');
    expect(suggestKey('REGION', ini)).toBeUndefined();
    expect(suggestKey('PROXY', ini)).toBeUndefined();
    expect(suggestKey('', ini)).toBeUndefined();
    expect(suggestKey('client_secert', ['type', 'tenant_id', 'client_secret', 'idp_client_secret'])).toBe('client_secret');
  });
});
