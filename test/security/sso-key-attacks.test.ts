// Hostile input at the SSO and key endpoints that test/server-sso and test/server-keys do not cover yet:
// a token of another Okta org (also one claiming our issuer), deleted users, tokens replayed after the
// user was removed, tiny and non-RSA CSR keys, huge bodies, captured key requests replayed elsewhere or
// after removal — every one refused AND the server's state unchanged (snapshot before/after).
import { generateKeyPairSync } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { OktaEmulator } from 'ubiq-idp/testing';
import type { ReferenceServer } from 'ubiq-idp/server';
import { createCsr } from '../../src/credentials/csr.js';
import { generateRsaKeyPair, type RsaKeyPair } from '../../src/crypto/keypair.js';
import { signUbiqRequest } from '../../src/signing/index.js';
import { claimsOf, oktaEmulator, oktaToken } from '../server-sso/idp-helpers.js';
import { postSso, startServer } from '../server-sso/server-helpers.js';
import { datasetGroup, scim, scimGroup, scimUser, signedPost, sso, type SsoCredentials } from '../server-keys/key-helpers.js';
import { ecCsr, smallRsaCsr } from './helpers/hostile-csr.js';
import { snapshot } from './state.js';

let okta: OktaEmulator;
let otherOrg: OktaEmulator;
let keyPair: RsaKeyPair;
let csr: string;
beforeAll(async () => {
  okta = oktaEmulator();
  otherOrg = oktaEmulator();
  [keyPair] = await Promise.all([generateRsaKeyPair({ modulusLength: 2048 }), okta.listen(), otherOrg.listen()]);
  csr = await createCsr(keyPair);
});
afterAll(async () => {
  await Promise.all([okta.close(), otherOrg.close()]);
});
const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (closers.length > 0) await closers.pop()?.();
});

interface World {
  server: ReferenceServer;
  ssoUrl: string;
  origin: string;
  adaId: string;
  groupId: string;
  ada: SsoCredentials;
  adaToken: string;
}

async function world(): Promise<World> {
  const org = okta.authorizationServer();
  const { server, origin, ssoUrl } = await startServer({ idp: { discoveryUrl: org.discoveryUrl, issuer: org.issuer, audience: org.audience }, jwksCooldownMs: 0 });
  closers.push(() => server.close());
  const adaId = await scimUser(server, 'ada@example.com');
  await datasetGroup(server, 'Engineering', ['payroll']);
  const groupId = await scimGroup(server, 'Engineering', [adaId]);
  const adaToken = await oktaToken(okta);
  const ada = await sso(ssoUrl, adaToken, csr);
  return { server, ssoUrl, origin, adaId, groupId, ada, adaToken };
}

/** Runs `attack`, expects the answer, and proves nothing in the server changed. */
async function refusedWithoutChange<T>(w: World, attack: () => Promise<T>, check: (answer: T) => void): Promise<void> {
  const before = snapshot(w.server);
  check(await attack());
  expect(snapshot(w.server)).toBe(before);
}

describe('SSO endpoint: tokens', () => {
  it("another Okta org's token, and one signed by that org claiming our issuer and audience: 401, state unchanged", async () => {
    const w = await world();
    const foreign = await oktaToken(otherOrg, 'ada@example.com', 'ada-password');
    await refusedWithoutChange(w, () => postSso(w.ssoUrl, foreign, { csr }), (a) => expect(a).toMatchObject({ status: 401, body: { error: 'invalid_token' } }));
    const ours = claimsOf(w.adaToken);
    const forged = await otherOrg.signToken({ ...ours, iss: String(ours.iss), aud: String(ours.aud) });
    await refusedWithoutChange(w, () => postSso(w.ssoUrl, forged, { csr }), (a) => expect(a.status).toBe(401));
  });

  it('a token replayed after the user was deactivated, then after the user was deleted (SCIM): 403, state unchanged, key gone', async () => {
    const w = await world();
    await scim(w.server, 'PATCH', `/Users/${w.adaId}`, { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'replace', value: { active: false } }] });
    await refusedWithoutChange(w, () => postSso(w.ssoUrl, w.adaToken, { csr }), (a) => expect(a).toMatchObject({ status: 403, body: { error: 'user_inactive' } }));
    expect((await scim(w.server, 'DELETE', `/Users/${w.adaId}`)).status).toBe(204);
    expect(w.server.store.findApiKeyByAccessKeyId(w.ada.accessKeyId)).toBeUndefined();
    await refusedWithoutChange(w, () => postSso(w.ssoUrl, w.adaToken, { csr }), (a) => expect(a).toMatchObject({ status: 403, body: { error: 'unknown_user' } }));
    // A fresh token for the deleted user (still in Okta) is refused the same way.
    await refusedWithoutChange(w, async () => postSso(w.ssoUrl, await oktaToken(okta), { csr }), (a) => expect(a.status).toBe(403));
  });

  it('a token of a user removed from every group still gets credentials but no dataset (access follows the group)', async () => {
    const w = await world();
    await scim(w.server, 'PATCH', `/Groups/${w.groupId}`, { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'remove', path: `members[value eq "${w.adaId}"]` }] });
    const again = await sso(w.ssoUrl, w.adaToken, csr);
    const before = snapshot(w.server);
    const denied = await signedPost(`${w.origin}/api/v0/encryption/key`, { uses: 1, payload_cert: again.payloadCert }, again);
    expect(denied.status).toBe(403);
    expect(snapshot(w.server)).toBe(before);
  });
});

