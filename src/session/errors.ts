import { errorGuard, UbiqIdpError, type UbiqIdpErrorOptions } from '../errors.js';

/**
 * Stable codes of `SessionError`.
 * - `session_insecure`: the session file (or its directory) is readable or writable by others, is a
 *   symbolic link, is not a regular file, or belongs to another account.
 * - `session_corrupt`: the file is not a session this version can read (truncated JSON, another format
 *   version, fields that do not belong together such as a certificate for another key).
 * - `session_mismatch`: the session is for another user, IdP, client, server, customer or profile.
 * - `session_io`: the session could not be read, written or deleted (disk full, permission denied).
 */
export type SessionErrorCode = 'session_insecure' | 'session_corrupt' | 'session_mismatch' | 'session_io';

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
