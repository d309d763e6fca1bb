import { errorGuard, UbiqIdpError, type UbiqIdpErrorOptions } from '../errors.js';
import type { ExportedCredentialsErrorCode, ProcessCredentialsErrorCode } from '../error-codes.js';

export type { ExportedCredentialsErrorCode, ProcessCredentialsErrorCode } from '../error-codes.js';


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
