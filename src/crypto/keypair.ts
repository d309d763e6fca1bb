import { generateKeyPair, randomBytes, type KeyObject } from 'node:crypto';
import { errorGuard, UbiqIdpError } from '../errors.js';
import type { KeyPairErrorCode, KeySizeErrorCode } from '../error-codes.js';
import { canGenerateFromPrimes, generateRsaKeyPairFromPrimes } from './rsa-from-primes.js';

export type { KeyPairErrorCode, KeySizeErrorCode } from '../error-codes.js';

/** The RSA key size the official Ubiq clients use. */
export const DEFAULT_RSA_MODULUS_LENGTH = 4096;
/** Below this the reference server (and Ubiq) refuse the CSR, so we refuse to generate it. */
export const MIN_RSA_MODULUS_LENGTH = 2048;
/** Above this generation takes minutes; nobody means it. */
const MAX_RSA_MODULUS_LENGTH = 16384;

/** An RSA key pair held as Node `KeyObject`s (the private key never leaves them unencrypted). */
export interface RsaKeyPair {
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
}

/**
 * How {@link generateRsaKeyPair} makes the key:
 * - `'parallel-primes'` (default): OpenSSL generates the two primes at once, one libuv pool job each, and
 *   the key is assembled from them here under the rules of OpenSSL's own generation (FIPS 186-4 B.3.3,
 *   SP 800-56B), then checked with a signature before it is returned. About half the time of `'openssl'`
 *   on two or more cores.
 * - `'openssl'`: OpenSSL generates the whole key (`crypto.generateKeyPair`), one prime after the other.
 *   Used anyway where `crypto.generatePrime` is missing and when Node runs in FIPS mode.
 */
export type RsaKeyGeneration = 'parallel-primes' | 'openssl';

/** @internal Whether `value` names a {@link RsaKeyGeneration} (options may come from untyped code). */
export function isRsaKeyGeneration(value: unknown): value is RsaKeyGeneration {
  return value === 'parallel-primes' || value === 'openssl';
}

/** Options of {@link generateRsaKeyPair}. */
export interface GenerateRsaKeyPairOptions {
  /** Key size in bits: a multiple of 8, at least 2048. Default 4096, as the official clients use. */
  modulusLength?: number;
  /**
   * `'parallel-primes'` (default) or `'openssl'`, for a security policy that wants every step of the key
   * generation inside OpenSSL (see {@link RsaKeyGeneration}).
   */
  keyGeneration?: RsaKeyGeneration;
  /** Stop waiting for the key pair. A prime or key already being generated on the pool finishes in the background and is dropped. */
  signal?: AbortSignal;
}

/**
 * Generating, encrypting or using the client's RSA key pair failed: a key size this library will not
 * use (`KeySizeError`), key generation failing, a public key where the private one is needed, an empty
 * passphrase, or signing the certificate request failing. Never contains key material.
 *
 * @example
 * try { encryptPrivateKeyPem(keyPair.privateKey, passphrase); } catch (error) { if (isKeyPairError(error)) console.error(error.code, error.hint); }
 */
export class KeyPairError extends UbiqIdpError<KeyPairErrorCode> {
  // Typed `string`, not the literal, so that KeySizeError can declare its own.
  static override readonly errorName: string = 'KeyPairError';
}

/** True when `value` is a {@link KeyPairError} (a {@link KeySizeError} included), also one made by another copy of this package. */
export const isKeyPairError = errorGuard<KeyPairError>('KeyPairError');

/**
 * Thrown when a key size is one this library will not use: smaller than 2048 bits, not a multiple of 8,
 * or absurdly large. Code `key_size_invalid`.
 */
export class KeySizeError extends KeyPairError {
  static override readonly errorName = 'KeySizeError';
  declare readonly code: KeySizeErrorCode;
  readonly modulusLength: number;
  constructor(modulusLength: number) {
    super(
      'key_size_invalid',
      `An RSA key of ${modulusLength} bits is not allowed: use a multiple of 8 between ${MIN_RSA_MODULUS_LENGTH} and ${MAX_RSA_MODULUS_LENGTH} bits.`,
      { hint: `Set modulusLength to ${DEFAULT_RSA_MODULUS_LENGTH} (what the official Ubiq clients use) or at least ${MIN_RSA_MODULUS_LENGTH}.` },
    );
    this.modulusLength = modulusLength;
  }
}

/** True when `value` is a {@link KeySizeError}, also one made by another copy of this package. */
export const isKeySizeError = errorGuard<KeySizeError>('KeySizeError');

