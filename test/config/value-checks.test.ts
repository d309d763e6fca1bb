// The per-value checks of the loader on their own (src/config/mistakes.ts, src/config/schema.ts): each copy
// mistake and format rule with its exact code, severity and message, and the normalised value kept.
// Written against the mutation report (`npm run mutate -- --mutate 'src/config/**/*.ts'`).
import { describe, expect, it } from 'vitest';
import { FIELDS, isForbiddenKey, jsonNames, type FieldSpec } from '../../src/config/fields.js';
import { checkIdpConsistency, checkUrl, checkValue, suggestKey } from '../../src/config/mistakes.js';
import { idpSettingsSchema, validateField } from '../../src/config/schema.js';
import { HOW_TO_ALLOW_HTTP } from '../../src/util/insecure-http.js';

const field = (name: string): FieldSpec => FIELDS.find((f) => f.name === name)!;
const codes = (findings: ReadonlyArray<{ code: string; severity: string }>) => findings.map((f) => `${f.severity}:${f.code}`);
const GUID = '6e7e795e-26a2-4973-aa73-b9fc259ebc5f';

describe('checkValue: copy mistakes', () => {
  it('passes clean values of every kind', () => {
    for (const kind of ['text', 'secret', 'id', 'uuid', 'url', 'server', 'password'] as const) expect([kind, checkValue(kind, 'plain-value')]).toEqual([kind, []]);
  });

  it('control characters are an error, except in a PEM block', () => {
    expect(checkValue('text', 'a\tb')).toEqual([{ code: 'control_characters', message: 'contains a line break, tab or other control character', severity: 'error' }]);
    expect(codes(checkValue('secret', 'a\u007fb'))).toEqual(['error:control_characters']);
    expect(codes(checkValue('password', 'a\nb'))).toEqual(['error:control_characters']);
    expect(checkValue('pem', '-----BEGIN X-----\n<…>“ ”\n')).toEqual([]);
  });

  it('passwords: only the setup documents\' placeholders are errors; other <...> is a warning; spaces and brackets inside are fine', () => {
    expect(checkValue('password', '<Okta-Password>')).toEqual([{ code: 'placeholder', message: 'is still the placeholder from the setup document; put the real value in its place', severity: 'error' }]);
    expect(checkValue('password', '<entra-username>')[0]!.code).toBe('placeholder');
    expect(checkValue('password', '<my secret>')).toEqual([{ code: 'angle_brackets', message: 'is wrapped in <...>; if you copied the setup document, remove the angle brackets', severity: 'warning' }]);
    expect(checkValue('password', ' pa<s>s… “x” ')).toEqual([]);
    expect(checkValue('password', 'x<okta-password>')).toEqual([]);
    expect(checkValue('password', '<a<b>')).toEqual([]);
  });

  it('surrounding whitespace is an error for everything but passwords', () => {
    expect(checkValue('text', ' alice')).toEqual([{ code: 'surrounding_whitespace', message: 'has leading or trailing spaces; remove them', severity: 'error' }]);
    expect(codes(checkValue('id', 'abc '))).toEqual(['error:surrounding_whitespace']);
  });

  it('<...> around a value, a seed placeholder, and a bracket inside are told apart', () => {
    expect(checkValue('text', '<okta-username>')).toEqual([{ code: 'placeholder', message: 'is still the placeholder from the setup document; put the real value in its place', severity: 'error' }]);
    expect(checkValue('text', ' <your domain> ')).toEqual([
      { code: 'surrounding_whitespace', message: 'has leading or trailing spaces; remove them', severity: 'error' },
      { code: 'angle_brackets', message: 'is wrapped in <...> as in the setup document; remove the angle brackets', severity: 'error' },
    ]);
    expect(checkValue('url', 'https://<domain>.okta.com/oauth2/v1/token')).toEqual([
      { code: 'placeholder', message: 'contains a <...> placeholder or angle bracket from the documentation; replace it with your real value', severity: 'error' },
    ]);
    expect(codes(checkValue('text', 'a>b'))).toEqual(['error:placeholder']);
  });

  it('shortened secrets, ids and customer ids are elided (and that alone, even with a bracket)', () => {
    const elided = { code: 'elided', message: "looks shortened ('…' or '...') like the setup document's example; paste the full value", severity: 'error' };
    expect(checkValue('secret', 'abc…')).toEqual([elided]);
    expect(checkValue('id', '0oamj...')).toEqual([elided]);
    expect(checkValue('uuid', '6e7e795e-…')).toEqual([elided]);
    expect(checkValue('secret', '<abc…')).toEqual([elided]);
    // Not for free text, where '...' may be meant.
    expect(checkValue('text', 'openid...')).toEqual([]);
    expect(checkValue('server', 'a…')).toEqual([]);
    expect(checkValue('secret', 'a..b')).toEqual([]);
  });

  it("a trailing '.' is an error in URLs only", () => {
    const dot = [{ code: 'trailing_dot', message: "ends with '.'; remove it", severity: 'error' }];
    expect(checkValue('url', 'https://x.okta.com/oauth2/v1/token.')).toEqual(dot);
    expect(checkValue('server', 'api.ubiqsecurity.com.')).toEqual(dot);
    expect(checkValue('text', 'openid.')).toEqual([]);
  });

  it('typographic quotes are an error', () => {
    expect(checkValue('text', '“alice”')).toEqual([{ code: 'smart_quotes', message: 'contains typographic quotes (“ ” ‘ ’), which word processors insert; remove them', severity: 'error' }]);
    expect(codes(checkValue('id', '‘x’'))).toEqual(['error:smart_quotes']);
  });
});

