import { createLocalJWKSet, createRemoteJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify } from 'jose';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createOktaEmulator, isEmulatorUsageError, type OktaEmulator, type OktaEmulatorOptions } from 'ubiq-idp/testing';
import { basic, postForm } from './emulator-test-helpers.js';

const CLIENT = '0oaclient000000000001';
const SECRET = 'okta-client-secret-canary';
const SCOPE = 'openid offline_access okta.users.read okta.groups.read';
const NOW = Date.parse('2030-01-01T00:00:00Z');

function options(extra: Partial<OktaEmulatorOptions> = {}): OktaEmulatorOptions {
  return {
    apps: [
      {
        clientId: CLIENT,
        clientSecret: SECRET,
        grantTypes: ['password', 'refresh_token'],
        grantedScopes: ['okta.users.read', 'okta.groups.read'],
      },
    ],
    users: [
      {
        id: '00uada000000000000001',
        login: 'ada@example.com',
        password: 'ada-password',
        groups: ['Engineering'],
        profile: { firstName: 'Ada', lastName: 'Lovelace', email: 'ada@example.com' },
      },
      { login: 'bob@example.com', password: 'bob-password' },
    ],
    ...extra,
  };
}

let okta: OktaEmulator;
afterEach(async () => {
  await okta.close();
});

function passwordGrant(extra: Record<string, string> = {}, headers: Record<string, string> = {}, tokenEndpoint = okta.tokenEndpoint) {
  return postForm(
    tokenEndpoint,
    { grant_type: 'password', username: 'ada@example.com', password: 'ada-password', client_id: CLIENT, client_secret: SECRET, scope: SCOPE, ...extra },
    headers,
  );
}

