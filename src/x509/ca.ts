import { createHash, createPublicKey, randomBytes, X509Certificate, type KeyObject } from 'node:crypto';
import * as asn1js from 'asn1js';
import type * as Pkijs from 'pkijs';
import { generateRsaKeyPair } from '../crypto/keypair.js';
import type { Clock } from '../util/clock.js';
import { parseCertificateDer, parseCertificatePem, publicKeysEqual, type ParsedCertificate } from './certificate.js';
import { CertificateAuthorityError, CertificateError } from './errors.js';
import { buildName, NAME_OID, nameAttribute } from './name.js';
import { loadPkijs, type PkijsModule } from './pkijs-loader.js';
import { createCryptoEngine, fromPem, toPem, toPublicKeyInfo, toRsaSigningKey } from './webcrypto.js';

/** Options of {@link createCertificateAuthority}. */
export interface CertificateAuthorityOptions {
  /** CN of the CA certificate. Default `ubiq-idp reference CA`. */
  commonName?: string;
  /** RSA size of a generated CA key. Default 2048 (a reference/test CA; pass 4096 for anything long-lived). */
  modulusLength?: number;
  /** Lifetime of a generated CA certificate. Default 3650 days. */
  lifetimeDays?: number;
  /** The clock of the CA certificate's validity (epoch ms); default `Date.now`. */
  now?: Clock;
  /** Use this CA instead of generating one: its certificate and private key (they must match). */
  existing?: { certificatePem: string; privateKey: KeyObject };
  /**
   * How far back `notBefore` of issued certificates is set, so a client whose clock runs a little
   * behind does not see a not-yet-valid certificate. Default 60 s.
   */
  backdateSeconds?: number;
}

/** What {@link CertificateAuthority.issue} needs. */
export interface IssueCertificateOptions {
  /** The subject's public key (from `await verifyCsrPem(…)`). */
  publicKey: KeyObject;
  /** CN of the issued certificate. Default `ubiq-idp api key`. */
  subjectCommonName?: string;
  /** `notAfter` = now + this. A positive whole number of seconds. */
  lifetimeSeconds: number;
  /** The clock `notBefore` / `notAfter` count from (epoch ms); default `Date.now`. */
  now?: Clock;
}

/** An in-process certificate authority (the reference server's), signing with SHA-256 through native WebCrypto. */
export interface CertificateAuthority {
  readonly certificatePem: string;
  readonly certificate: ParsedCertificate;
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  /** Issue an end-entity (client authentication) certificate for `publicKey`; returns its PEM. */
  issue(options: IssueCertificateOptions): Promise<string>;
  /**
   * Check that `certificatePem` was issued by this CA, is an end-entity certificate, and is valid at
   * `now`. Returns it parsed, or throws {@link CertificateError} (`certificate_malformed`,
   * `certificate_wrong_issuer`, `certificate_not_end_entity`, `certificate_bad_signature`,
   * `certificate_expired`, `certificate_not_yet_valid`).
   */
  verifyIssued(certificatePem: string, now?: Clock): ParsedCertificate;
}

const OID = {
  basicConstraints: '2.5.29.19',
  keyUsage: '2.5.29.15',
  extKeyUsage: '2.5.29.37',
  subjectKeyIdentifier: '2.5.29.14',
  authorityKeyIdentifier: '2.5.29.35',
  clientAuth: '1.3.6.1.5.5.7.3.2',
} as const;

// keyUsage bits, DER BIT STRING content (RFC 5280 §4.2.1.3): bit 0 is the most significant bit.
const CA_KEY_USAGE = { bits: 0b1000_0110, unusedBits: 1 }; // digitalSignature, keyCertSign, cRLSign
const LEAF_KEY_USAGE = { bits: 0b1010_0000, unusedBits: 5 }; // digitalSignature, keyEncipherment

function millisOf(now: Clock | undefined): number {
  return (now ?? Date.now)();
}

function usageError(message: string): CertificateAuthorityError {
  return new CertificateAuthorityError(message);
}

/** X.509 times have whole seconds; UTCTime up to 2049, GeneralizedTime after (RFC 5280 §4.1.2.5). */
function x509Time(pkijs: PkijsModule, millis: number): Pkijs.Time {
  const value = new Date(Math.floor(millis / 1000) * 1000);
  return new pkijs.Time({ type: value.getUTCFullYear() < 2050 ? 0 : 1, value });
}

