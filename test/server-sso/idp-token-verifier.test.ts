import { createPublicKey } from 'node:crypto';
import { SignJWT } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import { createEmulatorClock, type EntraEmulator, type OktaEmulator } from 'ubiq-idp/testing';
import { bearerToken, createIdpTokenVerifier, type IdpTokenVerifierOptions } from '../../src/server/sso/idp-token-verifier.js';
import { isIdpTokenError, isIdpUnavailableError, type IdpTokenFailureReason } from '../../src/server/sso/idp-token-errors.js';
import { ENTRA_CLIENT, ENTRA_TENANT, ENTRA_V2_CLIENT, claimsOf, entraEmulator, entraToken, oktaEmulator, oktaToken, tamper, unsignedToken } from './idp-helpers.js';

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (closers.length > 0) await closers.pop()?.();
});

async function startOkta(...args: Parameters<typeof oktaEmulator>): Promise<OktaEmulator> {
  const okta = oktaEmulator(...args);
  closers.push(() => okta.close());
  await okta.listen();
  return okta;
}
async function startEntra(...args: Parameters<typeof entraEmulator>): Promise<EntraEmulator> {
  const entra = entraEmulator(...args);
  closers.push(() => entra.close());
  await entra.listen();
  return entra;
}

async function rejection(promise: Promise<unknown>): Promise<IdpTokenFailureReason | 'unavailable' | 'resolved'> {
  try {
    await promise;
    return 'resolved';
  } catch (error) {
    if (isIdpTokenError(error)) return error.reason;
    if (isIdpUnavailableError(error)) return 'unavailable';
    throw error;
  }
}

function oktaVerifier(okta: OktaEmulator, extra: Partial<IdpTokenVerifierOptions> = {}) {
  const org = okta.authorizationServer();
  return createIdpTokenVerifier({ discoveryUrl: org.discoveryUrl, issuer: org.issuer, audience: org.audience, ...extra });
}
function entraVerifier(entra: EntraEmulator, extra: Partial<IdpTokenVerifierOptions> = {}) {
  return createIdpTokenVerifier({ discoveryUrl: entra.discoveryUrl, issuer: entra.issuerV1, audience: entra.audienceOf(ENTRA_CLIENT), ...extra });
}

describe('bearerToken', () => {
  it('reads a Bearer token and says missing or malformed otherwise', async () => {
    expect(bearerToken('Bearer abc.def.ghi')).toBe('abc.def.ghi');
    expect(bearerToken('bearer  abc.def.ghi ')).toBe('abc.def.ghi');
    expect(await rejection(Promise.resolve().then(() => bearerToken(null)))).toBe('missing');
    expect(await rejection(Promise.resolve().then(() => bearerToken('  ')))).toBe('missing');
    expect(await rejection(Promise.resolve().then(() => bearerToken('Basic dXNlcjpwYXNz')))).toBe('malformed');
    expect(await rejection(Promise.resolve().then(() => bearerToken('Bearer a b')))).toBe('malformed');
  });
});

