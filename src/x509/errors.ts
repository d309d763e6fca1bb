import { errorGuard, UbiqIdpError } from '../errors.js';
import type { CertificateAuthorityErrorCode, CertificateErrorCode, CsrErrorCode } from '../error-codes.js';

export type { CertificateAuthorityErrorCode, CertificateErrorCode, CsrErrorCode } from '../error-codes.js';

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
export class CsrError extends UbiqIdpError<CsrErrorCode> {
  static override readonly errorName = 'CsrError';
  constructor(code: CsrErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(code, message, { hint: CSR_HINT, cause: options.cause });
  }
}

/** True when `value` is a {@link CsrError}, also one made by another copy of this package. */
export const isCsrError = errorGuard<CsrError>('CsrError');

/**
 * A certificate that cannot be used: unparsable, issued by another CA, a CA certificate where an
 * end-entity one is needed, a signature that does not verify, or outside its validity window.
 *
 * @example
 * try { ca.verifyIssued(pem); } catch (error) { if (isCertificateError(error) && error.code === 'certificate_expired') renew(); }
 */
export class CertificateError extends UbiqIdpError<CertificateErrorCode> {
  static override readonly errorName = 'CertificateError';
  constructor(code: CertificateErrorCode, message: string, options: { hint?: string; cause?: unknown } = {}) {
    super(code, message, {
      hint:
        options.hint ??
        'Get a fresh certificate through the SSO exchange (POST {server}/{customer_id}/api/v3/scim/sso) and send it as payload_cert.',
      cause: options.cause,
    });
  }
}

/** True when `value` is a {@link CertificateError}, also one made by another copy of this package. */
export const isCertificateError = errorGuard<CertificateError>('CertificateError');

/**
 * The certificate authority was used wrongly: a bad lifetime or backdate, a CA key that does not belong
 * to the CA certificate, a certificate that is not a CA, a missing public key. A mistake in the code or
 * options that create the CA, never in a client's request.
 *
 * @example
 * try { await createCertificateAuthority({ lifetimeDays: 0 }); } catch (error) { if (isCertificateAuthorityError(error)) console.error(error.message); }
 */
export class CertificateAuthorityError extends UbiqIdpError<CertificateAuthorityErrorCode> {
  static override readonly errorName = 'CertificateAuthorityError';
  constructor(message: string) {
    super('ca_usage', message, { hint: 'Check the certificate authority options of the reference server.' });
  }
}

/** True when `value` is a {@link CertificateAuthorityError}, also one made by another copy of this package. */
export const isCertificateAuthorityError = errorGuard<CertificateAuthorityError>('CertificateAuthorityError');

/** A plain Error carrying only the message of what a parser threw (never the input). */
export function causeOf(error: unknown): Error | undefined {
  return error instanceof Error ? new Error(error.message) : undefined;
}
