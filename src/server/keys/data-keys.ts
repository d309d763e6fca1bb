import { constants, createCipheriv, createDecipheriv, createHash, hkdfSync, publicEncrypt, randomBytes, type KeyObject } from 'node:crypto';
import { errorGuard, UbiqIdpError } from '../../errors.js';
import type { DataKeyErrorCode } from '../../error-codes.js';

/** What the key endpoints answer with besides `encrypted_private_key` (ARCHITECTURE.md, Key endpoints). */
export interface DataKeyFields {
  /** RSA-OAEP (SHA-1, as the official clients unwrap with node-forge's default) of the data key to the caller's certificate key, base64. */
  wrapped_data_key: string;
  /** The data key under the dataset's master key (AES-256-GCM), base64; only this server can open it. */
  encrypted_data_key: string;
  /** base64 SHA-256 of `encrypted_data_key`: the same for encryption and every later decryption of one data key. */
  key_fingerprint: string;
  /** Random per response. */
  encryption_session: string;
  security_model: { algorithm: 'aes-256-gcm'; enable_data_fragmentation: false };
  max_uses: number;
}

/** Options of `createDataKeyVault`. */
export interface DataKeyVaultOptions {
  /**
   * The secret every dataset's master key is derived from (HKDF-SHA256, at least 32 bytes). Give the same
   * value to a restarted server so it can still open the `encrypted_data_key`s it issued. Default: random.
   */
  masterSecret?: Uint8Array;
  /** Upper bound of `max_uses` (a client asks for `uses`). Default 1,000,000. */
  maxUsesLimit?: number;
}

/** Issues and re-wraps data keys. See `createDataKeyVault`. */
export interface DataKeyVault {
  /** A fresh AES-256 data key for `dataset`, wrapped to `recipient`. */
  issue(dataset: string, recipient: KeyObject, uses?: number): DataKeyFields;
  /** Which dataset an `encrypted_data_key` belongs to (without opening it); throws `DataKeyError` when it is not ours. */
  datasetOf(encryptedDataKey: string): string;
  /** Opens an `encrypted_data_key` and wraps the same data key to `recipient`. */
  rewrap(encryptedDataKey: string, recipient: KeyObject): DataKeyFields & { dataset: string };
}

const DATA_KEY_HINTS: Record<DataKeyErrorCode, string> = {
  invalid_encrypted_data_key: 'Send the encrypted_data_key exactly as it is stored in the header of the ciphertext this server issued.',
  data_key_options_invalid: 'Pass a masterSecret of at least 32 random bytes (e.g. crypto.randomBytes(32)), or none to get a random one.',
  dataset_name_invalid: 'Name the dataset with 1 to 255 bytes of UTF-8 (the name is bound into every data key issued for it).',
};

/**
 * The data-key vault refused: an `encrypted_data_key` this server did not issue or that was altered
 * (`invalid_encrypted_data_key`), unusable vault options (`data_key_options_invalid`) or a dataset name
 * that cannot be bound into a key (`dataset_name_invalid`).
 *
 * @example
 * try { vault.datasetOf(body.encrypted_data_key); } catch (error) { if (isDataKeyError(error)) return answer(400, error.code); }
 */
export class DataKeyError extends UbiqIdpError<DataKeyErrorCode> {
  static override readonly errorName = 'DataKeyError';
  constructor(message: string, code: DataKeyErrorCode = 'invalid_encrypted_data_key') {
    super(code, message, { hint: DATA_KEY_HINTS[code] });
  }
}

/** True when `value` is a {@link DataKeyError}, also one made by another copy of this package. */
export const isDataKeyError = errorGuard<DataKeyError>('DataKeyError');

const VERSION = 1;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const DATA_KEY_BYTES = 32;
const SECURITY_MODEL = { algorithm: 'aes-256-gcm', enable_data_fragmentation: false } as const;

/**
 * Creates the server's data-key vault. `encrypted_data_key` layout (all opaque to clients):
 * `version (1) | dataset name length (1) | dataset name (UTF-8) | IV (12) | AES-256-GCM(data key) (32) | tag (16)`,
 * with everything before the IV authenticated as AAD, so the dataset a key belongs to cannot be swapped.
 * A decryption request carries only this blob, which is how the server knows whose access to check.
 *
 * @example
 * const vault = createDataKeyVault();
 * const fields = vault.issue('payroll', certificatePublicKey, 1);
 * const again = vault.rewrap(fields.encrypted_data_key, certificatePublicKey); // same data key, dataset 'payroll'
 */
