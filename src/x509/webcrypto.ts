import { webcrypto, type KeyObject } from 'node:crypto';
import type * as Pkijs from 'pkijs';
import type { PkijsModule } from './pkijs-loader.js';

/** Hash algorithms we sign with (WebCrypto names). */
export type SignatureHash = 'SHA-1' | 'SHA-256' | 'SHA-384' | 'SHA-512';

/**
 * A pkijs engine bound to Node's native WebCrypto. Every pkijs call in this library receives one
 * explicitly, so we never call pkijs' global `setEngine` and never depend on what another copy of
 * pkijs in the process set up. Cheap to create; callers keep one per CA or create one per call.
 */
export function createCryptoEngine(pkijs: PkijsModule): Pkijs.ICryptoEngine {
  return new pkijs.CryptoEngine({ name: 'ubiq-idp-node', crypto: webcrypto as unknown as Crypto });
}

/** Node 22.10+ and 24 have `KeyObject#toCryptoKey`; @types/node 20 does not know it. */
interface ToCryptoKey {
  toCryptoKey(algorithm: RsaHashedImportParams, extractable: boolean, usages: KeyUsage[]): CryptoKey;
}

function hasToCryptoKey(key: KeyObject): key is KeyObject & ToCryptoKey {
  return typeof (key as Partial<ToCryptoKey>).toCryptoKey === 'function';
}

/**
 * The RSA private key as a non-extractable WebCrypto key for RSASSA-PKCS1-v1_5 with `hash`. WebCrypto
 * binds the hash to the key, so a SHA-1 and a SHA-256 signature need two imports. On Node 20 this goes
 * through a PKCS#8 DER export (the DER buffer is zeroed afterwards).
 */
export async function toRsaSigningKey(privateKey: KeyObject, hash: SignatureHash): Promise<CryptoKey> {
  const algorithm: RsaHashedImportParams = { name: 'RSASSA-PKCS1-v1_5', hash };
  if (hasToCryptoKey(privateKey)) return privateKey.toCryptoKey(algorithm, false, ['sign']);
  const der = privateKey.export({ type: 'pkcs8', format: 'der' });
  try {
    return await webcrypto.subtle.importKey('pkcs8', der, algorithm, false, ['sign']);
  } finally {
    der.fill(0);
  }
}

/** The public key's SubjectPublicKeyInfo as a pkijs object (no WebCrypto import needed). */
export function toPublicKeyInfo(pkijs: PkijsModule, publicKey: KeyObject): Pkijs.PublicKeyInfo {
  const der = publicKey.export({ type: 'spki', format: 'der' });
  return pkijs.PublicKeyInfo.fromBER(der);
}

/** PEM armour, 64 characters a line, as OpenSSL writes it. */
export function toPem(label: string, der: ArrayBuffer | Uint8Array): string {
  const base64 = Buffer.from(der instanceof Uint8Array ? der : new Uint8Array(der)).toString('base64');
  const lines = base64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

/**
 * The DER inside the first PEM block with `label`, or undefined when there is none. Tolerates CRLF,
 * surrounding text and whitespace inside the base64, which real clients produce.
 */
export function fromPem(pem: string, labels: readonly string[]): Uint8Array<ArrayBuffer> | undefined {
  for (const label of labels) {
    const begin = `-----BEGIN ${label}-----`;
    const start = pem.indexOf(begin);
    if (start < 0) continue;
    const end = pem.indexOf(`-----END ${label}-----`, start + begin.length);
    if (end < 0) return undefined;
    const body = pem.slice(start + begin.length, end).replace(/\s+/g, '');
    if (body.length === 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(body)) return undefined;
    return new Uint8Array(Buffer.from(body, 'base64'));
  }
  return undefined;
}