describe('checkUrl', () => {
  it('a token endpoint must be a full URL; a server without a scheme gets https://', () => {
    expect(checkUrl('url', 'x.okta.com/oauth2/v1/token', false)).toEqual({ findings: [{ code: 'not_absolute_url', message: 'must be a full URL starting with https://', severity: 'error' }] });
    expect(checkUrl('server', 'api.ubiqsecurity.com', false)).toEqual({ url: 'https://api.ubiqsecurity.com', findings: [] });
    expect(checkUrl('url', 'HTTPS://X.okta.com/oauth2/v1/token', false)).toEqual({ url: 'https://x.okta.com/oauth2/v1/token', findings: [] });
    expect(checkUrl('url', '  https://x.okta.com/t  ', false).url).toBe('https://x.okta.com/t');
  });

  it('keeps the path of a token endpoint as given, and drops trailing slashes of a server', () => {
    expect(checkUrl('url', 'https://x.okta.com/oauth2/v1/token/', false).url).toBe('https://x.okta.com/oauth2/v1/token/');
    expect(checkUrl('server', 'https://ubiq.example.com/base///', false).url).toBe('https://ubiq.example.com/base');
    expect(checkUrl('server', 'https://ubiq.example.com/', false).url).toBe('https://ubiq.example.com');
    expect(checkUrl('server', 'https://ubiq.example.com:8443/', false).url).toBe('https://ubiq.example.com:8443');
  });

  it('invalid URLs and URLs with spaces', () => {
    expect(checkUrl('url', 'https://exa mple.com/t', false)).toEqual({ findings: [{ code: 'invalid_url', message: 'is not a valid URL', severity: 'error' }] });
    expect(checkUrl('url', 'https://example.com/a b', false)).toEqual({ findings: [{ code: 'invalid_url', message: 'contains spaces, so it is not a valid URL', severity: 'error' }] });
  });

  it('http:// only when allowed, saying how to allow it; other schemes never', () => {
    expect(checkUrl('url', 'http://127.0.0.1:8080/token', false)).toEqual({
      findings: [{ code: 'insecure_http', message: `uses http://, which would send credentials unencrypted; use https:// (${HOW_TO_ALLOW_HTTP})`, severity: 'error' }],
    });
    expect(checkUrl('url', 'http://127.0.0.1:8080/token', true)).toEqual({ url: 'http://127.0.0.1:8080/token', findings: [] });
    expect(checkUrl('server', 'http://localhost:8080', true)).toEqual({ url: 'http://localhost:8080', findings: [] });
    for (const allow of [false, true]) {
      expect(checkUrl('url', 'ftp://example.com/t', allow)).toEqual({ findings: [{ code: 'unsupported_scheme', message: 'uses ftp://; it must use https://', severity: 'error' }] });
    }
  });

  it('credentials, a query or a fragment in the URL are errors, all reported at once', () => {
    expect(codes(checkUrl('url', 'https://user@x.com/t', false).findings)).toEqual(['error:credentials_in_url']);
    expect(codes(checkUrl('url', 'https://:pw@x.com/t', false).findings)).toEqual(['error:credentials_in_url']);
    expect(checkUrl('url', 'https://x.com/t?a=1', false)).toEqual({ findings: [{ code: 'query_in_url', message: 'has a ?query or #fragment; give the plain URL', severity: 'error' }] });
    expect(codes(checkUrl('url', 'https://x.com/t#f', false).findings)).toEqual(['error:query_in_url']);
    expect(codes(checkUrl('url', 'http://u:p@x.com/t?q', false).findings)).toEqual(['error:insecure_http', 'error:credentials_in_url', 'error:query_in_url']);
    expect(checkUrl('url', 'http://u:p@x.com/t?q', false).url).toBeUndefined();
  });
});

