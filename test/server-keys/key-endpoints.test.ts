import { X509Certificate } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { OktaEmulator } from 'ubiq-idp/testing';
import type { ReferenceServer } from 'ubiq-idp/server';
import { createCsr } from '../../src/credentials/csr.js';
import { generateRsaKeyPair, type RsaKeyPair } from '../../src/crypto/keypair.js';
import { createCertificateAuthority } from '../../src/x509/index.js';
import { oktaEmulator, oktaToken } from '../server-sso/idp-helpers.js';
import { startServer, type TestServerOptions } from '../server-sso/server-helpers.js';
import {
  datasetGroup,
  encryptLikeClient,
  forgeUnwrap,
  parseClientCiphertext,
  scim,
  scimGroup,
  scimUser,
  signedPost,
  sso,
  type SsoCredentials,
} from './key-helpers.js';

let okta: OktaEmulator;
let keyPair: RsaKeyPair;
let csr: string;
beforeAll(async () => {
  okta = oktaEmulator();
  [keyPair] = await Promise.all([generateRsaKeyPair({ modulusLength: 2048 }), okta.listen()]);
  csr = await createCsr(keyPair, { hash: 'SHA-1', subject: 'empty' }); // what the official Node client sends
});
afterAll(async () => {
  await okta.close();
});

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (closers.length > 0) await closers.pop()?.();
});

interface World {
  server: ReferenceServer;
  origin: string;
  adaId: string;
  groupId: string;
  ada: SsoCredentials;
  encryptUrl: string;
  decryptUrl: string;
}

/** Okta assigns ada and pushes Engineering; the Ubiq UI has dataset group Engineering with `datasets`. */
async function world(datasets: string[] = ['payroll'], options: TestServerOptions = {}): Promise<World> {
  const org = okta.authorizationServer();
  const { server, origin, ssoUrl } = await startServer({ idp: { discoveryUrl: org.discoveryUrl, issuer: org.issuer, audience: org.audience }, ...options });
  closers.push(() => server.close());
  const adaId = await scimUser(server, 'ada@example.com');
  await datasetGroup(server, 'Engineering', datasets);
  const groupId = await scimGroup(server, 'Engineering', [adaId]);
  const ada = await sso(ssoUrl, await oktaToken(okta), csr);
  return { server, origin, adaId, groupId, ada, encryptUrl: `${origin}/api/v0/encryption/key`, decryptUrl: `${origin}/api/v0/decryption/key` };
}

