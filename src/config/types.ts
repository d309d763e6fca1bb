/**
 * The shapes the config loader produces and the rest of the library consumes. The zod schemas in
 * `schema.ts` validate raw input into these; code past the loader trusts them.
 */

/** Which identity provider issues the user's tokens. */
export type IdpProvider = 'okta' | 'entra';

/**
 * How the person signs in to the IdP: `password` (the resource-owner password grant of the setup documents,
 * the default), `device` (OAuth device authorization: a code typed on a verification page) or `browser`
 * (authorization code with PKCE in the system browser). Only `device` and `browser` can answer MFA.
 */
export type IdpGrant = 'password' | 'device' | 'browser';

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
  /** Overrides the provider's default scope (ARCHITECTURE.md, IdP token request). */
  scope?: string;
  /** How to sign in. Absent means `password`. `device` and `browser` allow a public client (empty `clientSecret`). */
  grant?: IdpGrant;
  /** Port of the browser sign-in's loopback redirect listener (`http://127.0.0.1:{port}/callback`). Absent: any free port. */
  redirectPort?: number;
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

/**
 * Short-lived credentials an IdP sign-in issued and `ubiq-idp credentials` exported, next to the key triple
 * of a profile (or the `UBIQ_*` variables): with them the keys are IdP credentials, not static API keys.
 */
export interface IssuedCredentialFields {
  /** Base64 of the certificate PEM, as key requests carry it (`payload_cert`). */
  payloadCert: string;
  /** The private key as encrypted PKCS#8 PEM; passphrase: the secret crypto access key. Secret. */
  encryptedPrivateKey: string;
  /** Who the certificate was issued to. */
  username: string;
  /** The IdP the user signed in with. */
  provider: IdpProvider;
  /** The certificate's expiry as written next to it (checked against the certificate), when given. */
  expiresAt?: string;
}

/** A value the loader resolved, named by where it lives in {@link LoadedConfig}. */
export type ConfigFieldName =
  | 'server'
  | 'idp.provider'
  | 'idp.customerId'
  | 'idp.tokenEndpointUrl'
  | 'idp.clientId'
  | 'idp.clientSecret'
  | 'idp.scope'
  | 'idp.grant'
  | 'idp.redirectPort'
  | 'user.username'
  | 'user.password'
  | 'keys.accessKeyId'
  | 'keys.secretSigningKey'
  | 'keys.secretCryptoAccessKey'
  | 'issued.payloadCert'
  | 'issued.encryptedPrivateKey'
  | 'issued.expiresAt'
  | 'issued.username'
  | 'issued.provider';

/** Where one field's value came from. */
export interface ConfigFieldSource {
  origin: 'option' | 'env' | 'credentials' | 'configuration' | 'default';
  /** File path, `environment`, `options` or `default`. */
  source: string;
  /** Key inside the source: `overrides.server`, `UBIQ_SERVER`, `SERVER`, `idp.tenant_id`. */
  key: string;
  /** The credentials profile the value was read from (`default` when it fell back). */
  profile?: string;
}

/** One file the loader considered. */
export interface ConfigFileInfo {
  path: string;
  /** Why this path: given in code, by an environment variable, the default, or the official fallback. */
  chosenBy: 'option' | 'env' | 'default' | 'fallback';
  found: boolean;
  /** Set when the file was read: the format it was parsed as. */
  format?: 'json' | 'ini';
}

/**
 * Which credentials profile the loader read, and why. `chosenBy`: named by the `profile` option
 * (`--profile`) or `UBIQ_PROFILE`; `default` when none was named and `[default]` was read; `detected`
 * when none was named, `[default]` held no credentials and `[idp]` (the setup documents' profile) held
 * `IDP_USERNAME`. `reason` says the same in words, for `doctor`, `whoami` and debug logs.
 */
export interface ConfigProfileChoice {
  name: string;
  chosenBy: 'option' | 'env' | 'default' | 'detected';
  reason: string;
}

/** What the loader read and where each value came from (the CLI `doctor` command prints this). */
export interface ConfigSources {
  profile: ConfigProfileChoice;
  /** Every file considered, in the order it was considered. */
  files: ConfigFileInfo[];
  /** Profiles (sections) present in the credentials file that was read. */
  profilesFound: string[];
  fields: Partial<Record<ConfigFieldName, ConfigFieldSource>>;
}

/** Something that works but is probably not what was meant. Never contains a secret value. */
export interface ConfigWarning {
  code: string;
  source: string;
  key?: string;
  message: string;
}
