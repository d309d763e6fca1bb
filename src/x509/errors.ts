import { UbiqIdpError } from '../errors.js';

/** Why a certificate signing request was refused. */
export type CsrErrorCode =
  | 'csr_malformed'
  | 'csr_bad_signature'
  | 'csr_unsupported_algorithm'
  | 'csr_unsupported_key'
  | 'csr_key_too_small';

const CSR_HINT =
  'Send a PEM PKCS#10 request for an RSA key of at least 2048 bits, signed by that key with SHA-256 (or SHA-1), as the Ubiq clients and createCsr() make it.';

/**
 * A certificate signing request that cannot be used: not a PKCS#10 PEM, a self-signature that does not
 * verify, an unsupported signature algorithm, a non-RSA or too small key. The reference server answers
 * it with 400. Never contains the request itself.
 *
 * @example
 * try { await verifyCsrPem(pem); } catch (error) { if (isCsrError(error)) console.log(error.code); }
 */
export class CsrError extends UbiqIdpError {
  declare readonly code: CsrErrorCode;
  constructor(code: CsrErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(code, message, { hint: CSR_HINT, cause: options.cause });
    this.name = 'CsrError';
  }
}

/** True when `value` is a {@link CsrError} (matched by name, so it works across bundles). */
export function isCsrError(value: unknown): value is CsrError {
  return value instanceof Error && value.name === 'CsrError';
}

/** Why a certificate was refused. */
export type CertificateErrorCode =
  | 'certificate_malformed'
  | 'certificate_wrong_issuer'
  | 'certificate_not_end_entity'
  | 'certificate_bad_signature'
  | 'certificate_expired'
  | 'certificate_not_yet_valid';

/**
 * A certificate that cannot be used: unparsable, issued by another CA, a CA certificate where an
 * end-entity one is needed, a signature that does not verify, or outside its validity window.
 *
 * @example
 * try { ca.verifyIssued(pem); } catch (error) { if (isCertificateError(error) && error.code === 'certificate_expired') renew(); }
 */
export class CertificateError extends UbiqIdpError {
  declare readonly code: CertificateErrorCode;
  constructor(code: CertificateErrorCode, message: string, options: { hint?: string; cause?: unknown } = {}) {
    super(code, message, {
      hint:
        options.hint ??
        'Get a fresh certificate through the SSO exchange (POST {server}/{customer_id}/api/v3/scim/sso) and send it as payload_cert.',
      cause: options.cause,
    });
    this.name = 'CertificateError';
  }
}

/** True when `value` is a {@link CertificateError} (matched by name, so it works across bundles). */
export function isCertificateError(value: unknown): value is CertificateError {
  return value instanceof Error && value.name === 'CertificateError';
}

/** A plain Error carrying only the message of what a parser threw (never the input). */
export function causeOf(error: unknown): Error | undefined {
  return error instanceof Error ? new Error(error.message) : undefined;
}
