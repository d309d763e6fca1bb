// CSRs the library's own createCsr refuses to build (it makes RSA ones only), built here with pkijs
// directly so that the SSO endpoint's refusal of them is really exercised.
import { generateKeyPairSync, webcrypto } from 'node:crypto';
import { Utf8String } from 'asn1js';
import * as pkijs from 'pkijs';

const engine = new pkijs.CryptoEngine({ name: 'node-webcrypto', crypto: webcrypto as unknown as Crypto });

function pem(der: ArrayBuffer): string {
  const body = Buffer.from(der).toString('base64').replace(/.{1,64}/g, '$&\n');
  return `-----BEGIN CERTIFICATE REQUEST-----\n${body}-----END CERTIFICATE REQUEST-----\n`;
}

async function signedRequest(publicSpki: Buffer, privatePkcs8: Buffer, importAlgorithm: EcKeyImportParams | RsaHashedImportParams): Promise<string> {
  const request = new pkijs.CertificationRequest();
  request.version = 0;
  request.subject.typesAndValues.push(new pkijs.AttributeTypeAndValue({ type: '2.5.4.3', value: new Utf8String({ value: 'attacker' }) }));
  request.subjectPublicKeyInfo = pkijs.PublicKeyInfo.fromBER(new Uint8Array(publicSpki));
  request.attributes = [];
  const key = await webcrypto.subtle.importKey('pkcs8', new Uint8Array(privatePkcs8), importAlgorithm, false, ['sign']);
  await request.sign(key, 'SHA-256', engine);
  return pem(request.toSchema(true).toBER(false));
}

/** A well-formed CSR for an ECDSA P-256 key, correctly self-signed. */
export async function ecCsr(): Promise<string> {
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return signedRequest(publicKey.export({ type: 'spki', format: 'der' }), privateKey.export({ type: 'pkcs8', format: 'der' }), { name: 'ECDSA', namedCurve: 'P-256' });
}

/** A well-formed CSR for an RSA key of the given (too small) size, correctly self-signed. */
export async function smallRsaCsr(modulusLength: number): Promise<string> {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength });
  return signedRequest(publicKey.export({ type: 'spki', format: 'der' }), privateKey.export({ type: 'pkcs8', format: 'der' }), { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' });
}
