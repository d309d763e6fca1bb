import { homedir } from 'node:os';
import process from 'node:process';

/** Where a command writes: a stream-like sink (process.stdout, or a buffer in tests). */
export interface CliOutput {
  write(chunk: string): unknown;
  /** True when this is an interactive terminal: colours, spinners and secret warnings depend on it. */
  isTTY?: boolean;
}

/** Where a command reads answers from (process.stdin, or a stream of piped lines in tests). */
export interface CliInput {
  on(event: 'data', listener: (chunk: Buffer | string) => void): unknown;
  on(event: 'end' | 'close', listener: () => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
  removeListener(event: string, listener: (...args: never[]) => void): unknown;
  pause(): unknown;
  resume(): unknown;
  /** True when this is an interactive terminal: secrets are then read without echo. */
  isTTY?: boolean;
  setRawMode?(mode: boolean): unknown;
}

/**
 * Everything a command touches outside itself, so tests run commands in process with their own
 * streams, environment and home directory.
 */
export interface CliIo {
  stdout: CliOutput;
  stderr: CliOutput;
  /** Environment (`UBIQ_*`, `NO_COLOR`). */
  env: Record<string, string | undefined>;
  /** Home directory for `~/.ubiq/…`. */
  homeDir: string;
  /** Answers to questions (`configure`); absent means there is nobody to ask. */
  stdin?: CliInput;
  /** Aborts long-running commands (`server` waits on it; Ctrl-C/SIGTERM fire it in the real process). */
  signal?: AbortSignal;
}

function safeHomedir(): string {
  try {
    return homedir();
  } catch {
    return '';
  }
}

/** The real process's streams and environment. */
export function processIo(signal?: AbortSignal): CliIo {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    env: process.env,
    homeDir: safeHomedir(),
    ...(signal ? { signal } : {}),
  };
}

/** An in-memory sink, for tests and for capturing output. */
export function memoryOutput(isTTY = false): CliOutput & { text(): string } {
  const chunks: string[] = [];
  return {
    isTTY,
    write(chunk: string) {
      chunks.push(chunk);
      return true;
    },
    text: () => chunks.join(''),
  };
}
