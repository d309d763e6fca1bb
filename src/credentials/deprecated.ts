// Names kept for compatibility: each one is deprecated and its TSDoc names the replacement.
import type { UbiqIdpCredentials } from './ubiq-credentials.js';
import { createIdpCredentialProvider as createIdpProvider, type CredentialProvider, type IdpCredentialProviderOptions } from './provider.js';

/**
 * Builds an IdP credential provider from the configuration files, the environment and `options.load`.
 *
 * @deprecated Use {@link fromIdp} — the one way to build an IdP credential provider (same options; it
 * also serves credentials exported by `ubiq-idp credentials`). `createIdpCredentialProvider(options)`
 * becomes `fromIdp(options)`; a pre-loaded `config` becomes `load` options (`fromIdp({ load: { profile } })`).
 * This alias will be removed in a future major version.
 */
export function createIdpCredentialProvider(options: IdpCredentialProviderOptions = {}): CredentialProvider<UbiqIdpCredentials> {
  return createIdpProvider(options);
}
