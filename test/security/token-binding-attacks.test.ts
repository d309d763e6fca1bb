// Tokens bound to the Ubiq app and names compared safely:
// - a token another OAuth client of the same Okta org / Entra tenant obtained (same issuer, same audience) is
//   refused with reason wrong_client once the IDP Settings name the Ubiq app's client id;
// - a required scope is enforced;
// - a login that equals a provisioned user's only under Unicode case folding (KELVIN SIGN) gets nothing;
// - Okta's immutable user id (SCIM externalId = token uid) must agree; Entra's oid only where configured;
// - a dataset named like another dataset's id gets that name's dataset, never the other one's key;
// - a name over 255 UTF-8 bytes is refused by the admin API (400), not by a later 500.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { EntraEmulator, OktaEmulator } from 'ubiq-idp/testing';
import type { ReferenceServer, ReferenceServerOptions } from 'ubiq-idp/server';
import { createCsr } from '../../src/credentials/csr.js';
import { generateRsaKeyPair, type RsaKeyPair } from '../../src/crypto/keypair.js';
import { ENTRA_CLIENT, ENTRA_SECRET, OKTA_CLIENT, OKTA_SCOPE, entraEmulator, entraToken, oktaEmulator, oktaToken } from '../server-sso/idp-helpers.js';
import { postSso, startServer } from '../server-sso/server-helpers.js';
import { admin, datasetGroup, forgeUnwrap, scim, scimGroup, scimUser, signedPost, sso } from '../server-keys/key-helpers.js';
import { snapshot } from './state.js';

const OTHER_OKTA_APP = '0oaotherapp0000000001';
const OTHER_ENTRA_APP = '99999999-8888-4777-8666-555555555555';
const OTHER_SECRET = 'other-app-secret-canary';

let okta: OktaEmulator;
let entra: EntraEmulator;
let keyPair: RsaKeyPair;
let csr: string;
beforeAll(async () => {
  okta = oktaEmulator({
    users: [
      { login: 'ada@example.com', password: 'ada-password', groups: ['Engineering'] },
      // Another person of the org whose login differs from kate@example.com only under Unicode case folding.
      { login: '\u212Aate@example.com', password: 'kelvin-password' },
    ],
  });
  // Any other app of the org: its tokens have the org's issuer and audience too.
  okta.addApp({ clientId: OTHER_OKTA_APP, clientSecret: OTHER_SECRET, grantTypes: ['password'], grantedScopes: ['okta.users.read', 'okta.groups.read'] });
  entra = entraEmulator();
  entra.addApp({ clientId: OTHER_ENTRA_APP, clientSecret: OTHER_SECRET, displayName: 'Some other app' });
  [keyPair] = await Promise.all([generateRsaKeyPair({ modulusLength: 2048 }), okta.listen(), entra.listen()]);
  csr = await createCsr(keyPair);
});
afterAll(async () => {
  await Promise.all([okta.close(), entra.close()]);
});
const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (closers.length > 0) await closers.pop()?.();
});

async function passwordGrant(tokenEndpoint: string, form: Record<string, string>): Promise<string> {
  const response = await fetch(tokenEndpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'password', ...form }),
    signal: AbortSignal.timeout(5_000),
  });
  const body = (await response.json()) as { access_token?: string };
  if (response.status !== 200 || body.access_token === undefined) throw new Error(`token request failed: HTTP ${response.status} ${JSON.stringify(body)}`);
  return body.access_token;
}

async function oktaServer(idp: ReferenceServerOptions['idp'] = {}): Promise<{ server: ReferenceServer; ssoUrl: string; origin: string }> {
  const org = okta.authorizationServer();
  const started = await startServer({ idp: { discoveryUrl: org.discoveryUrl, issuer: org.issuer, audience: org.audience, ...idp } });
  closers.push(() => started.server.close());
  return started;
}

