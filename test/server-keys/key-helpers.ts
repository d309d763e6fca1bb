// Helpers for the key endpoint tests: SCIM and admin calls over HTTP (as Okta/Entra and the Ubiq UI make
// them), the SSO exchange, signed key requests, and the official client's ciphertext format.
import { createCipheriv, createDecipheriv, randomBytes, type KeyObject } from 'node:crypto';
import forge from 'node-forge';
import type { ReferenceServer } from 'ubiq-idp/server';
import { signUbiqRequest } from '../../src/signing/index.js';

export async function call(
  url: string,
  method: string,
  token: string,
  body?: unknown,
  contentType = 'application/scim+json',
): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(url, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': contentType }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await response.text();
  return { status: response.status, body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>) };
}

/** SCIM request with the server's secret token. */
export function scim(server: ReferenceServer, method: string, path: string, body?: unknown) {
  const info = server.info();
  return call(`${info.scimBaseUrl}${path}`, method, info.scimToken, body);
}

/** Admin ("Ubiq UI") request. */
export function admin(server: ReferenceServer, method: string, path: string, body?: unknown) {
  const info = server.info();
  return call(`${info.adminBaseUrl}${path}`, method, info.adminToken, body, 'application/json');
}

export async function scimUser(server: ReferenceServer, userName: string): Promise<string> {
  const created = await scim(server, 'POST', '/Users', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName, active: true });
  if (created.status !== 201) throw new Error(`SCIM POST /Users: ${created.status}`);
  return String(created.body.id);
}

export async function scimGroup(server: ReferenceServer, displayName: string, memberIds: string[]): Promise<string> {
  const created = await scim(server, 'POST', '/Groups', {
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
    displayName,
    members: memberIds.map((value) => ({ value })),
  });
  if (created.status !== 201) throw new Error(`SCIM POST /Groups: ${created.status}`);
  return String(created.body.id);
}

/** A dataset group with unstructured datasets, created through the admin API. */
export async function datasetGroup(server: ReferenceServer, name: string, datasets: string[]): Promise<void> {
  const group = await admin(server, 'POST', '/dataset-groups', { name });
  if (group.status !== 201) throw new Error(`admin POST /dataset-groups: ${group.status}`);
  for (const dataset of datasets) {
    const created = await admin(server, 'POST', '/datasets', { name: dataset, datasetGroups: [name] });
    if (created.status !== 201) throw new Error(`admin POST /datasets: ${created.status}`);
  }
}

/** What the credential provider keeps from an SSO answer (ARCHITECTURE.md, SSO exchange step 3). */
export interface SsoCredentials {
  accessKeyId: string;
  secretSigningKey: string;
  apiCert: string;
  payloadCert: string;
}

export async function sso(ssoUrl: string, idpToken: string, csr: string): Promise<SsoCredentials> {
  const response = await fetch(ssoUrl, {
    method: 'POST',
    headers: { authorization: `Bearer ${idpToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ csr }),
    signal: AbortSignal.timeout(10_000),
  });
  const body = (await response.json()) as Record<string, string>;
  if (response.status !== 200) throw new Error(`SSO: ${response.status} ${JSON.stringify(body)}`);
  return {
    accessKeyId: String(body.public_value),
    secretSigningKey: String(body.signing_value),
    apiCert: String(body.api_cert),
    payloadCert: Buffer.from(String(body.api_cert)).toString('base64'),
  };
}

export interface KeyAnswer {
  status: number;
  body: Record<string, unknown>;
}

/** A signed POST as the encryption client sends it. `tamper` may change what is sent after signing. */
export async function signedPost(
  url: string,
  body: unknown,
  credentials: { accessKeyId: string; secretSigningKey: string },
  options: { now?: Date; tamper?: (headers: Record<string, string>, text: string) => { headers: Record<string, string>; text: string } } = {},
): Promise<KeyAnswer> {
  const text = JSON.stringify(body);
  let headers = signUbiqRequest({ method: 'POST', url, body: text, credentials, ...(options.now ? { now: options.now } : {}) });
  let sent = text;
  if (options.tamper) ({ headers, text: sent } = options.tamper(headers, text));
  const response = await fetch(url, { method: 'POST', headers, body: sent, signal: AbortSignal.timeout(10_000) });
  const answer = await response.text();
  return { status: response.status, body: answer === '' ? {} : (JSON.parse(answer) as Record<string, unknown>) };
}

/** Unwraps `wrapped_data_key` exactly as the official Node client does: node-forge `decrypt(…, 'RSA-OAEP')`. */
export function forgeUnwrap(privateKey: KeyObject, wrappedDataKey: string): Buffer {
  const pem = String(privateKey.export({ type: 'pkcs1', format: 'pem' }));
  const key = forge.pki.privateKeyFromPem(pem);
  return Buffer.from(key.decrypt(forge.util.decode64(wrappedDataKey), 'RSA-OAEP'), 'binary');
}

const FLAG_AAD = 1;
const AES_256_GCM_ID = 0;

/** The official client's unstructured ciphertext: header `!BBBBH` (version 0, flags, algorithm, iv length, key length) | iv | encrypted data key | ciphertext | tag. */
export function encryptLikeClient(dataKey: Buffer, encryptedDataKey: string, plaintext: string): Buffer {
  const edk = Buffer.from(encryptedDataKey, 'base64');
  const iv = randomBytes(12);
  const header = Buffer.alloc(6);
  header.writeUInt8(0, 0);
  header.writeUInt8(FLAG_AAD, 1);
  header.writeUInt8(AES_256_GCM_ID, 2);
  header.writeUInt8(iv.length, 3);
  header.writeUInt16BE(edk.length, 4);
  const prefix = Buffer.concat([header, iv, edk]);
  const cipher = createCipheriv('aes-256-gcm', dataKey, iv);
  cipher.setAAD(prefix);
  return Buffer.concat([prefix, cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
}

/** Reads the header back: what the client sends to the decryption endpoint. */
export function parseClientCiphertext(data: Buffer): { encryptedDataKey: string; decrypt: (dataKey: Buffer) => string } {
  const ivLength = data.readUInt8(3);
  const keyLength = data.readUInt16BE(4);
  const prefix = data.subarray(0, 6 + ivLength + keyLength);
  const iv = data.subarray(6, 6 + ivLength);
  const edk = data.subarray(6 + ivLength, 6 + ivLength + keyLength);
  const rest = data.subarray(prefix.length);
  return {
    encryptedDataKey: edk.toString('base64'),
    decrypt(dataKey) {
      const decipher = createDecipheriv('aes-256-gcm', dataKey, iv);
      decipher.setAAD(prefix);
      decipher.setAuthTag(rest.subarray(rest.length - 16));
      return Buffer.concat([decipher.update(rest.subarray(0, rest.length - 16)), decipher.final()]).toString('utf8');
    },
  };
}
