import { errorGuard, UbiqIdpError } from '../errors.js';
import type { ConfigErrorCode, ConfigNotFoundErrorCode } from '../error-codes.js';

export type { ConfigErrorCode, ConfigNotFoundErrorCode } from '../error-codes.js';

/**
 * One thing wrong with the configuration: where (file path, environment variable or code option),
 * which key, and what to change. Never carries the value of a secret.
 */
export interface ConfigProblem {
  /** A file path (with the profile for credentials files), `environment`, or `options`. */
  source: string;
  /** The key inside that source: `idp.token_endpoint_url`, `[idp] SERVER`, `UBIQ_SERVER`, `overrides.server`. */
  key?: string;
  /** What is wrong, in words a person can act on. */
  message: string;
  /** Stable identifier of the kind of problem (`angle_brackets`, `missing_field`, …). */
  code: string;
}

const SEED_HINT =
  "Compare your files with the setup documents: the idp block is the step 'Ubiq configuration file settings for the IDP', " +
  "the credentials profile the step 'Ubiq Credential settings' (Okta IDP Integration).";

/** A broken file can produce thousands of problems; the message lists the first ones, `problems` has all. */
const MAX_IN_MESSAGE = 50;

function describe(problem: ConfigProblem): string {
  return `${problem.source}${problem.key === undefined ? '' : ` ${problem.key}`}: ${problem.message}`;
}

/**
 * The configuration exists but is wrong. `problems` lists every problem found at once, so a user
 * can fix the whole setup in one pass.
 */
export class ConfigError extends UbiqIdpError<ConfigErrorCode> {
  static override readonly errorName = 'ConfigError';
  readonly problems: readonly ConfigProblem[];

  constructor(problems: readonly ConfigProblem[], options: { hint?: string } = {}) {
    const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
    const shown = problems.slice(0, MAX_IN_MESSAGE).map((p) => `  - ${describe(p)}`);
    if (problems.length > MAX_IN_MESSAGE) shown.push(`  - … and ${problems.length - MAX_IN_MESSAGE} more (see .problems)`);
    super('config_invalid', `Invalid Ubiq configuration (${count}):\n${shown.join('\n')}`, {
      hint: options.hint ?? SEED_HINT,
    });
    this.problems = problems;
  }
}

/**
 * No source supplies credentials at all (no files, no environment variables, no options). A
 * credential provider chain treats this as "try the next source"; a malformed setup is a
 * {@link ConfigError} instead.
 */
export class ConfigNotFoundError extends UbiqIdpError<ConfigNotFoundErrorCode> {
  static override readonly errorName = 'ConfigNotFoundError';
  /** Where the loader looked, in order (file paths with found/not found, environment variable names). */
  readonly lookedAt: readonly string[];

  constructor(message: string, lookedAt: readonly string[], options: { hint?: string } = {}) {
    super('config_not_found', `${message}\nLooked at:\n${lookedAt.map((l) => `  - ${l}`).join('\n')}`, {
      hint:
        options.hint ??
        "Create ~/.ubiq/credentials with a profile holding IDP_USERNAME and IDP_PASSWORD (setup step 'Ubiq Credential settings'), or set UBIQ_IDP_USERNAME and UBIQ_IDP_PASSWORD.",
    });
    this.lookedAt = lookedAt;
  }
}

/**
 * True when `value` is a {@link ConfigError}, also one made by another copy of this package.
 *
 * @example
 * ```ts
 * try {
 *   await loadConfig();
 * } catch (error) {
 *   if (isConfigError(error)) for (const p of error.problems) console.error(`${p.source} ${p.key ?? ''}: ${p.message}`);
 *   else throw error;
 * }
 * ```
 */
export const isConfigError = errorGuard<ConfigError>('ConfigError');

/**
 * True when `value` is a {@link ConfigNotFoundError}: no source supplied credentials, so a
 * provider chain may try its next source. Also true for one made by another copy of this package.
 *
 * @example
 * ```ts
 * const config = await loadConfig().catch((error: unknown) => {
 *   if (isConfigNotFoundError(error)) return undefined; // nothing configured: use another source
 *   throw error; // configured, but wrong: tell the user
 * });
 * ```
 */
export const isConfigNotFoundError = errorGuard<ConfigNotFoundError>('ConfigNotFoundError');