describe('IdP token verifier against the Okta emulator', () => {
  it('accepts a real password-grant token and maps sub (the login) to the user name', async () => {
    const okta = await startOkta();
    const verified = await oktaVerifier(okta).verify(await oktaToken(okta));
    expect(verified).toMatchObject({ username: 'ada@example.com', usernameClaim: 'sub' });
    expect(verified.claims.cid).toBe('0oassoclient000000001');
  });

  it('refuses alg none, HS256 signed with the public key, a tampered payload and a forged key', async () => {
    const okta = await startOkta();
    const verifier = oktaVerifier(okta);
    const real = await oktaToken(okta);
    const claims = claimsOf(real);
    expect(await rejection(verifier.verify(unsignedToken(claims)))).toBe('unsupported_algorithm');

    const jwks = (await (await fetch(okta.jwksUri)).json()) as { keys: Array<Record<string, unknown>> };
    const jwk = jwks.keys[0]!;
    const pem = createPublicKey({ key: jwk as never, format: 'jwk' }).export({ type: 'spki', format: 'pem' });
    const hs = await new SignJWT(claims).setProtectedHeader({ alg: 'HS256', kid: String(jwk.kid) }).sign(new TextEncoder().encode(String(pem)));
    expect(await rejection(verifier.verify(hs))).toBe('unsupported_algorithm');

    expect(await rejection(verifier.verify(tamper(real, (c) => ({ ...c, sub: 'mallory@example.com' }))))).toBe('bad_signature');
    expect(await rejection(verifier.verify(await okta.signToken(claims, { unpublishedKey: true })))).toBe('unknown_key');
    expect(await rejection(verifier.verify('not-a-jwt'))).toBe('malformed');
    expect(await rejection(verifier.verify('e30.e30.'))).toBe('unsupported_algorithm');
    expect(await rejection(verifier.verify('%%%.e30.abc'))).toBe('malformed');
    expect(await rejection(verifier.verify(undefined))).toBe('missing');
  });

  it('refuses wrong issuer, wrong audience, expired, nbf/iat in the future, no exp and no sub', async () => {
    const okta = await startOkta();
    const verifier = oktaVerifier(okta);
    const now = Math.floor(Date.now() / 1000);
    const base = { iss: okta.issuer, aud: okta.authorizationServer().audience, sub: 'ada@example.com', iat: now, exp: now + 600 };
    const sign = (claims: Record<string, unknown>) => okta.signToken(claims);
    expect(await rejection(verifier.verify(await sign(base)))).toBe('resolved');
    expect(await rejection(verifier.verify(await sign({ ...base, iss: 'https://evil.example.com' })))).toBe('wrong_issuer');
    expect(await rejection(verifier.verify(await sign({ ...base, aud: 'api://other' })))).toBe('wrong_audience');
    expect(await rejection(verifier.verify(await sign({ ...base, iat: now - 7200, exp: now - 3600 })))).toBe('expired');
    expect(await rejection(verifier.verify(await sign({ ...base, nbf: now + 3600 })))).toBe('not_yet_valid');
    expect(await rejection(verifier.verify(await sign({ ...base, iat: now + 3600, exp: now + 7200 })))).toBe('not_yet_valid');
    const { exp: _exp, ...noExp } = base;
    expect(await rejection(verifier.verify(await sign(noExp)))).toBe('malformed');
    const { sub: _sub, ...noSub } = base;
    expect(await rejection(verifier.verify(await sign(noSub)))).toBe('no_username');
  });

  it('tolerates small clock skew only, by the injected clock', async () => {
    const clock = createEmulatorClock(Date.parse('2030-01-01T00:00:00Z'));
    const okta = await startOkta({ clock });
    const token = await oktaToken(okta); // exp = 01:00:00
    const at = (iso: string) => oktaVerifier(okta, { now: () => Date.parse(iso), clockToleranceSeconds: 30 });
    expect(await rejection(at('2030-01-01T00:59:59Z').verify(token))).toBe('resolved');
    expect(await rejection(at('2030-01-01T01:00:20Z').verify(token))).toBe('resolved');
    expect(await rejection(at('2030-01-01T01:00:31Z').verify(token))).toBe('expired');
    expect(await rejection(at('2029-12-31T23:59:40Z').verify(token))).toBe('resolved');
    expect(await rejection(at('2029-12-31T23:58:00Z').verify(token))).toBe('not_yet_valid');
  });

  it('refuses org-server tokens signed with an unpublished key (real Okta), accepts a custom server', async () => {
    const okta = await startOkta({
      orgAccessTokenKeyPublished: false,
      authorizationServers: [{ id: 'aus1ubiq', audience: 'api://ubiq' }],
    });
    expect(await rejection(oktaVerifier(okta).verify(await oktaToken(okta)))).toBe('unknown_key');
    const custom = okta.authorizationServer('aus1ubiq');
    const verifier = createIdpTokenVerifier({ discoveryUrl: custom.discoveryUrl, issuer: custom.issuer, audience: custom.audience });
    const token = await oktaToken(okta, 'ada@example.com', 'ada-password', custom.tokenEndpoint, 'openid offline_access');
    expect((await verifier.verify(token)).username).toBe('ada@example.com');
  });

  it('picks up a key rotation without a restart (unknown kid re-fetches the JWKS), within the cooldown', async () => {
    const okta = await startOkta();
    let jwksFetches = 0;
    let discoveryFetches = 0;
    const counting = (input: string, init: RequestInit) => {
      if (input.includes('/keys')) jwksFetches += 1;
      else discoveryFetches += 1;
      return fetch(input, init);
    };
    const verifier = oktaVerifier(okta, { fetch: counting, jwksCooldownMs: 0 });
    await verifier.verify(await oktaToken(okta));
    await verifier.verify(await oktaToken(okta));
    expect([discoveryFetches, jwksFetches]).toEqual([1, 1]);
    await okta.rotateKeys({ graceMs: 0 });
    expect((await verifier.verify(await oktaToken(okta))).username).toBe('ada@example.com');
    expect([discoveryFetches, jwksFetches]).toEqual([1, 2]);
    // A forged kid within the default cooldown does not cause another fetch.
    const cooling = oktaVerifier(okta, { fetch: counting });
    await cooling.verify(await oktaToken(okta));
    const before = jwksFetches;
    expect(await rejection(cooling.verify(await okta.signToken(claimsOf(await oktaToken(okta)), { unpublishedKey: true })))).toBe('unknown_key');
    expect(jwksFetches).toBe(before);
  });

  it('shares one discovery fetch between concurrent callers; one that aborts stops waiting, the others go on', async () => {
    const okta = await startOkta();
    const token = await oktaToken(okta);
    let discoveryFetches = 0;
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const slow = async (input: string, init: RequestInit) => {
      if (!input.includes('/keys')) {
        discoveryFetches += 1;
        await gate;
      }
      return fetch(input, init);
    };
    const verifier = oktaVerifier(okta, { fetch: slow });
    const controller = new AbortController();
    const first = verifier.verify(token);
    const impatient = rejection(verifier.verify(token, { signal: controller.signal }));
    const third = verifier.verify(token);
    controller.abort();
    expect(await impatient).toBe('unavailable');
    release();
    expect((await first).username).toBe('ada@example.com');
    expect((await third).username).toBe('ada@example.com');
    expect(discoveryFetches).toBe(1);
  });

  it('reports an unreachable or broken IdP as unavailable, not as a bad token, and retries later', async () => {
    const okta = await startOkta();
    const token = await oktaToken(okta);
    let fail = true;
    const flaky = (input: string, init: RequestInit) =>
      fail ? Promise.resolve(new Response('oops', { status: 503 })) : fetch(input, init);
    const verifier = oktaVerifier(okta, { fetch: flaky });
    expect(await rejection(verifier.verify(token))).toBe('unavailable');
    fail = false;
    expect(await rejection(verifier.verify(token))).toBe('resolved');
    const refused = oktaVerifier(okta, { discoveryUrl: 'http://127.0.0.1:1/.well-known/openid-configuration', timeoutMs: 2_000 });
    expect(await rejection(refused.verify(token))).toBe('unavailable');
    const noJwks = oktaVerifier(okta, { fetch: () => Promise.resolve(Response.json({ issuer: okta.issuer })) });
    expect(await rejection(noJwks.verify(token))).toBe('unavailable');
  });
});

