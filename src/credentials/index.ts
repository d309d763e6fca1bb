// The credential provider: sources, the refresh engine's public types, the SSO exchange and errors.
export { createIdpCredentialProvider } from './deprecated.js';
export type {
  CredentialProvider,
  Provider,
  ProviderCallOptions,
  IdpCredentialProviderOptions,
  SessionOptions,
  RefreshOptions,
  RefreshListener,
  RefreshErrorListener,
} from './provider.js';
export { defaultProvider, fromEnv, fromConfigFiles, fromIdp, fromSession, fromStaticKeys } from './sources.js';
export type { SourceOptions, StaticKeysInput } from './sources.js';
export { fromProcess } from './from-process.js';
export type { ProcessSourceOptions } from './from-process.js';
export type { InteractiveSignInOptions } from './interactive-login.js';
export { exportedCredentialsSchema } from './exported.js';
export type { ExportedCredentials } from './exported.js';
export { ExportedCredentialsError, ProcessCredentialsError, isExportedCredentialsError, isProcessCredentialsError } from './exported-errors.js';
export type { ExportedCredentialsErrorCode, ProcessCredentialsErrorCode } from './exported-errors.js';
export { chain } from './chain.js';
export type { ChainLink } from './chain.js';
export type { RefreshReason, RefreshSuccessInfo, RefreshErrorInfo, RefreshRetryOptions } from './refreshing.js';
export { exchangeIdpToken } from './sso.js';
export type { ExchangeIdpTokenOptions, SsoExchangeResult } from './sso.js';
export type { UbiqCredentials, UbiqIdpCredentials, UbiqStaticCredentials, UbiqCredentialsBase } from './ubiq-credentials.js';
export {
  CredentialsError,
  CredentialsUnavailableError,
  SsoError,
  isCredentialsError,
  isCredentialsUnavailableError,
  isSsoError,
} from './errors.js';
export type { CredentialsErrorCode, CredentialsUnavailableErrorCode, SsoErrorCode } from './errors.js';
