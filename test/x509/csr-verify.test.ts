import { generateKeyPairSync, webcrypto } from 'node:crypto';
import * as pkijs from 'pkijs';
import { beforeAll, describe, expect, it } from 'vitest';
import { createCsr } from '../../src/credentials/csr.js';
import { generateRsaKeyPair, type RsaKeyPair } from '../../src/crypto/keypair.js';
import { isUbiqIdpError } from '../../src/errors.js';
import { CsrError, isCsrError, verifyCsrPem, type CsrErrorCode } from '../../src/x509/index.js';

function pemToDer(pem: string): Buffer {
  return Buffer.from(pem.replace(/-----[^-]+-----|\s/g, ''), 'base64');
}

function derToPem(der: ArrayBuffer | Uint8Array, label = 'CERTIFICATE REQUEST'): string {
  return `-----BEGIN ${label}-----\n${Buffer.from(der instanceof Uint8Array ? der : new Uint8Array(der)).toString('base64').replace(/.{64}/g, '$&\n')}\n-----END ${label}-----\n`;
}

async function codeOf(pem: string): Promise<CsrErrorCode | 'no error'> {
  try {
    await verifyCsrPem(pem);
    return 'no error';
  } catch (error) {
    expect(isCsrError(error)).toBe(true);
    expect(isUbiqIdpError(error)).toBe(true);
    expect(error).toBeInstanceOf(CsrError);
    expect((error as CsrError).hint).toMatch(/2048/);
    return (error as CsrError).code;
  }
}

