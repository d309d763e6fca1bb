import { constants, type Stats } from 'node:fs';
import { lstat, open, rename, unlink, mkdir, chmod, stat } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join } from 'node:path';
import process from 'node:process';

/** Session files are a few kilobytes; anything past this is not one. */
export const MAX_SESSION_FILE_BYTES = 256 * 1024;

const POSIX = process.platform !== 'win32';

/** What reading a file that must be private gave. */
export type SecureRead =
  | { status: 'missing' }
  | { status: 'ok'; text: string }
  | { status: 'insecure'; reason: string; fix: string }
  | { status: 'unreadable'; reason: string };

function errnoOf(error: unknown): string {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? code : 'EIO';
}

function octal(mode: number): string {
  return `0${(mode & 0o777).toString(8)}`;
}

/** Why a directory that holds private files is unsafe, if it is. */
function directoryProblem(info: Stats): string | undefined {
  if (!info.isDirectory()) return 'is not a directory';
  if (!POSIX) return undefined;
  if ((info.mode & 0o022) !== 0) return `is writable by other users (mode ${octal(info.mode)})`;
  if (typeof process.getuid === 'function' && info.uid !== process.getuid()) return 'belongs to another account';
  return undefined;
}

/**
 * Reads a file that must be private: a regular file (not a symbolic link, FIFO or device), owned by
 * this account, readable and writable by it alone, in a directory nobody else can write to. Opened with
 * `O_NOFOLLOW | O_NONBLOCK` so a link or a FIFO swapped in after the check is refused, never followed or
 * waited on.
 */
export async function readPrivateFile(path: string): Promise<SecureRead> {
  let dirInfo: Stats;
  try {
    dirInfo = await stat(dirname(path));
  } catch (error) {
    const code = errnoOf(error);
    return code === 'ENOENT' || code === 'ENOTDIR' ? { status: 'missing' } : { status: 'unreadable', reason: `its directory cannot be read (${code})` };
  }
  let linkInfo: Stats;
  try {
    linkInfo = await lstat(path);
  } catch (error) {
    const code = errnoOf(error);
    return code === 'ENOENT' || code === 'ENOTDIR' ? { status: 'missing' } : { status: 'unreadable', reason: `cannot be read (${code})` };
  }
  const dirProblem = directoryProblem(dirInfo);
  if (dirProblem !== undefined) return { status: 'insecure', reason: `its directory ${dirname(path)} ${dirProblem}`, fix: `chmod 700 ${dirname(path)}` };
  if (linkInfo.isSymbolicLink()) return { status: 'insecure', reason: 'is a symbolic link', fix: `rm ${path}` };
  if (!linkInfo.isFile()) return { status: 'insecure', reason: 'is not a regular file', fix: `rm ${path}` };

  let handle;
  try {
    handle = await open(path, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0));
  } catch (error) {
    const code = errnoOf(error);
    if (code === 'ENOENT') return { status: 'missing' };
    if (code === 'ELOOP') return { status: 'insecure', reason: 'is a symbolic link', fix: `rm ${path}` };
    return { status: 'unreadable', reason: `cannot be opened (${code})` };
  }
  try {
    const info = await handle.stat();
    if (!info.isFile()) return { status: 'insecure', reason: 'is not a regular file', fix: `rm ${path}` };
    if (POSIX && typeof process.getuid === 'function' && info.uid !== process.getuid()) {
      return { status: 'insecure', reason: 'belongs to another account', fix: `rm ${path}` };
    }
    if (POSIX && (info.mode & 0o077) !== 0) {
      return { status: 'insecure', reason: `can be read by other users (mode ${octal(info.mode)})`, fix: `chmod 600 ${path}` };
    }
    if (info.size > MAX_SESSION_FILE_BYTES) return { status: 'unreadable', reason: `is ${info.size} bytes, larger than any session` };
    const buffer = Buffer.alloc(Math.min(info.size, MAX_SESSION_FILE_BYTES) + 1);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    if (bytesRead > MAX_SESSION_FILE_BYTES) return { status: 'unreadable', reason: 'is larger than any session' };
    return { status: 'ok', text: buffer.subarray(0, bytesRead).toString('utf8') };
  } catch (error) {
    return { status: 'unreadable', reason: `cannot be read (${errnoOf(error)})` };
  } finally {
    await handle.close();
  }
}

/**
 * Makes the private directory `dir` (mode 0700) if `root` exists; never creates `root` (a missing home
 * directory means "keep no session", not "create one"). A directory others can write to is tightened.
 * Returns false when there is no place to write.
 */
export async function ensurePrivateDirectory(dir: string, root: string): Promise<{ ok: true; tightened: boolean } | { ok: false; reason: string }> {
  try {
    const rootInfo = await stat(root);
    if (!rootInfo.isDirectory()) return { ok: false, reason: `${root} is not a directory` };
  } catch (error) {
    return { ok: false, reason: `${root} does not exist (${errnoOf(error)})` };
  }
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const info = await lstat(dir);
    if (!info.isDirectory()) return { ok: false, reason: `${dir} is not a directory` };
    if (POSIX && (info.mode & 0o077) !== 0) {
      if (typeof process.getuid === 'function' && info.uid !== process.getuid()) return { ok: false, reason: `${dir} belongs to another account` };
      await chmod(dir, 0o700);
      return { ok: true, tightened: true };
    }
    return { ok: true, tightened: false };
  } catch (error) {
    return { ok: false, reason: `${dir} cannot be created (${errnoOf(error)})` };
  }
}

/**
 * Writes `text` to `path` atomically with mode 0600: into a new temporary file beside it (`O_EXCL`),
 * flushed, then renamed over the old file, so a reader sees the old session or the new one, never half.
 */
export async function writePrivateFileAtomic(path: string, text: string): Promise<void> {
  const temporary = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  const handle = await open(temporary, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | (constants.O_NOFOLLOW ?? 0), 0o600);
  try {
    try {
      await handle.writeFile(text, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    // umask may have removed bits but never adds them; chmod anyway for platforms that ignore the mode.
    if (POSIX) await chmod(temporary, 0o600);
    await rename(temporary, path);
  } catch (error) {
    await unlink(temporary).catch(() => {});
    throw error;
  }
}

/** Deletes a file; false when it did not exist. */
export async function removeFile(path: string): Promise<boolean> {
  try {
    await unlink(path);
    return true;
  } catch (error) {
    if (errnoOf(error) === 'ENOENT') return false;
    throw error;
  }
}

export { errnoOf };