describe('Okta emulator over a real socket', () => {
  beforeEach(async () => {
    okta = createOktaEmulator(options());
    await okta.listen();
  });

  it('serves discovery and JWKS for the org authorization server, issuer = org URL', async () => {
    const discovery = (await (await fetch(okta.discoveryUrl)).json()) as Record<string, unknown>;
    expect(okta.orgUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(discovery.issuer).toBe(okta.orgUrl);
    expect(discovery.token_endpoint).toBe(`${okta.orgUrl}/oauth2/v1/token`);
    expect(discovery.jwks_uri).toBe(`${okta.orgUrl}/oauth2/v1/keys`);
    const jwks = (await (await fetch(okta.jwksUri)).json()) as { keys: Array<Record<string, unknown>> };
    expect(jwks.keys).toHaveLength(1);
    expect(jwks.keys[0]).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig', e: 'AQAB' });
  });

  it('issues RS256 access tokens with Okta claim shapes that verify against the JWKS', async () => {
    const { status, body, headers } = await passwordGrant();
    expect(status).toBe(200);
    expect(headers.get('content-type')).toMatch(/^application\/json/);
    expect(body).toMatchObject({ token_type: 'Bearer', expires_in: 3600, scope: SCOPE });
    expect(typeof body.refresh_token).toBe('string');
    const accessToken = String(body.access_token);
    const { payload, protectedHeader } = await jwtVerify(accessToken, createRemoteJWKSet(new URL(okta.jwksUri)), {
      issuer: okta.issuer,
      audience: okta.orgUrl,
    });
    expect(protectedHeader.alg).toBe('RS256');
    expect(typeof protectedHeader.kid).toBe('string');
    expect(payload).toMatchObject({ ver: 1, cid: CLIENT, uid: '00uada000000000000001', sub: 'ada@example.com', scp: SCOPE.split(' ') });
    expect(String(payload.jti)).toMatch(/^AT\./);
    expect(payload.exp! - payload.iat!).toBe(3600);
    expect(payload.auth_time).toBe(payload.iat);

    const idToken = await jwtVerify(String(body.id_token), createRemoteJWKSet(new URL(okta.jwksUri)), { issuer: okta.issuer, audience: CLIENT });
    expect(idToken.payload).toMatchObject({ sub: '00uada000000000000001', amr: ['pwd'], ver: 1 });
    // As Okta: the login (preferred_username) is a profile claim, absent without the profile scope.
    expect(idToken.payload.preferred_username).toBeUndefined();
    expect(String(idToken.payload.jti)).toMatch(/^ID\./);
  });

  it('accepts client authentication by HTTP Basic as well as in the body, but not both', async () => {
    const viaBasic = await postForm(
      okta.tokenEndpoint,
      { grant_type: 'password', username: 'ada@example.com', password: 'ada-password', scope: 'openid' },
      basic(CLIENT, SECRET),
    );
    expect(viaBasic.status).toBe(200);
    const both = await passwordGrant({}, basic(CLIENT, SECRET));
    expect(both.status).toBe(400);
    expect(both.body.error).toBe('invalid_request');
  });

  it('serves custom authorization servers with their own issuer, audience and keys', async () => {
    const server = okta.authorizationServer('default');
    expect(server.issuer).toBe(`${okta.orgUrl}/oauth2/default`);
    expect(server.audience).toBe('api://default');
    const discovery = (await (await fetch(server.discoveryUrl)).json()) as Record<string, unknown>;
    expect(discovery.issuer).toBe(server.issuer);
    const { status, body } = await passwordGrant({ scope: 'openid offline_access' }, {}, server.tokenEndpoint);
    expect(status).toBe(200);
    const { payload } = await jwtVerify(String(body.access_token), createRemoteJWKSet(new URL(server.jwksUri)), {
      issuer: server.issuer,
      audience: 'api://default',
    });
    expect(payload.sub).toBe('ada@example.com');
    // A different key set from the org server's: the org JWKS does not verify it.
    await expect(jwtVerify(String(body.access_token), createRemoteJWKSet(new URL(okta.jwksUri)))).rejects.toThrow();
    // okta.* scopes belong to the org server only.
    const orgScope = await passwordGrant({ scope: SCOPE }, {}, server.tokenEndpoint);
    expect(orgScope.body).toEqual({ error: 'invalid_scope', error_description: 'One or more scopes are not configured for the authorization server resource.' });
    const unknown = await fetch(`${okta.orgUrl}/oauth2/ausnope/v1/keys`);
    expect(unknown.status).toBe(404);
  });

  it('rotates refresh tokens: the new one works once, the used one is invalid_grant', async () => {
    const first = await passwordGrant();
    const refresh = (token: string) =>
      postForm(okta.tokenEndpoint, { grant_type: 'refresh_token', refresh_token: token, client_id: CLIENT, client_secret: SECRET });
    const second = await refresh(String(first.body.refresh_token));
    expect(second.status).toBe(200);
    expect(second.body.refresh_token).not.toBe(first.body.refresh_token);
    expect(decodeJwt(String(second.body.access_token)).auth_time).toBe(decodeJwt(String(first.body.access_token)).auth_time);
    const reuse = await refresh(String(first.body.refresh_token));
    expect(reuse.status).toBe(400);
    expect(reuse.body).toEqual({ error: 'invalid_grant', error_description: 'The refresh token is invalid or expired.' });
    expect((await refresh(String(second.body.refresh_token))).status).toBe(200);
    expect(okta.stats().byGrant).toEqual({ password: 1, refresh_token: 3 });
  });

  it('keeps the refresh token when rotation is off, and rejects it for a narrower client, a removed user or after revocation', async () => {
    okta.setAppOptions(CLIENT, { refreshTokenRotation: false });
    const first = await passwordGrant();
    const token = String(first.body.refresh_token);
    const refresh = (extra: Record<string, string> = {}) =>
      postForm(okta.tokenEndpoint, { grant_type: 'refresh_token', refresh_token: token, client_id: CLIENT, client_secret: SECRET, ...extra });
    const again = await refresh();
    expect(again.body.refresh_token).toBe(token);
    expect((await refresh({ scope: 'openid okta.users.read' })).body.scope).toBe('openid okta.users.read');
    expect((await refresh({ scope: 'openid email' })).body.error).toBe('invalid_scope');
    okta.addApp({ clientId: '0oaother', clientSecret: 'other-secret', grantTypes: ['password', 'refresh_token'] });
    const otherClient = await postForm(okta.tokenEndpoint, {
      grant_type: 'refresh_token',
      refresh_token: token,
      client_id: '0oaother',
      client_secret: 'other-secret',
    });
    expect(otherClient.body.error).toBe('invalid_grant');
    expect(okta.revokeRefreshTokens('ada@example.com')).toBe(1);
    expect((await refresh()).body.error).toBe('invalid_grant');
  });

  it('omits the refresh token without offline_access or without the refresh_token grant', async () => {
    expect((await passwordGrant({ scope: 'openid okta.users.read' })).body.refresh_token).toBeUndefined();
    okta.setAppOptions(CLIENT, { grantTypes: ['password'] });
    const noGrant = await passwordGrant();
    expect(noGrant.status).toBe(200);
    expect(noGrant.body.refresh_token).toBeUndefined();
    expect(noGrant.body.id_token).toBeDefined();
    expect((await passwordGrant({ scope: 'okta.users.read' })).body.id_token).toBeUndefined();
  });
});

describe('Okta error bodies', () => {
  beforeEach(async () => {
    // The per-user rate limit is tested on its own; here many requests name the same user.
    okta = createOktaEmulator(options({ rateLimit: { perUserPerSecond: 0 } }));
    await okta.listen();
  });

  const invalidCredentials = { error: 'invalid_grant', error_description: 'The credentials provided were invalid.' };
  // Overrides of the default password-grant form; `undefined` leaves the parameter out.
  it.each<[string, Record<string, string | undefined>, number, Record<string, string>]>([
    ['a wrong password', { password: 'nope' }, 400, invalidCredentials],
    ['an unknown user', { username: 'nobody@example.com' }, 400, invalidCredentials],
    ['a wrong client secret', { client_secret: 'nope' }, 401, { error: 'invalid_client', error_description: 'The client secret supplied for a confidential client is invalid.' }],
    [
      'no client secret for a confidential app',
      { client_secret: undefined },
      401,
      { error: 'invalid_client', error_description: 'Client authentication failed. Either the client or the client credentials are invalid.' },
    ],
    [
      'no client id at all',
      { client_id: undefined, client_secret: undefined },
      401,
      { error: 'invalid_client', error_description: 'Client authentication failed. Either the client or the client credentials are invalid.' },
    ],
    ['an okta.* scope not granted', { scope: 'openid okta.apps.read' }, 400, { error: 'invalid_scope', error_description: 'The requested scope is invalid, unknown, or malformed.' }],
    ['an unknown scope', { scope: 'openid custom.thing' }, 400, { error: 'invalid_scope', error_description: 'One or more scopes are not configured for the authorization server resource.' }],
    [
      'no scope',
      { scope: undefined },
      400,
      { error: 'invalid_scope', error_description: "The authorization server resource does not have any configured default scopes, 'scope' must be provided." },
    ],
    [
      'an unknown grant type',
      { grant_type: 'urn:example:nope' },
      400,
      {
        error: 'unsupported_grant_type',
        error_description: 'The authorization grant type is not supported by the authorization server. Configured grant types: [password, refresh_token].',
      },
    ],
    ['no grant type', { grant_type: undefined }, 400, { error: 'invalid_request', error_description: "The 'grant_type' parameter is required." }],
  ])('answers %s like Okta', async (_name, overrides, status, expected) => {
    const form: Record<string, string> = {
      grant_type: 'password',
      username: 'ada@example.com',
      password: 'ada-password',
      client_id: CLIENT,
      client_secret: SECRET,
      scope: SCOPE,
    };
    for (const [key, value] of Object.entries(overrides)) {
      if (value === undefined) delete form[key];
      else form[key] = value;
    }
    const response = await postForm(okta.tokenEndpoint, form);
    expect(response.status).toBe(status);
    expect(response.body).toEqual(expected);
    expect(response.headers.get('cache-control')).toBe('no-store');
  });

  it('answers an unknown client id with 401 and the errorCode-style body', async () => {
    const { status, body } = await passwordGrant({ client_id: '0oanope' });
    expect(status).toBe(401);
    expect(body).toMatchObject({ errorCode: 'invalid_client', errorSummary: "Invalid value for 'client_id' parameter.", errorLink: 'invalid_client', errorCauses: [] });
    expect(String(body.errorId)).toMatch(/^oae/);
  });

  it('answers unauthorized_client when the app does not allow the password grant', async () => {
    okta.setAppOptions(CLIENT, { grantTypes: ['authorization_code', 'refresh_token'] });
    const { status, body } = await passwordGrant();
    expect(status).toBe(400);
    expect(body).toEqual({
      error: 'unauthorized_client',
      error_description: 'The client is not authorized to use the provided grant type. Configured grant types: [authorization_code, refresh_token].',
    });
  });

  it.each(['LOCKED_OUT', 'SUSPENDED', 'DEPROVISIONED', 'STAGED'] as const)('hides a %s account behind invalid credentials', async (status) => {
    okta.updateUser('ada@example.com', { status });
    const response = await passwordGrant();
    expect(response.status).toBe(400);
    expect(response.body).toEqual(invalidCredentials);
  });

  it('says when the password has expired (only with the right password)', async () => {
    okta.updateUser('ada@example.com', { status: 'PASSWORD_EXPIRED' });
    expect((await passwordGrant()).body).toEqual({ error: 'invalid_grant', error_description: 'The password has expired.' });
    expect((await passwordGrant({ password: 'nope' })).body).toEqual(invalidCredentials);
  });

  it('denies password-only sign-in when the user or the app policy requires MFA', async () => {
    const denied = { error: 'access_denied', error_description: 'Policy evaluation failed for this request, please check the policy configurations.' };
    okta.updateUser('ada@example.com', { mfaRequired: true });
    const user = await passwordGrant();
    expect(user.status).toBe(400);
    expect(user.body).toEqual(denied);
    okta.updateUser('ada@example.com', { mfaRequired: false });
    okta.setAppOptions(CLIENT, { signOnPolicy: 'mfa' });
    expect((await passwordGrant()).body).toEqual(denied);
    okta.setAppOptions(CLIENT, { signOnPolicy: 'password' });
    expect((await passwordGrant()).status).toBe(200);
  });

  it('rejects an expired client secret with invalid_client, by the emulator clock', async () => {
    okta.setAppOptions(CLIENT, { clientSecretExpiresAt: okta.clock.now() + 60_000 });
    expect((await passwordGrant()).status).toBe(200);
    okta.clock.advance(60_000);
    const expired = await passwordGrant();
    expect(expired.status).toBe(401);
    expect(expired.body.error).toBe('invalid_client');
    okta.setAppOptions(CLIENT, { clientSecretExpiresAt: undefined });
    expect((await passwordGrant()).status).toBe(200);
    okta.expireSecret(CLIENT);
    expect((await passwordGrant()).status).toBe(401);
  });

  it('rejects a body that is not form-encoded, a GET on /token and unknown paths', async () => {
    const json = await fetch(okta.tokenEndpoint, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(json.status).toBe(400);
    expect(((await json.json()) as { error: string }).error).toBe('invalid_request');
    expect((await fetch(okta.tokenEndpoint)).status).toBe(405);
    expect((await fetch(`${okta.orgUrl}/api/v1/users`)).status).toBe(404);
    expect(okta.stats().byEndpoint).toMatchObject({ token: 2, not_found: 1 });
  });
});

describe('Okta per-user /token rate limit', () => {
  beforeEach(async () => {
    okta = createOktaEmulator(options());
    okta.clock.setNow(NOW + 250);
    await okta.listen();
  });

  it('answers the 5th request in one second for one user with 429 and X-Rate-Limit-* headers, other users unaffected', async () => {
    const reset = String(NOW / 1000 + 1);
    for (let i = 1; i <= 4; i += 1) {
      const ok = await passwordGrant();
      expect(ok.status).toBe(200);
      expect(ok.headers.get('x-rate-limit-limit')).toBe('4');
      expect(ok.headers.get('x-rate-limit-remaining')).toBe(String(4 - i));
      expect(ok.headers.get('x-rate-limit-reset')).toBe(reset);
    }
    const limited = await passwordGrant({ password: 'even-a-wrong-one' });
    expect(limited.status).toBe(429);
    expect(limited.body.error).toBe('invalid_grant');
    expect(limited.headers.get('x-rate-limit-remaining')).toBe('0');
    expect(limited.headers.get('x-rate-limit-reset')).toBe(reset);
    // The login is matched case-insensitively, so a different spelling is the same bucket.
    expect((await passwordGrant({ username: 'ADA@example.com' })).status).toBe(429);

    const bob = await passwordGrant({ username: 'bob@example.com', password: 'bob-password' });
    expect(bob.status).toBe(200);
    expect(bob.headers.get('x-rate-limit-remaining')).toBe('3');

    okta.clock.advance(1000);
    expect((await passwordGrant()).status).toBe(200);
    expect(okta.stats().byStatus).toEqual({ '200': 6, '429': 2 });
  });

  it('counts refresh_token requests against the same user', async () => {
    okta.setRateLimit({ perUserPerSecond: 2 });
    const first = await passwordGrant();
    const refreshed = await postForm(okta.tokenEndpoint, {
      grant_type: 'refresh_token',
      refresh_token: String(first.body.refresh_token),
      client_id: CLIENT,
      client_secret: SECRET,
    });
    expect(refreshed.status).toBe(200);
    expect((await passwordGrant()).status).toBe(429);
  });

  it('enforces an optional org-wide /token limit per minute with the E0000047 body', async () => {
    okta.setRateLimit({ perUserPerSecond: 0, orgPerMinute: 3 });
    for (let i = 0; i < 3; i += 1) expect((await passwordGrant()).status).toBe(200);
    const limited = await passwordGrant({ username: 'bob@example.com', password: 'bob-password' });
    expect(limited.status).toBe(429);
    expect(limited.body).toMatchObject({ errorCode: 'E0000047', errorSummary: 'API call exceeded rate limit due to too many requests.' });
    expect(limited.headers.get('x-rate-limit-limit')).toBe('3');
    expect(limited.headers.get('x-rate-limit-reset')).toBe(String(NOW / 1000 + 60));
    okta.clock.advance(60_000);
    expect((await passwordGrant()).status).toBe(200);
  });
});

describe('Okta clock, skew and key rotation', () => {
  beforeEach(async () => {
    okta = createOktaEmulator(options({ rateLimit: { perUserPerSecond: 0 } }));
    await okta.listen();
  });

  it('takes iat/exp from the emulator clock, offset by skewMs', async () => {
    okta.clock.setNow(NOW);
    const first = decodeJwt(String((await passwordGrant()).body.access_token));
    expect(first.iat).toBe(NOW / 1000);
    expect(first.exp).toBe(NOW / 1000 + 3600);
    okta.skewMs = 120_000;
    const skewed = decodeJwt(String((await passwordGrant()).body.access_token));
    expect(skewed.iat).toBe(NOW / 1000 + 120);
    okta.setAppOptions(CLIENT, { accessTokenLifetimeSeconds: 300 });
    okta.skewMs = 0;
    const short = await passwordGrant();
    expect(short.body.expires_in).toBe(300);
    // A verifier at the real time sees the token as expired or not yet valid: jose checks it.
    await expect(
      jwtVerify(String(short.body.access_token), createRemoteJWKSet(new URL(okta.jwksUri)), { currentDate: new Date(NOW + 301_000) }),
    ).rejects.toThrow(/exp/);
  });

  it('keeps the previous key published during the grace period, then drops it', async () => {
    okta.clock.setNow(NOW);
    const before = String((await passwordGrant()).body.access_token);
    const oldKid = decodeProtectedHeader(before).kid;
    const rotated = await okta.rotateKeys({ graceMs: 10 * 60_000 });
    expect(rotated.previousKid).toBe(oldKid);
    const after = String((await passwordGrant()).body.access_token);
    expect(decodeProtectedHeader(after).kid).toBe(rotated.kid);
    expect(rotated.kid).not.toBe(oldKid);

    const verify = (token: string) =>
      jwtVerify(token, createRemoteJWKSet(new URL(okta.jwksUri)), { issuer: okta.issuer, currentDate: new Date(NOW) });
    await expect(verify(before)).resolves.toBeDefined();
    await expect(verify(after)).resolves.toBeDefined();
    const jwks = (await (await fetch(okta.jwksUri)).json()) as { keys: Array<{ kid: string }> };
    expect(jwks.keys.map((k) => k.kid)).toEqual([rotated.kid, oldKid]);

    okta.clock.advance(10 * 60_000);
    const later = (await (await fetch(okta.jwksUri)).json()) as { keys: Array<{ kid: string }> };
    expect(later.keys.map((k) => k.kid)).toEqual([rotated.kid]);
    await expect(verify(before)).rejects.toThrow();
  });

  it('drops the previous key at once with graceMs 0, and signToken can forge with an unpublished key', async () => {
    const before = String((await passwordGrant()).body.access_token);
    await okta.rotateKeys({ graceMs: 0 });
    const jwks = createRemoteJWKSet(new URL(okta.jwksUri));
    await expect(jwtVerify(before, jwks)).rejects.toThrow();
    const now = Math.floor(okta.clock.now() / 1000);
    const claims = { iss: okta.issuer, aud: okta.orgUrl, sub: 'mallory@example.com', iat: now, exp: now + 60 };
    await expect(jwtVerify(await okta.signToken(claims), jwks, { issuer: okta.issuer })).resolves.toBeDefined();
    await expect(jwtVerify(await okta.signToken(claims, { unpublishedKey: true }), jwks)).rejects.toThrow();
  });
});

describe('Okta directory management', () => {
  beforeEach(() => {
    okta = createOktaEmulator(options({ rateLimit: { perUserPerSecond: 0 } }));
  });

  it('can sign org-server access tokens with an unpublished key, as real Okta does (ID tokens still verify)', async () => {
    const org = createOktaEmulator({ ...options(), orgAccessTokenKeyPublished: false });
    const { body } = await postForm(
      org.tokenEndpoint,
      { grant_type: 'password', username: 'ada@example.com', password: 'ada-password', client_id: CLIENT, client_secret: SECRET, scope: SCOPE },
      {},
      org.fetch,
    );
    const jwks = await (await org.fetch(new Request(org.jwksUri))).json() as Parameters<typeof createLocalJWKSet>[0];
    await expect(jwtVerify(String(body.access_token), createLocalJWKSet(jwks))).rejects.toThrow();
    await expect(jwtVerify(String(body.id_token), createLocalJWKSet(jwks), { audience: CLIENT })).resolves.toBeDefined();
    await org.close();
  });

  it('works in process without listen(), with the configured org URL', async () => {
    const org = createOktaEmulator({ ...options(), orgUrl: 'https://trial-4377979.okta.com/' });
    expect(org.issuer).toBe('https://trial-4377979.okta.com');
    expect(org.tokenEndpoint).toBe('https://trial-4377979.okta.com/oauth2/v1/token');
    const { status, body } = await postForm(
      org.tokenEndpoint,
      { grant_type: 'password', username: 'ada@example.com', password: 'ada-password', client_id: CLIENT, client_secret: SECRET, scope: SCOPE },
      {},
      org.fetch,
    );
    expect(status).toBe(200);
    expect(decodeJwt(String(body.access_token)).iss).toBe('https://trial-4377979.okta.com');
    await org.close();
  });

  it('adds, updates and removes users and group memberships (groups claim in the ID token)', async () => {
    const send = okta.fetch;
    const groupsOf = async (login: string, password: string) => {
      const { body } = await postForm(
        okta.tokenEndpoint,
        { grant_type: 'password', username: login, password, client_id: CLIENT, client_secret: SECRET, scope: 'openid groups profile email' },
        {},
        send,
      );
      return decodeJwt(String(body.id_token));
    };
    const carol = okta.addUser({ login: 'carol@example.com', password: 'pw1', groups: ['Finance'], profile: { firstName: 'Carol', lastName: 'Shaw', email: 'carol@example.com' } });
    expect(carol.id).toMatch(/^00u/);
    expect(carol).not.toHaveProperty('password');
    okta.addMember('Engineering', 'carol@example.com');
    expect((await groupsOf('carol@example.com', 'pw1')).groups).toEqual(['Finance', 'Engineering']);
    okta.removeMember('Finance', carol.id);
    okta.updateUser('carol@example.com', { password: 'pw2', login: 'carol.shaw@example.com' });
    const claims = await groupsOf('carol.shaw@example.com', 'pw2');
    expect(claims).toMatchObject({ groups: ['Engineering'], name: 'Carol Shaw', email: 'carol@example.com', preferred_username: 'carol.shaw@example.com' });
    expect(okta.getUser('CAROL.SHAW@example.com')?.groups).toHaveLength(1);
    okta.removeUser('carol.shaw@example.com');
    expect(okta.getUser(carol.id)).toBeUndefined();
    expect(() => okta.addUser({ login: 'ADA@example.com', password: 'x' })).toThrow(/already exists/);
    try {
      okta.removeUser('nobody@example.com');
      expect.unreachable('removeUser of an unknown user must throw');
    } catch (error) {
      expect(isEmulatorUsageError(error)).toBe(true);
      expect(error).toMatchObject({ code: 'emulator_usage', message: 'unknown Okta user "nobody@example.com"' });
    }
    expect(() => okta.removeMember('Nope', 'ada@example.com')).toThrow(/unknown Okta group/);
    expect(okta.addGroup({ name: 'Sales' }).id).toMatch(/^00g/);
    expect(() => okta.addGroup({ name: 'Sales' })).toThrow(/already exists/);
  });
});
