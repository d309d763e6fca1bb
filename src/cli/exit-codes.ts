import { errorGuard, UbiqIdpError } from '../errors.js';
import type { UsageErrorCode } from '../error-codes.js';
import { isIdpError } from '../idp/errors.js';
import { isSignInError } from '../idp/sign-in-errors.js';

/**
 * The CLI's exit codes. Scripts can rely on them: they are documented in `ubiq-idp --help` and the README.
 */
export const EXIT = {
  /** Everything worked (doctor: every check passed). */
  ok: 0,
  /** Something failed that has no more specific code (doctor: at least one check failed). */
  failure: 1,
  /** The command line is wrong: unknown command or option, missing or bad value. */
  usage: 2,
  /** The configuration or credentials files / `UBIQ_*` variables are missing or invalid. */
  config: 3,
  /** The IdP (Okta / Entra) refused the sign-in: password, client secret, MFA, consent, disabled user… */
  idp: 4,
  /** The Ubiq server refused: SSO exchange, key endpoint, dataset access. */
  server: 5,
  /** The IdP or the Ubiq server could not be reached, or did not answer in time. */
  network: 6,
  /** Interrupted (Ctrl-C). */
  interrupted: 130,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** A mistake on the command line. */
export class UsageError extends UbiqIdpError<UsageErrorCode> {
  static override readonly errorName = 'UsageError';
  constructor(message: string, hint?: string) {
    super('cli_usage', message, hint === undefined ? {} : { hint });
  }
}

/** True when `value` is a {@link UsageError}. */
export const isUsageError = errorGuard<UsageError>('UsageError');

/** The CLI gave up waiting (`--timeout`): the IdP or the server did not answer in time. Exit 6. */
export class CliTimeoutError extends UbiqIdpError<'timeout'> {
  static override readonly errorName: string = 'CliTimeoutError';
  declare readonly code: 'timeout';
  constructor(message: string, hint?: string) {
    super('timeout', message, hint === undefined ? {} : { hint });
  }
}

/** True when `value` is a {@link CliTimeoutError}. */
export const isCliTimeoutError = errorGuard<CliTimeoutError>('CliTimeoutError');

const NETWORK_CODES = new Set(['network_error', 'timeout', 'idp_unavailable', 'sso_unreachable']);
const CONFIG_CODES = new Set(['session_insecure', 'session_corrupt', 'session_mismatch', 'config_invalid', 'config_not_found', 'credentials_unavailable', 'invalid_settings', 'insecure_endpoint', 'sso_insecure_server', 'key_size_invalid', 'invalid_provider_options', 'exported_credentials_invalid']);

/** The exit code for an error thrown by a command. */
export function exitCodeFor(error: unknown): ExitCode {
  if (isUsageError(error)) return EXIT.usage;
  const code = typeof (error as { code?: unknown } | undefined)?.code === 'string' ? (error as { code: string }).code : undefined;
  if (code === undefined) return EXIT.failure;
  if (code === 'aborted' || code === 'ABORT_ERR') return EXIT.interrupted;
  // Device and browser sign-in: Ctrl-C while waiting is an interrupt; every other outcome is the IdP's refusal.
  if (isSignInError(error)) return code === 'cancelled' ? EXIT.interrupted : EXIT.idp;
  if (NETWORK_CODES.has(code)) return EXIT.network;
  if (CONFIG_CODES.has(code)) return EXIT.config;
  if (isIdpError(error)) return EXIT.idp;
  if (code.startsWith('sso_') || code === 'credentials_expired' || code === 'exported_credentials_expired' || code === 'unsafe_credentials_value' || code.startsWith('dataset_') || code === 'invalid_signature') return EXIT.server;
  return EXIT.failure;
}

/** The exit code table, as printed by `--help` and documented in the README. */
export const EXIT_CODE_HELP = `Exit codes:
  0    ok (doctor: every check passed)
  1    failure (doctor: at least one check failed)
  2    usage: unknown command or option, bad value
  3    configuration: files or UBIQ_* variables missing or invalid
  4    IdP refused the sign-in (password, client secret, MFA, consent, disabled user…)
  5    Ubiq server refused (SSO exchange, key endpoint, dataset access)
  6    network: IdP or Ubiq server unreachable or too slow
  130  interrupted`;
