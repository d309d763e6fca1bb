// IdP token fetcher: one implementation for Okta and Entra ID; their differences are data (providers.ts).
export { fetchIdpToken, refreshIdpToken, renewIdpToken } from './grant.js';
export type { FetchIdpTokenOptions } from './grant.js';
export type { IdpToken, RenewedIdpToken } from './token.js';
export { IdpError, isIdpError } from './errors.js';
export type { IdpErrorCode, IdpCorrelation, IdpErrorDetails } from './errors.js';
