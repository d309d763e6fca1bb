import { generateKeyPairSync, verify } from 'node:crypto';
import * as pkijs from 'pkijs';
import { beforeAll, describe, expect, it } from 'vitest';
import { createCsr } from '../../src/credentials/csr.js';
import { generateRsaKeyPair, type RsaKeyPair } from '../../src/crypto/keypair.js';

const SHA256_WITH_RSA = '1.2.840.113549.1.1.11';
const SHA1_WITH_RSA = '1.2.840.113549.1.1.5';

function parse(pem: string): pkijs.CertificationRequest {
  expect(pem).toMatch(/^-----BEGIN CERTIFICATE REQUEST-----\n([A-Za-z0-9+/=]{1,64}\n)+-----END CERTIFICATE REQUEST-----\n$/);
  const der = Buffer.from(pem.replace(/-----[^-]+-----|\s/g, ''), 'base64');
  return pkijs.CertificationRequest.fromBER(der);
}

/** Verify the CSR's self-signature with node:crypto, independently of the WebCrypto path that made it. */
function selfSignatureValid(request: pkijs.CertificationRequest, hash: 'sha256' | 'sha1', keyPair: RsaKeyPair): boolean {
  return verify(hash, request.tbsView, keyPair.publicKey, Buffer.from(request.signatureValue.valueBlock.valueHexView));
}

/** Each RDN of the subject as [oid, value] (one attribute per RDN). */
function subjectRdns(pem: string): [string, string][] {
  const der = Buffer.from(pem.replace(/-----[^-]+-----|\s/g, ''), 'base64');
  const request = pkijs.CertificationRequest.fromBER(der);
  return request.subject.typesAndValues.map((tv) => [tv.type, tv.value.valueBlock.value]);
}

describe('createCsr', () => {
  let keyPair: RsaKeyPair;
  beforeAll(async () => {
    keyPair = await generateRsaKeyPair({ modulusLength: 2048 });
  });

  it('makes a SHA-256 PKCS#10 request with the Ubiq subject, signed by our key', async () => {
    const pem = await createCsr(keyPair);
    const request = parse(pem);
    expect(request.version).toBe(0);
    expect(request.signatureAlgorithm.algorithmId).toBe(SHA256_WITH_RSA);
    expect(selfSignatureValid(request, 'sha256', keyPair)).toBe(true);
    const spki = Buffer.from(request.subjectPublicKeyInfo.toSchema().toBER(false));
    expect(spki.equals(keyPair.publicKey.export({ type: 'spki', format: 'der' }))).toBe(true);

    const rdns = subjectRdns(pem);
    expect(rdns.map(([oid]) => oid)).toEqual(['2.5.4.3', '2.5.4.6', '2.5.4.8', '2.5.4.7', '2.5.4.10', '2.5.4.11']);
    expect(rdns.slice(1).map(([, value]) => value)).toEqual(['US', 'California', 'San Diego', 'Ubiq Security, Inc.', 'Ubiq Platform']);
    const cn = rdns[0]?.[1] ?? '';
    expect(cn).toMatch(/^[A-Za-z0-9+/]{24}$/);
    expect(Buffer.from(cn, 'base64')).toHaveLength(18);
  });

  it('encodes one attribute per RDN (C=US, …), not one multi-valued RDN', async () => {
    const request = parse(await createCsr(keyPair));
    const name = request.subject.toSchema();
    expect(name.valueBlock.value).toHaveLength(6);
  });

  it('uses a fresh random CN each time', async () => {
    const cns = new Set<string>();
    for (let i = 0; i < 5; i++) cns.add(subjectRdns(await createCsr(keyPair))[0]?.[1] ?? '');
    expect(cns.size).toBe(5);
  });

  it('reproduces the official Node client: SHA-1 and an empty subject', async () => {
    const pem = await createCsr(keyPair, { hash: 'SHA-1', subject: 'empty' });
    const request = parse(pem);
    expect(request.signatureAlgorithm.algorithmId).toBe(SHA1_WITH_RSA);
    expect(selfSignatureValid(request, 'sha1', keyPair)).toBe(true);
    expect(request.subject.typesAndValues).toHaveLength(0);
    // An empty Name is an empty SEQUENCE (30 00), not a SEQUENCE holding an empty SET.
    expect(Buffer.from(request.subject.toSchema().toBER(false)).toString('hex')).toBe('3000');
  });

  it('does not verify against another key', async () => {
    const other = await generateRsaKeyPair({ modulusLength: 2048 });
    const request = parse(await createCsr(keyPair));
    expect(selfSignatureValid(request, 'sha256', other)).toBe(false);
  });

  it('refuses a non-RSA key pair', async () => {
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    await expect(createCsr(ec)).rejects.toMatchObject({ code: 'key_type_invalid' });
  });

  it('does not install a global pkijs engine', async () => {
    const key = Symbol.for('pkijs.engine');
    const globals = globalThis as unknown as Record<PropertyKey, { pkijs?: { engine?: { name?: string } } } | undefined>;
    const before = globals[process.pid]?.pkijs?.engine?.name ?? globals[key]?.pkijs?.engine?.name;
    await createCsr(keyPair);
    const after = globals[process.pid]?.pkijs?.engine?.name ?? globals[key]?.pkijs?.engine?.name;
    expect(after).toBe(before);
    expect(after).not.toBe('ubiq-idp-node');
  });
});
