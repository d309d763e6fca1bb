import { createPublicKey, generateKeyPairSync, X509Certificate } from 'node:crypto';
import { SignJWT } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { EntraEmulator, OktaEmulator } from 'ubiq-idp/testing';
import type { ReferenceServer } from 'ubiq-idp/server';
import { createCsr } from '../../src/credentials/csr.js';
import { generateRsaKeyPair, type RsaKeyPair } from '../../src/crypto/keypair.js';
import { ENTRA_CLIENT, ENTRA_TENANT, ENTRA_V2_CLIENT, claimsOf, entraEmulator, entraToken, oktaEmulator, oktaToken, tamper, unsignedToken } from './idp-helpers.js';
import { addUser, postSso, setActive, startServer, type TestServerOptions } from './server-helpers.js';

let keyPair: RsaKeyPair;
let csr: string;
// One Okta org and one Entra tenant for the file (key generation is the slow part); tests that rotate
// keys or need another tenant start their own.
let sharedOkta: OktaEmulator;
let sharedEntra: EntraEmulator;
beforeAll(async () => {
  keyPair = await generateRsaKeyPair({ modulusLength: 2048 });
  csr = await createCsr(keyPair);
  sharedOkta = oktaEmulator();
  sharedEntra = entraEmulator();
  await Promise.all([sharedOkta.listen(), sharedEntra.listen()]);
});
afterAll(async () => {
  await Promise.all([sharedOkta.close(), sharedEntra.close()]);
});

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (closers.length > 0) await closers.pop()?.();
});

async function okta(own = false): Promise<OktaEmulator> {
  if (!own) return sharedOkta;
  const emulator = oktaEmulator();
  closers.push(() => emulator.close());
  await emulator.listen();
  return emulator;
}
function entra(): Promise<EntraEmulator> {
  return Promise.resolve(sharedEntra);
}
async function server(options: TestServerOptions): Promise<{ server: ReferenceServer; ssoUrl: string }> {
  const started = await startServer(options);
  closers.push(() => started.server.close());
  return started;
}
function oktaSettings(emulator: OktaEmulator) {
  const org = emulator.authorizationServer();
  return { idp: { discoveryUrl: org.discoveryUrl, issuer: org.issuer, audience: org.audience } };
}
function entraV1Settings(emulator: EntraEmulator) {
  return { idp: { discoveryUrl: emulator.discoveryUrl, issuer: emulator.issuerV1, audience: emulator.audienceOf(ENTRA_CLIENT) } };
}

