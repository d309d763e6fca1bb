// The credential provider: sources, the refresh engine's public types, the SSO exchange and errors. The
// functions that need zod, pkijs or asn1js (the SSO exchange, the CSR, the exported document) load them on
// their first call, so that importing ubiq-idp costs none of that.
import type { RsaKeyPair } from '../crypto/keypair.js';
import type { CreateCsrOptions } from './csr.js';
import type { ExportedCredentials } from './exported.js';
import type { ExchangeIdpTokenOptions, SsoExchangeResult } from './sso.js';

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
export type { ExportedCredentials } from './exported.js';
export { ExportedCredentialsError, ProcessCredentialsError, isExportedCredentialsError, isProcessCredentialsError } from './exported-errors.js';
export type { ExportedCredentialsErrorCode, ProcessCredentialsErrorCode } from './exported-errors.js';
export { chain } from './chain.js';
export type { ChainLink } from './chain.js';
export type { RefreshReason, RefreshSuccessInfo, RefreshErrorInfo, RefreshRetryOptions } from './refreshing.js';
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
export type { CreateCsrOptions } from './csr.js';

/**
 * The SSO exchange (ARCHITECTURE.md, SSO exchange): `POST {server}/{customerId}/api/v3/scim/sso` with the IdP access token
 * as bearer and `{"csr": …}` as body, expecting 200 `{"api_cert", "public_value", "signing_value"}`.
 * The answer is validated with zod; the certificate must parse, carry `expectedPublicKey`, and be valid now.
 * Failures are `SsoError`s with codes per cause (401 `sso_unauthorized`, 403 `sso_forbidden`, 5xx
 * `sso_server_error`, a non-JSON body `sso_bad_response`, 201 `sso_unexpected_status`, …).
 *
 * @example
 * const result = await exchangeIdpToken({ server: 'https://api.ubiqsecurity.com', customerId, accessToken, csrPem, expectedPublicKey: keyPair.publicKey });
 * console.log(result.publicValue, result.notAfter);
 */
export async function exchangeIdpToken(options: ExchangeIdpTokenOptions): Promise<SsoExchangeResult> {
  const { exchangeIdpToken: run } = await import('./sso.js');
  return run(options);
}

/**
 * Build a PKCS#10 certificate signing request for the key pair, signed with the private key through
 * Node's native WebCrypto (a few milliseconds for RSA-4096, where pure-JS signing takes ~240 ms). It is
 * made in the library's login worker thread when one can be started, so the CSR library (pkijs) is never
 * evaluated on the caller's thread; otherwise on the caller's thread.
 * The result is what `POST {server}/{customer_id}/api/v3/scim/sso` expects in `{"csr": …}`.
 *
 * @example
 * const keyPair = await generateRsaKeyPair();
 * const csr = await createCsr(keyPair); // "-----BEGIN CERTIFICATE REQUEST-----\n…"
 */
export async function createCsr(keyPair: RsaKeyPair, options: CreateCsrOptions = {}): Promise<string> {
  // In the login worker when it can be used: pkijs is then evaluated and run off the caller's thread.
  const { createCsrInWorker } = await import('./login-thread.js');
  const made = await createCsrInWorker(keyPair, options);
  if (made !== undefined) return made;
  const { createCsr: run } = await import('./csr.js');
  return run(keyPair, options);
}

/**
 * Validates a JSON document of exported credentials (what `ubiq-idp credentials --format json` prints and
 * `fromProcess()` reads): static keys, or IdP-issued credentials with the certificate (`payloadCert`, base64
 * of the PEM), the encrypted private key (PEM; passphrase: `secretCryptoAccessKey`), who they were issued to
 * and until when. The error names the fields that are wrong, never their values.
 *
 * @throws {ExportedCredentialsError} `exported_credentials_invalid`.
 *
 * @example
 * import { parseExportedCredentials } from 'ubiq-idp';
 * const exported = await parseExportedCredentials(JSON.parse(stdout));
 * if (exported.kind === 'idp') console.log(exported.username, exported.expiresAt);
 */
export async function parseExportedCredentials(document: unknown): Promise<ExportedCredentials> {
  const { parseExportedCredentials: run } = await import('./exported.js');
  return run(document);
}
