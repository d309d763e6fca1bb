// The IdP token fetcher as ubiq-idp exports it: one implementation for Okta and Entra ID, their differences
// being data (providers.ts). Each function loads its implementation (openid-client, jose, zod) on its first
// call, so that importing ubiq-idp costs none of that.
import process from 'node:process';
import type { IdpSettings, IdpUserCredentials } from '../config/types.js';
import type { BrowserSignInOptions } from './browser.js';
import type { DeviceAuthorization, DeviceSignInOptions } from './device.js';
import type { FetchIdpTokenOptions } from './grant.js';
import type { RevokeResult } from './revoke.js';
import type { IdpToken, RenewedIdpToken } from './token.js';

export type { FetchIdpTokenOptions } from './grant.js';
export type { IdpToken, RenewedIdpToken } from './token.js';
export { IdpError, isIdpError } from './errors.js';
export type { IdpErrorCode, IdpCorrelation, IdpErrorDetails } from './errors.js';
export type { DeviceAuthorization, DeviceCodePrompt, DeviceSignInOptions } from './device.js';
export type { BrowserSignInOptions } from './browser.js';
export { discoveryUrlFor } from './providers.js';
export { SignInError, isSignInError } from './sign-in-errors.js';
export type { SignInErrorCode } from './sign-in-errors.js';
export type { RevokeResult } from './revoke.js';

/**
 * Signs a directory user in to Okta or Entra ID with the resource-owner password grant (ARCHITECTURE.md, IdP token request) and
 * returns the access token. The scope defaults to the provider's (Okta: `openid offline_access
 * okta.users.read okta.groups.read`; Entra: `api://{client id}/.default`); `settings.scope` overrides it.
 * Network errors, timeouts, 429 and 5xx are retried with backoff; everything else throws an `IdpError`
 * whose `code` says what is wrong and whose `hint` names the setup step that fixes it.
 *
 * @example
 * import { fetchIdpToken, isIdpError } from 'ubiq-idp';
 * try {
 *   const token = await fetchIdpToken(
 *     { provider: 'okta', customerId, tokenEndpointUrl: 'https://trial-4377979.okta.com/oauth2/v1/token', clientId, clientSecret },
 *     { username: 'ada@example.com', password },
 *   );
 *   console.log(token.expiresAt, token); // the token itself prints as [REDACTED]
 * } catch (error) {
 *   if (isIdpError(error)) console.error(error.code, error.message, error.hint);
 * }
 */
export async function fetchIdpToken(settings: IdpSettings, credentials: IdpUserCredentials, options: FetchIdpTokenOptions = {}): Promise<IdpToken> {
  const { fetchIdpToken: run } = await import('./grant.js');
  return run(settings, credentials, options);
}

/**
 * Renews a token with `grant_type=refresh_token` (Okta issues refresh tokens with `offline_access`).
 * Entra needs the scope again, so it is sent for Entra and left out for Okta (which keeps the granted ones).
 *
 * @example
 * const fresh = await refreshIdpToken(settings, token.refreshToken!);
 */
export async function refreshIdpToken(settings: IdpSettings, refreshToken: string, options: FetchIdpTokenOptions = {}): Promise<IdpToken> {
  const { refreshIdpToken: run } = await import('./grant.js');
  return run(settings, refreshToken, options);
}

/**
 * Gets a new token: with the previous token's refresh token when there is one, and with the password
 * when there is none or the IdP refuses the refresh token (revoked, expired, already rotated). Other
 * failures (network, rate limit, client secret) are thrown as they are: the password would not help.
 *
 * @example
 * let token = await renewIdpToken(settings, credentials, undefined); // via: 'password'
 * token = await renewIdpToken(settings, credentials, token);          // via: 'refresh_token' (Okta)
 */
export async function renewIdpToken(
  settings: IdpSettings,
  credentials: IdpUserCredentials,
  previous: IdpToken | undefined,
  options: FetchIdpTokenOptions = {},
): Promise<RenewedIdpToken> {
  const { renewIdpToken: run } = await import('./grant.js');
  return run(settings, credentials, previous, options);
}