function positiveSerial(): asn1js.Integer {
  const bytes = randomBytes(16);
  bytes[0] = ((bytes[0] ?? 0) & 0x7f) | 0x01; // positive, and 16 significant bytes
  return new asn1js.Integer({ valueHex: bytes });
}

function keyIdentifier(spki: Pkijs.PublicKeyInfo): Uint8Array {
  // RFC 5280 §4.2.1.2 method (1): SHA-1 of the subjectPublicKey BIT STRING value.
  return createHash('sha1').update(spki.subjectPublicKey.valueBlock.valueHexView).digest();
}

function extension(pkijs: PkijsModule, extnID: string, critical: boolean, value: asn1js.BaseBlock): Pkijs.Extension {
  return new pkijs.Extension({ extnID, critical, extnValue: value.toBER(false) });
}

function keyUsage(usage: { bits: number; unusedBits: number }): asn1js.BitString {
  return new asn1js.BitString({ valueHex: new Uint8Array([usage.bits]), unusedBits: usage.unusedBits });
}

function durationError(name: string, value: number): CertificateAuthorityError | undefined {
  return Number.isInteger(value) && value > 0 ? undefined : usageError(`${name} must be a positive whole number, got ${value}.`);
}

/**
 * Create the certificate authority of a reference server: generates an RSA key pair (off the event
 * loop) and a self-signed CA certificate, or wraps an existing one. pkijs is used with an explicit
 * WebCrypto engine, so nothing global is touched.
 *
 * @example
 * const ca = await createCertificateAuthority({ modulusLength: 2048 });
 * const { publicKey } = await verifyCsrPem(csrPem);
 * const apiCert = await ca.issue({ publicKey, lifetimeSeconds: 3600 });
 * const parsed = ca.verifyIssued(apiCert); // throws CertificateError when it is not ours or not valid now
 */
