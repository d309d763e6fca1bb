// Every error code of the library, in one leaf module: the error classes import their unions from here
// and `UbiqIdpError` takes the union of all of them, with no import cycle between the error modules.
// This module imports nothing. The README's error table lists the same codes with what to do about each.

/** Codes of `ConfigError` (the configuration exists but is wrong). */
export type ConfigErrorCode = 'config_invalid';

/** Codes of `ConfigNotFoundError` (no source supplies credentials at all). */
export type ConfigNotFoundErrorCode = 'config_not_found';

/**
 * Stable codes of the credential provider's errors.
 * - `credentials_unavailable`: this source has nothing to offer (no env vars, no files, no IdP fields);
 *   `chain()` moves on to its next source.
 * - `credentials_expired`: the cached certificate has expired and the last refresh failed (see `cause`).
 * - `provider_closed`: the provider was used after `close()`.
 * - `invalid_provider_options`: an option is out of range (key size, window lengths).
 * - `adapter_not_initialized`: the ubiq-security adapter was used before `initAsync()`.
 */
export type CredentialsErrorCode =
  | 'credentials_unavailable'
  | 'credentials_expired'
  | 'provider_closed'
  | 'invalid_provider_options'
  | 'adapter_not_initialized';

/** Codes of `CredentialsUnavailableError`. */
export type CredentialsUnavailableErrorCode = 'credentials_unavailable';

/**
 * Codes of `ExportedCredentialsError`.
 * - `exported_credentials_invalid`: exported credentials (env, a credentials profile, a process's JSON) are
 *   incomplete or do not fit together: the certificate does not parse, the private key does not open with
 *   the secret crypto access key, the key is not the certificate's, the expiry disagrees with the certificate.
 * - `exported_credentials_expired`: the exported certificate has expired; export fresh ones.
 * - `unsafe_credentials_value`: a value (often one the server chose) cannot be written safely in the
 *   requested format (a line break, `[`, a quote…); nothing was written.
 */
export type ExportedCredentialsErrorCode = 'exported_credentials_invalid' | 'exported_credentials_expired' | 'unsafe_credentials_value';

/**
 * Codes of `ProcessCredentialsError`.
 * - `process_failed`: the command could not be started, or exited with a non-zero status or a signal.
 * - `process_timeout`: it did not finish within the timeout and was killed.
 * - `process_output_too_large`: it wrote more than the size cap to stdout and was killed.
 * - `process_output_invalid`: its output is not the JSON `ubiq-idp credentials --format json` writes.
 */
export type ProcessCredentialsErrorCode = 'process_failed' | 'process_timeout' | 'process_output_too_large' | 'process_output_invalid';

/**
 * Stable codes of `SessionError`.
 * - `session_insecure`: the session file (or its directory) is readable or writable by others, is a
 *   symbolic link, is not a regular file, or belongs to another account.
 * - `session_corrupt`: the file is not a session this version can read (truncated JSON, another format
 *   version, fields that do not belong together such as a certificate for another key).
 * - `session_mismatch`: the session is for another user, IdP, client, server, customer or profile.
 * - `session_io`: the session could not be read, written or deleted (disk full, permission denied).
 */
export type SessionErrorCode = 'session_insecure' | 'session_corrupt' | 'session_mismatch' | 'session_io';

/** Codes of `SsoError` (the IdP token → Ubiq certificate exchange failed). */
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
  | 'sso_certificate_not_valid_now'
  | 'sso_insecure_server'
  | 'sso_invalid_server';

/** Why an HTTP request failed without an answer (`HttpRequestError`). */
export type HttpRequestErrorCode = 'network_error' | 'timeout' | 'aborted';

/** Stable codes of `IdpError`. Match on these, never on the message. */
export type IdpErrorCode =
  | 'invalid_credentials'
  | 'account_locked'
  | 'account_disabled'
  | 'password_expired'
  | 'mfa_required'
  | 'consent_required'
  | 'user_not_assigned'
  | 'invalid_client_secret'
  | 'client_secret_expired'
  | 'client_secret_required'
  | 'application_not_found'
  | 'tenant_not_found'
  | 'grant_not_enabled'
  | 'scope_not_granted'
  | 'invalid_scope'
  | 'refresh_token_invalid'
  | 'invalid_request'
  | 'idp_rejected'
  | 'rate_limited'
  | 'idp_unavailable'
  | 'endpoint_not_found'
  | 'invalid_response'
  | 'invalid_settings'
  | 'insecure_endpoint'
  | HttpRequestErrorCode;

