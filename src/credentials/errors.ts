import { UbiqIdpError } from '../errors.js';

/**
 * Stable codes of the credential provider's errors.
 * - `credentials_unavailable`: this source has nothing to offer (no env vars, no files, no IdP fields);
 *   `chain()` moves on to its next source.
 * - `credentials_expired`: the cached certificate has expired and the last refresh failed (see `cause`).
 * - `provider_closed`: the provider was used after `close()`.
 * - `invalid_provider_options`: an option is out of range (key size, window lengths).
 * - `adapter_not_initialized`: the ubiq-security adapter was used before `initAsync()`.
 * - `sso_*`: the SSO exchange (IdP token → Ubiq certificate) failed; see `SsoError`.
 */
export type CredentialsErrorCode =
  | 'credentials_unavailable'
  | 'credentials_expired'
  | 'provider_closed'
  | 'invalid_provider_options'
  | 'adapter_not_initialized';

/** Codes of `SsoError`. */
export type SsoErrorCode =
  | 'sso_unauthorized'
  | 'sso_forbidden'
  | 'sso_not_found'
  | 'sso_rate_limited'
  | 'sso_server_error'
  | 'sso_rejected'
  | 'sso_unexpected_status'
  | 'sso_bad_response'
  | 'sso_unreachable'
  | 'sso_certificate_invalid'
  | 'sso_certificate_key_mismatch'
  | 'sso_certificate_not_valid_now';

/**
 * An error of the credential provider (not of the SSO exchange itself). Never contains a secret.
 *
 * @example
 * try { await provider(); } catch (error) { if (isCredentialsError(error) && error.code === 'credentials_expired') console.error(error.message, error.cause); }
 */
export class CredentialsError extends UbiqIdpError {
  declare readonly code: CredentialsErrorCode;
  constructor(code: CredentialsErrorCode, message: string, options: { hint?: string; cause?: unknown } = {}) {
    super(code, message, options);
    this.name = 'CredentialsError';
  }
}

/**
 * "This source has no credentials to offer": the one error on which `chain()` tries its next source.
 * The message says where the source looked.
 */
export class CredentialsUnavailableError extends CredentialsError {
  /** Tells `chain()` to try its next source (AWS SDK `tryNextLink`). */
  readonly tryNextLink = true;
  constructor(message: string, options: { hint?: string; cause?: unknown } = {}) {
    super('credentials_unavailable', message, options);
    this.name = 'CredentialsUnavailableError';
  }
}

/**
 * The SSO exchange failed: the Ubiq server refused the IdP token, answered something other than the
 * documented 200 JSON, or issued a certificate we cannot use. `status` is the HTTP status when there was
 * one. Neither the access token nor any key appears in the message.
 */
export class SsoError extends UbiqIdpError {
  declare readonly code: SsoErrorCode;
  /** HTTP status of the SSO answer, when there was one. */
  readonly status: number | undefined;
  constructor(code: SsoErrorCode, message: string, options: { hint?: string; cause?: unknown; status?: number } = {}) {
    super(code, message, options);
    this.name = 'SsoError';
    this.status = options.status;
  }
}

/**
 * True for a `CredentialsError` (any code), matched by name so it works across bundles.
 *
 * @example
 * if (isCredentialsError(error) && error.code === 'credentials_expired') console.error(error.message);
 */
export function isCredentialsError(value: unknown): value is CredentialsError {
  return value instanceof Error && (value.name === 'CredentialsError' || value.name === 'CredentialsUnavailableError');
}

/**
 * True for "no credentials here, try the next source" (also the config loader's `config_not_found`).
 *
 * @example
 * const credentials = await fromEnv()().catch((error) => (isCredentialsUnavailableError(error) ? undefined : Promise.reject(error)));
 */
export function isCredentialsUnavailableError(value: unknown): boolean {
  if (!(value instanceof Error)) return false;
  const code = (value as { code?: unknown }).code;
  return code === 'credentials_unavailable' || code === 'config_not_found' || (value as { tryNextLink?: unknown }).tryNextLink === true;
}

/**
 * True for an `SsoError`, matched by name.
 *
 * @example
 * try { await provider(); } catch (error) { if (isSsoError(error) && error.code === 'sso_forbidden') console.error(error.hint); }
 */
export function isSsoError(value: unknown): value is SsoError {
  return value instanceof Error && value.name === 'SsoError';
}