describe('checkIdpConsistency', () => {
  const mismatch = (text: string) => ({ code: 'provider_endpoint_mismatch', message: text, severity: 'warning' });
  it('okta with a Microsoft endpoint, entra with an Okta endpoint', () => {
    const toOkta = mismatch("provider is 'entra' but the token endpoint is Okta's; did you mean 'okta'?");
    const toEntra = mismatch("provider is 'okta' but the token endpoint is Microsoft's; did you mean 'entra'?");
    expect(checkIdpConsistency({ provider: 'okta', tokenEndpointUrl: `https://login.microsoftonline.com/${GUID}/oauth2/v2.0/token`, clientId: 'x' })).toEqual([toEntra]);
    expect(checkIdpConsistency({ provider: 'okta', tokenEndpointUrl: 'https://LOGIN.eu.microsoftonline.com/t', clientId: 'x' })).toEqual([toEntra]);
    expect(checkIdpConsistency({ provider: 'okta', tokenEndpointUrl: 'https://notmicrosoftonline.com/t', clientId: 'x' })).toEqual([]);
    for (const host of ['okta.com', 'dev-1.okta.com', 'dev-1.oktapreview.com', 'dev-1.okta-emea.com']) {
      expect([host, checkIdpConsistency({ provider: 'entra', tokenEndpointUrl: `https://${host}/oauth2/v1/token`, clientId: GUID })]).toEqual([host, [toOkta]]);
    }
    for (const host of ['notokta.com', 'okta.com.example.net', 'dev.oktax.com']) {
      expect([host, checkIdpConsistency({ provider: 'entra', tokenEndpointUrl: `https://${host}/t`, clientId: GUID })]).toEqual([host, []]);
    }
    expect(checkIdpConsistency({ provider: 'okta', tokenEndpointUrl: 'https://dev-1.okta.com/oauth2/v1/token', clientId: 'not-a-guid' })).toEqual([]);
    expect(checkIdpConsistency({ provider: 'okta', tokenEndpointUrl: 'not a url', clientId: 'x' })).toEqual([]);
  });

  it('entra: the directory id from the endpoint given as client id, or a client id that is no GUID', () => {
    const endpoint = `https://login.microsoftonline.com/${GUID}/oauth2/v2.0/token`;
    expect(checkIdpConsistency({ provider: 'entra', tokenEndpointUrl: endpoint, clientId: ` ${GUID.toUpperCase()} ` })).toEqual([
      {
        code: 'entra_tenant_id_is_directory',
        message:
          "is the Directory (tenant) ID from the token endpoint, but Entra expects the application's Application (client) ID here (App registrations → your application → Overview)",
        severity: 'warning',
      },
    ]);
    expect(checkIdpConsistency({ provider: 'entra', tokenEndpointUrl: endpoint, clientId: '0oamj6wsupUbPfqXt697' })).toEqual([
      { code: 'entra_client_id_not_guid', message: "is not a GUID, but Entra's Application (client) ID always is", severity: 'warning' },
    ]);
    expect(checkIdpConsistency({ provider: 'entra', tokenEndpointUrl: endpoint, clientId: ` ${GUID.replace('6e7e', '1111')} ` })).toEqual([]);
    expect(checkIdpConsistency({ provider: 'entra', tokenEndpointUrl: `https://login.microsoftonline.com/${GUID}x/t`, clientId: `${GUID}x` })).toEqual([
      { code: 'entra_client_id_not_guid', message: "is not a GUID, but Entra's Application (client) ID always is", severity: 'warning' },
    ]);
    expect(checkIdpConsistency({ provider: 'entra', tokenEndpointUrl: `https://login.microsoftonline.com/x${GUID}/t`, clientId: `x${GUID}` })[0]!.code).toBe('entra_client_id_not_guid');
  });
});