describe('SSO endpoint with Okta', () => {
  it('exchanges a token and a CSR for a certificate of our key and the user key’s public/signing values', async () => {
    const idp = await okta();
    const { server: ref, ssoUrl } = await server({ ...oktaSettings(idp), certificateLifetimeSeconds: 900 });
    const ada = addUser(ref, 'ada@example.com');
    const key = ref.store.findApiKeyByUserId(ada.id)!;
    const answer = await postSso(ssoUrl, await oktaToken(idp), { csr });
    expect(answer.status).toBe(200);
    expect(answer.headers.get('cache-control')).toBe('no-store');
    expect(Object.keys(answer.body).sort()).toEqual(['api_cert', 'public_value', 'signing_value']);
    expect(answer.body.public_value).toBe(key.accessKeyId);
    expect(answer.body.signing_value).toBe(key.secretSigningKey);
    const cert = new X509Certificate(String(answer.body.api_cert));
    expect(cert.publicKey.export({ type: 'spki', format: 'pem' })).toBe(keyPair.publicKey.export({ type: 'spki', format: 'pem' }));
    const lifetime = (Date.parse(cert.validTo) - Date.parse(cert.validFrom)) / 1000;
    expect(lifetime).toBeGreaterThanOrEqual(900);
    expect(lifetime).toBeLessThanOrEqual(900 + 120); // backdated by at most the clock skew
    const caPem = ref.info().caCertificatePem as string;
    expect(cert.verify(new X509Certificate(caPem).publicKey)).toBe(true);
    expect(cert.checkIssued(new X509Certificate(caPem))).toBe(true);
  });

  it('keeps public_value/signing_value across renewals; each renewal is a new certificate', async () => {
    const idp = await okta();
    const { server: ref, ssoUrl } = await server(oktaSettings(idp));
    addUser(ref, 'ada@example.com');
    const first = await postSso(ssoUrl, await oktaToken(idp), { csr });
    const second = await postSso(ssoUrl, await oktaToken(idp), { csr: await createCsr(keyPair) });
    expect([first.status, second.status]).toEqual([200, 200]);
    expect(second.body.public_value).toBe(first.body.public_value);
    expect(second.body.signing_value).toBe(first.body.signing_value);
    expect(new X509Certificate(String(second.body.api_cert)).serialNumber).not.toBe(new X509Certificate(String(first.body.api_cert)).serialNumber);
  });

  it("accepts the official Node client's CSR: SHA-1 signature, empty subject", async () => {
    const idp = await okta();
    const { server: ref, ssoUrl } = await server(oktaSettings(idp));
    addUser(ref, 'ada@example.com');
    const official = await createCsr(keyPair, { hash: 'SHA-1', subject: 'empty' });
    const answer = await postSso(ssoUrl, await oktaToken(idp), { csr: official });
    expect(answer.status).toBe(200);
    expect(new X509Certificate(String(answer.body.api_cert)).publicKey.equals(keyPair.publicKey)).toBe(true);
  });

  it('refuses hostile tokens with 401 and a reason, never echoing the token', async () => {
    const idp = await okta();
    const { server: ref, ssoUrl } = await server(oktaSettings(idp));
    addUser(ref, 'ada@example.com');
    const real = await oktaToken(idp);
    const claims = claimsOf(real);
    const now = Math.floor(Date.now() / 1000);
    const jwk = ((await (await fetch(idp.jwksUri)).json()) as { keys: Array<Record<string, unknown>> }).keys[0]!;
    const pem = String(createPublicKey({ key: jwk as never, format: 'jwk' }).export({ type: 'spki', format: 'pem' }));
    const cases: Array<[string, string | undefined, string]> = [
      ['no token', undefined, 'missing'],
      ['alg none', unsignedToken(claims), 'unsupported_algorithm'],
      ['HS256 with the public key', await new SignJWT(claims).setProtectedHeader({ alg: 'HS256', kid: String(jwk.kid) }).sign(new TextEncoder().encode(pem)), 'unsupported_algorithm'],
      ['wrong issuer', await idp.signToken({ ...claims, iss: 'https://evil.okta.com' }), 'wrong_issuer'],
      ['wrong audience', await idp.signToken({ ...claims, aud: 'api://someone-else' }), 'wrong_audience'],
      ['expired', await idp.signToken({ ...claims, iat: now - 7200, exp: now - 3600 }), 'expired'],
      ['nbf in the future', await idp.signToken({ ...claims, nbf: now + 3600 }), 'not_yet_valid'],
      ['unknown kid', await idp.signToken(claims, { unpublishedKey: true }), 'unknown_key'],
      ['tampered payload', tamper(real, (c) => ({ ...c, sub: 'mallory@example.com' })), 'bad_signature'],
      ['garbage', 'not.a.jwt!', 'malformed'],
    ];
    for (const [name, token, reason] of cases) {
      const answer = await postSso(ssoUrl, token, { csr });
      expect({ name, status: answer.status, error: answer.body.error, reason: answer.body.reason }).toEqual({ name, status: 401, error: 'invalid_token', reason });
      expect(answer.headers.get('www-authenticate')).toMatch(/^Bearer error="invalid_token"/);
      if (token !== undefined) for (const part of token.split('.').filter((p) => p.length > 8)) expect(answer.text).not.toContain(part);
    }
    const basic = await postSso(ssoUrl, undefined, { csr }, { authorization: 'Basic YWRhOnB3' });
    expect([basic.status, basic.body.reason]).toEqual([401, 'malformed']);
  });

  it('answers 403 for an unknown user, a deactivated user, a disabled key, and a disabled or unconfigured integration', async () => {
    const idp = await okta();
    const { server: ref, ssoUrl } = await server(oktaSettings(idp));
    const ada = addUser(ref, 'ada@example.com');
    const bobToken = await oktaToken(idp, 'bob@example.com', 'bob-password');
    expect(await postSso(ssoUrl, bobToken, { csr })).toMatchObject({ status: 403, body: { error: 'unknown_user' } });

    setActive(ref, ada, false);
    const adaToken = await oktaToken(idp);
    expect(await postSso(ssoUrl, adaToken, { csr })).toMatchObject({ status: 403, body: { error: 'user_inactive' } });
    setActive(ref, ref.store.getUser(ada.id)!, true);
    expect((await postSso(ssoUrl, adaToken, { csr })).status).toBe(200);

    ref.store.findApiKeyByUserId(ada.id)!.enabled = false;
    expect(await postSso(ssoUrl, adaToken, { csr })).toMatchObject({ status: 403, body: { error: 'api_key_disabled' } });
    ref.store.findApiKeyByUserId(ada.id)!.enabled = true;

    ref.context.settings.idp.enabled = false;
    expect(await postSso(ssoUrl, adaToken, { csr })).toMatchObject({ status: 403, body: { error: 'idp_integration_disabled' } });
    ref.context.settings.idp.enabled = true;
    ref.context.settings.idp.audience = undefined;
    expect(await postSso(ssoUrl, adaToken, { csr })).toMatchObject({ status: 403, body: { error: 'idp_not_configured' } });
  });

  it('follows IdP settings edited at run time (another audience) and an IdP key rotation', async () => {
    const idp = await okta(true);
    const { server: ref, ssoUrl } = await server({ ...oktaSettings(idp), jwksCooldownMs: 0 });
    addUser(ref, 'ada@example.com');
    expect((await postSso(ssoUrl, await oktaToken(idp), { csr })).status).toBe(200);
    await idp.rotateKeys({ graceMs: 0 });
    expect((await postSso(ssoUrl, await oktaToken(idp), { csr })).status).toBe(200);
    ref.context.settings.idp.audience = 'api://ubiq-elsewhere';
    expect(await postSso(ssoUrl, await oktaToken(idp), { csr })).toMatchObject({ status: 401, body: { reason: 'wrong_audience' } });
  });

  it('answers 503 when the IdP discovery document cannot be fetched, and 404 for another customer id', async () => {
    const idp = await okta();
    const { server: ref, ssoUrl } = await server({ idp: { discoveryUrl: 'http://127.0.0.1:1/.well-known/openid-configuration', issuer: idp.issuer, audience: 'x' }, idpTimeoutMs: 2_000 });
    addUser(ref, 'ada@example.com');
    expect(await postSso(ssoUrl, await oktaToken(idp), { csr })).toMatchObject({ status: 503, body: { error: 'idp_unavailable' } });
    const other = ssoUrl.replace(ref.info().customerId, '00000000-0000-4000-8000-000000000000');
    expect((await postSso(other, await oktaToken(idp), { csr })).status).toBe(404);
  });
});

