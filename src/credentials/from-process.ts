import { execFile } from 'node:child_process';
import { basename } from 'node:path';
import { CredentialsError } from './errors.js';
import { isExportedCredentialsError, ProcessCredentialsError } from './exported-errors.js';
import type { CredentialProvider, ProviderCallOptions } from './provider.js';
import type { UbiqCredentials } from './ubiq-credentials.js';
import type { Clock } from '../util/clock.js';

/** Options of {@link fromProcess}. */
export interface ProcessSourceOptions {
  /** Kill the command after this long. Default 60 s (a sign-in with retries takes a while). */
  timeoutMs?: number;
  /** Largest stdout accepted, in bytes. Default 256 KiB. */
  maxOutputBytes?: number;
  /** Environment of the command. Default: this process's. */
  env?: NodeJS.ProcessEnv;
  /** Working directory of the command. */
  cwd?: string;
  /** Renew this long before the certificate's expiry by running the command again. Default 5 min. */
  refreshBeforeExpiryMs?: number;
  /** Milliseconds since the epoch (tests). Default `Date.now`. */
  now?: Clock;
}

interface Output {
  stdout: string;
}

function run(command: string, args: readonly string[], options: ProcessSourceOptions, signal: AbortSignal | undefined): Promise<Output> {
  const name = basename(command);
  const timeout = options.timeoutMs ?? 60_000;
  const maxBuffer = options.maxOutputBytes ?? 256 * 1024;
  return new Promise((resolve, reject) => {
    // execFile: no shell, so nothing in the arguments is interpreted; stderr goes nowhere we print.
    execFile(
      command,
      [...args],
      { timeout, maxBuffer, killSignal: 'SIGKILL', windowsHide: true, encoding: 'utf8', ...(options.env ? { env: options.env } : {}), ...(options.cwd ? { cwd: options.cwd } : {}), ...(signal ? { signal } : {}) },
      (error, stdout) => {
        if (error === null) return resolve({ stdout });
        if (signal?.aborted) return reject(signal.reason);
        const failure = error as Omit<NodeJS.ErrnoException, 'code'> & { code?: unknown; killed?: boolean; signal?: NodeJS.Signals | null };
        if (failure.code === 'ERR_CHILD_PROCESS_STDIO_MAXBUFFER') {
          return reject(new ProcessCredentialsError('process_output_too_large', `The credentials command '${name}' wrote more than ${maxBuffer} bytes and was stopped.`, { hint: 'The command must print one JSON document, as `ubiq-idp credentials --format json` does.' }));
        }
        if (failure.killed === true && failure.signal === 'SIGKILL') {
          return reject(new ProcessCredentialsError('process_timeout', `The credentials command '${name}' did not finish within ${timeout} ms and was stopped.`, { hint: 'Check that it can reach the IdP and the server (try it in a terminal), or raise timeoutMs.' }));
        }
        if (typeof failure.code === 'string') {
          return reject(new ProcessCredentialsError('process_failed', `The credentials command '${name}' could not be started (${failure.code}).`, { hint: 'Check the command name and PATH.' }));
        }
        const exitCode = typeof failure.code === 'number' ? failure.code : undefined;
        reject(
          new ProcessCredentialsError('process_failed', `The credentials command '${name}' failed (${exitCode === undefined ? `signal ${String(failure.signal ?? 'unknown')}` : `exit ${exitCode}`}).`, {
            hint: `Run it in a terminal to see why (${name} prints its own message on stderr).`,
            ...(exitCode === undefined ? {} : { exitCode }),
          }),
        );
      },
    );
  });
}

async function parse(stdout: string, name: string, now: () => number): Promise<UbiqCredentials> {
  let json: unknown;
  try {
    json = JSON.parse(stdout);
  } catch {
    // Never quote the output: it holds secrets.
    throw new ProcessCredentialsError('process_output_invalid', `The credentials command '${name}' did not print JSON (${stdout.length} characters).`, {
      hint: 'It must print one JSON document, as `ubiq-idp credentials --format json` does.',
    });
  }
  // Loaded on first use: importing ubiq-idp evaluates no zod.
  const { describeIssues, exportedCredentialsSchema, fromExportedCredentials } = await import('./exported.js');
  const parsed = exportedCredentialsSchema.safeParse(json);
  if (!parsed.success) {
    throw new ProcessCredentialsError('process_output_invalid', `The credentials command '${name}' printed JSON that is not Ubiq credentials: the ${describeIssues(parsed.error)}.`, {
      hint: 'It must print what `ubiq-idp credentials --format json` prints.',
    });
  }
  try {
    return fromExportedCredentials(parsed.data, `the output of '${name}'`, now());
  } catch (error) {
    if (isExportedCredentialsError(error)) throw new ProcessCredentialsError('process_output_invalid', error.message, { hint: error.hint ?? '' });
    throw error;
  }
}

/**
 * Credentials from a command, the AWS `credential_process` way: runs `command` with `args` (directly, no
 * shell), reads the JSON document that `ubiq-idp credentials --format json` prints, and validates it. The
 * result is kept and shared until shortly before its certificate expires; then the command runs again.
 * Failures are `ProcessCredentialsError`s (`process_failed`, `process_timeout`, `process_output_too_large`,
 * `process_output_invalid`) that never quote the output.
 *
 * @example
 * import { fromProcess } from 'ubiq-idp';
 * const provider = fromProcess('ubiq-idp', ['credentials', '--profile', 'idp', '--format', 'json']);
 * const credentials = await provider();
 */
export function fromProcess(command: string, args: readonly string[] = [], options: ProcessSourceOptions = {}): CredentialProvider<UbiqCredentials> {
  const name = basename(command);
  const now = options.now ?? Date.now;
  const margin = options.refreshBeforeExpiryMs ?? 5 * 60_000;
  let current: UbiqCredentials | undefined;
  let pending: Promise<UbiqCredentials> | undefined;
  let closed = false;
  const controller = new AbortController();

  const fresh = (credentials: UbiqCredentials) => credentials.kind === 'static' || credentials.expiresAt.getTime() - margin > now();

  function load(call?: ProviderCallOptions): Promise<UbiqCredentials> {
    if (closed) return Promise.reject(new CredentialsError('provider_closed', 'Ubiq credentials provider was closed.'));
    if (pending === undefined) {
      const mine = run(command, args, options, controller.signal).then(async ({ stdout }) => {
        const credentials = await parse(stdout, name, now);
        current = credentials;
        return credentials;
      });
      pending = mine;
      const clear = () => {
        if (pending === mine) pending = undefined;
      };
      mine.then(clear, clear);
    }
    const shared = pending;
    if (call?.signal === undefined) return shared;
    // This caller may stop waiting; the command keeps running for the others.
    const signal = call.signal;
    return new Promise((resolve, reject) => {
      if (signal.aborted) return reject(signal.reason);
      const onAbort = () => reject(signal.reason);
      signal.addEventListener('abort', onAbort, { once: true });
      shared.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
    });
  }

  const provider = (async (call?: ProviderCallOptions) => (current !== undefined && fresh(current) && !closed ? current : load(call))) as CredentialProvider<UbiqCredentials>;
  provider.forceRefresh = (call?: ProviderCallOptions) => load(call);
  provider.close = () => {
    closed = true;
    current = undefined;
    controller.abort(new CredentialsError('provider_closed', 'Ubiq credentials provider was closed.'));
    return Promise.resolve();
  };
  provider.onRefresh = () => () => {};
  provider.onRefreshError = () => () => {};
  return provider;
}
