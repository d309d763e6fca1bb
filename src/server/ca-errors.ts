import { errorGuard, UbiqIdpError } from '../errors.js';
import type { PayloadCertErrorCode } from '../error-codes.js';

export type { PayloadCertErrorCode } from '../error-codes.js';

/** Why a key request's `payload_cert` was refused (answered as 401 `invalid_payload_cert`). */
export type PayloadCertFailureReason = 'malformed' | 'not_issued_by_this_server' | 'expired' | 'not_yet_valid' | 'wrong_api_key';

const CERT_MESSAGES: Record<PayloadCertFailureReason, string> = {
  malformed: 'payload_cert is not a parsable X.509 certificate',
  not_issued_by_this_server: "payload_cert was not issued by this server's certificate authority",
  expired: 'payload_cert has expired',
  not_yet_valid: 'payload_cert is not valid yet',
  wrong_api_key: 'payload_cert was issued for another API key than the one that signed the request',
};

const CERT_HINTS: Record<PayloadCertFailureReason, string> = {
  malformed: 'Send payload_cert = base64 of the api_cert PEM returned by the SSO endpoint.',
  not_issued_by_this_server: 'Use the api_cert returned by the SSO endpoint of this server.',
  expired: 'Renew the certificate through the SSO endpoint (the credential provider does this ahead of expiry).',
  not_yet_valid: "Check the clocks of the client and this server.",
  wrong_api_key: 'Sign with the public_value/signing_value returned together with this api_cert.',
};

/** A `payload_cert` the key endpoints will not accept. */
export class PayloadCertError extends UbiqIdpError<PayloadCertErrorCode> {
  static override readonly errorName = 'PayloadCertError';
  readonly reason: PayloadCertFailureReason;
  constructor(reason: PayloadCertFailureReason) {
    super('invalid_payload_cert', CERT_MESSAGES[reason], { hint: CERT_HINTS[reason] });
    this.reason = reason;
  }
}

/** True when `value` is a {@link PayloadCertError}, also one made by another copy of this package. */
export const isPayloadCertError = errorGuard<PayloadCertError>('PayloadCertError');
