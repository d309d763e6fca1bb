import { errorGuard, UbiqIdpError } from '../errors.js';
import type { SignInErrorCode } from '../error-codes.js';

export type { SignInErrorCode } from '../error-codes.js';

/**
 * A device or browser sign-in did not finish. `code` says why; `hint` names the console setting or the
 * step that fixes it. Never carries a code, verifier, token or password; IdP refusals of the token request
 * itself stay `IdpError`s.
 */
export class SignInError extends UbiqIdpError<SignInErrorCode> {
  static override readonly errorName: string = 'SignInError';
  declare readonly code: SignInErrorCode;
}

/** True for a `SignInError` (any copy of this package). */
export const isSignInError = errorGuard<SignInError>('SignInError');
