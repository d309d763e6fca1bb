import { join } from 'node:path';
import type { Logger } from '../util/logger.js';
import { SessionError, type SessionErrorCode } from './errors.js';
import { decodeSession, encodeSession, identityDifferences, type SessionIdentity, type SessionRecord } from './format.js';
import { withSessionLock, type LockOutcome, type SessionLockOptions } from './lock.js';
import { sessionFileName, type SessionLocation } from './paths.js';
import { ensurePrivateDirectory, readPrivateFile, removeFile, writePrivateFileAtomic, errnoOf } from './secure-file.js';

/** Options of {@link createSessionStore}. */
export interface SessionStoreOptions {
  location: SessionLocation;
  /** Which session (server, customer, profile) and whose it must be. */
  identity: SessionIdentity;
  /** A session that cannot be used is an error instead of a warning. */
  strictPermissions?: boolean;
  logger: Logger;
  lock?: SessionLockOptions;
}

/** The outcome of reading a session. */
export type SessionRead =
  | { status: 'found'; record: SessionRecord }
  | { status: 'missing' }
  | { status: 'refused'; error: SessionError };

/** @internal One session file: read (checked), write (atomic), delete, and the lock around sign-ins. */
export interface SessionStore {
  readonly path: string;
  readonly lockPath: string;
  readonly location: SessionLocation;
  /** The session, when there is a usable one; refusals are warned about (or thrown under strictPermissions). */
  read(): Promise<SessionRecord | undefined>;
  /** Like `read` but reports refusals instead of warning (for `whoami` / `logout`). */
  inspect(options?: { anyIdentity?: boolean }): Promise<SessionRead>;
  /** Writes the session; a failure is warned about and returns false (credentials still work in memory). */
  write(record: SessionRecord): Promise<boolean>;
  /** Deletes the session; false when there was none. */
  remove(): Promise<boolean>;
  withLock<T>(work: () => Promise<T>, poll: () => Promise<T | undefined>, signal?: AbortSignal): Promise<LockOutcome<T>>;
}

const warnedAbout = new Set<string>();

const HINTS: Record<SessionErrorCode, (path: string, fix?: string) => string> = {
  session_insecure: (path, fix) => `${fix ?? `chmod 600 ${path}`}; or run 'ubiq-idp logout' to delete it and sign in again.`,
  session_corrupt: () => "Run 'ubiq-idp logout' to delete it, then 'ubiq-idp login' (or let the app sign in again).",
  session_mismatch: () => "Run 'ubiq-idp logout' for this profile, or use another profile (--profile / UBIQ_PROFILE) for the other sign-in.",
  session_io: (path) => `Check that ${path} and its directory can be read and written by this account.`,
};

/** @internal */
export function createSessionStore(options: SessionStoreOptions): SessionStore {
  const { location, identity, logger } = options;
  const path = join(location.dir, sessionFileName(identity));
  const lockPath = path.replace(/\.json$/, '.lock');

  function refusal(code: SessionErrorCode, reason: string, fix?: string): SessionError {
    return new SessionError(code, `The Ubiq session file ${path} ${reason}; it was not used.`, { path, hint: HINTS[code](path, fix) });
  }

  async function inspect(inspectOptions: { anyIdentity?: boolean } = {}): Promise<SessionRead> {
    const file = await readPrivateFile(path);
    if (file.status === 'missing') return { status: 'missing' };
    if (file.status === 'insecure') return { status: 'refused', error: refusal('session_insecure', file.reason, file.fix) };
    if (file.status === 'unreadable') return { status: 'refused', error: refusal(file.reason.includes('larger') ? 'session_corrupt' : 'session_io', file.reason) };
    const decoded = decodeSession(file.text);
    if (!decoded.ok) return { status: 'refused', error: refusal('session_corrupt', decoded.reason) };
    if (inspectOptions.anyIdentity !== true) {
      const differs = identityDifferences(decoded.record.identity, identity);
      if (differs.length > 0) return { status: 'refused', error: refusal('session_mismatch', `is for another sign-in (${differs.join(', ')} differ${differs.length === 1 ? 's' : ''})`) };
    }
    return { status: 'found', record: decoded.record };
  }

  return {
    path,
    lockPath,
    location,
    inspect,
    async read() {
      const result = await inspect();
      if (result.status === 'found') return result.record;
      if (result.status === 'missing') return undefined;
      if (options.strictPermissions === true) throw result.error;
      // One warning per file and problem, not one per source that looks at it.
      const key = `${path}\n${result.error.message}`;
      if (!warnedAbout.has(key)) {
        warnedAbout.add(key);
        logger.warn(`${result.error.message} Signing in again. (${result.error.hint ?? ''})`, { code: result.error.code, path });
      }
      return undefined;
    },
    async write(record) {
      const dir = await ensurePrivateDirectory(location.dir, location.root);
      if (!dir.ok) {
        logger.debug?.('Ubiq session not kept', { reason: dir.reason });
        return false;
      }
      if (dir.tightened) logger.warn(`The Ubiq sessions directory ${location.dir} was writable by other users; its mode is now 0700.`, { path: location.dir });
      try {
        await writePrivateFileAtomic(path, encodeSession(record));
        logger.debug?.('Ubiq session saved', { path, expiresAt: record.credentials?.expiresAt.toISOString() });
        return true;
      } catch (error) {
        logger.warn(`The Ubiq session could not be saved to ${path} (${errnoOf(error)}); the next process will sign in again.`, { code: 'session_io', path });
        return false;
      }
    },
    async remove() {
      try {
        return await removeFile(path);
      } catch (error) {
        throw new SessionError('session_io', `The Ubiq session file ${path} could not be deleted (${errnoOf(error)}).`, { path, hint: HINTS.session_io(path) });
      }
    },
    async withLock(work, poll, signal) {
      const dir = await ensurePrivateDirectory(location.dir, location.root);
      if (!dir.ok) return { kind: 'unlocked', value: await work() };
      return withSessionLock(lockPath, work, poll, {
        ...options.lock,
        ...(signal ? { signal } : {}),
        onTakeOver: (why) => logger.info?.('Took over a stale Ubiq session lock', { path: lockPath, why }),
      });
    },
  };
}
