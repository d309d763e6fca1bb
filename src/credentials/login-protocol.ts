// The messages between a provider and its login worker (login-thread.ts ↔ login-worker.ts), and how an
// error crosses the thread boundary. Light on purpose: the main thread imports this and nothing heavy.
import type { LoadConfigOptions, LoadedConfig } from '../config/load.js';
import type { RetryOptions } from '../http/index.js';
import { ConfigError, ConfigNotFoundError } from '../config/errors.js';
import { UbiqIdpError } from '../errors.js';
import { HttpRequestError } from '../http/errors.js';
import { IdpError } from '../idp/errors.js';
import { CredentialsError, CredentialsUnavailableError, SsoError } from './errors.js';
import { KeySizeError, type RsaKeyGeneration, type RsaKeyPair } from '../crypto/keypair.js';
import type { SessionOptions } from './session-options.js';
import type { RefreshReason } from './refreshing-types.js';
import type { UbiqIdpCredentials } from './ubiq-credentials.js';

/** @internal What a provider's slot in the worker is opened with: only structured-cloneable values. */
export interface LoginWorkerData {
  /** Settings to load in the worker (the logger is replaced by forwarding). */
  load: Omit<LoadConfigOptions, 'logger'> | undefined;
  /** Settings already loaded by the caller. */
  config: LoadedConfig | undefined;
  modulusLength: number;
  keyGeneration: RsaKeyGeneration;
  /** `true`: generate at once; a key pair: use it; `'pending'`: one arrives in a `key-pair` message; `false`: on the first login. */
  pregenerate: boolean | RsaKeyPair | 'pending';
  /** Open the IdP connection during the warm-up (the caller pre-generates its key pair). */
  warmUp: boolean;
  rotateKeyPair: boolean;
  timeoutMs: number | undefined;
  retry: Omit<RetryOptions, 'random' | 'sleep' | 'now'> | false | undefined;
  allowInsecureHttp: boolean;
  /** The shared session, when on. */
  session: SessionOptions | undefined;
  minRemainingMs: number;
}

/**
 * @internal Main thread → worker. One worker serves every provider of the process: each provider is a
 * `slot` with its own settings, key material and login; request ids are unique across slots.
 */
export type ToLoginWorker =
  | { type: 'open'; slot: number; data: LoginWorkerData }
  | { type: 'close'; slot: number }
  | { type: 'setup'; slot: number; id: number }
  | { type: 'load'; slot: number; id: number; reason: RefreshReason; previous: Omit<UbiqIdpCredentials, 'kind'> | undefined }
  | { type: 'abort'; slot: number; id: number }
  | { type: 'key-pair'; slot: number; keyPair: RsaKeyPair }
  | { type: 'key-pair-failed'; slot: number; error: TransferredError }
  /** The public createCsr(), made here so that pkijs is evaluated and run off the caller's thread. */
  | { type: 'csr'; id: number; keyPair: RsaKeyPair; options: { subject?: 'ubiq' | 'empty'; hash?: 'SHA-256' | 'SHA-1' } };

/** @internal Worker → main thread. */
export type FromLoginWorker =
  | { type: 'ready'; id: number }
  /** The worker has had no provider for its idle period; the main thread ends it unless one arrived since. */
  | { type: 'idle' }
  /** The provider's slot is closed: its logins were aborted and its HTTP client closed. */
  | { type: 'closed'; slot: number }
  | { type: 'loaded'; id: number; fields: Omit<UbiqIdpCredentials, 'kind'>; expiresAt: number; issuedAt: number | undefined }
  | { type: 'failed'; id: number; error: TransferredError }
  | { type: 'csr-made'; id: number; pem: string }
  | { type: 'log'; slot: number; level: 'debug' | 'info' | 'warn' | 'error'; target: 'provider' | 'config'; message: string; fields: Record<string, unknown> | undefined };