describe('suggestKey', () => {
  const known = ['client_secret', 'token_endpoint_url', 'idp_scope', 'type'];
  it('matches across case, separators and the idp_ prefix', () => {
    expect(suggestKey('Client-Secret', known)).toBe('client_secret');
    expect(suggestKey('idp_client_secret', known)).toBe('client_secret');
    expect(suggestKey('scope', known)).toBe('idp_scope');
    expect(suggestKey('--', known)).toBeUndefined();
    expect(suggestKey('', known)).toBeUndefined();
  });

  it('allows no slip under 4 letters, one under 8, two from 8 on, and picks the closest', () => {
    expect(suggestKey('typ', known)).toBeUndefined();
    expect(suggestKey('tpye', known)).toBe('type');
    expect(suggestKey('tyxz', known)).toBeUndefined();
    expect(suggestKey('abcdexy', ['abcdefg'])).toBeUndefined();
    expect(suggestKey('abcdefxy', ['abcdefgh'])).toBe('abcdefgh');
    expect(suggestKey('abcdefxyz', ['abcdefghi'])).toBeUndefined();
    expect(suggestKey('abcdefgh', ['abcdxygh', 'abcdefgx'])).toBe('abcdefgx');
    expect(suggestKey('abcdefgh', ['abcdefgx', 'abcdefxh'])).toBe('abcdefgx');
    expect(suggestKey('clientsecret', ['client_secrets'])).toBe('client_secrets');
    expect(suggestKey('client_secre', ['client_secret'])).toBe('client_secret');
    expect(suggestKey('xclient_secret', ['client_secret'])).toBe('client_secret');
    expect(suggestKey('clinet_secert', ['client_secret'])).toBe('client_secret');
    expect(suggestKey('abcd', ['bacd'])).toBe('bacd');
    expect(suggestKey('abcd', ['cbad'])).toBeUndefined();
  });
});

