import { createRemoteJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify } from 'jose';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createEntraEmulator, type EntraEmulator, type EntraEmulatorOptions } from 'ubiq-idp/testing';
import { basic, postForm } from './emulator-test-helpers.js';

const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const CLIENT = '6731de76-14a6-49ae-97bc-6eba6914391e';
const SECRET = 'entra-client-secret-canary';
const SCOPE = `api://${CLIENT}/.default`;
const UPN = 'ada@contoso.onmicrosoft.com';
const NOW = Date.parse('2030-01-01T00:00:00Z');

function options(extra: Partial<EntraEmulatorOptions> = {}): EntraEmulatorOptions {
  return {
    tenantId: TENANT,
    apps: [{ clientId: CLIENT, clientSecret: SECRET, displayName: 'Ubiq' }],
    groups: [{ id: 'aaaaaaaa-0000-0000-0000-000000000001', displayName: 'Engineering' }],
    users: [
      {
        id: 'bbbbbbbb-0000-0000-0000-000000000001',
        userPrincipalName: UPN,
        password: 'ada-password',
        displayName: 'Ada Lovelace',
        givenName: 'Ada',
        surname: 'Lovelace',
        groups: ['Engineering'],
      },
    ],
    ...extra,
  };
}

let entra: EntraEmulator;
afterEach(async () => {
  await entra.close();
});

function passwordGrant(overrides: Record<string, string | undefined> = {}, headers: Record<string, string> = {}, url = entra.tokenEndpoint) {
  const form: Record<string, string> = { grant_type: 'password', username: UPN, password: 'ada-password', client_id: CLIENT, client_secret: SECRET, scope: SCOPE };
  for (const [key, value] of Object.entries(overrides)) {
    if (value === undefined) delete form[key];
    else form[key] = value;
  }
  return postForm(url, form, headers);
}

