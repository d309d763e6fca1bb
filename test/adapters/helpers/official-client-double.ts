// A structural double of how the official ubiq-security Node client (ubiq-node, lib/encryption.js,
// lib/decryption.js, lib/ubiqWebServices.js, lib/structuredEncryptDecrypt.js) uses its credentials object
// in IdP mode, written from its public source because the package is not on the registry here. It reads
// the same fields at the same moments and opens the private key with node-forge, as the client does.
import { constants, publicEncrypt, randomBytes, X509Certificate } from 'node:crypto';
import forge from 'node-forge';

/** The members of the official Credentials object the client touches. */
export interface OfficialCredentialsShape {
  access_key_id: string;
  secret_signing_key: string;
  secret_crypto_access_key: string;
  host: string;
  idp_cert_base64?: string;
  encryptedPrivateKey?: string;
  isIdp(): boolean;
  renewIdpCertAsync(): Promise<void>;
  getEncryptedPrivateKey(): string | undefined;
}

/** What the key endpoint double saw. */
export interface KeyRequestSeen {
  papi: string;
  sapi: string;
  host: string;
  payloadCert: string | undefined;
}

/**
 * The key endpoint's side (ARCHITECTURE.md, Key endpoints): a fresh data key wrapped with RSA-OAEP (SHA-1) to the public
 * key of `payload_cert`, and an `encrypted_private_key` the client must replace in IdP mode.
 */
function keyEndpoint(request: KeyRequestSeen): { dataKey: Buffer; answer: Record<string, unknown> } {
  const dataKey = randomBytes(32);
  if (request.payloadCert === undefined) throw new Error('no payload_cert in an IdP key request');
  const pem = Buffer.from(request.payloadCert, 'base64').toString('utf8');
  const publicKey = new X509Certificate(pem).publicKey;
  const wrapped = publicEncrypt({ key: publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' }, dataKey);
  return {
    dataKey,
    answer: {
      encrypted_private_key: '-----BEGIN ENCRYPTED PRIVATE KEY-----\nnot yours\n-----END ENCRYPTED PRIVATE KEY-----',
      wrapped_data_key: wrapped.toString('base64'),
      encrypted_data_key: randomBytes(48).toString('base64'),
      security_model: { algorithm: 'aes-256-gcm', enable_data_fragmentation: false },
      max_uses: 1,
    },
  };
}

/**
 * `new ubiq.Encryption(credentials, uses)` as lib/encryption.js does it: the key triple and host are
 * copied in the constructor, `payload_cert` is read BEFORE `renewIdpCertAsync()` (so it must already be
 * current), the server's private key is replaced with `getEncryptedPrivateKey()`, and the key is opened
 * with `forge.pki.decryptRsaPrivateKey(pem, secret_crypto_access_key)`.
 */
export async function officialEncryptionKeyFetch(credentials: OfficialCredentialsShape, seen: KeyRequestSeen[] = []): Promise<{ dataKeyMatches: boolean; seen: KeyRequestSeen[] }> {
  const papi = credentials.access_key_id;
  const sapi = credentials.secret_signing_key;
  const srsa = credentials.secret_crypto_access_key;
  const host = credentials.host;
  const query: { uses: number; payload_cert?: string } = { uses: 1 };
  if (credentials.isIdp()) {
    query.payload_cert = credentials.idp_cert_base64;
    await credentials.renewIdpCertAsync();
  }
  const request = { papi, sapi, host, payloadCert: query.payload_cert };
  seen.push(request);
  const { dataKey, answer } = keyEndpoint(request);
  if (credentials.isIdp()) answer.encrypted_private_key = credentials.getEncryptedPrivateKey();
  const privateKey = forge.pki.decryptRsaPrivateKey(answer.encrypted_private_key as string, srsa) as forge.pki.rsa.PrivateKey | null;
  if (!privateKey) return { dataKeyMatches: false, seen };
  const raw = privateKey.decrypt(forge.util.decode64(answer.wrapped_data_key as string), 'RSA-OAEP');
  return { dataKeyMatches: Buffer.from(raw, 'binary').equals(dataKey), seen };
}

/** lib/ubiqWebServices.js GetFFSAndDataKeys: calls renewIdpCertAsync() WITHOUT awaiting it. */
export function officialUnawaitedRenew(credentials: OfficialCredentialsShape): string {
  if (credentials.isIdp()) {
    void credentials.renewIdpCertAsync();
  }
  return `/api/v0/fpe/def_keys?payload_cert=${credentials.idp_cert_base64 ?? ''}`;
}
