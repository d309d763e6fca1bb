import { constants, createCipheriv, createDecipheriv, generateKeyPairSync, privateDecrypt, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createDataKeyVault } from '../../src/server/keys/data-keys.js';

const recipient = generateKeyPairSync('rsa', { modulusLength: 2048 });
const other = generateKeyPairSync('rsa', { modulusLength: 2048 });

/** How the official clients unwrap: node-forge `decrypt(wdk, 'RSA-OAEP')`, i.e. OAEP with SHA-1 and MGF1-SHA-1. */
function unwrap(wrapped: string, privateKey = recipient.privateKey): Buffer {
  return privateDecrypt({ key: privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' }, Buffer.from(wrapped, 'base64'));
}

describe('data-key vault', () => {
  it('issues a fresh AES-256 key wrapped with RSA-OAEP (SHA-1) and the §2.7 fields', () => {
    const vault = createDataKeyVault();
    const a = vault.issue('payroll', recipient.publicKey, 5);
    const b = vault.issue('payroll', recipient.publicKey, 5);
    expect(unwrap(a.wrapped_data_key)).toHaveLength(32);
    expect(unwrap(a.wrapped_data_key).equals(unwrap(b.wrapped_data_key))).toBe(false);
    expect(a).toMatchObject({ security_model: { algorithm: 'aes-256-gcm', enable_data_fragmentation: false }, max_uses: 5 });
    expect(a.encryption_session).not.toBe(b.encryption_session);
    expect(a.key_fingerprint).not.toBe(b.key_fingerprint);
    // The official client stores the encrypted key length in a uint16 header field.
    expect(Buffer.from(a.encrypted_data_key, 'base64').length).toBeLessThan(65_536);
    // SHA-256 OAEP would not open it: the hash choice matters for the official clients.
    expect(() => privateDecrypt({ key: recipient.privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, Buffer.from(a.wrapped_data_key, 'base64'))).toThrow();
  });

  it('re-wraps the same data key for another recipient, with the same fingerprint, and names its dataset', () => {
    const vault = createDataKeyVault();
    const issued = vault.issue('payroll', recipient.publicKey);
    expect(vault.datasetOf(issued.encrypted_data_key)).toBe('payroll');
    const again = vault.rewrap(issued.encrypted_data_key, other.publicKey);
    expect(again.dataset).toBe('payroll');
    expect(again.key_fingerprint).toBe(issued.key_fingerprint);
    expect(unwrap(again.wrapped_data_key, other.privateKey).equals(unwrap(issued.wrapped_data_key))).toBe(true);

    // Encrypt a sample as the client does, decrypt with the re-wrapped key.
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', unwrap(issued.wrapped_data_key), iv);
    const ciphertext = Buffer.concat([cipher.update('sample plaintext'), cipher.final()]);
    const decipher = createDecipheriv('aes-256-gcm', unwrap(again.wrapped_data_key, other.privateKey), iv);
    decipher.setAuthTag(cipher.getAuthTag());
    expect(Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString()).toBe('sample plaintext');
  });

  it('refuses blobs it did not issue, altered blobs, a swapped dataset name and garbage', () => {
    const vault = createDataKeyVault();
    const issued = vault.issue('payroll', recipient.publicKey);
    const blob = Buffer.from(issued.encrypted_data_key, 'base64');
    expect(() => createDataKeyVault().rewrap(issued.encrypted_data_key, recipient.publicKey)).toThrow(/altered or was not issued/);
    const flipped = Buffer.from(blob);
    flipped[flipped.length - 1]! ^= 1;
    expect(() => vault.rewrap(flipped.toString('base64'), recipient.publicKey)).toThrow(/altered/);
    const renamed = Buffer.from(blob);
    renamed.write('h', 2); // payroll → hayroll, same length
    expect(() => vault.rewrap(renamed.toString('base64'), recipient.publicKey)).toThrow(/altered/);
    expect(() => vault.datasetOf('not base64!')).toThrow(/not base64/);
    expect(() => vault.datasetOf(Buffer.from('short').toString('base64'))).toThrow(/not issued/);
    for (const error of [() => vault.datasetOf('')]) expect(error).toThrow();
  });

  it('derives master keys from masterSecret, so a restarted server opens its old keys', () => {
    const masterSecret = randomBytes(32);
    const issued = createDataKeyVault({ masterSecret }).issue('payroll', recipient.publicKey);
    const restarted = createDataKeyVault({ masterSecret });
    expect(unwrap(restarted.rewrap(issued.encrypted_data_key, recipient.publicKey).wrapped_data_key).equals(unwrap(issued.wrapped_data_key))).toBe(true);
    expect(() => createDataKeyVault({ masterSecret: randomBytes(16) })).toThrow(/32 bytes/);
  });

  it('clamps max_uses to [1, limit]', () => {
    const vault = createDataKeyVault({ maxUsesLimit: 100 });
    expect(vault.issue('d', recipient.publicKey, 0).max_uses).toBe(1);
    expect(vault.issue('d', recipient.publicKey, 1e9).max_uses).toBe(100);
    expect(vault.issue('d', recipient.publicKey, Number.NaN).max_uses).toBe(1);
    expect(() => vault.issue('', recipient.publicKey)).toThrow(/dataset name/);
  });
});
