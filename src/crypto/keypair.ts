import { generateKeyPair, randomBytes, type KeyObject } from 'node:crypto';
import { UbiqIdpError } from '../errors.js';

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

/** Options of {@link generateRsaKeyPair}. */
export interface GenerateRsaKeyPairOptions {
  /** Key size in bits: a multiple of 8, at least 2048. Default 4096, as the official clients use. */
  modulusLength?: number;
  /** Stop waiting for the key pair. The generation itself cannot be interrupted and finishes in the background. */
  signal?: AbortSignal;
}

/**
 * Thrown when a key size is one this library will not use: smaller than 2048 bits, not a multiple of 8,
 * or absurdly large. Code `key_size_invalid`.
 */
export class KeySizeError extends UbiqIdpError {
  readonly modulusLength: number;
  constructor(modulusLength: number) {
    super(
      'key_size_invalid',
      `An RSA key of ${modulusLength} bits is not allowed: use a multiple of 8 between ${MIN_RSA_MODULUS_LENGTH} and ${MAX_RSA_MODULUS_LENGTH} bits.`,
      { hint: `Set modulusLength to ${DEFAULT_RSA_MODULUS_LENGTH} (what the official Ubiq clients use) or at least ${MIN_RSA_MODULUS_LENGTH}.` },
    );
    this.name = 'KeySizeError';
    this.modulusLength = modulusLength;
  }
}

/** True when `value` is a {@link KeySizeError} (matched by name, so it works across bundles). */
export function isKeySizeError(value: unknown): value is KeySizeError {
  return value instanceof Error && value.name === 'KeySizeError';
}

/**
 * Generate an RSA key pair without blocking the event loop: Node runs the generation on the libuv
 * thread pool, so timers and sockets keep being served while the 0.8–2.5 s of an RSA-4096 key pass.
 * The official Node client uses the synchronous variant, which freezes the process for that long.
 *
 * Rejects with {@link KeySizeError} for a size below 2048 bits, and with the signal's reason when
 * `signal` aborts (the same way `fetch` does).
 *
 * @example
 * const { privateKey, publicKey } = await generateRsaKeyPair({ modulusLength: 2048 });
 * console.log(publicKey.asymmetricKeyDetails?.modulusLength); // 2048
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
  if (signal?.aborted) return Promise.reject(signal.reason);

  return new Promise<RsaKeyPair>((resolve, reject) => {
    let settled = false;
    const onAbort = (): void => {
      if (settled) return;
      settled = true;
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    generateKeyPair('rsa', { modulusLength, publicExponent: 0x10001 }, (error, publicKey, privateKey) => {
      signal?.removeEventListener('abort', onAbort);
      if (settled) return;
      settled = true;
      if (error) reject(new UbiqIdpError('key_generation_failed', 'RSA key generation failed.', { cause: error }));
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
    throw new UbiqIdpError('key_type_invalid', `Expected a private key, got a ${privateKey.type} key.`, {
      hint: 'Pass the privateKey of the pair returned by generateRsaKeyPair().',
    });
  }
  if (passphrase.length === 0) {
    throw new UbiqIdpError('passphrase_empty', 'Refusing to encrypt a private key with an empty passphrase.', {
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