/** Stable codes of `SignInError`: why a device or browser sign-in did not finish. */
export type SignInErrorCode =
  /** The person declined on the IdP's page (`access_denied`, Entra `authorization_declined`). */
  | 'access_denied'
  /** The device code expired before the person finished (`expired_token`). */
  | 'expired_token'
  /** The IdP does not know the device code (`bad_verification_code`). */
  | 'bad_verification_code'
  /** The browser came back with a `state` that is not the one sent: a forged or stale redirect. */
  | 'state_mismatch'
  /** The redirect to the loopback listener was not a valid authorization response (no code, wrong path, an error). */
  | 'invalid_callback'
  /** The IdP refused to redeem the authorization code (expired, already used, or the PKCE verifier did not match). */
  | 'code_rejected'
  /** No redirect reached the loopback listener in time. */
  | 'callback_timeout'
  /** The loopback listener could not start (port in use, not allowed). */
  | 'listener_failed'
  /** The IdP has no device authorization or authorization endpoint in its discovery document. */
  | 'grant_not_supported'
  /** The profile signs in with the device or browser grant, no session or refresh token is usable, and the caller gave no way to reach a person. */
  | 'interaction_required'
  /** The caller cancelled (AbortSignal, Ctrl-C). */
  | 'cancelled'
  /** `pollDeviceAuthorizationGrant` was given an object that `initiateDeviceAuthorization` did not return. */
  | 'unknown_device_authorization';

/** Codes of `KeySizeError`. */
export type KeySizeErrorCode = 'key_size_invalid';

/**
 * Codes of `KeyPairError`: generating, encrypting or using the client's RSA key pair failed.
 * - `key_size_invalid`: a key size this library will not use (thrown as `KeySizeError`).
 * - `key_generation_failed`: Node could not generate the key pair.
 * - `key_type_invalid`: a public key where a private one is needed, or a non-RSA key for a Ubiq CSR.
 * - `passphrase_empty`: refusing to encrypt a private key with an empty passphrase.
 * - `csr_signing_failed`: signing the certificate request with the private key failed.
 */
export type KeyPairErrorCode = KeySizeErrorCode | 'key_generation_failed' | 'key_type_invalid' | 'passphrase_empty' | 'csr_signing_failed';

/** Codes of `SigningError` (a Ubiq request cannot be signed with what was given). */
export type SigningErrorCode = 'signing_invalid_url' | 'signing_credentials_missing' | 'signing_credentials_invalid';

/** Why a certificate signing request was refused (`CsrError`). */
export type CsrErrorCode = 'csr_malformed' | 'csr_bad_signature' | 'csr_unsupported_algorithm' | 'csr_unsupported_key' | 'csr_key_too_small';

/** Why a certificate was refused (`CertificateError`). */
export type CertificateErrorCode =
  | 'certificate_malformed'
  | 'certificate_wrong_issuer'
  | 'certificate_not_end_entity'
  | 'certificate_bad_signature'
  | 'certificate_expired'
  | 'certificate_not_yet_valid';

/** Codes of `CertificateAuthorityError` (the certificate authority was used wrongly). */
export type CertificateAuthorityErrorCode = 'ca_usage';

/** Codes of `ReferenceServerOptionsError`. */
export type ReferenceServerOptionsErrorCode = 'server_options_invalid';

/** Codes of the reference server's admin API refusals (`AdminError`, answered as `{code, message}`). */
export type AdminErrorCode =
  | 'admin_unauthorized'
  | 'dataset_not_found'
  | 'dataset_group_not_found'
  | 'api_key_not_found'
  | 'dataset_exists'
  | 'dataset_group_exists'
  | 'api_key_auto_provisioned'
  | 'invalid_json'
  | 'invalid_request'
  | 'unsupported_media_type'
  | 'body_too_large'
  | 'dataset_type_mismatch'
  | 'key_numbers_exhausted';

/** RFC 7644 §3.12 scimType values (all are 400 except uniqueness 409, tooMany 400, sensitive 403). */
export type ScimType =
  | 'invalidFilter'
  | 'tooMany'
  | 'uniqueness'
  | 'mutability'
  | 'invalidSyntax'
  | 'invalidPath'
  | 'noTarget'
  | 'invalidValue'
  | 'invalidVers'
  | 'sensitive';

/** The HTTP statuses the reference server's SCIM endpoints answer errors with. */
export type ScimErrorStatus = 400 | 401 | 403 | 404 | 409 | 412 | 413 | 415 | 500 | 501;

