// IdP token fetcher: one implementation for Okta and Entra ID; their differences are data (providers.ts).
export { fetchIdpToken, refreshIdpToken, renewIdpToken } from './grant.js';
export type { FetchIdpTokenOptions } from './grant.js';
export type { IdpToken, RenewedIdpToken } from './token.js';
export { IdpError, isIdpError } from './errors.js';
export type { IdpErrorCode, IdpCorrelation, IdpErrorDetails } from './errors.js';
export { initiateDeviceAuthorization, pollDeviceAuthorizationGrant, signInWithDevice } from './device.js';
export type { DeviceAuthorization, DeviceCodePrompt, DeviceSignInOptions } from './device.js';
export { signInWithBrowser, openSystemBrowser } from './browser.js';
export type { BrowserSignInOptions } from './browser.js';
export { discoveryUrlFor } from './oidc-client.js';
export { SignInError, isSignInError } from './sign-in-errors.js';
export type { SignInErrorCode } from './sign-in-errors.js';
export { revokeRefreshToken } from './revoke.js';
export type { RevokeResult } from './revoke.js';
