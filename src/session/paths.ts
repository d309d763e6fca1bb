import { hash } from 'node:crypto';
import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';

/** Where sessions live and which directory must already exist before we create theirs. */
export interface SessionLocation {
  /** The sessions directory (`~/.ubiq/sessions`). */
  dir: string;
  /**
   * A directory that must exist for sessions to be kept: the home directory for the default location
   * (sessions never create a home), the parent of a directory that was named explicitly.
   */
  root: string;
  chosenBy: 'option' | 'env' | 'default';
}

/** What decides the sessions directory. */
export interface SessionLocationInput {
  /** `session.dir` given in code. */
  dir?: string | undefined;
  /** Environment (`UBIQ_SESSION_DIR`). Default `process.env`. */
  env?: Record<string, string | undefined> | undefined;
  /** Home directory, as the config loader's `homeDir`. Default `os.homedir()`. */
  homeDir?: string | undefined;
}

function safeHomedir(): string {
  try {
    return homedir();
  } catch {
    return '';
  }
}

function expand(path: string, home: string): string {
  if (home && (path === '~' || path.startsWith('~/') || path.startsWith('~\\'))) return join(home, path.slice(1));
  return isAbsolute(path) ? path : resolve(path);
}

/**
 * The sessions directory: `dir` given in code, else `UBIQ_SESSION_DIR`, else `~/.ubiq/sessions` under the
 * same home directory the config loader uses. Undefined when there is no home directory to put it in.
 *
 * @example
 * sessionLocation({ homeDir: '/home/ada' }); // { dir: '/home/ada/.ubiq/sessions', root: '/home/ada', chosenBy: 'default' }
 */
export function sessionLocation(input: SessionLocationInput = {}): SessionLocation | undefined {
  const home = input.homeDir ?? safeHomedir();
  const given = input.dir?.trim();
  if (given) {
    const dir = expand(given, home);
    return { dir, root: resolve(dir, '..'), chosenBy: 'option' };
  }
  const fromEnv = (input.env ?? process.env).UBIQ_SESSION_DIR?.trim();
  if (fromEnv) {
    const dir = expand(fromEnv, home);
    return { dir, root: resolve(dir, '..'), chosenBy: 'env' };
  }
  if (!home) return undefined;
  return { dir: join(home, '.ubiq', 'sessions'), root: home, chosenBy: 'default' };
}

/** Which session: one per Ubiq server + customer + credentials profile. */
export interface SessionKey {
  server: string;
  customerId: string;
  profile: string;
}

/**
 * The file name of a session: a hash of server, customer and profile, so that no name, URL or secret
 * appears in the directory listing and any profile name is a safe file name.
 */
export function sessionFileName(key: SessionKey): string {
  // crypto.hash(), not createHash(): one call, without the stream machinery a Hash object sets up on first use
  // (about 2 ms of a process's first session read).
  const digest = hash('sha256', JSON.stringify([key.server.replace(/\/+$/, '').toLowerCase(), key.customerId.toLowerCase(), key.profile]), 'hex');
  return `${digest.slice(0, 32)}.json`;
}
