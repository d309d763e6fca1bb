import { constants, type Stats } from 'node:fs';
import { open, stat } from 'node:fs/promises';

/** Configuration and credentials files are a few hundred bytes; anything past this is not one. */
export const MAX_CONFIG_FILE_BYTES = 1024 * 1024;

export type ReadResult =
  | { status: 'missing' }
  | { status: 'ok'; text: string; mode: number }
  | { status: 'error'; code: string; message: string };

const MISSING = new Set(['ENOENT', 'ENOTDIR']);

/** What a path that is not a regular file is, for the message that refuses it. */
function notARegularFile(info: Stats): ReadResult | undefined {
  if (info.isFile()) return undefined;
  const what = info.isDirectory()
    ? 'a directory'
    : info.isFIFO()
      ? 'a FIFO (named pipe)'
      : info.isSocket()
        ? 'a socket'
        : info.isCharacterDevice() || info.isBlockDevice()
          ? 'a device'
          : 'not a regular file';
  return { status: 'error', code: 'not_a_file', message: `is ${what}, not a regular file; point the setting at the file itself` };
}

// Opening a FIFO for reading blocks until a writer comes: never wait for one (a no-op for regular files).
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0);

/**
 * Read a small UTF-8 text file. A file that does not exist is `missing` (the caller tries the
 * next source); anything else that stops us reading it is an `error` the user must fix. A path
 * that is not a regular file (FIFO, directory, device, socket) is refused before it is opened,
 * and checked again on the open handle in case it was swapped in between.
 */
export async function readConfigFile(path: string, maxBytes = MAX_CONFIG_FILE_BYTES): Promise<ReadResult> {
  try {
    const refused = notARegularFile(await stat(path));
    if (refused) return refused;
  } catch (error) {
    return fromErrno(error);
  }
  let handle;
  try {
    handle = await open(path, OPEN_FLAGS);
  } catch (error) {
    return fromErrno(error);
  }
  try {
    const stat = await handle.stat();
    const refused = notARegularFile(stat);
    if (refused) return refused;
    if (stat.size > maxBytes) {
      return { status: 'error', code: 'file_too_large', message: `is ${stat.size} bytes; refusing to read a configuration file over ${maxBytes} bytes` };
    }
    // Read at most one byte past the cap: the file may grow between stat() and read().
    const buffer = Buffer.alloc(Math.min(stat.size, maxBytes) + 1);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    if (bytesRead > maxBytes) {
      return { status: 'error', code: 'file_too_large', message: `is over ${maxBytes} bytes; refusing to read it` };
    }
    return decode(buffer.subarray(0, bytesRead), stat.mode);
  } catch (error) {
    return fromErrno(error);
  } finally {
    await handle.close();
  }
}

function decode(bytes: Buffer, mode: number): ReadResult {
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) {
    return { status: 'error', code: 'utf16', message: 'is saved as UTF-16; save it as UTF-8' };
  }
  try {
    // TextDecoder drops a UTF-8 byte order mark, which Windows editors like to add.
    return { status: 'ok', text: new TextDecoder('utf-8', { fatal: true }).decode(bytes), mode };
  } catch {
    return { status: 'error', code: 'not_utf8', message: 'is not UTF-8 text' };
  }
}

function fromErrno(error: unknown): ReadResult {
  const code = typeof (error as { code?: unknown })?.code === 'string' ? (error as { code: string }).code : 'EIO';
  if (MISSING.has(code)) return { status: 'missing' };
  if (code === 'EACCES' || code === 'EPERM') return { status: 'error', code: 'unreadable', message: 'exists but cannot be read (permission denied)' };
  if (code === 'EISDIR') return { status: 'error', code: 'not_a_file', message: 'is a directory, not a file' };
  return { status: 'error', code: 'unreadable', message: `cannot be read (${code})` };
}
