import { createPrivateKey, createPublicKey } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  encryptPrivateKeyPem,
  generateRsaKeyPair,
  isKeySizeError,
  KeySizeError,
  randomCryptoAccessKey,
} from '../../src/crypto/keypair.js';
import { isUbiqIdpError } from '../../src/errors.js';
import { measureEventLoopStall } from '../helpers/event-loop-stall.js';

describe('generateRsaKeyPair', () => {
  it('makes a 4096-bit RSA pair by default without stalling the event loop', async () => {
    const { result, maxStallMs, ticks, elapsedMs } = await measureEventLoopStall(() => generateRsaKeyPair());
    expect(result.privateKey.type).toBe('private');
    expect(result.publicKey.type).toBe('public');
    expect(result.publicKey.asymmetricKeyType).toBe('rsa');
    expect(result.publicKey.asymmetricKeyDetails?.modulusLength).toBe(4096);
    expect(result.publicKey.asymmetricKeyDetails?.publicExponent).toBe(65537n);
    // The synchronous generation takes 0.8–2.5 s here and would stall the loop for all of it; off the
    // main thread the loop keeps turning. A ratio, not a time: a loaded CI machine slows both alike.
    expect(maxStallMs).toBeLessThan(elapsedMs / 2);
    expect(ticks).toBeGreaterThan(10);
  });

  it('honours modulusLength, and the halves belong together', async () => {
    const { privateKey, publicKey } = await generateRsaKeyPair({ modulusLength: 2048 });
    expect(publicKey.asymmetricKeyDetails?.modulusLength).toBe(2048);
    const derived = createPublicKey(privateKey).export({ type: 'spki', format: 'der' });
    expect(derived.equals(publicKey.export({ type: 'spki', format: 'der' }))).toBe(true);
  });

  it.each([1024, 2047, 2049, 2056.5, Number.NaN, 0, -4096, 32768])('rejects modulusLength %s with KeySizeError', async (size) => {
    const error: unknown = await generateRsaKeyPair({ modulusLength: size }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KeySizeError);
    expect(isKeySizeError(error)).toBe(true);
    expect(isUbiqIdpError(error)).toBe(true);
    expect((error as KeySizeError).code).toBe('key_size_invalid');
    expect((error as KeySizeError).hint).toMatch(/4096/);
  });

  it('rejects with the reason of an already aborted signal', async () => {
    const reason = new Error('stop');
    await expect(generateRsaKeyPair({ modulusLength: 2048, signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
  });

  it('rejects with the abort reason when aborted while generating', async () => {
    const controller = new AbortController();
    const pending = generateRsaKeyPair({ modulusLength: 2048, signal: controller.signal });
    controller.abort();
    const error: unknown = await pending.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DOMException);
    expect((error as DOMException).name).toBe('AbortError');
  });
});

describe('encryptPrivateKeyPem', () => {
  it('writes encrypted PKCS#8 with AES-256-CBC that opens with the passphrase only', async () => {
    const { privateKey, publicKey } = await generateRsaKeyPair({ modulusLength: 2048 });
    const passphrase = randomCryptoAccessKey();
    const pem = encryptPrivateKeyPem(privateKey, passphrase);
    expect(pem).toMatch(/^-----BEGIN ENCRYPTED PRIVATE KEY-----\n[A-Za-z0-9+/=\n]+-----END ENCRYPTED PRIVATE KEY-----\n$/);
    expect(pem).not.toContain(passphrase);
    const der = Buffer.from(pem.replace(/-----[^-]+-----|\s/g, ''), 'base64');
    // id-PBES2 and aes256-CBC (2.16.840.1.101.3.4.1.42) as DER-encoded OIDs.
    expect(der.includes(Buffer.from('06092a864886f70d01050d', 'hex'))).toBe(true);
    expect(der.includes(Buffer.from('060960864801650304012a', 'hex'))).toBe(true);

    const opened = createPrivateKey({ key: pem, format: 'pem', passphrase });
    expect(
      createPublicKey(opened).export({ type: 'spki', format: 'der' }).equals(publicKey.export({ type: 'spki', format: 'der' })),
    ).toBe(true);
    expect(() => createPrivateKey({ key: pem, format: 'pem', passphrase: randomCryptoAccessKey() })).toThrow();
  });

  it('refuses a public key and an empty passphrase', async () => {
    const { privateKey, publicKey } = await generateRsaKeyPair({ modulusLength: 2048 });
    expect(() => encryptPrivateKeyPem(publicKey, 'passphrase')).toThrow(expect.objectContaining({ code: 'key_type_invalid' }));
    expect(() => encryptPrivateKeyPem(privateKey, '')).toThrow(expect.objectContaining({ code: 'passphrase_empty' }));
  });
});

describe('randomCryptoAccessKey', () => {
  it('is base64 of 33 random bytes', () => {
    const keys = new Set(Array.from({ length: 50 }, () => randomCryptoAccessKey()));
    expect(keys.size).toBe(50);
    for (const key of keys) {
      expect(key).toMatch(/^[A-Za-z0-9+/]{44}$/);
      expect(Buffer.from(key, 'base64')).toHaveLength(33);
    }
  });
});
