import { errorGuard, UbiqIdpError, type UbiqIdpErrorOptions } from '../errors.js';
import type { SessionErrorCode } from '../error-codes.js';

export type { SessionErrorCode } from '../error-codes.js';


/** Options of {@link SessionError}. */
export interface SessionErrorOptions extends UbiqIdpErrorOptions {
  /** The session file concerned. */
  path?: string;
}

/**
 * A stored session cannot be used. Without `strictPermissions` the providers log this as a warning and
 * sign in again; with it, they throw it. The `hint` names the command that fixes it (`ubiq-idp logout`,
 * `chmod 600 …`). Never contains a secret.
 *
 * @example
 * try { await provider(); } catch (error) { if (isSessionError(error)) console.error(error.message, error.hint); }
 */
export class SessionError extends UbiqIdpError<SessionErrorCode> {
  static override readonly errorName = 'SessionError';
  declare readonly code: SessionErrorCode;
  /** The session file concerned, when there is one. */
  readonly path: string | undefined;

  /** @internal Thrown by the library only. */
  constructor(code: SessionErrorCode, message: string, options: SessionErrorOptions = {}) {
    super(code, message, options);
    this.path = options.path;
  }
}

/**
 * True for a {@link SessionError} (from any copy of this package).
 *
 * @example
 * if (isSessionError(error) && error.code === 'session_insecure') console.error(error.hint);
 */
export const isSessionError = errorGuard<SessionError>('SessionError');
