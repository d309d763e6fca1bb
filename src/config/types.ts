/**
 * The shapes the config loader produces and the rest of the library consumes. The zod schemas in
 * `schema.ts` validate raw input into these; code past the loader trusts them.
 */

/** Which identity provider issues the user's tokens. */
export type IdpProvider = 'okta' | 'entra';

/** The `idp` block of `~/.ubiq/configuration`, normalised from either key dialect. */
export interface IdpSettings {
  provider: IdpProvider;
  /** Ubiq customer id (UUID), the path segment of the Ubiq SCIM URL. */
  customerId: string;
  /** The IdP's OAuth 2.0 token endpoint (Okta `…/oauth2/v1/token`, Entra `…/oauth2/v2.0/token`). */
  tokenEndpointUrl: string;
  /** OAuth client id (Okta: Client ID; Entra: Application (client) ID). Called `tenant_id` in the files. */
  clientId: string;
  /** OAuth client secret. Secret. */
  clientSecret: string;
  /** Overrides the provider's default scope (DESIGN §2.4). */
  scope?: string;
}

/** The directory user's IdP sign-in. */
export interface IdpUserCredentials {
  username: string;
  /** Secret. */
  password: string;
}

/** Long-lived Ubiq API key credentials of a non-IdP profile. */
export interface StaticKeyCredentials {
  accessKeyId: string;
  /** Secret. */
  secretSigningKey: string;
  /** Secret. */
  secretCryptoAccessKey: string;
}
