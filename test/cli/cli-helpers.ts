// Runs the CLI in process with captured streams, a chosen environment and home directory.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { memoryOutput, type CliIo } from '../../src/cli/io.js';
import { runCli } from '../../src/cli/run.js';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  env?: Record<string, string | undefined>;
  homeDir?: string;
  tty?: boolean;
  signal?: AbortSignal;
  /** Piped to the command's stdin (answers to `configure`'s questions). */
  input?: string;
  /** Receives stdout as it is written (for long-running commands). */
  onStdout?: (text: string) => void;
  /** Receives stderr (all of it so far) as it is written: prompts of `login --device` / `--browser`. */
  onStderr?: (text: string) => void;
}

export async function cli(argv: string[], options: RunOptions = {}): Promise<CliRun> {
  const stdout = memoryOutput(options.tty ?? false);
  const stderr = memoryOutput(options.tty ?? false);
  const watched = options.onStdout
    ? {
        isTTY: stdout.isTTY,
        write(chunk: string) {
          stdout.write(chunk);
          options.onStdout?.(stdout.text());
          return true;
        },
      }
    : stdout;
  const watchedErr = options.onStderr
    ? {
        isTTY: stderr.isTTY,
        write(chunk: string) {
          stderr.write(chunk);
          options.onStderr?.(stderr.text());
          return true;
        },
      }
    : stderr;
  const io: CliIo = {
    stdout: watched,
    stderr: watchedErr,
    env: options.env ?? {},
    homeDir: options.homeDir ?? '/nonexistent-home-for-tests',
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.input === undefined ? {} : { stdin: Readable.from([options.input]) }),
  };
  const code = await runCli(argv, io);
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}

export async function tempDir(prefix: string): Promise<{ path: string; remove(): Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), prefix));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}