describe('Entra emulator over a real socket', () => {
  beforeEach(async () => {
    entra = createEntraEmulator(options());
    await entra.listen();
  });

  it('serves the v2.0 discovery document (v2 issuer) and the JWKS with x5t and no alg', async () => {
    const discovery = (await (await fetch(entra.discoveryUrl)).json()) as Record<string, unknown>;
    expect(entra.discoveryUrl).toBe(`${entra.baseUrl}/${TENANT}/v2.0/.well-known/openid-configuration`);
    expect(discovery.issuer).toBe(`${entra.baseUrl}/${TENANT}/v2.0`);
    expect(discovery.issuer).toBe(entra.issuerV2);
    expect(discovery.token_endpoint).toBe(entra.tokenEndpoint);
    expect(discovery.jwks_uri).toBe(`${entra.baseUrl}/${TENANT}/discovery/v2.0/keys`);
    const jwks = (await (await fetch(entra.jwksUri)).json()) as { keys: Array<Record<string, unknown>> };
    expect(jwks.keys[0]).toMatchObject({ kty: 'RSA', use: 'sig', e: 'AQAB' });
    expect(jwks.keys[0]?.x5t).toBe(jwks.keys[0]?.kid);
    expect(jwks.keys[0]).not.toHaveProperty('alg');
    const v1 = (await (await fetch(`${entra.baseUrl}/${TENANT}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
    expect(v1.issuer).toBe(`https://sts.windows.net/${TENANT}/`);
  });

  it('issues v1 access tokens for the api:// resource: iss sts.windows.net, aud = Application ID URI', async () => {
    const { status, body } = await passwordGrant({ scope: `${SCOPE} offline_access openid profile` });
    expect(status).toBe(200);
    expect(body).toMatchObject({ token_type: 'Bearer', expires_in: 3600, ext_expires_in: 3600 });
    expect(String(body.scope).split(' ')).toContain(`api://${CLIENT}/Custom.Read`);
    expect(String(body.refresh_token)).toMatch(/^1\./);
    const { payload, protectedHeader } = await jwtVerify(String(body.access_token), createRemoteJWKSet(new URL(entra.jwksUri)), {
      issuer: entra.issuer,
      audience: `api://${CLIENT}`,
    });
    expect(entra.issuer).toBe(`https://sts.windows.net/${TENANT}/`);
    expect(protectedHeader).toMatchObject({ typ: 'JWT', alg: 'RS256' });
    expect(protectedHeader.x5t).toBe(protectedHeader.kid);
    expect(payload).toMatchObject({
      ver: '1.0',
      upn: UPN,
      unique_name: UPN,
      oid: 'bbbbbbbb-0000-0000-0000-000000000001',
      tid: TENANT,
      appid: CLIENT,
      appidacr: '1',
      scp: 'Custom.Read',
      groups: ['aaaaaaaa-0000-0000-0000-000000000001'],
      name: 'Ada Lovelace',
      given_name: 'Ada',
      family_name: 'Lovelace',
    });
    expect(payload.nbf).toBe(payload.iat);
    const idToken = await jwtVerify(String(body.id_token), createRemoteJWKSet(new URL(entra.jwksUri)), { issuer: entra.issuerV2, audience: CLIENT });
    expect(idToken.payload).toMatchObject({ preferred_username: UPN, ver: '2.0', tid: TENANT });
  });

  it('issues v2 tokens in v2 mode: v2 issuer, aud = client id, preferred_username, azp', async () => {
    entra.setAppOptions(CLIENT, { accessTokenVersion: 2 });
    const { body } = await passwordGrant();
    const { payload } = await jwtVerify(String(body.access_token), createRemoteJWKSet(new URL(entra.jwksUri)), {
      issuer: entra.issuerV2,
      audience: CLIENT,
    });
    expect(payload).toMatchObject({ ver: '2.0', preferred_username: UPN, azp: CLIENT, azpacr: '1', tid: TENANT });
    expect(payload).not.toHaveProperty('upn');
    expect(entra.audienceOf(CLIENT)).toBe(CLIENT);
  });

  it('accepts the tenant domain in place of the id, and HTTP Basic client authentication', async () => {
    const byDomain = entra.tokenEndpoint.replace(TENANT, 'CONTOSO.onmicrosoft.com');
    const { status } = await passwordGrant({ client_id: undefined, client_secret: undefined }, basic(CLIENT, SECRET), byDomain);
    expect(status).toBe(200);
  });

  it('refreshes with a refresh token (which stays valid, as at Entra) and requires the scope', async () => {
    const first = await passwordGrant({ scope: `${SCOPE} offline_access` });
    const refresh = (scope?: string) =>
      postForm(entra.tokenEndpoint, {
        grant_type: 'refresh_token',
        refresh_token: String(first.body.refresh_token),
        client_id: CLIENT,
        client_secret: SECRET,
        ...(scope === undefined ? {} : { scope }),
      });
    const second = await refresh(`${SCOPE} offline_access`);
    expect(second.status).toBe(200);
    expect(decodeJwt(String(second.body.access_token)).aud).toBe(`api://${CLIENT}`);
    expect((await refresh(SCOPE)).status).toBe(200);
    const noScope = await refresh();
    expect(noScope.body.error_codes).toEqual([900144]);
    entra.clock.advance(91 * 24 * 3600 * 1000);
    const expired = await refresh(SCOPE);
    expect(expired.body.error_codes).toEqual([70008]);
    const garbage = await postForm(entra.tokenEndpoint, { grant_type: 'refresh_token', refresh_token: 'nope', client_id: CLIENT, client_secret: SECRET, scope: SCOPE });
    expect(garbage.status).toBe(400);
    expect(garbage.body.error_codes).toEqual([9002313]);
  });
});

describe('Entra error bodies', () => {
  beforeEach(async () => {
    entra = createEntraEmulator(options());
    entra.clock.setNow(NOW);
    await entra.listen();
  });

  it('answers a bad password with the exact AADSTS50126 body shape', async () => {
    const { status, body, headers } = await passwordGrant({ password: 'nope' }, { 'client-request-id': '0f4211a6-4d87-4d2d-99f2-76101fca1191' });
    expect(status).toBe(400);
    expect(Object.keys(body)).toEqual(['error', 'error_description', 'error_codes', 'timestamp', 'trace_id', 'correlation_id', 'error_uri']);
    expect(body.error).toBe('invalid_grant');
    expect(body.error_codes).toEqual([50126]);
    expect(body.timestamp).toBe('2030-01-01 00:00:00Z');
    expect(body.correlation_id).toBe('0f4211a6-4d87-4d2d-99f2-76101fca1191');
    expect(String(body.trace_id)).toMatch(/^[0-9a-f-]{36}$/);
    expect(body.error_description).toBe(
      `AADSTS50126: Error validating credentials due to invalid username or password.\r\nTrace ID: ${String(body.trace_id)}\r\nCorrelation ID: 0f4211a6-4d87-4d2d-99f2-76101fca1191\r\nTimestamp: 2030-01-01 00:00:00Z`,
    );
    expect(body.error_uri).toBe(`${entra.baseUrl}/error?code=50126`);
    expect(headers.get('x-ms-request-id')).toBe(body.trace_id);
  });

  type Case = [string, (e: EntraEmulator) => void, Record<string, string | undefined>, number, string, number, RegExp];
  it.each<Case>([
    ['an unknown user', () => {}, { username: 'nobody@contoso.onmicrosoft.com' }, 400, 'invalid_grant', 50126, /invalid username or password/],
    ['a locked account', (e) => e.updateUser(UPN, { locked: true }), {}, 400, 'invalid_grant', 50053, /The account is locked/],
    ['a disabled account', (e) => e.updateUser(UPN, { accountEnabled: false }), {}, 400, 'invalid_grant', 50057, /The user account is disabled\./],
    ['an expired password', (e) => e.updateUser(UPN, { passwordExpired: true }), {}, 400, 'invalid_grant', 50055, /The password is expired\./],
    ['MFA required', (e) => e.updateUser(UPN, { mfaRequired: true }), {}, 400, 'invalid_grant', 50076, /you must use multi-factor authentication to access 'api:\/\//],
    [
      'MFA required but not registered',
      (e) => e.updateUser(UPN, { mfaRequired: true, mfaRegistered: false }),
      {},
      400,
      'invalid_grant',
      50079,
      /you must enroll in multi-factor authentication/,
    ],
    [
      'missing admin consent',
      (e) => e.setAppOptions(CLIENT, { adminConsent: false }),
      {},
      400,
      'invalid_grant',
      65001,
      new RegExp(`has not consented to use the application with ID '${CLIENT}' named 'Ubiq'`),
    ],
    ['a wrong client secret', () => {}, { client_secret: 'nope' }, 401, 'invalid_client', 7000215, /Invalid client secret provided\. Ensure the secret being sent in the request is the client secret value/],
    ['an expired client secret', (e) => e.expireSecret(CLIENT), {}, 401, 'invalid_client', 7000222, new RegExp(`The provided client secret keys for app '${CLIENT}' are expired`)],
    [
      'no secret while public client flows are off',
      () => {},
      { client_secret: undefined },
      401,
      'invalid_client',
      7000218,
      /The request body must contain the following parameter: 'client_assertion' or 'client_secret'\./,
    ],
    [
      'an unknown application',
      () => {},
      { client_id: '00000000-1111-2222-3333-444444444444' },
      400,
      'unauthorized_client',
      700016,
      /Application with identifier '00000000-1111-2222-3333-444444444444' was not found in the directory 'contoso\.onmicrosoft\.com'/,
    ],
    [
      'an unassigned user when assignment is required',
      (e) => e.setAppOptions(CLIENT, { assignmentRequired: true }),
      {},
      400,
      'invalid_grant',
      50105,
      /to block users unless they are specifically granted \('assigned'\) access/,
    ],
    ['a scope the app does not expose', () => {}, { scope: `api://${CLIENT}/Custom.Write` }, 400, 'invalid_scope', 70011, /The provided value for the input parameter 'scope' is not valid/],
    ['an unknown resource', () => {}, { scope: 'api://nope/.default' }, 400, 'invalid_resource', 500011, /The resource principal named api:\/\/nope was not found/],
    ['no scope', () => {}, { scope: undefined }, 400, 'invalid_request', 900144, /The request body must contain the following parameter: 'scope'\./],
    ['an unsupported grant type', () => {}, { grant_type: 'client_credentials' }, 400, 'unsupported_grant_type', 70003, /unsupported grant type 'client_credentials'/],
  ])('answers %s like Entra', async (_name, setup, overrides, status, error, code, description) => {
    setup(entra);
    const response = await passwordGrant(overrides);
    expect(response.status).toBe(status);
    expect(response.body.error).toBe(error);
    expect(response.body.error_codes).toEqual([code]);
    expect(String(response.body.error_description)).toMatch(new RegExp(`^AADSTS${code}: `));
    expect(String(response.body.error_description)).toMatch(description);
    expect(String(response.body.error_description)).toMatch(/\r\nTrace ID: [0-9a-f-]{36}\r\nCorrelation ID: [0-9a-f-]{36}\r\nTimestamp: 2030-01-01 00:00:00Z$/);
  });

  it('answers an unknown tenant with AADSTS90002 on discovery and token', async () => {
    const other = '11111111-2222-3333-4444-555555555555';
    const discovery = await fetch(`${entra.baseUrl}/${other}/v2.0/.well-known/openid-configuration`);
    expect(discovery.status).toBe(400);
    const body = (await discovery.json()) as Record<string, unknown>;
    expect(body.error).toBe('invalid_tenant');
    expect(String(body.error_description)).toMatch(new RegExp(`^AADSTS90002: Tenant '${other}' not found\\.`));
    const token = await passwordGrant({}, {}, entra.tokenEndpoint.replace(TENANT, 'fabrikam.onmicrosoft.com'));
    expect(token.body.error_codes).toEqual([90002]);
  });

  it('lets ROPC through without a secret once public client flows are allowed (appidacr 0)', async () => {
    entra.setAppOptions(CLIENT, { allowPublicClient: true });
    const { status, body } = await passwordGrant({ client_secret: undefined });
    expect(status).toBe(200);
    expect(decodeJwt(String(body.access_token)).appidacr).toBe('0');
  });

  it('lets an assigned user (directly or through a group) through when assignment is required', async () => {
    entra.setAppOptions(CLIENT, { assignmentRequired: true, assignedGroups: ['Engineering'] });
    expect((await passwordGrant()).status).toBe(200);
    entra.setAppOptions(CLIENT, { assignedGroups: [], assignedUsers: [UPN] });
    expect((await passwordGrant()).status).toBe(200);
  });

  it('keeps a still-valid secret working after another one expires, by the emulator clock', async () => {
    entra.addSecret(CLIENT, { value: 'second-secret', expiresAt: NOW + 60_000 });
    expect((await passwordGrant({ client_secret: 'second-secret' })).status).toBe(200);
    entra.clock.advance(60_000);
    expect((await passwordGrant({ client_secret: 'second-secret' })).body.error_codes).toEqual([7000222]);
    expect((await passwordGrant()).status).toBe(200);
  });
});

describe('Entra tokens, clock and keys', () => {
  beforeEach(async () => {
    entra = createEntraEmulator(options());
    await entra.listen();
  });

  it('takes iat/nbf/exp from the clock plus skew, and honours the groups claim setting', async () => {
    entra.clock.setNow(NOW);
    entra.skewMs = -300_000;
    const claims = decodeJwt(String((await passwordGrant()).body.access_token));
    expect(claims.iat).toBe(NOW / 1000 - 300);
    expect(claims.exp).toBe(NOW / 1000 - 300 + 3600);
    entra.setAppOptions(CLIENT, { groupsClaim: 'assigned', assignedGroups: [] });
    expect(decodeJwt(String((await passwordGrant()).body.access_token)).groups).toEqual([]);
    entra.setAppOptions(CLIENT, { groupsClaim: 'none' });
    expect(decodeJwt(String((await passwordGrant()).body.access_token))).not.toHaveProperty('groups');
  });

  it('rotates keys: the old token verifies during the grace period; new tokens use the new kid', async () => {
    const before = String((await passwordGrant()).body.access_token);
    const { kid, previousKid } = await entra.rotateKeys();
    expect(previousKid).toBe(decodeProtectedHeader(before).kid);
    const after = String((await passwordGrant()).body.access_token);
    expect(decodeProtectedHeader(after)).toMatchObject({ kid, x5t: kid });
    const jwks = createRemoteJWKSet(new URL(entra.jwksUri));
    await expect(jwtVerify(before, jwks, { issuer: entra.issuer })).resolves.toBeDefined();
    await expect(jwtVerify(after, jwks, { issuer: entra.issuer })).resolves.toBeDefined();
  });

  it('manages users and groups: group object ids in the claim follow membership changes', async () => {
    const group = entra.addGroup({ displayName: 'Finance' });
    expect(group.id).toMatch(/^[0-9a-f-]{36}$/);
    entra.addMember('Finance', UPN);
    expect(decodeJwt(String((await passwordGrant()).body.access_token)).groups).toEqual(['aaaaaaaa-0000-0000-0000-000000000001', group.id]);
    entra.removeMember('aaaaaaaa-0000-0000-0000-000000000001', UPN);
    expect(decodeJwt(String((await passwordGrant()).body.access_token)).groups).toEqual([group.id]);
    const user = entra.addUser({ userPrincipalName: 'bob@contoso.onmicrosoft.com', password: 'pw' });
    expect(user).not.toHaveProperty('password');
    expect(entra.getUser('BOB@contoso.onmicrosoft.com')?.id).toBe(user.id);
    expect(entra.getGroup('Finance')).toEqual(group);
    entra.removeUser(user.id);
    expect(entra.getUser(user.id)).toBeUndefined();
    expect(() => entra.addApp({ clientId: 'not-a-guid' })).toThrow(/GUID/);
  });
});