/** @internal An error as it crosses threads: the brand's class names, the message and the own fields. */
export interface TransferredError {
  names: readonly string[];
  message: string;
  stack: string | undefined;
  fields: Record<string, unknown>;
  /** The cause's name and message only (a cause never carries a secret, but may not be cloneable). */
  cause: { name: string; message: string } | undefined;
}

/**
 * @internal The check every IdP login starts with: the profile must have an IdP sign-in, not API keys.
 */
export function requireIdpSignIn(config: LoadedConfig): Extract<LoadedConfig, { kind: 'idp' }> {
  if (config.kind !== 'idp') {
    throw new CredentialsUnavailableError(
      `The Ubiq profile "${config.profile}" has API keys, not an IdP sign-in (IDP_USERNAME/IDP_PASSWORD), so there is nothing to sign in with.`,
      { hint: "Add IDP_USERNAME and IDP_PASSWORD to the profile (setup step 'Ubiq Credential settings'), or use fromStaticKeys()/defaultProvider()." },
    );
  }
  return config;
}

const BRAND = Symbol.for('ubiq-idp.error');

// The classes a login can throw, by the name they give their errors.
const CLASSES: ReadonlyMap<string, { readonly prototype: object }> = new Map<string, { readonly prototype: object }>([
  ['CredentialsUnavailableError', CredentialsUnavailableError],
  ['CredentialsError', CredentialsError],
  ['SsoError', SsoError],
  ['IdpError', IdpError],
  ['HttpRequestError', HttpRequestError],
  ['ConfigNotFoundError', ConfigNotFoundError],
  ['ConfigError', ConfigError],
  ['KeySizeError', KeySizeError],
]);

function classOf(transferred: TransferredError): { readonly prototype: object } {
  for (const name of [transferred.fields.name, ...transferred.names]) {
    const cls = typeof name === 'string' ? CLASSES.get(name) : undefined;
    if (cls) return cls;
  }
  return UbiqIdpError;
}

function plain(value: unknown): unknown {
  try {
    return structuredClone(value);
  } catch {
    return undefined;
  }
}

/** @internal The transferable form of an error thrown in the worker. */
export function toTransferredError(error: unknown): TransferredError {
  const names = (error as { [BRAND]?: unknown } | undefined)?.[BRAND];
  const isError = error instanceof Error;
  const fields: Record<string, unknown> = {};
  if (isError) {
    for (const [key, value] of Object.entries(error)) {
      if (key !== 'cause' && key !== 'message' && key !== 'stack') fields[key] = plain(value);
    }
  }
  const cause = isError ? (error as { cause?: unknown }).cause : undefined;
  return {
    names: Array.isArray(names) ? names.filter((n): n is string => typeof n === 'string') : [],
    message: isError ? error.message : String(error),
    stack: isError ? error.stack : undefined,
    fields,
    cause: cause instanceof Error ? { name: cause.name, message: cause.message } : undefined,
  };
}

/**
 * @internal The error again on this side: an instance of the same class of this library (so `instanceof`,
 * the `isX` guards, `code`, `hint` and the class's own fields all work), or a plain `Error` for a foreign one.
 */
export function fromTransferredError(transferred: TransferredError): Error {
  const known = transferred.names.length > 0;
  const cls = known ? classOf(transferred) : Error;
  const error = Object.create(cls.prototype) as Error;
  Object.defineProperty(error, 'message', { value: transferred.message, writable: true, configurable: true, enumerable: false });
  if (transferred.stack !== undefined) Object.defineProperty(error, 'stack', { value: transferred.stack, writable: true, configurable: true, enumerable: false });
  if (transferred.cause) {
    const cause = new Error(transferred.cause.message);
    cause.name = transferred.cause.name;
    Object.defineProperty(error, 'cause', { value: cause, writable: true, configurable: true, enumerable: false });
  }
  if (known) Object.defineProperty(error, BRAND, { value: Object.freeze([...transferred.names]), enumerable: false });
  Object.assign(error, transferred.fields);
  return error;
}