describe('SSO endpoint with Entra', () => {
  it('accepts a v1 token (upn) for a SCIM userName that differs in case', async () => {
    const idp = await entra();
    const { server: ref, ssoUrl } = await server(entraV1Settings(idp));
    const ada = addUser(ref, 'Ada@Contoso.onmicrosoft.com');
    const answer = await postSso(ssoUrl, await entraToken(idp), { csr });
    expect(answer.status).toBe(200);
    expect(answer.body.public_value).toBe(ref.store.findApiKeyByUserId(ada.id)!.accessKeyId);
  });

  it('accepts a v2 token (preferred_username) with the v2 issuer and the client id as audience', async () => {
    const idp = await entra();
    const { server: ref, ssoUrl } = await server({ idp: { discoveryUrl: idp.discoveryUrl, issuer: idp.issuerV2, audience: ENTRA_V2_CLIENT } });
    addUser(ref, 'ada@contoso.onmicrosoft.com');
    const token = await entraToken(idp, 'ada@contoso.onmicrosoft.com', 'ada-password', ENTRA_V2_CLIENT);
    expect(claimsOf(token).ver).toBe('2.0');
    expect((await postSso(ssoUrl, token, { csr })).status).toBe(200);
    // The v1 configuration refuses that v2 token.
    const { ssoUrl: v1Url, server: v1 } = await server(entraV1Settings(idp));
    addUser(v1, 'ada@contoso.onmicrosoft.com');
    expect(await postSso(v1Url, token, { csr })).toMatchObject({ status: 401, body: { reason: 'wrong_issuer' } });
  });

  it("refuses another tenant's token and a token from another tenant's keys", async () => {
    const idp = await entra();
    const { server: ref, ssoUrl } = await server(entraV1Settings(idp));
    addUser(ref, 'ada@contoso.onmicrosoft.com');
    const claims = claimsOf(await entraToken(idp));
    const other = '0b1e3c5a-1111-4222-8333-944444444444';
    const foreign = await idp.signToken({ ...claims, tid: other, iss: `https://sts.windows.net/${other}/` });
    expect(await postSso(ssoUrl, foreign, { csr })).toMatchObject({ status: 401, body: { reason: 'foreign_tenant' } });
    expect(claims.tid).toBe(ENTRA_TENANT);
    const elsewhere = entraEmulator({ tenantId: other });
    closers.push(() => elsewhere.close());
    await elsewhere.listen();
    expect(await postSso(ssoUrl, await entraToken(elsewhere), { csr })).toMatchObject({ status: 401, body: { reason: 'unknown_key' } });
  });

  it('honours a configured username claim (oid)', async () => {
    const idp = await entra();
    const token = await entraToken(idp);
    const { server: ref, ssoUrl } = await server({ idp: { ...entraV1Settings(idp).idp, usernameClaim: 'oid' } });
    addUser(ref, String(claimsOf(token).oid));
    expect((await postSso(ssoUrl, token, { csr })).status).toBe(200);
  });
});

