// The structured (format-preserving) endpoints as the official Node client calls them: GET /api/v0/ffs,
// /api/v0/fpe/key and /api/v0/fpe/def_keys, signed, `papi` and `ffs_name` in the query, `payload_cert`
// appended to the query of the key requests. The official client (ubiq-security) is not installable from the
// registry here, so createStructuredTestClient re-implements its requests, unwrapping and FF1 pipeline.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createStructuredTestClient, isStructuredClientError, type OktaEmulator, type StructuredTestClient } from 'ubiq-idp/testing';
import type { ReferenceServer } from 'ubiq-idp/server';
import { createCsr } from '../../src/credentials/csr.js';
import { generateRsaKeyPair, type RsaKeyPair } from '../../src/crypto/keypair.js';
import { oktaEmulator, oktaToken } from '../server-sso/idp-helpers.js';
import { startServer } from '../server-sso/server-helpers.js';
import { admin, forgeUnwrap, scim, scimGroup, scimUser, sso, type SsoCredentials } from './key-helpers.js';
import { signUbiqRequest } from '../../src/signing/index.js';

let okta: OktaEmulator;
let keyPair: RsaKeyPair;
let csr: string;
beforeAll(async () => {
  okta = oktaEmulator();
  [keyPair] = await Promise.all([generateRsaKeyPair({ modulusLength: 2048 }), okta.listen()]);
  csr = await createCsr(keyPair, { hash: 'SHA-1', subject: 'empty' });
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
  ada: SsoCredentials;
  client: StructuredTestClient;
  groupId: string;
  adaId: string;
}

/** ada in SCIM group Engineering; dataset group Engineering holds structured `national-id` and unstructured `payroll`. */
async function world(): Promise<World> {
  const org = okta.authorizationServer();
  const { server, origin, ssoUrl } = await startServer({ idp: { discoveryUrl: org.discoveryUrl, issuer: org.issuer, audience: org.audience } });
  closers.push(() => server.close());
  const adaId = await scimUser(server, 'ada@example.com');
  expect((await admin(server, 'POST', '/dataset-groups', { name: 'Engineering' })).status).toBe(201);
  const structured = await admin(server, 'POST', '/datasets', { name: 'national-id', type: 'structured', structured: { passthrough: '-' }, datasetGroups: ['Engineering'] });
  expect(structured.status).toBe(201);
  expect((await admin(server, 'POST', '/datasets', { name: 'payroll', datasetGroups: ['Engineering'] })).status).toBe(201);
  const groupId = await scimGroup(server, 'Engineering', [adaId]);
  const ada = await sso(ssoUrl, await oktaToken(okta), csr);
  const client = createStructuredTestClient({ server: origin, credentials: { ...ada, privateKey: keyPair.privateKey } });
  return { server, origin, ada, client, groupId, adaId };
}

/** A signed GET exactly as the official client builds it (path + query signed, payload_cert unescaped). */
async function signedGet(origin: string, target: string, credentials: { accessKeyId: string; secretSigningKey: string }) {
  const url = `${origin}${target}`;
  const response = await fetch(url, { headers: signUbiqRequest({ method: 'GET', url, credentials }), signal: AbortSignal.timeout(10_000) });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

async function refusal(promise: Promise<unknown>): Promise<{ status: number; error: string | undefined; reason: string | undefined }> {
  try {
    await promise;
  } catch (error) {
    if (isStructuredClientError(error)) return { status: error.status, error: error.error, reason: error.reason };
    throw error;
  }
  throw new Error('the request was not refused');
}

describe('structured datasets: shapes the official client parses', () => {
  it('GET /api/v0/ffs answers the definition with the client field names and permissions', async () => {
    const w = await world();
    const ffs = await signedGet(w.origin, `/api/v0/ffs?papi=${encodeURIComponent(w.ada.accessKeyId)}&ffs_name=national-id`, w.ada);
    expect(ffs.status).toBe(200);
    expect(ffs.body).toMatchObject({
      name: 'national-id',
      data_type: 'string',
      encryption_algorithm: 'FF1',
      tweak_source: 'constant',
      input_character_set: '0123456789',
      output_character_set: '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ',
      passthrough: '-',
      passthrough_rules: [{ type: 'passthrough', value: '-', priority: 1 }],
      min_input_length: 9,
      max_input_length: 9,
      msb_encoding_bits: 1,
      fpe_definable_type: 'EfpeDefinition',
      permissions: { encrypt: true, decrypt: true },
    });
    expect(Buffer.from(String(ffs.body.tweak), 'base64')).toHaveLength(32);
  });

  it('GET /api/v0/fpe/key wraps a 32-byte key that node-forge RSA-OAEP unwraps; key_number selects an older key', async () => {
    const w = await world();
    const target = `/api/v0/fpe/key?papi=${encodeURIComponent(w.ada.accessKeyId)}&ffs_name=national-id&payload_cert=${w.ada.payloadCert}`;
    const current = await signedGet(w.origin, target, w.ada);
    expect(current.status).toBe(200);
    expect(Object.keys(current.body).sort()).toEqual(['encrypted_private_key', 'key_number', 'wrapped_data_key']);
    expect(current.body.key_number).toBe(0);
    const key0 = forgeUnwrap(keyPair.privateKey, String(current.body.wrapped_data_key));
    expect(key0).toHaveLength(32);

    const rotated = await admin(w.server, 'POST', '/datasets/national-id/keys/rotate');
    expect(rotated).toMatchObject({ status: 200, body: { currentKeyNumber: 1, keyNumbers: [0, 1] } });
    const next = await signedGet(w.origin, target, w.ada);
    expect(next.body.key_number).toBe(1);
    expect(forgeUnwrap(keyPair.privateKey, String(next.body.wrapped_data_key)).equals(key0)).toBe(false);
    const old = await signedGet(w.origin, `${target}&key_number=0`, w.ada);
    expect(forgeUnwrap(keyPair.privateKey, String(old.body.wrapped_data_key)).equals(key0)).toBe(true);
    const future = await signedGet(w.origin, `${target}&key_number=2`, w.ada);
    expect(future).toMatchObject({ status: 404, body: { error: 'key_not_found', reason: 'unknown_key_number' } });
  });

  it('GET /api/v0/fpe/def_keys answers {name: {ffs, encrypted_private_key, current_key_number, keys}} for named or all datasets', async () => {
    const w = await world();
    await admin(w.server, 'POST', '/datasets/national-id/keys/rotate');
    const all = await w.client.defaultKeys();
    expect(Object.keys(all)).toEqual(['national-id']);
    expect(all['national-id']).toMatchObject({ currentKeyNumber: 1, definition: { name: 'national-id', encryption_algorithm: 'FF1' } });
    expect(all['national-id']?.keys).toHaveLength(2);
    const one = await w.client.key('national-id', 0);
    expect(all['national-id']?.keys[0]?.equals(one.key)).toBe(true);
    expect(Object.keys(await w.client.defaultKeys(['national-id']))).toEqual(['national-id']);
    expect(await refusal(w.client.defaultKeys(['national-id', 'payroll']))).toMatchObject({ status: 400, error: 'dataset_type_mismatch' });
  });

  it('round-trips a 9-digit identifier with passthrough, before and after a key rotation', async () => {
    const w = await world();
    const ciphertext = await w.client.encrypt('national-id', '123-45-6789');
    expect(ciphertext).toMatch(/^[0-9A-Z]{3}-[0-9A-Z]{2}-[0-9A-Z]{4}$/);
    expect(ciphertext).not.toBe('123-45-6789');
    expect(await w.client.decrypt('national-id', ciphertext)).toBe('123-45-6789');
    await admin(w.server, 'POST', '/datasets/national-id/keys/rotate');
    const after = await w.client.encrypt('national-id', '123-45-6789');
    expect(after).not.toBe(ciphertext);
    expect(await w.client.decrypt('national-id', after)).toBe('123-45-6789');
    expect(await w.client.decrypt('national-id', ciphertext)).toBe('123-45-6789');
  });
});

describe('structured datasets: refusals', () => {
  it('refuses without access (not in the group), and for an unknown dataset, naming it', async () => {
    const w = await world();
    await scim(w.server, 'PATCH', `/Groups/${w.groupId}`, {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [{ op: 'remove', path: `members[value eq "${w.adaId}"]` }],
    });
    for (const attempt of [w.client.definition('national-id'), w.client.key('national-id'), w.client.defaultKeys(['national-id'])]) {
      expect(await refusal(attempt)).toMatchObject({ status: 403, error: 'dataset_access_denied', reason: 'no_group_membership' });
    }
    expect(await w.client.defaultKeys()).toEqual({});
    expect(await refusal(w.client.key('no-such-dataset'))).toMatchObject({ status: 403, error: 'dataset_access_denied', reason: 'dataset_not_found' });
    expect(await refusal(w.client.key('payroll'))).toMatchObject({ status: 400, error: 'dataset_type_mismatch' });
  });

  it('refuses a wrong signature, a papi of another key, and a missing payload_cert on the key requests', async () => {
    const w = await world();
    const target = `/api/v0/fpe/key?papi=${encodeURIComponent(w.ada.accessKeyId)}&ffs_name=national-id&payload_cert=${w.ada.payloadCert}`;
    const wrongSecret = await signedGet(w.origin, target, { accessKeyId: w.ada.accessKeyId, secretSigningKey: 'not-the-signing-value' });
    expect(wrongSecret).toMatchObject({ status: 401, body: { error: 'invalid_signature', reason: 'bad_signature' } });
    const unsigned = await fetch(`${w.origin}/api/v0/ffs?papi=x&ffs_name=national-id`);
    expect(unsigned.status).toBe(401);
    const otherPapi = await signedGet(w.origin, target.replace(`papi=${encodeURIComponent(w.ada.accessKeyId)}`, 'papi=someone-else'), w.ada);
    expect(otherPapi).toMatchObject({ status: 401, body: { reason: 'papi_mismatch' } });
    const noCert = await signedGet(w.origin, target.replace(/&payload_cert=.*$/, ''), w.ada);
    expect(noCert).toMatchObject({ status: 401, body: { error: 'invalid_payload_cert', reason: 'missing' } });
    const defKeysNoCert = await signedGet(w.origin, `/api/v0/fpe/def_keys?papi=${encodeURIComponent(w.ada.accessKeyId)}`, w.ada);
    expect(defKeysNoCert).toMatchObject({ status: 401, body: { reason: 'missing' } });
  });

  it("refuses another user's certificate, also on /ffs where the certificate is optional", async () => {
    const w = await world();
    const bobId = await scimUser(w.server, 'bob@example.com');
    await scim(w.server, 'PATCH', `/Groups/${w.groupId}`, {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [{ op: 'add', path: 'members', value: [{ value: bobId }] }],
    });
    const bob = await sso(`${w.server.info().scimBaseUrl}/sso`, await oktaToken(okta, 'bob@example.com', 'bob-password'), csr);
    const papi = encodeURIComponent(w.ada.accessKeyId);
    for (const path of [`/api/v0/fpe/key?papi=${papi}&ffs_name=national-id`, `/api/v0/fpe/def_keys?papi=${papi}`, `/api/v0/ffs?papi=${papi}&ffs_name=national-id`]) {
      const answer = await signedGet(w.origin, `${path}&payload_cert=${bob.payloadCert}`, w.ada);
      expect(answer, path).toMatchObject({ status: 401, body: { error: 'invalid_payload_cert', reason: 'wrong_api_key' } });
    }
  });
});

describe('structured datasets: admin API', () => {
  it('refuses definitions the client could not use, and stops rotation where key numbers no longer fit', async () => {
    const w = await world();
    const bad = async (structured: Record<string, unknown>) => (await admin(w.server, 'POST', '/datasets', { name: `bad-${Math.random()}`, type: 'structured', structured })).status;
    expect(await bad({ inputCharacterSet: '0123456789abc', outputCharacterSet: '0123456789' })).toBe(400); // output smaller than input
    expect(await bad({ passthrough: '0' })).toBe(400); // passthrough inside the character set
    expect(await bad({ minInputLength: 5, maxInputLength: 5 })).toBe(400); // 10^5 < 1,000,000
    expect(await bad({ minInputLength: 9, maxInputLength: 8 })).toBe(400);
    expect(await bad({ inputCharacterSet: '00123' })).toBe(400); // repeated character
    expect((await admin(w.server, 'POST', '/datasets', { name: 'plain', structured: {} })).status).toBe(400);
    expect((await admin(w.server, 'POST', '/datasets', { name: 'a,b', type: 'structured' })).status).toBe(400);

    // Digits in, digits out: the first character's index (< 10) needs 4 bits, and 9 + (1 << 4) does not fit: one key only.
    const tight = await admin(w.server, 'POST', '/datasets', { name: 'tight', type: 'structured', structured: { outputCharacterSet: '0123456789' } });
    expect(tight).toMatchObject({ status: 201, body: { structured: { msbEncodingBits: 4, maxKeyNumber: 0 } } });
    expect(await admin(w.server, 'POST', '/datasets/tight/keys/rotate')).toMatchObject({ status: 409, body: { code: 'key_numbers_exhausted' } });
    expect(await admin(w.server, 'GET', '/datasets/payroll/keys')).toMatchObject({ status: 400, body: { code: 'dataset_type_mismatch' } });
  });
});
