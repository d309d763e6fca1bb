import type { KeyObject } from 'node:crypto';
import type { IdpProvider } from '../config/types.js';
import { redactable } from '../util/redact.js';

/** What every kind of Ubiq credentials has: the key triple of the SSO exchange, step 3 (ARCHITECTURE.md), and the server. */
export interface UbiqCredentialsBase {
  /** Ubiq API base URL, e.g. `https://api.ubiqsecurity.com` (no trailing slash). */
  readonly server: string;
  /** Public key id, the `keyId` of request signatures (IdP: the SSO answer's `public_value`). */
  readonly accessKeyId: string;
  /** HMAC-SHA512 key of request signatures (IdP: `signing_value`). Secret. */
  readonly secretSigningKey: string;
  /** Passphrase of the encrypted private key. Secret. */
  readonly secretCryptoAccessKey: string;
  /** The profile the settings came from, when they came from files or env. */
  readonly profile: string | undefined;
}

/** Long-lived API key credentials (a non-IdP profile, `UBIQ_ACCESS_KEY_ID` …, or keys given in code). */
export interface UbiqStaticCredentials extends UbiqCredentialsBase {
  readonly kind: 'static';
}

/** Short-lived credentials obtained with an IdP sign-in and the SSO exchange (ARCHITECTURE.md, SSO exchange). */
export interface UbiqIdpCredentials extends UbiqCredentialsBase {
  readonly kind: 'idp';
  /** The private key as encrypted PKCS#8 PEM (AES-256), passphrase `secretCryptoAccessKey`. */
  readonly encryptedPrivateKey: string;
  /** The same private key, ready for `crypto.privateDecrypt` (RSA-OAEP unwrapping of data keys). Secret. */
  readonly privateKey: KeyObject;
  /** The certificate the SSO endpoint issued (`api_cert`), PEM. */
  readonly certificate: string;
  /** Base64 of the certificate PEM: the `payload_cert` the encryption client adds to key requests. */
  readonly payloadCert: string;
  /** The certificate's notBefore. */
  readonly issuedAt: Date;
  /** The certificate's notAfter: the credentials are useless after it. */
  readonly expiresAt: Date;
  /** Which IdP the user signed in with. */
  readonly provider: IdpProvider;
  /** Who the credentials are for (the IdP username). */
  readonly username: string;
}

/** Either kind of Ubiq credentials; narrow on `kind`. */
export type UbiqCredentials = UbiqStaticCredentials | UbiqIdpCredentials;

const STATIC_SECRETS = ['secretSigningKey', 'secretCryptoAccessKey'] as const;
const IDP_SECRETS = ['secretSigningKey', 'secretCryptoAccessKey', 'encryptedPrivateKey', 'privateKey'] as const;

/**
 * Builds frozen IdP credentials whose secrets print as `[REDACTED]` in `JSON.stringify`, `util.inspect`
 * and `String()`; property access returns the real values.
 *
 * @example
 * const creds = createUbiqIdpCredentials({ ...fields });
 * console.log(creds); // UbiqIdpCredentials { …, secretSigningKey: '[REDACTED]', … }
 */
export function createUbiqIdpCredentials(fields: Omit<UbiqIdpCredentials, 'kind'>): UbiqIdpCredentials {
  const value: UbiqIdpCredentials = {
    kind: 'idp',
    server: fields.server,
    accessKeyId: fields.accessKeyId,
    secretSigningKey: fields.secretSigningKey,
    secretCryptoAccessKey: fields.secretCryptoAccessKey,
    encryptedPrivateKey: fields.encryptedPrivateKey,
    privateKey: fields.privateKey,
    certificate: fields.certificate,
    payloadCert: fields.payloadCert,
    issuedAt: fields.issuedAt,
    expiresAt: fields.expiresAt,
    provider: fields.provider,
    username: fields.username,
    profile: fields.profile,
  };
  return Object.freeze(redactable(value, IDP_SECRETS, 'UbiqIdpCredentials'));
}

/**
 * Builds frozen static credentials whose secrets print as `[REDACTED]`.
 *
 * @example
 * const creds = createUbiqStaticCredentials({ server: 'https://api.ubiqsecurity.com', accessKeyId: 'id', secretSigningKey: 's', secretCryptoAccessKey: 'c', profile: undefined });
 */
export function createUbiqStaticCredentials(fields: Omit<UbiqStaticCredentials, 'kind'>): UbiqStaticCredentials {
  const value: UbiqStaticCredentials = {
    kind: 'static',
    server: fields.server,
    accessKeyId: fields.accessKeyId,
    secretSigningKey: fields.secretSigningKey,
    secretCryptoAccessKey: fields.secretCryptoAccessKey,
    profile: fields.profile,
  };
  return Object.freeze(redactable(value, STATIC_SECRETS, 'UbiqStaticCredentials'));
}