describe('SSO endpoint CSR checks', () => {
  async function ready() {
    const idp = await okta();
    const { server: ref, ssoUrl } = await server(oktaSettings(idp));
    addUser(ref, 'ada@example.com');
    return { ssoUrl, token: await oktaToken(idp) };
  }

  it('refuses a CSR whose self-signature does not verify', async () => {
    const { ssoUrl, token } = await ready();
    const der = Buffer.from(csr.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64');
    der[der.length - 5]! ^= 0xff; // inside the signature BIT STRING
    const broken = `-----BEGIN CERTIFICATE REQUEST-----\n${der.toString('base64')}\n-----END CERTIFICATE REQUEST-----\n`;
    expect(await postSso(ssoUrl, token, { csr: broken })).toMatchObject({ status: 400, body: { error: 'invalid_csr', reason: 'bad_signature' } });
  });

  it('refuses a 1024-bit RSA key', async () => {
    const { ssoUrl, token } = await ready();
    const small = generateKeyPairSync('rsa', { modulusLength: 1024 });
    const weak = await createCsr({ privateKey: small.privateKey, publicKey: small.publicKey });
    expect(await postSso(ssoUrl, token, { csr: weak })).toMatchObject({ status: 400, body: { error: 'invalid_csr', reason: 'key_too_small' } });
  });

  it('refuses garbage, a certificate instead of a CSR, a missing csr and a body that is not JSON', async () => {
    const { ssoUrl, token } = await ready();
    expect(await postSso(ssoUrl, token, { csr: 'hello' })).toMatchObject({ status: 400, body: { error: 'invalid_csr', reason: 'malformed' } });
    const garbage = `-----BEGIN CERTIFICATE REQUEST-----\n${Buffer.from('garbage garbage garbage').toString('base64')}\n-----END CERTIFICATE REQUEST-----\n`;
    expect(await postSso(ssoUrl, token, { csr: garbage })).toMatchObject({ status: 400, body: { error: 'invalid_csr', reason: 'malformed' } });
    const issued = await postSso(ssoUrl, token, { csr });
    expect(await postSso(ssoUrl, token, { csr: issued.body.api_cert })).toMatchObject({ status: 400, body: { error: 'invalid_csr' } });
    expect(await postSso(ssoUrl, token, {})).toMatchObject({ status: 400, body: { error: 'invalid_request' } });
    expect(await postSso(ssoUrl, token, '{"csr": ')).toMatchObject({ status: 400, body: { error: 'invalid_request', reason: 'invalid_json' } });
  });
});
