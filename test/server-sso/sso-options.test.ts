import { generateKeyPairSync, X509Certificate } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createReferenceServer } from 'ubiq-idp/server';
import type { OktaEmulator } from 'ubiq-idp/testing';
import { createCsr } from '../../src/credentials/csr.js';
import { generateRsaKeyPair } from '../../src/crypto/keypair.js';
import { createCertificateAuthority } from '../../src/x509/index.js';
import { oktaEmulator, oktaToken } from './idp-helpers.js';
import { addUser, postSso, testCa } from './server-helpers.js';

let okta: OktaEmulator;
beforeAll(async () => {
  okta = oktaEmulator();
  await okta.listen();
});
afterAll(async () => {
  await okta.close();
});

describe('SSO and key endpoint options', () => {
  it('rejects bad CA options when the server is created, without quoting the key', async () => {
    const { caCertificate, caKey } = await testCa();
    expect(() => createReferenceServer({ caCertificate })).toThrow(/caKey.*both|both.*neither/);
    expect(() => createReferenceServer({ caCertificate: 'nope', caKey })).toThrow(/caCertificate/);
    expect(() => createReferenceServer({ caCertificate, caKey: '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n' })).toThrow(/caKey: not a readable/);
    const otherKey = String(generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }));
    let message = '';
    try {
      createReferenceServer({ caCertificate, caKey: otherKey });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/not the private key of caCertificate/);
    expect(message).not.toContain(otherKey.slice(40, 80));
    const ca = await createCertificateAuthority();
    const leaf = await ca.issue({ publicKey: generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey, lifetimeSeconds: 60 });
    expect(() => createReferenceServer({ caCertificate: leaf, caKey })).toThrow(/not a CA certificate/);
    expect(() => createReferenceServer({ certificateLifetimeSeconds: 10 })).toThrow(/certificateLifetimeSeconds/);
    expect(() => createReferenceServer({ dataKeyMasterSecret: new Uint8Array(8) })).toThrow(/dataKeyMasterSecret/);
  });

  it('generates its CA once, on first need, shared by concurrent SSO requests', async () => {
    const org = okta.authorizationServer();
    const server = createReferenceServer({ idp: { discoveryUrl: org.discoveryUrl, issuer: org.issuer, audience: org.audience } });
    try {
      const { scimBaseUrl } = await server.listen();
      expect(server.info().caCertificatePem).toBeUndefined();
      addUser(server, 'ada@example.com');
      const keyPair = await generateRsaKeyPair({ modulusLength: 2048 });
      const csr = await createCsr(keyPair);
      const token = await oktaToken(okta);
      const answers = await Promise.all(Array.from({ length: 5 }, () => postSso(`${scimBaseUrl}/sso`, token, { csr })));
      expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 200]);
      const ca = new X509Certificate(String(server.info().caCertificatePem));
      for (const answer of answers) expect(new X509Certificate(String(answer.body.api_cert)).checkIssued(ca)).toBe(true);
    } finally {
      await server.close();
    }
  });

  it('uses a given CA, so certificates stay valid across a restart', async () => {
    const org = okta.authorizationServer();
    const options = { ...(await testCa()), idp: { discoveryUrl: org.discoveryUrl, issuer: org.issuer, audience: org.audience } };
    const first = createReferenceServer(options);
    const second = createReferenceServer(options);
    try {
      const { scimBaseUrl } = await first.listen();
      addUser(first, 'ada@example.com');
      const keyPair = await generateRsaKeyPair({ modulusLength: 2048 });
      const answer = await postSso(`${scimBaseUrl}/sso`, await oktaToken(okta), { csr: await createCsr(keyPair) });
      expect(answer.status).toBe(200);
      await second.listen();
      expect(second.info().caCertificatePem).toBe(first.info().caCertificatePem);
      expect(new X509Certificate(String(answer.body.api_cert)).checkIssued(new X509Certificate(String(second.info().caCertificatePem)))).toBe(true);
    } finally {
      await Promise.all([first.close(), second.close()]);
    }
  });
});
