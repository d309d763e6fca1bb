import { errorGuard, UbiqIdpError } from '../errors.js';
import type { CredentialsErrorCode, CredentialsUnavailableErrorCode, SsoErrorCode } from '../error-codes.js';

export type { CredentialsErrorCode, CredentialsUnavailableErrorCode, SsoErrorCode } from '../error-codes.js';

/**
 * An error of the credential provider (not of the SSO exchange itself). Never contains a secret.
 *
 * @example
 * try { await provider(); } catch (error) { if (isCredentialsError(error) && error.code === 'credentials_expired') console.error(error.message, error.cause); }
 */
export class CredentialsError extends UbiqIdpError<CredentialsErrorCode> {
  // Typed `string`, not the literal, so that CredentialsUnavailableError can declare its own.
  static override readonly errorName: string = 'CredentialsError';
}

/**
 * "This source has no credentials to offer": the one error on which `chain()` tries its next source.
 * The message says where the source looked.
 */
export class CredentialsUnavailableError extends CredentialsError {
  static override readonly errorName = 'CredentialsUnavailableError';
  declare readonly code: CredentialsUnavailableErrorCode;
  /** Tells `chain()` to try its next source (as AWS SDK `tryNextLink`; `chain()` itself matches the class). */
  readonly tryNextLink = true;
  constructor(message: string, options: { hint?: string; cause?: unknown } = {}) {
    super('credentials_unavailable', message, options);
  }
}

/**
 * The SSO exchange failed: the Ubiq server refused the IdP token, answered something other than the
 * documented 200 JSON, or issued a certificate we cannot use. `status` is the HTTP status when there was
 * one. Neither the access token nor any key appears in the message.
 */
export class SsoError extends UbiqIdpError<SsoErrorCode> {
  static override readonly errorName = 'SsoError';
  /** HTTP status of the SSO answer, when there was one. */
  readonly status: number | undefined;
  constructor(code: SsoErrorCode, message: string, options: { hint?: string; cause?: unknown; status?: number } = {}) {
    super(code, message, options);
    this.status = options.status;
  }
}

/**
 * True for a `CredentialsError` (any code, `CredentialsUnavailableError` included), also one made by
 * another copy of this package; false for every other error.
 *
 * @example
 * if (isCredentialsError(error) && error.code === 'credentials_expired') console.error(error.message);
 */
export const isCredentialsError = errorGuard<CredentialsError>('CredentialsError');

/**
 * True for a `CredentialsUnavailableError`: "no credentials here, try the next source". Errors of other
 * libraries are never matched, not even AWS SDK errors carrying `tryNextLink`; the config loader's
 * `ConfigNotFoundError` has its own guard, `isConfigNotFoundError` (`chain()` moves on for both).
 *
 * @example
 * const credentials = await fromEnv()().catch((error) => (isCredentialsUnavailableError(error) ? undefined : Promise.reject(error)));
 */
export const isCredentialsUnavailableError = errorGuard<CredentialsUnavailableError>('CredentialsUnavailableError');

/**
 * True for an `SsoError`, also one made by another copy of this package.
 *
 * @example
 * try { await provider(); } catch (error) { if (isSsoError(error) && error.code === 'sso_forbidden') console.error(error.hint); }
 */
export const isSsoError = errorGuard<SsoError>('SsoError');