describe('key endpoints end to end (SCIM → SSO → signed key requests)', () => {
  it('encrypts a sample with the returned data key and decrypts it with the re-wrapped one', async () => {
    const w = await world();
    const encryption = await signedPost(w.encryptUrl, { uses: 3, payload_cert: w.ada.payloadCert }, w.ada);
    expect(encryption.status).toBe(201);
    expect(encryption.body).toMatchObject({ security_model: { algorithm: 'aes-256-gcm', enable_data_fragmentation: false }, max_uses: 3, encrypted_private_key: '' });
    for (const field of ['wrapped_data_key', 'encrypted_data_key', 'key_fingerprint', 'encryption_session']) expect(typeof encryption.body[field]).toBe('string');
    const dataKey = forgeUnwrap(keyPair.privateKey, String(encryption.body.wrapped_data_key));
    expect(dataKey).toHaveLength(32);
    const ciphertext = encryptLikeClient(dataKey, String(encryption.body.encrypted_data_key), 'the quarterly payroll');

    const parsed = parseClientCiphertext(ciphertext);
    const decryption = await signedPost(w.decryptUrl, { encrypted_data_key: parsed.encryptedDataKey, payload_cert: w.ada.payloadCert }, w.ada);
    expect(decryption.status).toBe(200);
    expect(decryption.body.key_fingerprint).toBe(encryption.body.key_fingerprint);
    expect(parsed.decrypt(forgeUnwrap(keyPair.privateKey, String(decryption.body.wrapped_data_key)))).toBe('the quarterly payroll');

    const events = await signedPost(`${w.origin}/api/v3/tracking/events`, { usage: [{ api_key: w.ada.accessKeyId, count: 1, action: 'encrypt' }] }, w.ada);
    expect(events.status).toBe(200);
    expect(w.server.info().trackingEventsReceived).toBe(1);
  });

  it('refuses the next key request once the user leaves the group (SCIM PATCH), naming the dataset', async () => {
    const w = await world();
    const encryption = await signedPost(w.encryptUrl, { uses: 1, payload_cert: w.ada.payloadCert }, w.ada);
    expect(encryption.status).toBe(201);
    const patch = await scim(w.server, 'PATCH', `/Groups/${w.groupId}`, {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [{ op: 'remove', path: `members[value eq "${w.adaId}"]` }],
    });
    expect([200, 204]).toContain(patch.status);
    const again = await signedPost(w.encryptUrl, { uses: 1, payload_cert: w.ada.payloadCert }, w.ada);
    expect(again).toMatchObject({ status: 403, body: { error: 'no_dataset_access' } });
    const named = await signedPost(w.encryptUrl, { uses: 1, dataset: 'payroll', payload_cert: w.ada.payloadCert }, w.ada);
    expect(named).toMatchObject({ status: 403, body: { error: 'dataset_access_denied', dataset: 'payroll', reason: 'no_group_membership' } });
    const decryption = await signedPost(w.decryptUrl, { encrypted_data_key: encryption.body.encrypted_data_key, payload_cert: w.ada.payloadCert }, w.ada);
    expect(decryption).toMatchObject({ status: 403, body: { error: 'dataset_access_denied', dataset: 'payroll' } });
    expect(String(decryption.body.message)).toContain('payroll');
  });

  it('refuses a deactivated user (SCIM active false) with 403', async () => {
    const w = await world();
    const patch = await scim(w.server, 'PATCH', `/Users/${w.adaId}`, {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [{ op: 'replace', value: { active: false } }],
    });
    expect(patch.status).toBe(200);
    expect(await signedPost(w.encryptUrl, { uses: 1, payload_cert: w.ada.payloadCert }, w.ada)).toMatchObject({ status: 403, body: { error: 'api_key_disabled' } });
  });

  it('asks which dataset when the key may use several, and serves the one named in the body or query', async () => {
    const w = await world(['payroll', 'hr-notes']);
    const ambiguous = await signedPost(w.encryptUrl, { uses: 1, payload_cert: w.ada.payloadCert }, w.ada);
    expect(ambiguous).toMatchObject({ status: 400, body: { error: 'dataset_required', datasets: ['hr-notes', 'payroll'] } });
    const named = await signedPost(w.encryptUrl, { uses: 1, dataset: 'hr-notes', payload_cert: w.ada.payloadCert }, w.ada);
    expect(named.status).toBe(201);
    const byQuery = await signedPost(`${w.encryptUrl}?dataset=payroll`, { uses: 1, payload_cert: w.ada.payloadCert }, w.ada);
    expect(byQuery.status).toBe(201);
    const unknown = await signedPost(w.encryptUrl, { uses: 1, dataset: 'secrets', payload_cert: w.ada.payloadCert }, w.ada);
    expect(unknown).toMatchObject({ status: 403, body: { error: 'dataset_access_denied', dataset: 'secrets', reason: 'dataset_not_found' } });
  });
});