describe('SSO endpoint: CSRs and bodies', () => {
  it('512-bit RSA, an EC key, a PEM of another type, binary junk, a 10 MB body and deep JSON: refused, state unchanged', async () => {
    const w = await world();
    const tiny = generateKeyPairSync('rsa', { modulusLength: 512 });
    // Built outside createCsr (which makes RSA CSRs only), so every attack below is really sent.
    const [tinyCsr, ecKeyCsr, rsa1024Csr] = await Promise.all([smallRsaCsr(512), ecCsr(), smallRsaCsr(1024)]);
    const bodies: Array<[string, unknown]> = [
      ['512-bit RSA', { csr: tinyCsr }],
      ['1024-bit RSA', { csr: rsa1024Csr }],
      ['EC key', { csr: ecKeyCsr }],
      ['private key PEM', { csr: String(tiny.privateKey.export({ type: 'pkcs8', format: 'pem' })) }],
      ['binary junk', { csr: `-----BEGIN CERTIFICATE REQUEST-----\n${Buffer.alloc(3000, 0xff).toString('base64')}\n-----END CERTIFICATE REQUEST-----` }],
      ['csr not a string', { csr: { nested: [1, 2, 3] } }],
      ['csr array', { csr: [csr, csr] }],
      ['deep JSON', '{"csr":'.repeat(5_000) + '1' + '}'.repeat(5_000)],
      ['__proto__', '{"__proto__":{"csr":"x"},"csr":null}'],
    ];
    for (const [name, body] of bodies) {
      await refusedWithoutChange(w, () => postSso(w.ssoUrl, w.adaToken, body), (a) => {
        expect(a.status, name).toBeGreaterThanOrEqual(400);
        expect(a.status, name).toBeLessThan(500);
      });
    }
    const huge = JSON.stringify({ csr: 'A'.repeat(10 * 1024 * 1024) });
    await refusedWithoutChange(w, () => postSso(w.ssoUrl, w.adaToken, huge), (a) => expect(a.status).toBe(413));
    expect(({} as Record<string, unknown>).csr).toBeUndefined();
  });
});

describe('key endpoints: replays', () => {
  it('a captured request replayed to the other endpoint, to another host, with a stale created, and after removal: refused, state unchanged', async () => {
    const w = await world();
    const encryptUrl = `${w.origin}/api/v0/encryption/key`;
    const body = JSON.stringify({ uses: 1, payload_cert: w.ada.payloadCert });
    const captured = signUbiqRequest({ method: 'POST', url: encryptUrl, body, credentials: w.ada });
    const replay = (url: string, headers: Record<string, string> = captured) =>
      fetch(url, { method: 'POST', headers, body, signal: AbortSignal.timeout(10_000) }).then(async (r) => ({ status: r.status, body: (await r.json()) as Record<string, unknown> }));
    // The original works (and the identical replay inside the skew window is accepted: the protocol has no nonce).
    expect((await replay(encryptUrl)).status).toBe(201);
    await refusedWithoutChange(w, () => replay(`${w.origin}/api/v0/decryption/key`), (a) => expect(a).toMatchObject({ status: 401 }));
    await refusedWithoutChange(w, () => replay(encryptUrl.replace('127.0.0.1', 'localhost')), (a) => expect(a).toMatchObject({ status: 401 }));
    const stale = signUbiqRequest({ method: 'POST', url: encryptUrl, body, credentials: w.ada, now: new Date(Date.now() - 10 * 60_000) });
    await refusedWithoutChange(w, () => replay(encryptUrl, stale), (a) => expect(a).toMatchObject({ status: 401, body: { reason: 'stale_created' } }));
    const future = signUbiqRequest({ method: 'POST', url: encryptUrl, body, credentials: w.ada, now: new Date(Date.now() + 10 * 60_000) });
    await refusedWithoutChange(w, () => replay(encryptUrl, future), (a) => expect(a).toMatchObject({ status: 401, body: { reason: 'stale_created' } }));
    // Removed from the group mid-session: the same captured request is now refused.
    await scim(w.server, 'PATCH', `/Groups/${w.groupId}`, { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'remove', path: `members[value eq "${w.adaId}"]` }] });
    await refusedWithoutChange(w, () => replay(encryptUrl), (a) => expect(a.status).toBe(403));
    // Deleted: the key is gone, so the signature no longer verifies.
    await scim(w.server, 'DELETE', `/Users/${w.adaId}`);
    await refusedWithoutChange(w, () => replay(encryptUrl), (a) => expect(a).toMatchObject({ status: 401 }));
  });

  it('a signature with a swapped header list, a duplicated parameter, or HMAC-SHA256: 401, state unchanged', async () => {
    const w = await world();
    const encryptUrl = `${w.origin}/api/v0/encryption/key`;
    const body = JSON.stringify({ uses: 1, payload_cert: w.ada.payloadCert });
    const good = signUbiqRequest({ method: 'POST', url: encryptUrl, body, credentials: w.ada });
    const variants: Record<string, string>[] = [
      { ...good, Signature: good.Signature!.replace(/headers="[^"]*"/, 'headers="content-type date host"') },
      { ...good, Signature: `${good.Signature!}, keyId="${w.ada.accessKeyId}"` },
      { ...good, Signature: good.Signature!.replace('hmac-sha512', 'hmac-sha256') },
      { ...good, Signature: good.Signature!.replace(/signature="[^"]*"/, 'signature=""') },
    ];
    for (const headers of variants) {
      await refusedWithoutChange(
        w,
        () => fetch(encryptUrl, { method: 'POST', headers, body }).then((r) => r.status),
        (status) => expect(status).toBe(401),
      );
    }
  });
});
