import { createPrivateKey, createSecretKey, X509Certificate } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { createCsr } from '../../src/credentials/csr.js';
import { generateRsaKeyPair, type RsaKeyPair } from '../../src/crypto/keypair.js';
import {
  CertificateError,
  createCertificateAuthority,
  isCertificateError,
  parseCertificatePem,
  payloadCertToPem,
  publicKeysEqual,
  verifyCsrPem,
  type CertificateAuthority,
  type CertificateErrorCode,
} from '../../src/x509/index.js';

const T0 = Date.UTC(2026, 10, 25, 12, 0, 0, 500);

function pemToDer(pem: string): Buffer {
  return Buffer.from(pem.replace(/-----[^-]+-----|\s/g, ''), 'base64');
}

function derToPem(der: Uint8Array): string {
  return `-----BEGIN CERTIFICATE-----\n${Buffer.from(der).toString('base64').replace(/.{64}/g, '$&\n')}\n-----END CERTIFICATE-----\n`;
}

function codeOf(run: () => unknown): CertificateErrorCode | 'no error' {
  try {
    run();
    return 'no error';
  } catch (error) {
    expect(isCertificateError(error)).toBe(true);
    expect(error).toBeInstanceOf(CertificateError);
    return (error as CertificateError).code;
  }
}

describe('createCertificateAuthority', () => {
  let ca: CertificateAuthority;
  let otherCa: CertificateAuthority;
  let client: RsaKeyPair;
  beforeAll(async () => {
    [ca, otherCa, client] = await Promise.all([
      createCertificateAuthority({ now: () => T0 }),
      // Same name, different key: only the key identifiers and signature tell them apart.
      createCertificateAuthority({ now: () => T0 }),
      generateRsaKeyPair({ modulusLength: 2048 }),
    ]);
  });

  it('makes a self-signed CA certificate', () => {
    const x509 = new X509Certificate(ca.certificatePem);
    expect(x509.ca).toBe(true);
    expect(x509.verify(ca.publicKey)).toBe(true);
    expect(x509.checkIssued(x509)).toBe(true);
    expect(ca.certificate.subject).toBe('CN=ubiq-idp reference CA, O=ubiq-idp reference server');
    expect(ca.certificate.issuer).toBe(ca.certificate.subject);
    expect(ca.certificate.notAfter.getTime() - ca.certificate.notBefore.getTime()).toBe(3650 * 86_400_000 + 60_000);
    expect(ca.publicKey.asymmetricKeyDetails?.modulusLength).toBe(2048);
    expect(publicKeysEqual(ca.certificate.publicKey, ca.privateKey)).toBe(true);
  });

  it('issues an end-entity certificate for the CSR key that verifies with the CA key (independently of verifyIssued)', async () => {
    const { publicKey } = await verifyCsrPem(await createCsr(client, { hash: 'SHA-1', subject: 'empty' }));
    const pem = await ca.issue({ publicKey, lifetimeSeconds: 3600, subjectCommonName: 'alice@example.com', now: () => T0 });
    const x509 = new X509Certificate(pem);
    expect(x509.verify(ca.publicKey)).toBe(true);
    expect(x509.verify(otherCa.publicKey)).toBe(false);
    expect(x509.checkIssued(new X509Certificate(ca.certificatePem))).toBe(true);
    expect(x509.ca).toBe(false);
    expect(x509.keyUsage).toEqual(['1.3.6.1.5.5.7.3.2']);

    const parsed = parseCertificatePem(pem);
    expect(parsed.subject).toBe('CN=alice@example.com');
    expect(parsed.subjectCommonName).toBe('alice@example.com');
    expect(parsed.issuer).toBe(ca.certificate.subject);
    expect(parsed.notAfter.getTime()).toBe(Date.UTC(2026, 10, 25, 13, 0, 0));
    expect(parsed.notBefore.getTime()).toBe(Date.UTC(2026, 10, 25, 11, 59, 0));
    expect(parsed.serialNumber).toMatch(/^[0-9A-F]{32}$/);
    expect(parsed.isCa).toBe(false);
    expect(publicKeysEqual(parsed.publicKey, client.publicKey)).toBe(true);
    expect(publicKeysEqual(parsed.publicKey, client.privateKey)).toBe(true);
    expect(publicKeysEqual(parsed.publicKey, ca.publicKey)).toBe(false);
    expect(parsed.raw.equals(pemToDer(pem))).toBe(true);
  });

  it('gives every certificate its own serial number', async () => {
    const serials = new Set<string>();
    for (let i = 0; i < 5; i++) serials.add(parseCertificatePem(await ca.issue({ publicKey: client.publicKey, lifetimeSeconds: 60 })).serialNumber);
    expect(serials.size).toBe(5);
  });

  it('verifyIssued accepts its own certificate within the validity window, inclusive', async () => {
    const pem = await ca.issue({ publicKey: client.publicKey, lifetimeSeconds: 600, now: () => T0 });
    const notAfter = Date.UTC(2026, 10, 25, 12, 10, 0);
    expect(ca.verifyIssued(pem, () => T0).subjectCommonName).toBe('ubiq-idp api key');
    expect(codeOf(() => ca.verifyIssued(pem, () => notAfter))).toBe('no error');
    expect(codeOf(() => ca.verifyIssued(pem, () => T0 - 60_000))).toBe('no error');
  });

  it('certificate_expired and certificate_not_yet_valid', async () => {
    const pem = await ca.issue({ publicKey: client.publicKey, lifetimeSeconds: 600, now: () => T0 });
    expect(codeOf(() => ca.verifyIssued(pem, () => Date.UTC(2026, 10, 25, 12, 10, 1)))).toBe('certificate_expired');
    expect(codeOf(() => ca.verifyIssued(pem, () => T0 - 61_000))).toBe('certificate_not_yet_valid');
  });

  it("certificate_wrong_issuer: another CA's certificate, even under the same name", async () => {
    const foreign = await otherCa.issue({ publicKey: client.publicKey, lifetimeSeconds: 600, now: () => T0 });
    expect(codeOf(() => ca.verifyIssued(foreign, () => T0))).toBe('certificate_wrong_issuer');
  });

  it('certificate_bad_signature: a tampered signature', async () => {
    const der = pemToDer(await ca.issue({ publicKey: client.publicKey, lifetimeSeconds: 600, now: () => T0 }));
    der[der.length - 1] = (der[der.length - 1] ?? 0) ^ 0x01;
    expect(codeOf(() => ca.verifyIssued(derToPem(der), () => T0))).toBe('certificate_bad_signature');
  });

  it('certificate_not_end_entity: the CA certificate itself', () => {
    expect(codeOf(() => ca.verifyIssued(ca.certificatePem, () => T0))).toBe('certificate_not_end_entity');
  });

  it('certificate_malformed: garbage', () => {
    expect(codeOf(() => ca.verifyIssued('nope', () => T0))).toBe('certificate_malformed');
    expect(codeOf(() => parseCertificatePem(derToPem(Buffer.from('not a certificate at all'))))).toBe('certificate_malformed');
  });

  it('a second instance built from an existing CA verifies the first one’s certificates', async () => {
    const pem = await ca.issue({ publicKey: client.publicKey, lifetimeSeconds: 600, now: () => T0 });
    const again = await createCertificateAuthority({ existing: { certificatePem: ca.certificatePem, privateKey: ca.privateKey } });
    expect(again.certificatePem).toBe(ca.certificatePem);
    expect(again.verifyIssued(pem, () => T0).serialNumber).toBe(parseCertificatePem(pem).serialNumber);
    const reissued = await again.issue({ publicKey: client.publicKey, lifetimeSeconds: 600, now: () => T0 });
    expect(codeOf(() => ca.verifyIssued(reissued, () => T0))).toBe('no error');
  });

  it('refuses a mismatched existing key, a leaf as CA and bad lifetimes with ca_usage', async () => {
    await expect(createCertificateAuthority({ existing: { certificatePem: ca.certificatePem, privateKey: otherCa.privateKey } })).rejects.toMatchObject({
      code: 'ca_usage',
    });
    const leaf = await ca.issue({ publicKey: client.publicKey, lifetimeSeconds: 600 });
    await expect(createCertificateAuthority({ existing: { certificatePem: leaf, privateKey: client.privateKey } })).rejects.toMatchObject({
      code: 'ca_usage',
    });
    for (const lifetimeSeconds of [0, -1, 1.5, Number.NaN]) {
      await expect(ca.issue({ publicKey: client.publicKey, lifetimeSeconds })).rejects.toMatchObject({ code: 'ca_usage' });
    }
    await expect(ca.issue({ publicKey: client.privateKey, lifetimeSeconds: 60 })).rejects.toMatchObject({ code: 'ca_usage' });
  });

  it('writes GeneralizedTime after 2049', async () => {
    const pem = await ca.issue({ publicKey: client.publicKey, lifetimeSeconds: 30 * 365 * 86_400, now: () => T0 });
    const parsed = parseCertificatePem(pem);
    expect(parsed.notAfter.getUTCFullYear()).toBe(2056);
    expect(new X509Certificate(pem).validTo).toContain('2056');
  });
});

