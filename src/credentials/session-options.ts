import type { SessionLockOptions } from '../session/lock.js';

/**
 * The session shared by every process of the user (`~/.ubiq/sessions/`): see the `session` option of `createIdpCredentialProvider`.
 */
export interface SessionOptions {
  /** The sessions directory. Else `UBIQ_SESSION_DIR`, else `~/.ubiq/sessions` under the loader's home directory. */
  dir?: string;
  /**
   * Serve and renew from the stored session (default true). `false` signs in afresh and only writes the
   * session, as `ubiq-idp login` does.
   */
  reuse?: boolean;
  /** How long to wait for another process's sign-in (default 60 s) and when its lock counts as stale (2 min). */
  lock?: SessionLockOptions;
}