export function createDataKeyVault(options: DataKeyVaultOptions = {}): DataKeyVault {
  const masterSecret = options.masterSecret ?? randomBytes(32);
  if (masterSecret.byteLength < 32) throw new DataKeyError(`createDataKeyVault: masterSecret must be at least 32 bytes (got ${masterSecret.byteLength}).`, 'data_key_options_invalid');
  const maxUsesLimit = options.maxUsesLimit ?? 1_000_000;
  const masterKeys = new Map<string, Buffer>();

  const masterKey = (dataset: string): Buffer => {
    let key = masterKeys.get(dataset);
    if (key === undefined) {
      key = Buffer.from(hkdfSync('sha256', masterSecret, Buffer.alloc(0), `ubiq-idp/dataset-master-key/v1/${dataset}`, 32));
      masterKeys.set(dataset, key);
    }
    return key;
  };

  const fields = (dataKey: Buffer, encrypted: Buffer, recipient: KeyObject, uses: number): DataKeyFields => ({
    wrapped_data_key: publicEncrypt({ key: recipient, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' }, dataKey).toString('base64'),
    encrypted_data_key: encrypted.toString('base64'),
    key_fingerprint: createHash('sha256').update(encrypted).digest('base64'),
    encryption_session: randomBytes(16).toString('base64'),
    security_model: { ...SECURITY_MODEL },
    max_uses: uses,
  });

  const parse = (encryptedDataKey: string) => {
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(encryptedDataKey)) throw new DataKeyError('encrypted_data_key is not base64');
    const blob = Buffer.from(encryptedDataKey, 'base64');
    const nameLength = blob[1];
    if (blob[0] !== VERSION || nameLength === undefined || blob.length !== 2 + nameLength + IV_BYTES + DATA_KEY_BYTES + TAG_BYTES) {
      throw new DataKeyError('encrypted_data_key was not issued by this server');
    }
    const header = blob.subarray(0, 2 + nameLength);
    const dataset = header.subarray(2).toString('utf8');
    const iv = blob.subarray(header.length, header.length + IV_BYTES);
    const ciphertext = blob.subarray(header.length + IV_BYTES, header.length + IV_BYTES + DATA_KEY_BYTES);
    const tag = blob.subarray(header.length + IV_BYTES + DATA_KEY_BYTES);
    return { blob, header, dataset, iv, ciphertext, tag };
  };

  return {
    issue(dataset, recipient, uses = 1) {
      const name = Buffer.from(dataset, 'utf8');
      if (name.length === 0 || name.length > 255) throw new DataKeyError(`The dataset name must be 1 to 255 bytes of UTF-8 (got ${name.length}).`, 'dataset_name_invalid');
      const clamped = Math.min(Math.max(1, Math.floor(Number.isFinite(uses) ? uses : 1)), maxUsesLimit);
      const dataKey = randomBytes(DATA_KEY_BYTES);
      const header = Buffer.concat([Buffer.from([VERSION, name.length]), name]);
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', masterKey(dataset), iv);
      cipher.setAAD(header);
      const ciphertext = Buffer.concat([cipher.update(dataKey), cipher.final()]);
      const encrypted = Buffer.concat([header, iv, ciphertext, cipher.getAuthTag()]);
      return fields(dataKey, encrypted, recipient, clamped);
    },
    datasetOf(encryptedDataKey) {
      return parse(encryptedDataKey).dataset;
    },
    rewrap(encryptedDataKey, recipient) {
      const { blob, header, dataset, iv, ciphertext, tag } = parse(encryptedDataKey);
      let dataKey: Buffer;
      try {
        const decipher = createDecipheriv('aes-256-gcm', masterKey(dataset), iv);
        decipher.setAAD(header);
        decipher.setAuthTag(tag);
        dataKey = Buffer.concat([decipher.update(ciphertext), decipher.final()]);
      } catch {
        throw new DataKeyError('encrypted_data_key was altered or was not issued by this server');
      }
      return { ...fields(dataKey, blob, recipient, 1), dataset };
    },
  };
}
