import { errorGuard, UbiqIdpError } from '../errors.js';

/** Stable codes of `SignInError`: why a device or browser sign-in did not finish. */
export type SignInErrorCode =
  /** The person declined on the IdP's page (`access_denied`, Entra `authorization_declined`). */
  | 'access_denied'
  /** The device code expired before the person finished (`expired_token`). */
  | 'expired_token'
  /** The IdP does not know the device code (`bad_verification_code`). */
  | 'bad_verification_code'
  /** The browser came back with a `state` that is not the one sent: a forged or stale redirect. */
  | 'state_mismatch'
  /** The redirect to the loopback listener was not a valid authorization response (no code, wrong path, an error). */
  | 'invalid_callback'
  /** The IdP refused to redeem the authorization code (expired, already used, or the PKCE verifier did not match). */
  | 'code_rejected'
  /** No redirect reached the loopback listener in time. */
  | 'callback_timeout'
  /** The loopback listener could not start (port in use, not allowed). */
  | 'listener_failed'
  /** The IdP has no device authorization or authorization endpoint in its discovery document. */
  | 'grant_not_supported'
  /** The caller cancelled (AbortSignal, Ctrl-C). */
  | 'cancelled';

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