export async function createCertificateAuthority(options: CertificateAuthorityOptions = {}): Promise<CertificateAuthority> {
  const pkijs = await loadPkijs();
  const engine = createCryptoEngine(pkijs);
  const backdateMillis = (options.backdateSeconds ?? 60) * 1000;
  if (!(backdateMillis >= 0)) throw usageError('backdateSeconds must not be negative.');

  let certificatePem: string;
  let privateKey: KeyObject;
  if (options.existing) {
    certificatePem = options.existing.certificatePem;
    privateKey = options.existing.privateKey;
    const parsed = parseCertificatePem(certificatePem);
    if (privateKey.type !== 'private' || !publicKeysEqual(parsed.publicKey, privateKey)) {
      throw usageError('The CA private key does not belong to the CA certificate.');
    }
    if (!parsed.isCa) throw usageError('The given CA certificate is not a CA certificate (basicConstraints cA is not set).');
  } else {
    const lifetimeDays = options.lifetimeDays ?? 3650;
    const invalid = durationError('lifetimeDays', lifetimeDays);
    if (invalid) throw invalid;
    const keyPair = await generateRsaKeyPair({ modulusLength: options.modulusLength ?? 2048 });
    privateKey = keyPair.privateKey;
    const now = millisOf(options.now);
    const spki = toPublicKeyInfo(pkijs, keyPair.publicKey);
    const name = buildName(pkijs, [
      nameAttribute(pkijs, NAME_OID.commonName, options.commonName ?? 'ubiq-idp reference CA'),
      nameAttribute(pkijs, NAME_OID.organization, 'ubiq-idp reference server'),
    ]);
    const certificate = new pkijs.Certificate({
      version: 2,
      serialNumber: positiveSerial(),
      issuer: name,
      subject: name,
      notBefore: x509Time(pkijs, now - backdateMillis),
      notAfter: x509Time(pkijs, now + lifetimeDays * 86_400_000),
      subjectPublicKeyInfo: spki,
      extensions: [
        extension(pkijs, OID.basicConstraints, true, new pkijs.BasicConstraints({ cA: true, pathLenConstraint: 0 }).toSchema()),
        extension(pkijs, OID.keyUsage, true, keyUsage(CA_KEY_USAGE)),
        extension(pkijs, OID.subjectKeyIdentifier, false, new asn1js.OctetString({ valueHex: keyIdentifier(spki) })),
      ],
    });
    await certificate.sign(await toRsaSigningKey(privateKey, 'SHA-256'), 'SHA-256', engine);
    certificatePem = toPem('CERTIFICATE', certificate.toSchema(true).toBER(false));
  }

  const caDer = fromPem(certificatePem, ['CERTIFICATE']);
  if (!caDer) throw usageError('The CA certificate is not PEM.');
  const caCertificate = pkijs.Certificate.fromBER(caDer);
  const caParsed = parseCertificateDer(caDer);
  const caX509: X509Certificate = caParsed.x509;
  const publicKey = createPublicKey(privateKey);
  const caKeyId = keyIdentifier(caCertificate.subjectPublicKeyInfo);
  // WebCrypto binds the hash to the key: import once, reuse for every certificate.
  const signingKey = await toRsaSigningKey(privateKey, 'SHA-256');

  async function issue(issueOptions: IssueCertificateOptions): Promise<string> {
    const invalid = durationError('lifetimeSeconds', issueOptions.lifetimeSeconds);
    if (invalid) throw invalid;
    if (issueOptions.publicKey.type !== 'public') throw usageError('issue() needs the subject public key.');
    const now = millisOf(issueOptions.now);
    const spki = toPublicKeyInfo(pkijs, issueOptions.publicKey);
    const certificate = new pkijs.Certificate({
      version: 2,
      serialNumber: positiveSerial(),
      // The CA's subject exactly as encoded in its certificate, so name chaining compares equal bytes.
      issuer: caCertificate.subject,
      subject: buildName(pkijs, [nameAttribute(pkijs, NAME_OID.commonName, issueOptions.subjectCommonName ?? 'ubiq-idp api key')]),
      notBefore: x509Time(pkijs, now - backdateMillis),
      notAfter: x509Time(pkijs, now + issueOptions.lifetimeSeconds * 1000),
      subjectPublicKeyInfo: spki,
      extensions: [
        extension(pkijs, OID.basicConstraints, true, new pkijs.BasicConstraints({ cA: false }).toSchema()),
        extension(pkijs, OID.keyUsage, true, keyUsage(LEAF_KEY_USAGE)),
        extension(pkijs, OID.extKeyUsage, false, new pkijs.ExtKeyUsage({ keyPurposes: [OID.clientAuth] }).toSchema()),
        extension(pkijs, OID.subjectKeyIdentifier, false, new asn1js.OctetString({ valueHex: keyIdentifier(spki) })),
        extension(
          pkijs,
          OID.authorityKeyIdentifier,
          false,
          new pkijs.AuthorityKeyIdentifier({ keyIdentifier: new asn1js.OctetString({ valueHex: caKeyId }) }).toSchema(),
        ),
      ],
    });
    await certificate.sign(signingKey, 'SHA-256', engine);
    return toPem('CERTIFICATE', certificate.toSchema(true).toBER(false));
  }

  function verifyIssued(pem: string, at?: Clock): ParsedCertificate {
    const parsed = parseCertificatePem(pem);
    if (!parsed.x509.checkIssued(caX509)) {
      throw new CertificateError('certificate_wrong_issuer', `The certificate was not issued by this server's CA (issuer: ${parsed.issuer || 'empty'}).`);
    }
    if (parsed.isCa) throw new CertificateError('certificate_not_end_entity', 'A CA certificate was given where an API certificate is needed.');
    if (!parsed.x509.verify(publicKey)) {
      throw new CertificateError('certificate_bad_signature', "The certificate's signature does not verify with this server's CA key.");
    }
    const now = millisOf(at);
    if (now < parsed.notBefore.getTime()) {
      throw new CertificateError('certificate_not_yet_valid', `The certificate is not valid before ${parsed.notBefore.toISOString()}.`, {
        hint: 'Check the clocks of client and server.',
      });
    }
    if (now > parsed.notAfter.getTime()) {
      throw new CertificateError('certificate_expired', `The certificate expired at ${parsed.notAfter.toISOString()}.`);
    }
    return parsed;
  }

  return { certificatePem, certificate: caParsed, privateKey, publicKey, issue, verifyIssued };
}
