import { CredentialsError } from '../credentials/errors.js';
import type { CredentialProvider, Provider } from '../credentials/provider.js';
import type { UbiqCredentials } from '../credentials/ubiq-credentials.js';
import { redactable } from '../util/redact.js';

/**
 * The shape the official `ubiq-security` Node client reads from its `Credentials` object (lib/credentials.js,
 * lib/encryption.js, lib/decryption.js, lib/ubiqWebServices.js, lib/structuredEncryptDecrypt.js):
 * snake_case fields read when an Encryption/Decryption/StructuredEncryptDecrypt object is created or a
 * request is signed, and in IdP mode `isIdp()`, `renewIdpCertAsync()` before each key request,
 * `idp_cert_base64` as the `payload_cert`, and `getEncryptedPrivateKey()` in place of the server's key.
 */
export interface UbiqSecurityCredentials {
  access_key_id: string;
  /** Secret. */
  secret_signing_key: string;
  /** Secret. */
  secret_crypto_access_key: string;
  /** Ubiq API base URL, with scheme. */
  host: string;
  /** Base64 of the certificate PEM (IdP mode), sent as `payload_cert`. Empty for static keys. */
  idp_cert_base64: string;
  /** The encrypted PKCS#8 PEM of the local private key (IdP mode). Secret. Empty for static keys. */
  encryptedPrivateKey: string;
  /** The IdP username (IdP mode); the official client decides IdP mode by it. Empty for static keys. */
  idp_username: string;
  /** Whether `initAsync()` has completed. */
  initialized: boolean;
  /** True when the credentials come from an IdP sign-in. Throws before `initAsync()`, as the official client does. */
  isIdp(): boolean;
  /** Brings the fields up to date (the provider renews only when needed; concurrent calls share one). */
  renewIdpCertAsync(): Promise<void>;
  getEncryptedPrivateKey(): string;
  /** Gets the first credentials. The official signature takes a `Configuration`; it is not needed and ignored. */
  initAsync(configuration?: unknown): Promise<void>;
  /** Stops following the provider's refreshes (does not close the provider). */
  detach(): void;
}

const SECRET_FIELDS = ['secret_signing_key', 'secret_crypto_access_key', 'encryptedPrivateKey'] as const;

/**
 * Wraps a provider as the credentials object the official `ubiq-security` Node client takes, so its
 * Encryption, Decryption and StructuredEncryptDecrypt classes run on short-lived IdP credentials from this
 * library (single-flight sign-in, background refresh, no event-loop stall) instead of the client's own.
 * Call `initAsync()` once before use, exactly where the official `credentials.initAsync(configuration)`
 * goes. The fields are rewritten after every refresh of the provider (also background ones), so objects
 * that read them later see the current values; `renewIdpCertAsync()` delegates to the provider.
 *
 * Written against the public source of ubiq-node (the package is not on the npm registry this project
 * builds with), and tested against a structural double of its call pattern.
 *
 * @example
 * const ubiq = require('ubiq-security');
 * const provider = defaultProvider();
 * const credentials = toUbiqSecurityCredentials(provider);
 * await credentials.initAsync();
 * const encrypted = await ubiq.encrypt(credentials, Buffer.from('hello'));
 */
export function toUbiqSecurityCredentials(provider: Provider<UbiqCredentials> | CredentialProvider<UbiqCredentials>): UbiqSecurityCredentials {
  let pending: Promise<void> | undefined;
  let unsubscribe: (() => void) | undefined;
  let kind: UbiqCredentials['kind'] | undefined;

  const target = {
    access_key_id: '',
    secret_signing_key: '',
    secret_crypto_access_key: '',
    host: '',
    idp_cert_base64: '',
    encryptedPrivateKey: '',
    idp_username: '',
    initialized: false,
  };

  function apply(credentials: UbiqCredentials): void {
    kind = credentials.kind;
    target.access_key_id = credentials.accessKeyId;
    target.secret_signing_key = credentials.secretSigningKey;
    target.secret_crypto_access_key = credentials.secretCryptoAccessKey;
    target.host = credentials.server;
    if (credentials.kind === 'idp') {
      target.idp_cert_base64 = credentials.payloadCert;
      target.encryptedPrivateKey = credentials.encryptedPrivateKey;
      target.idp_username = credentials.username;
    } else {
      target.idp_cert_base64 = '';
      target.encryptedPrivateKey = '';
      target.idp_username = '';
    }
  }

  function update(): Promise<void> {
    if (pending === undefined) {
      const mine = provider().then(
        (credentials) => {
          if (pending === mine) pending = undefined;
          apply(credentials);
        },
        (error: unknown) => {
          if (pending === mine) pending = undefined;
          throw error;
        },
      );
      // The official client calls renewIdpCertAsync() without await in one place: never an unhandled rejection.
      mine.catch(() => {});
      pending = mine;
    }
    return pending;
  }

  const methods = {
    isIdp(): boolean {
      if (!target.initialized) {
        throw new CredentialsError('adapter_not_initialized', 'toUbiqSecurityCredentials(): initAsync() has not been called (or failed).', {
          hint: 'Call await credentials.initAsync() once before passing the credentials to ubiq-security.',
        });
      }
      return kind === 'idp';
    },
    renewIdpCertAsync(): Promise<void> {
      // The shared promise itself (already marked handled), not a new async wrapper that could go unhandled.
      return update();
    },
    getEncryptedPrivateKey(): string {
      return target.encryptedPrivateKey;
    },
    async initAsync(_configuration?: unknown): Promise<void> {
      await update();
      if (unsubscribe === undefined && typeof (provider as Partial<CredentialProvider<UbiqCredentials>>).onRefresh === 'function') {
        unsubscribe = (provider as CredentialProvider<UbiqCredentials>).onRefresh((credentials) => apply(credentials));
      }
      target.initialized = true;
    },
    detach(): void {
      unsubscribe?.();
      unsubscribe = undefined;
    },
  };
  // Methods are non-enumerable, like a class's: printing shows the fields (secrets redacted), not functions.
  for (const [name, fn] of Object.entries(methods)) {
    Object.defineProperty(target, name, { value: fn, enumerable: false, configurable: true, writable: true });
  }
  return redactable(target as typeof target & typeof methods, SECRET_FIELDS, 'UbiqSecurityCredentials');
}
