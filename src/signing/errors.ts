import { errorGuard, UbiqIdpError } from '../errors.js';
import type { SigningErrorCode } from '../error-codes.js';

export type { SigningErrorCode } from '../error-codes.js';

/**
 * A Ubiq request cannot be signed with what was given: the URL is not absolute, or the access key id
 * or secret signing key is missing or unusable. Never contains the secret signing key.
 *
 * @example
 * try { signUbiqRequest({ method: 'GET', url, credentials }); } catch (error) { if (isSigningError(error)) console.error(error.hint); }
 */
export class SigningError extends UbiqIdpError<SigningErrorCode> {
  static override readonly errorName = 'SigningError';
}

/** True when `value` is a {@link SigningError}, also one made by another copy of this package. */
export const isSigningError = errorGuard<SigningError>('SigningError');