describe('tokens of another app of the same IdP', () => {
  it('Okta: a token minted for another OAuth client of the org is refused with wrong_client; the Ubiq app\'s is accepted', async () => {
    const { server, ssoUrl } = await oktaServer({ allowedClientIds: [OKTA_CLIENT] });
    await scimUser(server, 'ada@example.com');
    const foreign = await passwordGrant(okta.tokenEndpoint, { username: 'ada@example.com', password: 'ada-password', client_id: OTHER_OKTA_APP, client_secret: OTHER_SECRET, scope: OKTA_SCOPE });
    const before = snapshot(server);
    const refused = await postSso(ssoUrl, foreign, { csr });
    expect(refused).toMatchObject({ status: 401, body: { error: 'invalid_token', reason: 'wrong_client' } });
    expect(snapshot(server)).toEqual(before);
    expect((await postSso(ssoUrl, await oktaToken(okta), { csr })).status).toBe(200);
  });

  it('Okta: without allowed client ids the other app\'s token still works (the setting is what closes the hole)', async () => {
    const { server, ssoUrl } = await oktaServer();
    await scimUser(server, 'ada@example.com');
    const foreign = await passwordGrant(okta.tokenEndpoint, { username: 'ada@example.com', password: 'ada-password', client_id: OTHER_OKTA_APP, client_secret: OTHER_SECRET, scope: OKTA_SCOPE });
    expect((await postSso(ssoUrl, foreign, { csr })).status).toBe(200);
    // The admin API turns the check on at once.
    expect(await admin(server, 'PATCH', '/idp', { allowedClientIds: [OKTA_CLIENT] })).toMatchObject({ status: 200, body: { allowedClientIds: [OKTA_CLIENT] } });
    expect(await postSso(ssoUrl, foreign, { csr })).toMatchObject({ status: 401, body: { reason: 'wrong_client' } });
  });

  it('Entra: a token another app registration requested for the Ubiq API (aud = its Application ID URI) is refused with wrong_client', async () => {
    const { server, ssoUrl } = await startServer({
      idp: { discoveryUrl: entra.discoveryUrl, issuer: entra.issuerV1, audience: entra.audienceOf(ENTRA_CLIENT), allowedClientIds: [ENTRA_CLIENT] },
    });
    closers.push(() => server.close());
    await scimUser(server, 'ada@contoso.onmicrosoft.com');
    const foreign = await passwordGrant(entra.tokenEndpoint, {
      username: 'ada@contoso.onmicrosoft.com',
      password: 'ada-password',
      client_id: OTHER_ENTRA_APP,
      client_secret: OTHER_SECRET,
      scope: `api://${ENTRA_CLIENT}/.default`,
    });
    const refused = await postSso(ssoUrl, foreign, { csr });
    expect(refused).toMatchObject({ status: 401, body: { error: 'invalid_token', reason: 'wrong_client' } });
    expect((await postSso(ssoUrl, await entraToken(entra), { csr })).status).toBe(200);
    expect(ENTRA_SECRET).not.toBe(OTHER_SECRET);
  });

  it('a required scope missing from the token is refused with insufficient_scope', async () => {
    const { server, ssoUrl } = await oktaServer({ allowedClientIds: [OKTA_CLIENT], requiredScope: 'ubiq.sso' });
    await scimUser(server, 'ada@example.com');
    expect(await postSso(ssoUrl, await oktaToken(okta), { csr })).toMatchObject({ status: 401, body: { reason: 'insufficient_scope' } });
    await admin(server, 'PATCH', '/idp', { requiredScope: 'okta.users.read' });
    expect((await postSso(ssoUrl, await oktaToken(okta), { csr })).status).toBe(200);
  });
});