describe('validateField', () => {
  it('a value that is not a string', () => {
    expect(validateField(field('idp.scope'), 5, false)).toEqual({ findings: [{ code: 'not_a_string', message: 'must be a string', severity: 'error' }] });
  });

  it('stops at a copy mistake, keeps warnings, trims all but passwords', () => {
    expect(validateField(field('user.username'), ' alice', false)).toEqual({ findings: [expect.objectContaining({ code: 'surrounding_whitespace' })] });
    expect(validateField(field('user.password'), ' pw ', false)).toEqual({ value: ' pw ', findings: [] });
    expect(validateField(field('user.password'), '<pw>', false)).toEqual({ value: '<pw>', findings: [expect.objectContaining({ code: 'angle_brackets', severity: 'warning' })] });
    expect(validateField(field('user.username'), '', false)).toEqual({ findings: [{ code: 'empty', message: 'is empty', severity: 'error' }] });
    expect(validateField(field('idp.clientSecret'), '', false)).toEqual({ findings: [{ code: 'empty', message: 'is empty', severity: 'error' }] });
  });

  it('URLs: normalised, or their findings (after any copy-mistake warning)', () => {
    expect(validateField(field('server'), 'api.ubiqsecurity.com', false)).toEqual({ value: 'https://api.ubiqsecurity.com', findings: [] });
    expect(validateField(field('idp.tokenEndpointUrl'), 'http://x.com/t', false).findings.map((f) => f.code)).toEqual(['insecure_http']);
    expect(validateField(field('idp.tokenEndpointUrl'), 'http://x.com/t', true)).toEqual({ value: 'http://x.com/t', findings: [] });
  });

  it('provider: case-insensitive, Microsoft names explained', () => {
    expect(validateField(field('idp.provider'), 'Entra', false)).toEqual({ value: 'entra', findings: [] });
    expect(validateField(field('issued.provider'), 'OKTA', false)).toEqual({ value: 'okta', findings: [] });
    expect(validateField(field('idp.provider'), 'AzureAD', false)).toEqual({ findings: [{ code: 'unknown_provider', message: "must be 'okta' or 'entra' (for Microsoft, write 'entra')", severity: 'error' }] });
    expect(validateField(field('idp.provider'), 'google', false)).toEqual({ findings: [{ code: 'unknown_provider', message: "must be 'okta' or 'entra'", severity: 'error' }] });
  });

  it('customer id: lower-cased; a SCIM URL around it is explained', () => {
    expect(validateField(field('idp.customerId'), GUID.toUpperCase(), false)).toEqual({ value: GUID, findings: [] });
    expect(validateField(field('idp.customerId'), `https://api.ubiqsecurity.com/scim/${GUID.toUpperCase()}/v2`, false)).toEqual({
      findings: [{ code: 'customer_id_is_url', message: `is a URL; use only the customer id in it (${GUID}), the UUID in the Ubiq SCIM URL`, severity: 'error' }],
    });
    expect(validateField(field('idp.customerId'), `api.ubiqsecurity.com/SCIM/${GUID}`, false).findings[0]!.code).toBe('customer_id_is_url');
    const notUuid = { findings: [{ code: 'not_a_uuid', message: 'must be the Ubiq customer id: the UUID (8-4-4-4-12 hex digits) in the Ubiq SCIM URL of the IDP Settings window', severity: 'error' }] };
    expect(validateField(field('idp.customerId'), `id-${GUID}`, false)).toEqual(notUuid);
    expect(validateField(field('idp.customerId'), 'https://api.ubiqsecurity.com/scim/v2', false)).toEqual(notUuid);
  });

  it('base64, PEM (as is or base64 of it), grant, port and time', () => {
    const pem = '-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\nBBBB==\n-----END ENCRYPTED PRIVATE KEY-----';
    expect(validateField(field('issued.payloadCert'), 'QUJD', false)).toEqual({ value: 'QUJD', findings: [] });
    expect(validateField(field('issued.payloadCert'), 'QUJD=x', false)).toEqual({ findings: [{ code: 'not_base64', message: 'must be base64 (as `ubiq-idp credentials` writes it)', severity: 'error' }] });
    expect(validateField(field('issued.encryptedPrivateKey'), pem, false)).toEqual({ value: `${pem}\n`, findings: [] });
    expect(validateField(field('issued.encryptedPrivateKey'), `${pem}\r\n`, false).value).toBe(`${pem}\n`);
    expect(validateField(field('issued.encryptedPrivateKey'), Buffer.from(pem).toString('base64'), false)).toEqual({ value: `${pem}\n`, findings: [] });
    const notPem = { findings: [{ code: 'not_pem', message: 'must be a PEM block or base64 of one (as `ubiq-idp credentials` writes it)', severity: 'error' }] };
    expect(validateField(field('issued.encryptedPrivateKey'), 'QUJD', false)).toEqual(notPem);
    expect(validateField(field('issued.encryptedPrivateKey'), '%%%', false)).toEqual(notPem);
    expect(validateField(field('issued.encryptedPrivateKey'), pem.replace('END ENCRYPTED', 'END'), false)).toEqual(notPem);
    expect(validateField(field('idp.grant'), 'Device', false)).toEqual({ value: 'device', findings: [] });
    expect(validateField(field('idp.grant'), 'implicit', false)).toEqual({ findings: [{ code: 'unknown_grant', message: "must be 'password', 'device' or 'browser'", severity: 'error' }] });
    for (const port of ['0', '8080', '65535']) expect(validateField(field('idp.redirectPort'), port, false)).toEqual({ value: port, findings: [] });
    for (const port of ['65536', '123456', '-1', '80a', '']) {
      expect([port, validateField(field('idp.redirectPort'), port, false).findings.map((f) => f.code)]).toEqual([port, [port === '' ? 'not_a_port' : 'not_a_port']]);
    }
    expect(validateField(field('idp.redirectPort'), 'x', false).findings[0]!.message).toBe('must be a port number (0-65535; 0 = any free port)');
    for (const time of ['2030-01-31T12:00:00.000Z', '2030-01-31T12:00:00Z', '2030-01-31T12:00:00+02:00']) {
      expect(validateField(field('issued.expiresAt'), time, false)).toEqual({ value: time, findings: [] });
    }
    for (const time of ['2030-01-31', 'x2030-01-31T12:00:00Z', '2030-01-31T12:00:00Zx', '2030-13-45T12:00:00Z']) {
      expect([time, validateField(field('issued.expiresAt'), time, false)]).toEqual([
        time,
        { findings: [{ code: 'not_a_time', message: 'must be a time in ISO 8601 form, e.g. 2030-01-31T12:00:00.000Z', severity: 'error' }] },
      ]);
    }
  });
});

