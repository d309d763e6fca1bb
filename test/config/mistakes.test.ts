import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import type { ConfigProblem } from '../../src/config/errors.js';
import { loadConfig } from '../../src/config/load.js';
import { CANARY, CUSTOMER_ID, expectNoSecrets, idpCredentials, loadProblems, oktaSeedDialect, tempHomes } from './helpers.js';
import { objectContaining, stringContaining, stringMatching } from '../helpers/matchers.js';

const setup = tempHomes();

const fixture = (name: string) => readFile(new URL(`../fixtures/config/${name}`, import.meta.url), 'utf8');


const codes = (list: ConfigProblem[]) => list.map((p) => `${p.key ?? ''}:${p.code}`).sort();

describe('mistakes from copying the seed documents', () => {
  it('the Okta document\'s idp block, pasted as is: every mistake at once, with line numbers', async () => {
    const h = await setup({ '.ubiq/configuration': await fixture('seed-okta-idp-block-pasted.json'), '.ubiq/credentials': idpCredentials('default') });
    const list = await loadProblems(h);
    const source = h.path('.ubiq/configuration');
    expect(list.every((p) => p.source === source)).toBe(true);
    expect(codes(list)).toEqual([':angle_brackets', ':invalid_escape', ':json_fragment', ':trailing_dot', 'idp.client_secret:elided'].sort());
    const byCode = Object.fromEntries(list.map((p) => [p.code, p.message]));
    expect(byCode.angle_brackets).toMatch(/^line 4: .*"token_endpoint_url"/);
    expect(byCode.invalid_escape).toMatch(/^line 6: \\< .*"client_secret".*full secret/);
    expect(byCode.trailing_dot).toMatch(/^line 7: remove the '\.'/);
    expect(byCode.json_fragment).toMatch(/put \{ before "idp"/);
  });

  it('the fixed block loads', async () => {
    const text = (await fixture('seed-okta-idp-block-pasted.json'))
      .replace('"<https://trial-4377979.okta.com/oauth2/v1/token">', '"https://trial-4377979.okta.com/oauth2/v1/token"')
      .replace('iKrc\\<…...>Ol6', CANARY.clientSecret)
      .replace('}.', '}');
    const h = await setup({ '.ubiq/configuration': `{${text}}`, '.ubiq/credentials': idpCredentials('default') });
    await expect(loadConfig({ homeDir: h.home, env: {} })).resolves.toMatchObject({ kind: 'idp', idp: { customerId: CUSTOMER_ID } });
  });

  it('the document\'s [idp] credentials, pasted as is', async () => {
    const h = await setup({ '.ubiq/configuration': oktaSeedDialect(), '.ubiq/credentials': await fixture('seed-okta-credentials-pasted.ini') });
    const list = await loadProblems(h, { profile: 'idp' });
    expect(list).toEqual([
      objectContaining({ source: h.path('.ubiq/credentials'), key: '[idp] SERVER', code: 'angle_brackets' }),
      objectContaining({ key: '[idp] IDP_USERNAME', code: 'placeholder' }),
      objectContaining({ key: '[idp] IDP_PASSWORD', code: 'placeholder' }),
    ]);
  });

  it('the official README example (leading space, <domain>, shortened ids and secret)', async () => {
    const h = await setup({ '.ubiq/configuration': await fixture('official-doc-example.json'), '.ubiq/credentials': idpCredentials('default') });
    const list = await loadProblems(h);
    expect(codes(list)).toEqual(
      ['idp.idp_token_endpoint_url:surrounding_whitespace', 'idp.idp_token_endpoint_url:placeholder', 'idp.ubiq_customer_id:elided', 'idp.idp_tenant_id:elided', 'idp.idp_client_secret:elided'].sort(),
    );
  });

  it.each([
    ['trailing dot', 'https://trial-4377979.okta.com/oauth2/v1/token.', 'trailing_dot'],
    ['spaces around', '  https://trial-4377979.okta.com/oauth2/v1/token ', 'surrounding_whitespace'],
    ['space inside', 'https://trial-4377979.okta.com/oauth2/v1/ token', 'invalid_url'],
    ['no scheme', 'trial-4377979.okta.com/oauth2/v1/token', 'not_absolute_url'],
    ['http', 'http://trial-4377979.okta.com/oauth2/v1/token', 'insecure_http'],
    ['other scheme', 'ftp://trial-4377979.okta.com/token', 'unsupported_scheme'],
    ['user info', 'https://me:pw@trial-4377979.okta.com/oauth2/v1/token', 'credentials_in_url'],
    ['wrapped', '<https://trial-4377979.okta.com/oauth2/v1/token>', 'angle_brackets'],
    ['smart quotes', '“https://trial-4377979.okta.com/oauth2/v1/token”', 'smart_quotes'],
  ])('token endpoint: %s', async (_name, url, code) => {
    const h = await setup({ '.ubiq/configuration': oktaSeedDialect({ token_endpoint_url: url }), '.ubiq/credentials': idpCredentials('default') });
    const list = await loadProblems(h);
    expect(list.map((p) => p.code)).toContain(code);
    expect(list.every((p) => p.key === 'idp.token_endpoint_url')).toBe(true);
  });

  it('http:// is accepted for the token endpoint and server only with allowInsecureHttp', async () => {
    const h = await setup({
      '.ubiq/configuration': oktaSeedDialect({ token_endpoint_url: 'http://127.0.0.1:8080/oauth2/v1/token' }),
      '.ubiq/credentials': idpCredentials('default').replace('https://api.ubiqsecurity.com', 'http://127.0.0.1:9090'),
    });
    expect(codes(await loadProblems(h))).toEqual(['[default] SERVER:insecure_http', 'idp.token_endpoint_url:insecure_http']);
    const config = await loadConfig({ homeDir: h.home, env: {}, allowInsecureHttp: true });
    if (config.kind !== 'idp') throw new Error('expected idp');
    expect(config.server).toBe('http://127.0.0.1:9090');
    expect(config.idp.tokenEndpointUrl).toBe('http://127.0.0.1:8080/oauth2/v1/token');
  });

  it('customer id: the whole SCIM URL pasted is explained; other non-UUIDs too', async () => {
    let h = await setup({ '.ubiq/configuration': oktaSeedDialect({ customer_id: `https://api.ubiqsecurity.com/${CUSTOMER_ID}/api/v3/scim` }), '.ubiq/credentials': idpCredentials('default') });
    expect(await loadProblems(h)).toEqual([objectContaining({ code: 'customer_id_is_url', message: stringContaining(CUSTOMER_ID) })]);
    h = await setup({ '.ubiq/configuration': oktaSeedDialect({ customer_id: 'acme' }), '.ubiq/credentials': idpCredentials('default') });
    expect(await loadProblems(h)).toEqual([objectContaining({ key: 'idp.customer_id', code: 'not_a_uuid' })]);
  });

  it('Entra: a tenant_id equal to the directory tenant in the token endpoint is a warning, through the logger', async () => {
    const directory = '11111111-2222-3333-4444-555555555555';
    const h = await setup({
      '.ubiq/configuration': oktaSeedDialect({ type: 'entra', token_endpoint_url: `https://login.microsoftonline.com/${directory}/oauth2/v2.0/token`, tenant_id: directory }),
      '.ubiq/credentials': idpCredentials('default'),
    });
    const lines: string[] = [];
    const config = await loadConfig({ homeDir: h.home, env: {}, logger: { warn: (m) => lines.push(m) } });
    expect(config.warnings).toEqual([objectContaining({ code: 'entra_tenant_id_is_directory', key: 'idp.tenant_id', source: h.path('.ubiq/configuration') })]);
    expect(lines).toEqual([stringContaining('Application (client) ID')]);
  });

  it('Entra: a tenant_id that is not a GUID, and a provider that does not match the endpoint, are warnings', async () => {
    const h = await setup({
      '.ubiq/configuration': oktaSeedDialect({ type: 'entra' }),
      '.ubiq/credentials': idpCredentials('default'),
    });
    const config = await loadConfig({ homeDir: h.home, env: {} });
    expect(config.warnings.map((w) => w.code).sort()).toEqual(['entra_client_id_not_guid', 'provider_endpoint_mismatch']);
  });

  it('a password wrapped in <...> is only a warning (a password may contain anything)', async () => {
    const h = await setup({ '.ubiq/configuration': oktaSeedDialect(), '.ubiq/credentials': idpCredentials('default').replace(CANARY.password, `<${CANARY.password}>`) });
    const config = await loadConfig({ homeDir: h.home, env: {} });
    expect(config.warnings).toEqual([objectContaining({ key: '[default] IDP_PASSWORD', code: 'angle_brackets' })]);
    expectNoSecrets(JSON.stringify(config.warnings));
  });

  it('JSON mistakes: trailing comma, smart quotes, and a syntax error with its position', async () => {
    let h = await setup({ '.ubiq/configuration': `{"idp": {"type": "okta",}}`, '.ubiq/credentials': idpCredentials('default') });
    expect((await loadProblems(h)).map((p) => p.code)).toContain('trailing_comma');
    h = await setup({ '.ubiq/configuration': `{“idp”: {}}`, '.ubiq/credentials': idpCredentials('default') });
    expect((await loadProblems(h)).map((p) => p.code)).toContain('smart_quotes');
    h = await setup({ '.ubiq/configuration': `{\n  "idp": {\n    "client_secret": "${CANARY.clientSecret}" "x"\n  }\n}`, '.ubiq/credentials': idpCredentials('default') });
    const list = await loadProblems(h);
    expect(list).toEqual([objectContaining({ code: 'invalid_json', message: stringMatching(/line 3, column \d+/) })]);
  });

  it('reports problems from every source together', async () => {
    const h = await setup({
      '.ubiq/configuration': oktaSeedDialect({ token_endpoint_url: 'http://x.okta.com/oauth2/v1/token', customer_id: 'nope' }),
      '.ubiq/credentials': '[default]\nSERVER=<https://api.ubiqsecurity.com>\nIDP_USERNAME=u\n',
    });
    const list = await loadProblems(h, { overrides: { idp: { clientId: 42 as unknown as string } } });
    expect(codes(list)).toEqual(
      ['[default] IDP_PASSWORD:missing_field', '[default] SERVER:angle_brackets', 'idp.customer_id:not_a_uuid', 'idp.token_endpoint_url:insecure_http', 'overrides.idp.clientId:not_a_string'].sort(),
    );
  });
});
