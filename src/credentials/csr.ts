import { randomBytes, sign, type KeyObject } from 'node:crypto';
import { UbiqIdpError } from '../errors.js';
import { NAME_OID } from '../x509/name.js';
import { toPem } from '../x509/webcrypto.js';
import { DER_EMPTY_ATTRIBUTES, DER_INTEGER_ZERO, derBitString, derOid, derSequence, derSet, derString } from './csr-der.js';
import type { RsaKeyPair } from './keypair.js';

/** Options of {@link createCsr}. */
export interface CreateCsrOptions {
  /**
   * `'ubiq'` (default): the subject the official clients intend — CN = base64 of 18 random bytes,
   * C=US, ST=California, L=San Diego, O=Ubiq Security, Inc., OU=Ubiq Platform.
   * `'empty'`: no subject at all, which is what the official Node client really sends.
   */
  subject?: 'ubiq' | 'empty';
  /** Signature hash. Default `'SHA-256'`; `'SHA-1'` reproduces the official Node client. */
  hash?: 'SHA-256' | 'SHA-1';
}

type NameAttribute = readonly [oid: string, value: string];

function ubiqSubject(): NameAttribute[] {
  return [
    [NAME_OID.commonName, randomBytes(18).toString('base64')],
    [NAME_OID.country, 'US'],
    [NAME_OID.stateOrProvince, 'California'],
    [NAME_OID.locality, 'San Diego'],
    [NAME_OID.organization, 'Ubiq Security, Inc.'],
    [NAME_OID.organizationalUnit, 'Ubiq Platform'],
  ];
}

/** One attribute per RDN; the country as PrintableString (X.520 requires it), the rest as UTF8String. */
function encodeName(attributes: readonly NameAttribute[]): Buffer {
  return derSequence(
    attributes.map(([oid, value]) => derSet([derSequence([derOid(oid), derString(value, oid === NAME_OID.country)])])),
  );
}

const SIGNATURE_OID = { 'SHA-256': '1.2.840.113549.1.1.11', 'SHA-1': '1.2.840.113549.1.1.5' } as const;
const NODE_HASH = { 'SHA-256': 'sha256', 'SHA-1': 'sha1' } as const;

/** RSASSA-PKCS1-v1_5 on the libuv thread pool (the callback form of `crypto.sign`). */
function signOffThread(hash: 'SHA-256' | 'SHA-1', data: Buffer, privateKey: KeyObject): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    sign(NODE_HASH[hash], data, privateKey, (error, signature) => (error ? reject(error) : resolve(signature)));
  });
}

/** @internal The DER request for a given subject (exported for tests that pin the encoding). */
export async function encodeCsr(keyPair: RsaKeyPair, subject: readonly NameAttribute[], hash: 'SHA-256' | 'SHA-1'): Promise<Buffer> {
  const info = derSequence([
    DER_INTEGER_ZERO,
    encodeName(subject),
    keyPair.publicKey.export({ type: 'spki', format: 'der' }),
    DER_EMPTY_ATTRIBUTES,
  ]);
  let signature: Buffer;
  try {
    signature = await signOffThread(hash, info, keyPair.privateKey);
  } catch (error) {
    throw new UbiqIdpError('csr_signing_failed', 'Signing the certificate request failed.', {
      hint: 'Check that the private key belongs to the public key of the pair.',
      cause: error instanceof Error ? new Error(error.message) : undefined,
    });
  }
  // No NULL parameters after the signature OID: byte for byte what the pkijs-built requests carried.
  return derSequence([info, derSequence([derOid(SIGNATURE_OID[hash])]), derBitString(signature)]);
}

/**
 * Build a PKCS#10 certificate signing request for the key pair, signed with the private key on
 * the libuv thread pool (a few milliseconds for RSA-4096, where pure-JS signing takes ~240 ms).
 * The result is what `POST {server}/{customer_id}/api/v3/scim/sso` expects in `{"csr": …}`.
 *
 * @example
 * const keyPair = await generateRsaKeyPair();
 * const csr = await createCsr(keyPair); // "-----BEGIN CERTIFICATE REQUEST-----\n…"
 */
export async function createCsr(keyPair: RsaKeyPair, options: CreateCsrOptions = {}): Promise<string> {
  const hash = options.hash ?? 'SHA-256';
  const subject = options.subject ?? 'ubiq';
  if (keyPair.privateKey.asymmetricKeyType !== 'rsa' || keyPair.publicKey.asymmetricKeyType !== 'rsa') {
    throw new UbiqIdpError('key_type_invalid', 'A Ubiq CSR needs an RSA key pair.', {
      hint: 'Pass the key pair returned by generateRsaKeyPair().',
    });
  }
  // Encoded by hand and signed on the thread pool: pkijs' first import alone blocks the event loop for
  // hundreds of ms, and the WebCrypto route needs a PKCS#8 export and re-import of the private key.
  const der = await encodeCsr(keyPair, subject === 'ubiq' ? ubiqSubject() : [], hash);
  return toPem('CERTIFICATE REQUEST', der);
}