describe('the field table and the result schema', () => {
  it('jsonNames lists both dialects, then the aliases; INI-only fields have none', () => {
    expect(jsonNames(field('idp.clientId'))).toEqual(['tenant_id', 'idp_tenant_id', 'client_id', 'idp_client_id']);
    expect(jsonNames(field('idp.scope'))).toEqual(['scope', 'idp_scope']);
    expect(jsonNames(field('user.password'))).toEqual([]);
  });

  it('forbidden keys, whatever their case and spaces', () => {
    expect(['__proto__', ' Constructor ', 'PROTOTYPE'].map(isForbiddenKey)).toEqual([true, true, true]);
    expect(['proto', 'client_secret'].map(isForbiddenKey)).toEqual([false, false]);
  });

  it('an empty client secret only with a device or browser grant', () => {
    const idp = { provider: 'okta', customerId: GUID, tokenEndpointUrl: 'https://x.okta.com/t', clientId: 'c', clientSecret: '' } as const;
    expect(idpSettingsSchema.safeParse(idp).success).toBe(false);
    expect(idpSettingsSchema.safeParse({ ...idp, grant: 'password' }).success).toBe(false);
    expect(idpSettingsSchema.safeParse({ ...idp, grant: 'device' }).success).toBe(true);
    expect(idpSettingsSchema.safeParse({ ...idp, clientSecret: 's' }).success).toBe(true);
  });
});