describe('key endpoint request signature (Ubiq request signing)', () => {
  it('refuses a missing signature, a stale created, a wrong digest, an unknown key id and a wrong secret with 401', async () => {
    const w = await world();
    const body = { uses: 1, payload_cert: w.ada.payloadCert };
    const unsigned = await fetch(w.encryptUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect(unsigned.status).toBe(401);
    expect(await unsigned.json()).toMatchObject({ error: 'invalid_signature', reason: 'missing_signature' });
    const stale = await signedPost(w.encryptUrl, body, w.ada, { now: new Date(Date.now() - 3_600_000) });
    expect(stale).toMatchObject({ status: 401, body: { error: 'invalid_signature', reason: 'stale_created' } });
    const swapped = await signedPost(w.encryptUrl, body, w.ada, { tamper: (headers, text) => ({ headers, text: text.replace('"uses":1', '"uses":9') }) });
    expect(swapped).toMatchObject({ status: 401, body: { reason: 'digest_mismatch' } });
    const unknown = await signedPost(w.encryptUrl, body, { accessKeyId: 'no-such-key', secretSigningKey: w.ada.secretSigningKey });
    expect(unknown).toMatchObject({ status: 401, body: { reason: 'unknown_key' } });
    const wrongSecret = await signedPost(w.encryptUrl, body, { accessKeyId: w.ada.accessKeyId, secretSigningKey: 'not-the-signing-value' });
    expect(wrongSecret).toMatchObject({ status: 401, body: { reason: 'bad_signature' } });
    const events = await fetch(`${w.origin}/api/v3/tracking/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"usage":[]}' });
    expect(events.status).toBe(401);
  });
});

describe('key endpoint payload_cert', () => {
  it('refuses a missing, malformed, foreign-CA, other-key and expired certificate with 401', async () => {
    let now = Date.now();
    const w = await world(['payroll'], { now: () => now, certificateLifetimeSeconds: 600 });
    const post = (payload_cert: unknown) => signedPost(w.encryptUrl, { uses: 1, payload_cert }, w.ada, { now: new Date(now) });
    expect(await post(undefined)).toMatchObject({ status: 401, body: { error: 'invalid_payload_cert', reason: 'missing' } });
    expect(await post('%%%')).toMatchObject({ status: 401, body: { reason: 'malformed' } });

    const foreignCa = await createCertificateAuthority();
    const foreign = await foreignCa.issue({ publicKey: keyPair.publicKey, subjectCommonName: w.ada.accessKeyId, lifetimeSeconds: 600 });
    expect(await post(Buffer.from(foreign).toString('base64'))).toMatchObject({ status: 401, body: { reason: 'not_issued_by_this_server' } });

    const bobId = await scimUser(w.server, 'bob@example.com');
    await scim(w.server, 'PATCH', `/Groups/${w.groupId}`, {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [{ op: 'add', path: 'members', value: [{ value: bobId }] }],
    });
    const bob = await sso(`${w.server.info().scimBaseUrl}/sso`, await oktaToken(okta, 'bob@example.com', 'bob-password'), csr);
    expect(await post(bob.payloadCert)).toMatchObject({ status: 401, body: { reason: 'wrong_api_key' } });
    expect(await post(w.ada.payloadCert)).toMatchObject({ status: 201 });

    now += 601_000;
    expect(new X509Certificate(w.ada.apiCert).validTo).toBeTruthy();
    expect(await post(w.ada.payloadCert)).toMatchObject({ status: 401, body: { reason: 'expired' } });
  });

  it('accepts payload_cert unescaped in the query, as the official client appends it', async () => {
    const w = await world();
    // base64 of PEM text never holds '+' or '/' (they need a '>' or '?' in the text), so the official
    // client's unescaped query value survives; a space from a decoded '+' is repaired anyway (unit test).
    expect(w.ada.payloadCert).not.toMatch(/[+/]/);
    const answer = await signedPost(`${w.encryptUrl}?payload_cert=${w.ada.payloadCert}`, { uses: 1 }, w.ada);
    expect(answer.status).toBe(201);
    const encoded = await signedPost(`${w.encryptUrl}?payload_cert=${encodeURIComponent(w.ada.payloadCert)}`, { uses: 1 }, w.ada);
    expect(encoded.status).toBe(201);
    const other = await signedPost(`${w.encryptUrl}?payload_cert=${w.ada.payloadCert.slice(0, 40)}`, { uses: 1 }, w.ada);
    expect(other).toMatchObject({ status: 401, body: { error: 'invalid_payload_cert' } });
  });

  it('refuses decryption of an encrypted_data_key this server did not issue', async () => {
    const w = await world();
    const answer = await signedPost(w.decryptUrl, { encrypted_data_key: Buffer.from('forged key material').toString('base64'), payload_cert: w.ada.payloadCert }, w.ada);
    expect(answer).toMatchObject({ status: 400, body: { error: 'invalid_encrypted_data_key' } });
  });
});
