import { parseArgs, type ParseArgsConfig } from 'node:util';
import { isUbiqIdpError } from '../errors.js';
import { EXIT, exitCodeFor, UsageError, type ExitCode } from './exit-codes.js';
import type { CliIo } from './io.js';
import { createCliLogger, debugRequested, type CliLogger } from './cli-logger.js';
import { terminalSafeJson } from './terminal-text.js';
import { createUi, type Ui } from './ui.js';

type OptionSpecs = NonNullable<ParseArgsConfig['options']>;

/** One CLI command: its help text, its options and what it does. */
export interface Command {
  name: string;
  /** One line for the command list. */
  summary: string;
  /** The full `--help` text (usage, options, examples). */
  help: string;
  options: OptionSpecs;
  run(context: CommandContext): Promise<ExitCode>;
}

/** What a command gets: parsed options, the io, and writers for human and JSON output. */
export interface CommandContext {
  io: CliIo;
  values: Record<string, string | boolean | undefined>;
  json: boolean;
  ui: Ui;
  /** Writes one JSON document to stdout. */
  writeJson: (value: unknown) => void;
  /** Where the library's warnings, retries and (with `--debug`) its trace go: stderr, filtered and scrubbed. */
  logger: CliLogger;
}

/** Options every command accepts. */
export const COMMON_OPTIONS = {
  help: { type: 'boolean', short: 'h' },
  json: { type: 'boolean' },
  debug: { type: 'boolean' },
} as const satisfies OptionSpecs;

export const COMMON_HELP = `  -h, --help     show this help
      --json     machine-readable output (one JSON document on stdout)
      --debug    trace every IdP, SSO and key request on stderr (method, URL, status, timing, retries;
                 secrets redacted); also UBIQ_IDP_DEBUG=1`;

/** Parses a command's arguments; unknown options and positionals are usage errors. */
export function parseCommandArgs(command: Command, args: readonly string[]): Record<string, string | boolean | undefined> {
  try {
    const { values, positionals } = parseArgs({
      args: [...args],
      options: { ...COMMON_OPTIONS, ...command.options },
      allowPositionals: true,
      strict: true,
    });
    if (positionals.length > 0) throw new UsageError(`'${command.name}' takes no arguments (got '${positionals[0] ?? ''}').`, `Run 'ubiq-idp ${command.name} --help'.`);
    return values;
  } catch (error) {
    if (error instanceof UsageError) throw error;
    const message = (error instanceof Error ? error.message.split('\n')[0] ?? '' : String(error)).replace(/\. To specify a positional argument.*$/, '.');
    // A value that starts with '-' (a password, a secret) reads as another option unless joined with '='.
    const dashValue = /^Option '(--[\w-]+)' argument is ambiguous/.exec(message)?.[1];
    if (dashValue) throw new UsageError(`${command.name}: ${message}`, `A value that starts with '-' is written '${dashValue}=<value>'.`);
    throw new UsageError(`${command.name}: ${message}`, `Run 'ubiq-idp ${command.name} --help'.`);
  }
}

/** Prints an error the way every command does: message, hint, code and exit code; JSON with --json. */
export function reportError(io: CliIo, json: boolean, error: unknown): ExitCode {
  // Ctrl-C / SIGTERM: whatever the interrupted step threw (often the signal's own reason), it is an interrupt.
  const exitCode = io.signal?.aborted === true ? EXIT.interrupted : exitCodeFor(error);
  const ubiq = isUbiqIdpError(error);
  const code = ubiq ? error.code : 'unexpected_error';
  const message = error instanceof Error ? error.message : String(error);
  const hint = ubiq ? error.hint : undefined;
  const problems = (error as { problems?: unknown }).problems;
  if (json) {
    io.stdout.write(`${terminalSafeJson({ ok: false, exitCode, error: { code, message, ...(hint ? { hint } : {}), ...(Array.isArray(problems) ? { problems } : {}) } }, 2)}\n`);
    return exitCode;
  }
  const ui = createUi(io, io.stderr);
  ui.mark('fail', message.split('\n')[0] ?? '');
  for (const rest of message.split('\n').slice(1)) ui.line(`  ${rest}`);
  if (hint) ui.note('fix', hint);
  ui.note('code', `${code} (exit ${exitCode}; see "Error reference" in the README)`);
  return exitCode;
}

/** An interrupt is not a failure to explain: one line (or JSON), exit 130. */
function reportInterrupt(io: CliIo, json: boolean): ExitCode {
  if (json) io.stdout.write(`${terminalSafeJson({ ok: false, exitCode: EXIT.interrupted, error: { code: 'interrupted', message: 'Interrupted.' } }, 2)}\n`);
  else createUi(io, io.stderr).mark('skip', 'Interrupted.');
  return EXIT.interrupted;
}

/** Runs one command with its arguments: help, parsing, errors → exit code. */
export async function runCommand(command: Command, args: readonly string[], io: CliIo): Promise<ExitCode> {
  const wantsJson = args.includes('--json');
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseCommandArgs(command, args);
  } catch (error) {
    return reportError(io, wantsJson, error);
  }
  if (values.help === true) {
    io.stdout.write(`${command.help.trimEnd()}\n`);
    return EXIT.ok;
  }
  const json = values.json === true;
  const ui = createUi(io);
  const logger = createCliLogger(io, debugRequested(values, io.env));
  try {
    const code = await command.run({ io, values, json, ui, writeJson: (value) => void io.stdout.write(`${terminalSafeJson(value, 2)}\n`), logger });
    // Ctrl-C/SIGTERM: whatever the command made of it, the process was interrupted.
    return io.signal?.aborted === true ? EXIT.interrupted : code;
  } catch (error) {
    if (io.signal?.aborted === true) return reportInterrupt(io, json);
    return reportError(io, json, error);
  }
}

/** Reads a string option. */
export function stringOption(values: CommandContext['values'], name: string): string | undefined {
  const value = values[name];
  return typeof value === 'string' ? value : undefined;
}

/** Reads a TCP port option (0–65535). */
export function portOption(values: CommandContext['values'], name: string): number | undefined {
  const raw = stringOption(values, name);
  if (raw === undefined) return undefined;
  const port = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new UsageError(`--${name} must be a port number between 0 and 65535 (got '${raw}').`);
  }
  return port;
}