/**
 * Starts the OAuth 2.0 device authorization grant (RFC 8628) at the IdP found from the token endpoint's
 * discovery document. Show `prompt` to the person (the verification URL and the user code), then call
 * {@link pollDeviceAuthorizationGrant}. Works for public clients (no client secret).
 *
 * @example
 * const authorization = await initiateDeviceAuthorization(settings);
 * console.error(`Open ${authorization.prompt.verificationUri} and enter ${authorization.prompt.userCode}`);
 * const token = await pollDeviceAuthorizationGrant(authorization);
 */
export async function initiateDeviceAuthorization(settings: IdpSettings, options: FetchIdpTokenOptions = {}): Promise<DeviceAuthorization> {
  const { initiateDeviceAuthorization: run } = await import('./device.js');
  return run(settings, options);
}

/**
 * Polls the token endpoint until the person finishes on the verification page, honouring the IdP's
 * `interval` and every `slow_down` (openid-client's polling). Throws a `SignInError` when the person
 * declines (`access_denied`), the code expires (`expired_token`) or the IdP does not know it
 * (`bad_verification_code`); other refusals are `IdpError`s. Pass `signal` to cancel.
 *
 * @example
 * const token = await pollDeviceAuthorizationGrant(authorization, { signal: AbortSignal.timeout(600_000) });
 */
export async function pollDeviceAuthorizationGrant(authorization: DeviceAuthorization, options: FetchIdpTokenOptions = {}): Promise<RenewedIdpToken> {
  const { pollDeviceAuthorizationGrant: run } = await import('./device.js');
  return run(authorization, options);
}

/**
 * The whole device sign-in: start, show the prompt through `onDeviceCode`, poll until done.
 *
 * @example
 * const token = await signInWithDevice(settings, {
 *   onDeviceCode: ({ verificationUri, userCode }) => console.error(`Open ${verificationUri} and enter ${userCode}`),
 * });
 */
export async function signInWithDevice(settings: IdpSettings, options: DeviceSignInOptions): Promise<RenewedIdpToken> {
  const { signInWithDevice: run } = await import('./device.js');
  return run(settings, options);
}

/**
 * Browser sign-in: the authorization code grant with PKCE (S256), `state` and `nonce`, on a one-shot
 * loopback redirect listener on 127.0.0.1 (RFC 8252). Opens the system browser at the IdP's sign-in page
 * (or hands the URL to `onAuthorizationUrl` when none can be opened, e.g. over SSH), waits for the one
 * redirect, checks `state`, and redeems the code; openid-client checks the ID token and its `nonce`. Works
 * for public clients (no secret). Second factors (MFA) are answered by the person in the browser.
 *
 * @example
 * const token = await signInWithBrowser(settings, {
 *   onAuthorizationUrl: (url, opened) => console.error(opened ? 'Continue in your browser.' : `Open ${url}`),
 * });
 */
export async function signInWithBrowser(settings: IdpSettings, options: BrowserSignInOptions = {}): Promise<RenewedIdpToken> {
  const { signInWithBrowser: run } = await import('./browser.js');
  return run(settings, options);
}

/** Opens a URL with the system browser, or the command in `UBIQ_IDP_BROWSER`; false when none could be opened. */
export async function openSystemBrowser(url: string, env: Record<string, string | undefined> = process.env): Promise<boolean> {
  const { openSystemBrowser: run } = await import('./browser.js');
  return run(url, env);
}

/**
 * Revokes a refresh token at the IdP (RFC 7009) through the `revocation_endpoint` its OpenID Connect
 * discovery document advertises (Okta: `…/oauth2/v1/revoke`). Microsoft Entra ID advertises none: there
 * a refresh token ends only when it expires or an administrator revokes the user's sessions, and this
 * returns `{ revoked: false, reason: 'no_revocation_endpoint' }`. Failures throw an `IdpError`; the
 * token never appears in it.
 *
 * @example
 * const result = await revokeRefreshToken(settings, refreshToken);
 * if (!result.revoked) console.log('this IdP cannot revoke tokens');
 */
export async function revokeRefreshToken(settings: IdpSettings, refreshToken: string, options: FetchIdpTokenOptions = {}): Promise<RevokeResult> {
  const { revokeRefreshToken: run } = await import('./revoke.js');
  return run(settings, refreshToken, options);
}