describe('user names and immutable ids', () => {
  it('a login equal to kate@… only under Unicode case folding (KELVIN SIGN) does not get kate\'s key', async () => {
    const { server, ssoUrl } = await oktaServer();
    await scimUser(server, 'kate@example.com');
    const kelvin = await oktaToken(okta, '\u212Aate@example.com', 'kelvin-password');
    expect(await postSso(ssoUrl, kelvin, { csr })).toMatchObject({ status: 403, body: { error: 'unknown_user' } });
    // ASCII case still folds, as SCIM's caseExact false asks.
    expect(server.store.findUserByUserName('KATE@example.com')?.userName).toBe('kate@example.com');
    // And SCIM keeps the two apart: creating the Kelvin-sign user is not a uniqueness conflict, filters do not mix them.
    await scimUser(server, '\u212Aate@example.com');
    const listed = await scim(server, 'GET', `/Users?filter=${encodeURIComponent('userName eq "kate@example.com"')}`);
    expect(listed.body.totalResults).toBe(1);
  });

  it('Okta: a SCIM user whose externalId is another Okta user id is not served a token with a different uid', async () => {
    const { server, ssoUrl } = await oktaServer();
    const created = await scim(server, 'POST', '/Users', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: 'ada@example.com', externalId: '00uSOMEONEELSE000001', active: true });
    expect(created.status).toBe(201);
    expect(await postSso(ssoUrl, await oktaToken(okta), { csr })).toMatchObject({ status: 403, body: { error: 'user_mismatch', reason: 'external_id_mismatch' } });
    const adaOktaId = okta.getUser('ada@example.com')?.id;
    await scim(server, 'PATCH', `/Users/${String(created.body.id)}`, {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [{ op: 'replace', path: 'externalId', value: adaOktaId }],
    });
    expect((await postSso(ssoUrl, await oktaToken(okta), { csr })).status).toBe(200);
    await admin(server, 'PATCH', '/idp', { externalIdClaim: false });
    await scim(server, 'PATCH', `/Users/${String(created.body.id)}`, {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [{ op: 'replace', path: 'externalId', value: '00uSOMEONEELSE000001' }],
    });
    expect((await postSso(ssoUrl, await oktaToken(okta), { csr })).status).toBe(200);
  });

  it("Entra: the default mapping's externalId (mailNickname) is not compared; with externalIdClaim 'oid' the object id must agree", async () => {
    const { server, ssoUrl } = await startServer({ idp: { discoveryUrl: entra.discoveryUrl, issuer: entra.issuerV1, audience: entra.audienceOf(ENTRA_CLIENT) } });
    closers.push(() => server.close());
    const created = await scim(server, 'POST', '/Users', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: 'ada@contoso.onmicrosoft.com', externalId: 'ada', active: true });
    expect(created.status).toBe(201);
    expect((await postSso(ssoUrl, await entraToken(entra), { csr })).status).toBe(200);
    await admin(server, 'PATCH', '/idp', { externalIdClaim: 'oid' });
    expect(await postSso(ssoUrl, await entraToken(entra), { csr })).toMatchObject({ status: 403, body: { reason: 'external_id_mismatch' } });
    const oid = entra.getUser('ada@contoso.onmicrosoft.com')?.id;
    await scim(server, 'PATCH', `/Users/${String(created.body.id)}`, {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [{ op: 'replace', path: 'externalId', value: oid }],
    });
    expect((await postSso(ssoUrl, await entraToken(entra), { csr })).status).toBe(200);
  });
});

describe('dataset names', () => {
  it('a dataset named like another dataset\'s id: the key is for the dataset with that name, after checking access to it', async () => {
    const { server, ssoUrl, origin } = await oktaServer();
    const adaId = await scimUser(server, 'ada@example.com');
    await datasetGroup(server, 'Engineering', ['payroll']);
    await scimGroup(server, 'Engineering', [adaId]);
    const payrollId = String((await admin(server, 'GET', '/datasets/payroll')).body.id);
    // A secret dataset ada may not use, whose name is payroll's id.
    expect((await admin(server, 'POST', '/datasets', { name: payrollId })).status).toBe(201);
    const ada = await sso(ssoUrl, await oktaToken(okta), csr);
    const answer = await signedPost(`${origin}/api/v0/encryption/key`, { uses: 1, dataset: payrollId, payload_cert: ada.payloadCert }, ada);
    expect(answer).toMatchObject({ status: 403, body: { error: 'dataset_access_denied', dataset: payrollId, reason: 'dataset_not_in_matching_dataset_group' } });
    // By name, payroll still works, and its key is payroll's.
    const payroll = await signedPost(`${origin}/api/v0/encryption/key`, { uses: 1, dataset: 'payroll', payload_cert: ada.payloadCert }, ada);
    expect(payroll.status).toBe(201);
    expect(forgeUnwrap(keyPair.privateKey, String(payroll.body.wrapped_data_key))).toHaveLength(32);
  });

  it('names over 255 UTF-8 bytes are refused by the admin API with 400 (256 ASCII characters; 128 two-byte characters)', async () => {
    const { server } = await oktaServer();
    for (const path of ['/datasets', '/dataset-groups', '/api-keys']) {
      expect((await admin(server, 'POST', path, { name: 'd'.repeat(256) })).status, path).toBe(400);
      expect((await admin(server, 'POST', path, { name: 'é'.repeat(128) })).status, path).toBe(400);
    }
    expect((await admin(server, 'POST', '/datasets', { name: 'd'.repeat(255) })).status).toBe(201);
    expect((await admin(server, 'POST', '/dataset-groups', { name: 'g'.repeat(255) })).status).toBe(201);
  });
});
