import { createPrivateKey, type KeyObject } from 'node:crypto';
import { createCertificateAuthority, isCertificateError, verifyCsrPem, type CertificateErrorCode } from '../x509/index.js';
import { ReferenceServerOptionsError } from './options.js';
import { PayloadCertError, type PayloadCertFailureReason } from './ca-errors.js';

/** Options of `createServerCertificateAuthority`. */
export interface ServerCertificateAuthorityOptions {
  /** Use this CA (PEM certificate + PKCS#8 PEM key) instead of generating one. */
  certificatePem?: string;
  privateKeyPem?: string;
  /** Lifetime of issued certificates, seconds. */
  certificateLifetimeSeconds: number;
  /** Issued certificates start this long before "now", for clients whose clock runs behind. */
  clockSkewSeconds: number;
  /** Smallest RSA key accepted in a CSR, bits. */
  minimumRsaKeyBits: number;
  now: () => Date;
}

/** What the SSO and key endpoints need from the server's certificate authority. */
export interface ServerCertificateAuthority {
  readonly certificatePem: string;
  /**
   * Verifies the CSR (its own signature, SHA-1/256/384/512, RSA of at least the minimum size; an empty
   * subject is fine) and issues a certificate for its key, bound to `accessKeyId` (the subject CN).
   * Throws the x509 module's `CsrError` for a bad CSR.
   */
  issueFromCsr(csrPem: string, binding: { accessKeyId: string }, now: Date): Promise<string>;
  /**
   * Checks a `payload_cert`: issued by this CA, an end-entity certificate, valid at `now`, and bound to
   * `accessKeyId`. Returns the certificate's public key (the data key is wrapped to it). Throws
   * `PayloadCertError`.
   */
  checkPayloadCert(certificatePem: string, accessKeyId: string, now: Date): Promise<{ publicKey: KeyObject; notAfter: Date }>;
}

/** Certificates whose verification is remembered (oldest dropped first). */
const VERIFIED_CACHE_SIZE = 10_000;

const CERTIFICATE_REASONS: Record<CertificateErrorCode, PayloadCertFailureReason> = {
  certificate_malformed: 'malformed',
  certificate_wrong_issuer: 'not_issued_by_this_server',
  certificate_not_end_entity: 'not_issued_by_this_server',
  certificate_bad_signature: 'not_issued_by_this_server',
  certificate_expired: 'expired',
  certificate_not_yet_valid: 'not_yet_valid',
};

/**
 * The reference server's certificate authority: generated when the server starts unless a CA is given.
 * A certificate names the API key it was issued for in its subject CN (`accessKeyId`, the SSO answer's
 * `public_value`, which is not secret), so a key request signed by key K must present a certificate
 * issued for K; this survives a restart with the same CA, unlike a table of issued serial numbers.
 *
 * @example
 * const ca = await createServerCertificateAuthority({ certificateLifetimeSeconds: 3600, clockSkewSeconds: 60, minimumRsaKeyBits: 2048, now: () => new Date() });
 * const apiCert = await ca.issueFromCsr(csrPem, { accessKeyId }, new Date());
 */
export async function createServerCertificateAuthority(options: ServerCertificateAuthorityOptions): Promise<ServerCertificateAuthority> {
  let existing: { certificatePem: string; privateKey: KeyObject } | undefined;
  if (options.certificatePem !== undefined && options.privateKeyPem !== undefined) {
    let privateKey: KeyObject;
    try {
      privateKey = createPrivateKey(options.privateKeyPem);
    } catch {
      throw new ReferenceServerOptionsError('caKey is not a readable PEM private key.', {
        hint: 'Pass the CA private key as unencrypted PKCS#8 (or PKCS#1) PEM.',
      });
    }
    existing = { certificatePem: options.certificatePem, privateKey };
  }
  const ca = await createCertificateAuthority({
    now: () => options.now().getTime(),
    backdateSeconds: options.clockSkewSeconds,
    ...(existing === undefined ? {} : { existing }),
  });

  // A client sends the same certificate with every key request until it renews: keep what verifying it
  // established (issuer, signature, key binding), and check only the validity window per request.
  const verified = new Map<string, { publicKey: KeyObject; notBefore: Date; notAfter: Date; commonName: string | undefined }>();

  return {
    certificatePem: ca.certificatePem,
    async issueFromCsr(csrPem, binding, now) {
      const { publicKey } = await verifyCsrPem(csrPem, { minModulusLength: options.minimumRsaKeyBits });
      return ca.issue({ publicKey, subjectCommonName: binding.accessKeyId, lifetimeSeconds: options.certificateLifetimeSeconds, now: () => now.getTime() });
    },
    // eslint-disable-next-line @typescript-eslint/require-await -- async so that a PayloadCertError thrown below reaches the caller as a rejection
    async checkPayloadCert(certificatePem, accessKeyId, now) {
      let entry = verified.get(certificatePem);
      if (entry === undefined) {
        let parsed;
        try {
          parsed = ca.verifyIssued(certificatePem, () => now.getTime());
        } catch (error) {
          if (isCertificateError(error)) throw new PayloadCertError(CERTIFICATE_REASONS[error.code]);
          throw error;
        }
        entry = { publicKey: parsed.publicKey, notBefore: parsed.notBefore, notAfter: parsed.notAfter, commonName: parsed.subjectCommonName };
        if (verified.size >= VERIFIED_CACHE_SIZE) verified.delete(verified.keys().next().value as string);
        verified.set(certificatePem, entry);
      }
      if (now.getTime() > entry.notAfter.getTime()) {
        verified.delete(certificatePem);
        throw new PayloadCertError('expired');
      }
      if (now.getTime() < entry.notBefore.getTime()) throw new PayloadCertError('not_yet_valid');
      if (entry.commonName !== accessKeyId) throw new PayloadCertError('wrong_api_key');
      return { publicKey: entry.publicKey, notAfter: entry.notAfter };
    },
  };
}
