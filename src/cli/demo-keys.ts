import { constants, createCipheriv, createDecipheriv, privateDecrypt, randomBytes, type KeyObject } from 'node:crypto';
import * as z from 'zod';
import type { UbiqIdpCredentials } from '../credentials/ubiq-credentials.js';
import { signUbiqRequest } from '../signing/index.js';

/** The key fields of a key endpoint answer (ARCHITECTURE.md, Key endpoints). */
const keyAnswerSchema = z.object({
  wrapped_data_key: z.string().min(1),
  encrypted_data_key: z.string().min(1),
  key_fingerprint: z.string(),
  security_model: z.object({ algorithm: z.string() }).optional(),
  max_uses: z.number().optional(),
});
const problemSchema = z.object({ error: z.string(), message: z.string(), dataset: z.string().optional(), reason: z.string().optional() });

/** A data key the server issued, unwrapped with our private key. Secret: never printed. */
export interface DataKey {
  key: Buffer;
  encryptedDataKey: string;
  fingerprint: string;
  algorithm: string;
}

export type KeyResult = { ok: true; dataKey: DataKey; status: number } | { ok: false; status: number; error: string; message: string; dataset?: string | undefined; reason?: string | undefined };

/** Unwraps `wrapped_data_key` (RSA-OAEP, SHA-1, as the official clients) with the credentials' private key. */
function unwrap(privateKey: KeyObject, wrapped: string): Buffer {
  return privateDecrypt({ key: privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' }, Buffer.from(wrapped, 'base64'));
}

async function signedPost(credentials: UbiqIdpCredentials, path: string, body: Record<string, unknown>, signal?: AbortSignal): Promise<KeyResult> {
  const url = `${credentials.server}${path}`;
  const text = JSON.stringify({ ...body, payload_cert: credentials.payloadCert });
  const headers = signUbiqRequest({ method: 'POST', url, body: text, credentials });
  const timeout = AbortSignal.timeout(10_000);
  const response = await fetch(url, { method: 'POST', headers, body: text, signal: signal ? AbortSignal.any([signal, timeout]) : timeout });
  const answer: unknown = await response.json().catch(() => undefined);
  if (response.ok) {
    const parsed = keyAnswerSchema.safeParse(answer);
    if (!parsed.success) return { ok: false, status: response.status, error: 'bad_answer', message: `${path} answered ${response.status} without wrapped_data_key/encrypted_data_key` };
    return {
      ok: true,
      status: response.status,
      dataKey: {
        key: unwrap(credentials.privateKey, parsed.data.wrapped_data_key),
        encryptedDataKey: parsed.data.encrypted_data_key,
        fingerprint: parsed.data.key_fingerprint,
        algorithm: parsed.data.security_model?.algorithm ?? 'aes-256-gcm',
      },
    };
  }
  const problem = problemSchema.safeParse(answer);
  return problem.success
    ? { ok: false, status: response.status, ...problem.data }
    : { ok: false, status: response.status, error: `http_${response.status}`, message: `${path} answered ${response.status}` };
}

/** `POST /api/v0/encryption/key`, signed (ARCHITECTURE.md, Request signing), for a dataset. */
export function requestEncryptionKey(credentials: UbiqIdpCredentials, dataset: string, signal?: AbortSignal): Promise<KeyResult> {
  return signedPost(credentials, '/api/v0/encryption/key', { uses: 1, dataset }, signal);
}

/** `POST /api/v0/decryption/key`, signed, for a data key issued earlier. */
export function requestDecryptionKey(credentials: UbiqIdpCredentials, encryptedDataKey: string, signal?: AbortSignal): Promise<KeyResult> {
  return signedPost(credentials, '/api/v0/decryption/key', { encrypted_data_key: encryptedDataKey }, signal);
}

/** AES-256-GCM with a random 12-byte IV. */
export function encryptSample(key: Buffer, plaintext: string): { iv: Buffer; ciphertext: Buffer; tag: Buffer } {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return { iv, ciphertext, tag: cipher.getAuthTag() };
}

export function decryptSample(key: Buffer, sealed: { iv: Buffer; ciphertext: Buffer; tag: Buffer }): string {
  const decipher = createDecipheriv('aes-256-gcm', key, sealed.iv);
  decipher.setAuthTag(sealed.tag);
  return Buffer.concat([decipher.update(sealed.ciphertext), decipher.final()]).toString('utf8');
}
