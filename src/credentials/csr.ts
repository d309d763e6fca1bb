import { randomBytes } from 'node:crypto';
import { setImmediate as nextTurn } from 'node:timers/promises';
import type * as Pkijs from 'pkijs';
import { buildName, NAME_OID, nameAttribute } from '../x509/name.js';
import { loadPkijs, type PkijsModule } from '../x509/pkijs-loader.js';
import { createCryptoEngine, toPem, toPublicKeyInfo, toRsaSigningKey } from '../x509/webcrypto.js';
import { KeyPairError, type RsaKeyPair } from '../crypto/keypair.js';

/** Options of {@link createCsr}. */
export interface CreateCsrOptions {
  /**
   * `'ubiq'` (default): the subject the official clients intend — CN = base64 of 18 random bytes,
   * C=US, ST=California, L=San Diego, O=Ubiq Security, Inc., OU=Ubiq Platform.
   * `'empty'`: no subject at all, which is what the official Node client really sends.
   */
  subject?: 'ubiq' | 'empty';
  /** Signature hash. Default `'SHA-256'`; `'SHA-1'` reproduces the official Node client. */
  hash?: 'SHA-256' | 'SHA-1';
}

function ubiqSubject(pkijs: PkijsModule): Pkijs.AttributeTypeAndValue[] {
  return [
    nameAttribute(pkijs, NAME_OID.commonName, randomBytes(18).toString('base64')),
    nameAttribute(pkijs, NAME_OID.country, 'US'),
    nameAttribute(pkijs, NAME_OID.stateOrProvince, 'California'),
    nameAttribute(pkijs, NAME_OID.locality, 'San Diego'),
    nameAttribute(pkijs, NAME_OID.organization, 'Ubiq Security, Inc.'),
    nameAttribute(pkijs, NAME_OID.organizationalUnit, 'Ubiq Platform'),
  ];
}

// Exported by ubiq-idp through credentials/index.ts, which loads this module on its first call (the TSDoc is there).
export async function createCsr(keyPair: RsaKeyPair, options: CreateCsrOptions = {}): Promise<string> {
  const hash = options.hash ?? 'SHA-256';
  const subject = options.subject ?? 'ubiq';
  if (keyPair.privateKey.asymmetricKeyType !== 'rsa' || keyPair.publicKey.asymmetricKeyType !== 'rsa') {
    throw new KeyPairError('key_type_invalid', 'A Ubiq CSR needs an RSA key pair.', {
      hint: 'Pass the key pair returned by generateRsaKeyPair().',
    });
  }
  // Loaded on first use, not at import: importing ubiq-idp costs nothing and touches no global.
  const pkijs = await loadPkijs();
  // The stall budget (ARCHITECTURE.md, Performance targets): the steps below are each a few ms of synchronous work on an RSA-4096 key (ASN.1 encoding,
  // the PKCS#8 parse of the key import); a turn of the event loop between them keeps every slice short.
  await nextTurn();
  const engine = createCryptoEngine(pkijs);
  const request = new pkijs.CertificationRequest();
  request.version = 0;
  request.subject = buildName(pkijs, subject === 'ubiq' ? ubiqSubject(pkijs) : []);
  request.subjectPublicKeyInfo = toPublicKeyInfo(pkijs, keyPair.publicKey);
  // An explicit empty attributes set, as OpenSSL and forge write it.
  request.attributes = [];
  await nextTurn();
  const signingKey = await toRsaSigningKey(keyPair.privateKey, hash);
  await nextTurn();
  try {
    await request.sign(signingKey, hash, engine);
  } catch (error) {
    throw new KeyPairError('csr_signing_failed', 'Signing the certificate request failed.', {
      hint: 'Check that the private key belongs to the public key of the pair.',
      cause: error instanceof Error ? new Error(error.message) : undefined,
    });
  }
  await nextTurn();
  return toPem('CERTIFICATE REQUEST', request.toSchema(true).toBER(false));
}