/**
 * Generate an RSA key pair (e = 65537) without blocking the event loop: the heavy work runs on the libuv
 * thread pool, so timers and sockets keep being served while it runs. The official Node client uses the
 * synchronous generation, which freezes the process for the 0.8–2.5 s of an RSA-4096 key.
 *
 * By default the two primes are generated at the same time by OpenSSL (`crypto.generatePrime`), which
 * roughly halves the wait on a machine with two or more cores, and the key is assembled from them here:
 * each prime of exactly half the size, at least √2·2^(bits/2−1) and with gcd(e, p−1) = 1; |p − q| >
 * 2^(bits/2−100); a modulus of exactly `modulusLength` bits; d = e⁻¹ mod lcm(p−1, q−1) above
 * 2^(bits/2); p > q and the PKCS#1 CRT values; and a signature made with the new key must verify before
 * it is returned. A candidate that breaks a rule is replaced, as in OpenSSL's own generation. Pass
 * `keyGeneration: 'openssl'` to have OpenSSL generate the whole key instead (also what happens in FIPS mode
 * and where `generatePrime` is missing).
 *
 * Rejects with {@link KeySizeError} for a size below 2048 bits, with a {@link KeyPairError}
 * (`key_generation_failed`) when generation fails, and with the signal's reason when `signal` aborts
 * (the same way `fetch` does).
 *
 * @example
 * const { privateKey, publicKey } = await generateRsaKeyPair({ modulusLength: 2048 });
 * console.log(publicKey.asymmetricKeyDetails?.modulusLength); // 2048
 *
 * @example
 * // Every step inside OpenSSL (about twice as long on a multi-core machine):
 * const keyPair = await generateRsaKeyPair({ keyGeneration: 'openssl' });
 */
export function generateRsaKeyPair(options: GenerateRsaKeyPairOptions = {}): Promise<RsaKeyPair> {
  const modulusLength = options.modulusLength ?? DEFAULT_RSA_MODULUS_LENGTH;
  const { signal } = options;
  if (
    !Number.isInteger(modulusLength) ||
    modulusLength < MIN_RSA_MODULUS_LENGTH ||
    modulusLength > MAX_RSA_MODULUS_LENGTH ||
    modulusLength % 8 !== 0
  ) {
    return Promise.reject(new KeySizeError(modulusLength));
  }
  const keyGeneration = options.keyGeneration ?? 'parallel-primes';
  if (!isRsaKeyGeneration(keyGeneration)) {
    return Promise.reject(
      new KeyPairError('key_generation_failed', `Unknown keyGeneration ${JSON.stringify(String(keyGeneration)).slice(0, 40)}.`, {
        hint: "Use 'parallel-primes' (the default) or 'openssl'.",
      }),
    );
  }
  if (signal?.aborted) return Promise.reject(signal.reason);

  const generated =
    keyGeneration === 'parallel-primes' && canGenerateFromPrimes()
      ? generateRsaKeyPairFromPrimes({ modulusLength, signal })
      : opensslKeyPair(modulusLength);
  return new Promise<RsaKeyPair>((resolve, reject) => {
    let settled = false;
    const onAbort = (): void => {
      if (settled) return;
      settled = true;
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    generated.then(
      (keyPair) => {
        signal?.removeEventListener('abort', onAbort);
        if (settled) return;
        settled = true;
        resolve(keyPair);
      },
      (error: unknown) => {
        signal?.removeEventListener('abort', onAbort);
        if (settled) return;
        settled = true;
        if (signal?.aborted) reject(signal.reason);
        else reject(new KeyPairError('key_generation_failed', 'RSA key generation failed.', { cause: error, hint: 'Retry; if it keeps failing, check that Node.js has its crypto support (OpenSSL) and enough memory.' }));
      },
    );
  });
}

/** The whole key generated by OpenSSL (`crypto.generateKeyPair`) on the libuv pool. */
function opensslKeyPair(modulusLength: number): Promise<RsaKeyPair> {
  return new Promise((resolve, reject) => {
    generateKeyPair('rsa', { modulusLength, publicExponent: 0x10001 }, (error, publicKey, privateKey) => {
      if (error) reject(error);
      else resolve({ privateKey, publicKey });
    });
  });
}

/**
 * The private key as an encrypted PKCS#8 PEM (`-----BEGIN ENCRYPTED PRIVATE KEY-----`, PBES2 with
 * PBKDF2 and AES-256-CBC), the form the Ubiq encryption client expects as `encrypted_private_key`
 * and opens with the secret crypto access key as passphrase.
 *
 * @example
 * const passphrase = randomCryptoAccessKey();
 * const pem = encryptPrivateKeyPem(keyPair.privateKey, passphrase);
 * const again = createPrivateKey({ key: pem, passphrase });
 */
export function encryptPrivateKeyPem(privateKey: KeyObject, passphrase: string): string {
  if (privateKey.type !== 'private') {
    throw new KeyPairError('key_type_invalid', `Expected a private key, got a ${privateKey.type} key.`, {
      hint: 'Pass the privateKey of the pair returned by generateRsaKeyPair().',
    });
  }
  if (passphrase.length === 0) {
    throw new KeyPairError('passphrase_empty', 'Refusing to encrypt a private key with an empty passphrase.', {
      hint: 'Use randomCryptoAccessKey() to make the passphrase.',
    });
  }
  return privateKey.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase }) as string;
}

/**
 * A fresh secret crypto access key: base64 of 33 random bytes (44 characters, no padding), generated
 * locally as the official clients do in IdP mode. It is the passphrase of the encrypted private key.
 *
 * @example
 * const secretCryptoAccessKey = randomCryptoAccessKey(); // e.g. "q3Vx…" (44 characters)
 */
export function randomCryptoAccessKey(): string {
  return randomBytes(33).toString('base64');
}
