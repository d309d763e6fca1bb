import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { CANARY, CUSTOMER_ID, idpCredentials, oktaSeedDialect, problemsOf, tempHomes } from './helpers.js';
import { objectContaining, stringContaining, stringMatching } from '../helpers/matchers.js';

const home = tempHomes();

async function load(configuration: string, extra: Parameters<typeof loadConfig>[0] = {}) {
  const h = await home({ '.ubiq/configuration': configuration, '.ubiq/credentials': idpCredentials('default') });
  return { h, config: loadConfig({ homeDir: h.home, env: {}, ...extra }) };
}

const official = {
  provider: 'okta',
  ubiq_customer_id: CUSTOMER_ID,
  idp_token_endpoint_url: 'https://trial-4377979.okta.com/oauth2/v1/token',
  idp_tenant_id: '0oamj6wsupUbPfqXt697',
  idp_client_secret: CANARY.clientSecret,
};

describe('idp block dialects', () => {
  it('reads the seed documents\' names and the official libraries\' names to the same settings', async () => {
    const a = await (await load(oktaSeedDialect())).config;
    const b = await (await load(JSON.stringify({ idp: official }))).config;
    if (a.kind !== 'idp' || b.kind !== 'idp') throw new Error('expected idp');
    expect({ ...a.idp }).toEqual({ ...b.idp });
    expect(a.idp.clientSecret).toBe(CANARY.clientSecret);
    expect(b.sources.fields['idp.clientId']?.key).toBe('idp.idp_tenant_id');
  });

  it('accepts a mix of the two dialects and the same value under both names', async () => {
    const { config } = await load(JSON.stringify({ idp: { ...official, type: 'okta', tenant_id: official.idp_tenant_id } }));
    await expect(config).resolves.toMatchObject({ kind: 'idp' });
  });

  it('refuses both names for one field with different values, naming both keys and never the secret', async () => {
    const { h, config } = await load(JSON.stringify({ idp: { ...official, type: 'entra', client_secret: 'other-secret-value' } }));
    const problems = await problemsOf(config);
    expect(problems).toEqual(
      expect.arrayContaining([
        objectContaining({ source: h.path('.ubiq/configuration'), key: 'idp.type', code: 'conflicting_keys', message: stringContaining('"provider"') }),
        objectContaining({ key: 'idp.client_secret', code: 'conflicting_keys' }),
      ]),
    );
    expect(JSON.stringify(problems)).not.toContain('other-secret-value');
  });

  it.each(['Okta', 'OKTA', ' okta'.trim(), 'Entra', 'ENTRA'])('provider %s is case-insensitive', async (provider) => {
    const endpoint = provider.toLowerCase() === 'entra' ? 'https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token' : official.idp_token_endpoint_url;
    const client = provider.toLowerCase() === 'entra' ? 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee' : official.idp_tenant_id;
    const c = await (await load(JSON.stringify({ idp: { ...official, provider, idp_token_endpoint_url: endpoint, idp_tenant_id: client } }))).config;
    if (c.kind !== 'idp') throw new Error('expected idp');
    expect(c.idp.provider).toBe(provider.toLowerCase());
  });

  it('explains an unknown provider, suggesting entra for Azure names', async () => {
    const problems = await problemsOf((await load(JSON.stringify({ idp: { ...official, provider: 'AzureAD' } }))).config);
    expect(problems).toEqual([objectContaining({ key: 'idp.provider', code: 'unknown_provider', message: stringContaining("write 'entra'") })]);
  });

  it('warns about unknown idp keys with a suggestion, and keeps loading', async () => {
    const c = await (await load(JSON.stringify({ idp: { ...official, tokenEndpointUrl: 'x', colour: 1 } }))).config;
    expect(c.warnings).toEqual(
      expect.arrayContaining([
        objectContaining({ key: 'idp.tokenEndpointUrl', code: 'unknown_key', message: stringContaining('"token_endpoint_url"') }),
        objectContaining({ key: 'idp.colour', code: 'unknown_key' }),
      ]),
    );
  });

  it('reads the CRLF + BOM Entra configuration from the fixtures', async () => {
    const text = await readFile(new URL('../fixtures/config/configuration-entra-crlf-bom.json', import.meta.url), 'utf8');
    const c = await (await load(text)).config;
    if (c.kind !== 'idp') throw new Error('expected idp');
    expect(c.idp).toMatchObject({ provider: 'entra', clientId: 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee' });
    expect(c.warnings).toEqual([]);
  });

  it('rejects values of the wrong type and a non-object idp block', async () => {
    let problems = await problemsOf((await load(JSON.stringify({ idp: { ...official, idp_tenant_id: 12345 } }))).config);
    expect(problems).toEqual([objectContaining({ key: 'idp.idp_tenant_id', code: 'not_a_string' })]);
    problems = await problemsOf((await load(JSON.stringify({ idp: 'okta' }))).config);
    expect(problems).toEqual([objectContaining({ key: 'idp', code: 'not_an_object' })]);
    problems = await problemsOf((await load('[1, 2]')).config);
    expect(problems).toEqual([objectContaining({ code: 'not_an_object' })]);
  });

  it('an IdP user without any idp settings is one clear problem', async () => {
    const { h, config } = await load('{"key_caching": {}}');
    const problems = await problemsOf(config);
    expect(problems).toEqual([objectContaining({ source: h.path('.ubiq/configuration'), key: 'idp', code: 'missing_idp_block' })]);
  });

  it('lists each missing idp field with both of its names and its variable', async () => {
    const { client_secret: _omit, ...rest } = (JSON.parse(oktaSeedDialect()) as { idp: Record<string, string> }).idp;
    const problems = await problemsOf((await load(JSON.stringify({ idp: rest }))).config);
    expect(problems).toEqual([
      objectContaining({ key: 'idp.client_secret', code: 'missing_field', message: stringMatching(/"idp_client_secret".*UBIQ_IDP_CLIENT_SECRET/) }),
    ]);
  });
});
