import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import type * as Pkijs from 'pkijs';
import { causeOf, CsrError } from './errors.js';
import { commonNameOf, nameToString } from './name.js';
import { loadPkijs } from './pkijs-loader.js';
import { fromPem } from './webcrypto.js';

/** Signature algorithms a CSR may use: RSASSA-PKCS1-v1_5 with these hashes. */
const RSA_SIGNATURE_HASHES: Readonly<Record<string, 'SHA-1' | 'SHA-256' | 'SHA-384' | 'SHA-512'>> = {
  '1.2.840.113549.1.1.5': 'SHA-1',
  '1.2.840.113549.1.1.11': 'SHA-256',
  '1.2.840.113549.1.1.12': 'SHA-384',
  '1.2.840.113549.1.1.13': 'SHA-512',
};

const NODE_HASH_NAMES = { 'SHA-1': 'sha1', 'SHA-256': 'sha256', 'SHA-384': 'sha384', 'SHA-512': 'sha512' } as const;

/** What a verified CSR says. */
export interface VerifiedCsr {
  publicKey: KeyObject;
  modulusLength: number;
  signatureHash: 'SHA-1' | 'SHA-256' | 'SHA-384' | 'SHA-512';
  /** `CN=…, C=…`, or "" for the empty subject the official Node client sends. */
  subject: string;
  subjectCommonName: string | undefined;
}

/** Options of {@link verifyCsrPem}. */
export interface VerifyCsrOptions {
  /** Smallest RSA key accepted. Default 2048. */
  minModulusLength?: number;
  /** Largest RSA key accepted (verifying huge keys costs CPU). Default 16384. */
  maxModulusLength?: number;
}

/**
 * Parse a PEM PKCS#10 request and check it: RSA key within the size limits, an RSASSA-PKCS1-v1_5
 * signature (SHA-1, SHA-256, SHA-384 or SHA-512) made by that key over the request. An empty subject
 * is accepted (the official Node client sends one). Rejects with {@link CsrError} with a code saying
 * which check failed.
 *
 * Async because pkijs is loaded on first use through `loadPkijs()`: a static import would register
 * pkijs' global engine (`global[process.pid]`) as soon as the server entry is imported.
 *
 * @example
 * const { publicKey, modulusLength } = await verifyCsrPem(body.csr);
 */
export async function verifyCsrPem(pem: string, options: VerifyCsrOptions = {}): Promise<VerifiedCsr> {
  const minModulusLength = options.minModulusLength ?? 2048;
  const maxModulusLength = options.maxModulusLength ?? 16384;
  const der = fromPem(pem, ['CERTIFICATE REQUEST', 'NEW CERTIFICATE REQUEST']);
  if (!der) throw new CsrError('csr_malformed', 'Not a PEM certificate request (no valid -----BEGIN CERTIFICATE REQUEST----- block).');

  const pkijs = await loadPkijs();
  let request: Pkijs.CertificationRequest;
  let publicKey: KeyObject;
  try {
    request = pkijs.CertificationRequest.fromBER(der);
  } catch (error) {
    throw new CsrError('csr_malformed', 'The certificate request cannot be parsed as PKCS#10.', { cause: causeOf(error) });
  }
  try {
    const spki = request.subjectPublicKeyInfo.toSchema().toBER(false);
    publicKey = createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' });
  } catch (error) {
    throw new CsrError('csr_unsupported_key', 'The public key of the certificate request cannot be read.', { cause: causeOf(error) });
  }
  if (publicKey.asymmetricKeyType !== 'rsa') {
    throw new CsrError('csr_unsupported_key', `The certificate request holds a ${publicKey.asymmetricKeyType ?? 'unknown'} key; an RSA key is required.`);
  }
  const modulusLength = publicKey.asymmetricKeyDetails?.modulusLength ?? 0;
  if (modulusLength < minModulusLength) {
    throw new CsrError('csr_key_too_small', `The RSA key of the certificate request has ${modulusLength} bits; at least ${minModulusLength} are required.`);
  }
  if (modulusLength > maxModulusLength) {
    throw new CsrError('csr_unsupported_key', `The RSA key of the certificate request has ${modulusLength} bits; at most ${maxModulusLength} are accepted.`);
  }
  const signatureHash = RSA_SIGNATURE_HASHES[request.signatureAlgorithm.algorithmId];
  if (!signatureHash) {
    throw new CsrError(
      'csr_unsupported_algorithm',
      `The certificate request is signed with algorithm ${request.signatureAlgorithm.algorithmId}; RSA with SHA-1, SHA-256, SHA-384 or SHA-512 is required.`,
    );
  }
  let valid: boolean;
  try {
    const signature = Buffer.from(request.signatureValue.valueBlock.valueHexView);
    valid = verify(NODE_HASH_NAMES[signatureHash], request.tbsView, publicKey, signature);
  } catch {
    valid = false;
  }
  if (!valid) throw new CsrError('csr_bad_signature', 'The signature of the certificate request does not verify with its own public key.');
  return {
    publicKey,
    modulusLength,
    signatureHash,
    subject: nameToString(request.subject),
    subjectCommonName: commonNameOf(request.subject),
  };
}