describe('payloadCertToPem and publicKeysEqual', () => {
  it('decodes base64 of the PEM, also when + arrived as a space in a query string', async () => {
    const ca = await createCertificateAuthority();
    expect(payloadCertToPem(Buffer.from(ca.certificatePem).toString('base64'))).toBe(ca.certificatePem);
    // "~~~" encodes as "fn5+": make sure the text has a '+' to lose.
    const text = `~~~\n${ca.certificatePem}`;
    const base64 = Buffer.from(text).toString('base64');
    expect(base64).toContain('+');
    expect(payloadCertToPem(base64.replace(/\+/g, ' '))).toBe(text);
    expect(() => payloadCertToPem('%%%')).toThrow(expect.objectContaining({ code: 'certificate_malformed' }));
    expect(() => payloadCertToPem(Buffer.from('hello').toString('base64'))).toThrow(expect.objectContaining({ code: 'certificate_malformed' }));
    expect(() => payloadCertToPem('')).toThrow(CertificateError);
  });

  it('publicKeysEqual matches re-imported keys, and never a secret key or another key', async () => {
    const [a, b] = await Promise.all([generateRsaKeyPair({ modulusLength: 2048 }), generateRsaKeyPair({ modulusLength: 2048 })]);
    expect(publicKeysEqual(a.publicKey, createPrivateKey(a.privateKey.export({ type: 'pkcs8', format: 'pem' })))).toBe(true);
    expect(publicKeysEqual(a.publicKey, b.publicKey)).toBe(false);
    expect(publicKeysEqual(a.publicKey, createSecretKey(Buffer.alloc(32)))).toBe(false);
  });
});
