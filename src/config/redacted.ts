import { redactable } from '../util/redact.js';
import type { IdpSettings, IdpUserCredentials, IssuedCredentialFields, StaticKeyCredentials } from './types.js';

/** Secrets of the loaded objects show as `[REDACTED]` in JSON, `util.inspect` and `String()`. */
export function redactIdp(idp: IdpSettings): IdpSettings {
  return redactable(idp, ['clientSecret'], 'IdpSettings');
}

export function redactUser(user: IdpUserCredentials): IdpUserCredentials {
  return redactable(user, ['password'], 'IdpUserCredentials');
}

export function redactKeys(keys: StaticKeyCredentials): StaticKeyCredentials {
  return redactable(keys, ['secretSigningKey', 'secretCryptoAccessKey'], 'StaticKeyCredentials');
}

export function redactIssued(issued: IssuedCredentialFields): IssuedCredentialFields {
  return redactable(issued, ['encryptedPrivateKey'], 'IssuedCredentialFields');
}

/** The top level holds no secret itself; the hooks make printing it use the nested redacted views. */
export function redactLoaded<T extends object>(config: T): T {
  return redactable(config, [], 'LoadedConfig');
}