describe('IdP token verifier against the Entra emulator', () => {
  it('accepts a v1 token (iss sts.windows.net, aud Application ID URI) and maps upn', async () => {
    const entra = await startEntra();
    const token = await entraToken(entra);
    expect(claimsOf(token)).toMatchObject({ ver: '1.0', iss: `https://sts.windows.net/${ENTRA_TENANT}/` });
    const verified = await entraVerifier(entra).verify(token);
    expect(verified).toMatchObject({ username: 'ada@contoso.onmicrosoft.com', usernameClaim: 'upn' });
  });

  it('accepts a v2 token (v2 issuer, aud = client id) and maps preferred_username', async () => {
    const entra = await startEntra();
    const token = await entraToken(entra, 'ada@contoso.onmicrosoft.com', 'ada-password', ENTRA_V2_CLIENT);
    expect(claimsOf(token)).toMatchObject({ ver: '2.0' });
    const verifier = createIdpTokenVerifier({ discoveryUrl: entra.discoveryUrl, issuer: entra.issuerV2, audience: entra.audienceOf(ENTRA_V2_CLIENT) });
    expect(await verifier.verify(token)).toMatchObject({ username: 'ada@contoso.onmicrosoft.com', usernameClaim: 'preferred_username' });
    // The v1 settings refuse it: another issuer.
    expect(await rejection(entraVerifier(entra).verify(token))).toBe('wrong_issuer');
  });

  it('falls back to unique_name, honours configured claims, and says no_username when none is there', async () => {
    const entra = await startEntra();
    const claims = claimsOf(await entraToken(entra));
    const { upn: _upn, ...noUpn } = claims;
    expect((await entraVerifier(entra).verify(await entra.signToken(noUpn))).usernameClaim).toBe('unique_name');
    const { unique_name: _u, ...neither } = noUpn;
    expect(await rejection(entraVerifier(entra).verify(await entra.signToken(neither)))).toBe('no_username');
    const byOid = entraVerifier(entra, { usernameClaims: ['oid'] });
    expect((await byOid.verify(await entra.signToken(claims))).username).toBe(claims.oid);
  });

  it("refuses another tenant's token (foreign_tenant), a token from another tenant's keys, and the Graph audience", async () => {
    const entra = await startEntra();
    const verifier = entraVerifier(entra);
    const claims = claimsOf(await entraToken(entra));
    const other = '0b1e3c5a-1111-4222-8333-944444444444';
    // Real Entra signs every tenant's tokens with the same keys: only iss/tid tell them apart.
    const foreign = await entra.signToken({ ...claims, tid: other, iss: `https://sts.windows.net/${other}/` });
    expect(await rejection(verifier.verify(foreign))).toBe('foreign_tenant');
    const foreignSameIss = await entra.signToken({ ...claims, tid: other });
    expect(await rejection(verifier.verify(foreignSameIss))).toBe('foreign_tenant');
    const elsewhere = await startEntra({ tenantId: other });
    expect(await rejection(verifier.verify(await entraToken(elsewhere)))).toBe('unknown_key');
    expect(await rejection(verifier.verify(await entra.signToken({ ...claims, aud: '00000003-0000-0000-c000-000000000000' })))).toBe('wrong_audience');
  });

  it('follows Entra key rotation', async () => {
    const entra = await startEntra();
    const verifier = entraVerifier(entra, { jwksCooldownMs: 0 });
    await verifier.verify(await entraToken(entra));
    await entra.rotateKeys({ graceMs: 0 });
    expect((await verifier.verify(await entraToken(entra))).username).toBe('ada@contoso.onmicrosoft.com');
  });

  it('never puts the token in an error message, hint or cause', async () => {
    const entra = await startEntra();
    const token = tamper(await entraToken(entra), (c) => ({ ...c, upn: 'mallory@contoso.onmicrosoft.com' }));
    const error = await entraVerifier(entra).verify(token).catch((e: unknown) => e);
    expect(isIdpTokenError(error)).toBe(true);
    const text = JSON.stringify({ e: String(error), m: (error as Error).message, h: (error as { hint?: string }).hint, c: String((error as Error).cause) });
    for (const part of token.split('.')) expect(text).not.toContain(part);
  });
});
