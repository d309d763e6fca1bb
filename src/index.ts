// ubiq-idp: the client surface. Re-exports only; must not import server or testing code.
export { UbiqIdpError, isUbiqIdpError } from './errors.js';
export { REDACTED } from './util/redact.js';
export { loadConfig, type LoadConfigOptions, type LoadedConfig } from './config/load.js';
export { ConfigError, ConfigNotFoundError, isConfigError, isConfigNotFoundError, type ConfigProblem } from './config/errors.js';
export type {
  IdpProvider,
  IdpSettings,
  IdpUserCredentials,
  StaticKeyCredentials,
  ConfigFieldName,
  ConfigFieldSource,
  ConfigFileInfo,
  ConfigSources,
  ConfigWarning,
} from './config/types.js';
export {
  generateRsaKeyPair,
  encryptPrivateKeyPem,
  randomCryptoAccessKey,
  KeySizeError,
  isKeySizeError,
  type GenerateRsaKeyPairOptions,
  type RsaKeyPair,
} from './credentials/keypair.js';
export { createCsr, type CreateCsrOptions } from './credentials/csr.js';
export {
  signUbiqRequest,
  verifyUbiqRequest,
  type SignUbiqRequestOptions,
  type UbiqSignatureHeaders,
  type UbiqSigningCredentials,
  type VerifyUbiqRequestOptions,
  type UbiqSignatureVerification,
  type UbiqSignatureFailureCode,
  type RequestHeadersLike,
} from './signing/index.js';
export {
  fetchIdpToken,
  refreshIdpToken,
  renewIdpToken,
  IdpError,
  isIdpError,
  type FetchIdpTokenOptions,
  type IdpToken,
  type RenewedIdpToken,
  type IdpErrorCode,
  type IdpCorrelation,
} from './idp/index.js';
export {
  createHttpClient,
  HttpRequestError,
  isHttpRequestError,
  type FetchLike,
  type HttpOptions,
  type HttpClient,
  type HttpRequestInit,
  type RetryOptions,
} from './http/index.js';