/** Codes of `ScimError`: `scim_<scimType>` when there is one, else `scim_<status>`. */
export type ScimErrorCode = `scim_${ScimType}` | `scim_${ScimErrorStatus}`;

/** Codes of `PayloadCertError` (a key request's `payload_cert` was refused). */
export type PayloadCertErrorCode = 'invalid_payload_cert';

/**
 * Codes of `DataKeyError`.
 * - `invalid_encrypted_data_key`: an `encrypted_data_key` this server did not issue (or altered).
 * - `data_key_options_invalid`: the data-key vault's options are unusable (a master secret under 32 bytes).
 * - `dataset_name_invalid`: a dataset name that cannot be bound into a data key (empty, or over 255 UTF-8 bytes).
 */
export type DataKeyErrorCode = 'invalid_encrypted_data_key' | 'data_key_options_invalid' | 'dataset_name_invalid';

/** Codes of `IdpTokenError` (the SSO endpoint refused an IdP access token). */
export type IdpTokenErrorCode = 'idp_token_rejected';

/** Codes of `IdpUnavailableError` (the server could not fetch the IdP's discovery document or JWKS). */
export type IdpUnavailableErrorCode = 'idp_unavailable';

/** Codes of `IdpTokenVerifierOptionsError` (`createIdpTokenVerifier` was given unusable options). */
export type IdpTokenVerifierOptionsErrorCode = 'idp_token_verifier_options_invalid';

/** Codes of `EmulatorUsageError`. */
export type EmulatorUsageErrorCode = 'emulator_usage';

/** Stable codes of `ScimAgentError`. */
export type ScimAgentErrorCode =
  /** The SCIM server answered with a status or body the real IdP would have treated as a failure. */
  | 'SCIM_AGENT_UNEXPECTED_RESPONSE'
  /** The request never got an answer: connection refused, reset, timed out or aborted. */
  | 'SCIM_AGENT_REQUEST_FAILED'
  /** The agent was asked to act on a user or group it has not provisioned (assign or push it first). */
  | 'SCIM_AGENT_NOT_PROVISIONED'
  /** A login, UPN or group name was given but the emulator has no such user or group. */
  | 'SCIM_AGENT_UNKNOWN_DIRECTORY_OBJECT';

/**
 * Codes of `StructuredClientError` (the structured-dataset test client and its FF1 cipher).
 * - `structured_request_refused`: the server refused a request, or answered what the client cannot use.
 * - `structured_unsupported`: a dataset definition the test client does not implement.
 * - `structured_input_invalid`: a value or key the cipher cannot take (a character outside the alphabet,
 *   a length outside the dataset's bounds, an AES key that is not 16, 24 or 32 bytes).
 */
export type StructuredClientErrorCode = 'structured_request_refused' | 'structured_unsupported' | 'structured_input_invalid';

/** Codes of the CLI's `UsageError` (a mistake on the command line). */
export type UsageErrorCode = 'cli_usage';

/** Codes of `ServerDependencyError` (the CLI's `server` / `demo`: hono or @hono/node-server is not installed). */
export type ServerDependencyErrorCode = 'server_dependency_missing';

/** Codes of `DemoStepError` (a check of `ubiq-idp demo` found the end-to-end flow not behaving as it should). */
export type DemoStepErrorCode = 'demo_step_failed';

/** Codes of `AdminApiError`: the admin API's own code, or `admin_http_<status>` when the body had none. */
export type AdminApiErrorCode = AdminErrorCode | `admin_http_${number}`;

/** Every code an error of this library can carry: the union of every error class's code union. */
export type UbiqIdpErrorCode =
  | ConfigErrorCode
  | ConfigNotFoundErrorCode
  | CredentialsErrorCode
  | ExportedCredentialsErrorCode
  | ProcessCredentialsErrorCode
  | SessionErrorCode
  | SsoErrorCode
  | HttpRequestErrorCode
  | IdpErrorCode
  | SignInErrorCode
  | KeyPairErrorCode
  | SigningErrorCode
  | CsrErrorCode
  | CertificateErrorCode
  | CertificateAuthorityErrorCode
  | ReferenceServerOptionsErrorCode
  | AdminErrorCode
  | ScimErrorCode
  | PayloadCertErrorCode
  | DataKeyErrorCode
  | IdpTokenErrorCode
  | IdpUnavailableErrorCode
  | IdpTokenVerifierOptionsErrorCode
  | EmulatorUsageErrorCode
  | ScimAgentErrorCode
  | StructuredClientErrorCode
  | UsageErrorCode
  | ServerDependencyErrorCode
  | DemoStepErrorCode
  | AdminApiErrorCode;
