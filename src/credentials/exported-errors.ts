import { errorGuard, UbiqIdpError, type UbiqIdpErrorOptions } from '../errors.js';

/**
 * Codes of {@link ExportedCredentialsError}.
 * - `exported_credentials_invalid`: exported credentials (env, a credentials profile, a process's JSON) are
 *   incomplete or do not fit together: the certificate does not parse, the private key does not open with
 *   the secret crypto access key, the key is not the certificate's, the expiry disagrees with the certificate.
 * - `exported_credentials_expired`: the exported certificate has expired; export fresh ones.
 * - `unsafe_credentials_value`: a value (often one the server chose) cannot be written safely in the
 *   requested format (a line break, `[`, a quote…); nothing was written.
 */
export type ExportedCredentialsErrorCode = 'exported_credentials_invalid' | 'exported_credentials_expired' | 'unsafe_credentials_value';

/**
 * Short-lived credentials written by `ubiq-idp credentials` could not be read back, or could not be
 * written safely. The message names the field and where it came from, never its value.
 *
 * @example
 * try { await fromEnv()(); } catch (error) { if (isExportedCredentialsError(error)) console.error(error.message, error.hint); }
 */
export class ExportedCredentialsError extends UbiqIdpError<ExportedCredentialsErrorCode> {
  static override readonly errorName: string = 'ExportedCredentialsError';
  declare readonly code: ExportedCredentialsErrorCode;
  constructor(code: ExportedCredentialsErrorCode, message: string, options: UbiqIdpErrorOptions = {}) {
    super(code, message, options);
  }
}

/** True for an {@link ExportedCredentialsError}, from any copy of this package. */
export const isExportedCredentialsError = errorGuard<ExportedCredentialsError>('ExportedCredentialsError');

/**
 * Codes of {@link ProcessCredentialsError}.
 * - `process_failed`: the command could not be started, or exited with a non-zero status or a signal.
 * - `process_timeout`: it did not finish within the timeout and was killed.
 * - `process_output_too_large`: it wrote more than the size cap to stdout and was killed.
 * - `process_output_invalid`: its output is not the JSON `ubiq-idp credentials --format json` writes.
 */
export type ProcessCredentialsErrorCode = 'process_failed' | 'process_timeout' | 'process_output_too_large' | 'process_output_invalid';

/**
 * `fromProcess()` could not get credentials from its command. The message names the command (not its
 * arguments) and what went wrong, and never quotes its output, which holds secrets.
 *
 * @example
 * try { await fromProcess('ubiq-idp', ['credentials', '--format', 'json'])(); } catch (error) { if (isProcessCredentialsError(error)) console.error(error.code, error.hint); }
 */
export class ProcessCredentialsError extends UbiqIdpError<ProcessCredentialsErrorCode> {
  static override readonly errorName: string = 'ProcessCredentialsError';
  declare readonly code: ProcessCredentialsErrorCode;
  /** Exit status of the command, when it exited by itself. */
  readonly exitCode: number | undefined;
  constructor(code: ProcessCredentialsErrorCode, message: string, options: UbiqIdpErrorOptions & { exitCode?: number } = {}) {
    super(code, message, options);
    this.exitCode = options.exitCode;
  }
}

/** True for a {@link ProcessCredentialsError}, from any copy of this package. */
export const isProcessCredentialsError = errorGuard<ProcessCredentialsError>('ProcessCredentialsError');