/** A CSR for an EC key, signed with ECDSA: built here with pkijs and WebCrypto directly. */
async function ecCsrPem(): Promise<string> {
  const engine = new pkijs.CryptoEngine({ name: 'test', crypto: webcrypto as unknown as Crypto });
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const request = new pkijs.CertificationRequest();
  request.subjectPublicKeyInfo = pkijs.PublicKeyInfo.fromBER(publicKey.export({ type: 'spki', format: 'der' }));
  const key = await webcrypto.subtle.importKey('pkcs8', privateKey.export({ type: 'pkcs8', format: 'der' }), { name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign']);
  await request.sign(key, 'SHA-256', engine);
  return derToPem(request.toSchema(true).toBER(false));
}

describe('verifyCsrPem', () => {
  let keyPair: RsaKeyPair;
  beforeAll(async () => {
    keyPair = await generateRsaKeyPair({ modulusLength: 2048 });
  });

  it('accepts a SHA-256 CSR with the Ubiq subject and returns its key, size, hash and subject', async () => {
    const verified = await verifyCsrPem(await createCsr(keyPair));
    expect(verified.signatureHash).toBe('SHA-256');
    expect(verified.modulusLength).toBe(2048);
    expect(verified.publicKey.equals(keyPair.publicKey)).toBe(true);
    expect(verified.subject).toMatch(/^CN=[A-Za-z0-9+/]{24}, C=US, ST=California, L=San Diego, O=Ubiq Security, Inc\., OU=Ubiq Platform$/);
    expect(verified.subjectCommonName).toMatch(/^[A-Za-z0-9+/]{24}$/);
  });

  it('accepts what the official Node client sends: SHA-1 and an empty subject', async () => {
    // The official client uses 4096 bits; the size is not what is under test here (CI time matters).
    const verified = await verifyCsrPem(await createCsr(keyPair, { hash: 'SHA-1', subject: 'empty' }));
    expect(verified).toMatchObject({ signatureHash: 'SHA-1', modulusLength: 2048, subject: '', subjectCommonName: undefined });
  });

  it('accepts CRLF line ends, text around the block and the NEW CERTIFICATE REQUEST label', async () => {
    const pem = await createCsr(keyPair);
    expect(await codeOf(`junk before\r\n${pem.replace(/\n/g, '\r\n')}junk after`)).toBe('no error');
    expect(await codeOf(derToPem(pemToDer(pem), 'NEW CERTIFICATE REQUEST'))).toBe('no error');
  });

  it.each([
    ['an empty string', ''],
    ['text', 'hello'],
    ['a certificate PEM', '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n'],
    ['an unterminated block', '-----BEGIN CERTIFICATE REQUEST-----\nMIIB\n'],
    ['non-base64 content', '-----BEGIN CERTIFICATE REQUEST-----\n%%%%\n-----END CERTIFICATE REQUEST-----\n'],
    ['base64 that is not DER', derToPem(Buffer.from('definitely not a certification request'))],
    ['an empty SEQUENCE', derToPem(Buffer.from([0x30, 0x00]))],
  ])('csr_malformed: %s', async (_name, pem) => {
    expect(await codeOf(pem)).toBe('csr_malformed');
  });

  it('csr_malformed: a truncated request', async () => {
    const der = pemToDer(await createCsr(keyPair));
    expect(await codeOf(derToPem(der.subarray(0, der.length - 40)))).toBe('csr_malformed');
  });

  it('csr_bad_signature: a flipped signature bit, or a request re-keyed without re-signing', async () => {
    const der = pemToDer(await createCsr(keyPair));
    der[der.length - 1] = (der[der.length - 1] ?? 0) ^ 0x01;
    expect(await codeOf(derToPem(der))).toBe('csr_bad_signature');

    const other = await generateRsaKeyPair({ modulusLength: 2048 });
    const request = pkijs.CertificationRequest.fromBER(new Uint8Array(pemToDer(await createCsr(keyPair))));
    request.subjectPublicKeyInfo = pkijs.PublicKeyInfo.fromBER(new Uint8Array(other.publicKey.export({ type: 'spki', format: 'der' })));
    // encodeFlag true: re-encode the request info from its fields, keeping the old signature.
    expect(await codeOf(derToPem(request.toSchema(true).toBER(false)))).toBe('csr_bad_signature');
  });

  it('csr_unsupported_algorithm: MD5 with RSA', async () => {
    const der = pemToDer(await createCsr(keyPair));
    // The outer signatureAlgorithm: sha256WithRSAEncryption (…01 01 0b) → md5WithRSAEncryption (…01 01 04).
    const oid = Buffer.from('2a864886f70d01010b', 'hex');
    const at = der.lastIndexOf(oid);
    expect(at).toBeGreaterThan(0);
    der[at + oid.length - 1] = 0x04;
    expect(await codeOf(derToPem(der))).toBe('csr_unsupported_algorithm');
  });

  it('csr_key_too_small: a 1024-bit key, and a configurable minimum', async () => {
    const small = generateKeyPairSync('rsa', { modulusLength: 1024 });
    expect(await codeOf(await createCsr(small))).toBe('csr_key_too_small');
    await expect(verifyCsrPem('', { minModulusLength: 1024 })).rejects.toThrow(CsrError);
    expect((await verifyCsrPem(await createCsr(small), { minModulusLength: 1024 })).modulusLength).toBe(1024);
    const pem = await createCsr(keyPair);
    await expect(verifyCsrPem(pem, { minModulusLength: 3072 })).rejects.toThrow(expect.objectContaining({ code: 'csr_key_too_small' }));
  });

  it('csr_unsupported_key: an EC key, or one above the maximum size', async () => {
    expect(await codeOf(await ecCsrPem())).toBe('csr_unsupported_key');
    const pem = await createCsr(keyPair);
    await expect(verifyCsrPem(pem, { maxModulusLength: 1024 * 1.5 })).rejects.toThrow(expect.objectContaining({ code: 'csr_unsupported_key' }));
  });

  it('never quotes the request in its errors', async () => {
    const pem = await createCsr(keyPair);
    const der = pemToDer(pem);
    der[der.length - 1] = (der[der.length - 1] ?? 0) ^ 0x01;
    const error = await verifyCsrPem(derToPem(der)).then(
      () => undefined,
      (e: unknown) => e as CsrError,
    );
    expect(error).toBeInstanceOf(CsrError);
    const body = pem.split('\n')[1] ?? '';
    expect(`${error?.message} ${error?.hint} ${JSON.stringify(error)}`).not.toContain(body.slice(0, 20));
  });
});
