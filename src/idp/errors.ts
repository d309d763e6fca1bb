import { errorGuard, UbiqIdpError } from '../errors.js';
import type { IdpErrorCode } from '../error-codes.js';
import type { IdpProvider } from '../config/types.js';

export type { IdpErrorCode } from '../error-codes.js';

/** The IdP's own request identifiers: quote them to the IdP's support or find the request in its logs. */
export interface IdpCorrelation {
  /** Okta `errorId` or `X-Okta-Request-Id`. */
  errorId?: string;
  /** Entra `trace_id` (`x-ms-request-id`). */
  traceId?: string;
  /** Entra `correlation_id` (`client-request-id`). */
  correlationId?: string;
}

/** Fields of an `IdpError` besides code, message and hint. */
export interface IdpErrorDetails {
  provider: IdpProvider;
  status?: number;
  /** The OAuth `error` the IdP sent (`invalid_grant`, `invalid_client`, …). */
  idpError?: string;
  /** Entra's AADSTS number (as a string, e.g. `"50126"`) or Okta's `errorCode` (`E0000047`). */
  idpErrorCode?: string;
  /** The first line of the IdP's `error_description`, with any secret removed. */
  idpErrorDescription?: string;
  correlation?: IdpCorrelation;
  /** How long the IdP asked us to wait before trying again. */
  retryAfterMs?: number;
  /** Requests made (retries included) before giving up. */
  attempts?: number;
  cause?: unknown;
}

/**
 * A token request failed. `code` says why (stable), `hint` names the setup step in the Okta or Entra
 * integration document that fixes it. Never contains the password, the client secret or a token.
 */
export class IdpError extends UbiqIdpError<IdpErrorCode> {
  static override readonly errorName = 'IdpError';
  readonly provider: IdpProvider;
  readonly status: number | undefined;
  readonly idpError: string | undefined;
  readonly idpErrorCode: string | undefined;
  readonly idpErrorDescription: string | undefined;
  readonly correlation: IdpCorrelation | undefined;
  readonly retryAfterMs: number | undefined;
  readonly attempts: number | undefined;

  /** @internal Thrown by the library only. */
  constructor(code: IdpErrorCode, message: string, hint: string, details: IdpErrorDetails) {
    super(code, message, { hint, cause: details.cause });
    this.provider = details.provider;
    this.status = details.status;
    this.idpError = details.idpError;
    this.idpErrorCode = details.idpErrorCode;
    this.idpErrorDescription = details.idpErrorDescription;
    this.correlation = details.correlation;
    this.retryAfterMs = details.retryAfterMs;
    this.attempts = details.attempts;
  }
}

/**
 * True for an `IdpError`, also one made by another copy of this package.
 *
 * @example
 * try {
 *   await fetchIdpToken(settings, credentials);
 * } catch (error) {
 *   if (isIdpError(error) && error.code === 'rate_limited') await sleep(error.retryAfterMs ?? 1_000);
 *   else throw error;
 * }
 */
export const isIdpError = errorGuard<IdpError>('IdpError');
