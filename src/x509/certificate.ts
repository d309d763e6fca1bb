import { createPublicKey, X509Certificate, type KeyObject } from 'node:crypto';
import * as pkijs from 'pkijs';
import { causeOf, CertificateError } from './errors.js';
import { fromPem } from './webcrypto.js';

/** The fields of a certificate the provider and the server look at. */
export interface ParsedCertificate {
  notBefore: Date;
  notAfter: Date;
  /** Upper-case hex, as OpenSSL and `X509Certificate#serialNumber` print it. */
  serialNumber: string;
  /** `CN=…, O=…` (RFC 4514 order of the certificate, comma separated); "" for an empty name. */
  subject: string;
  issuer: string;
  subjectCommonName: string | undefined;
  publicKey: KeyObject;
  /** True for a CA certificate (basicConstraints cA). */
  isCa: boolean;
  /** The DER bytes. */
  raw: Buffer;
  /** Node's view of it, for checks this module does not wrap. */
  x509: X509Certificate;
}

const SHORT_NAMES: Readonly<Record<string, string>> = {
  '2.5.4.3': 'CN',
  '2.5.4.6': 'C',
  '2.5.4.7': 'L',
  '2.5.4.8': 'ST',
  '2.5.4.10': 'O',
  '2.5.4.11': 'OU',
  '0.9.2342.19200300.100.1.25': 'DC',
  '1.2.840.113549.1.9.1': 'emailAddress',
};

function attributeText(value: pkijs.AttributeTypeAndValue['value']): string {
  const inner: unknown = value.valueBlock.value;
  return typeof inner === 'string' ? inner : '';
}

/** `CN=…, C=…` from a pkijs name (one entry per attribute, in encoded order). */
export function nameToString(name: pkijs.RelativeDistinguishedNames): string {
  return name.typesAndValues.map((tv) => `${SHORT_NAMES[tv.type] ?? tv.type}=${attributeText(tv.value)}`).join(', ');
}

/** The first commonName of a pkijs name. */
export function commonNameOf(name: pkijs.RelativeDistinguishedNames): string | undefined {
  const cn = name.typesAndValues.find((tv) => tv.type === '2.5.4.3');
  return cn ? attributeText(cn.value) : undefined;
}

/**
 * Parse a PEM certificate (the `api_cert` of the SSO answer). Throws
 * `CertificateError('certificate_malformed')` for anything that is not one X.509 certificate.
 */
export function parseCertificatePem(pem: string): ParsedCertificate {
  const der = fromPem(pem, ['CERTIFICATE']);
  if (!der) throw new CertificateError('certificate_malformed', 'Not a PEM certificate (no valid -----BEGIN CERTIFICATE----- block).');
  return parseCertificateDer(der);
}

/** {@link parseCertificatePem} for DER bytes. */
export function parseCertificateDer(input: Uint8Array): ParsedCertificate {
  const der = new Uint8Array(input);
  let x509: X509Certificate;
  let certificate: pkijs.Certificate;
  try {
    x509 = new X509Certificate(der);
    certificate = pkijs.Certificate.fromBER(der);
  } catch (error) {
    throw new CertificateError('certificate_malformed', 'The certificate cannot be parsed as X.509.', { cause: causeOf(error) });
  }
  return {
    notBefore: certificate.notBefore.value,
    notAfter: certificate.notAfter.value,
    serialNumber: x509.serialNumber.toUpperCase(),
    subject: nameToString(certificate.subject),
    issuer: nameToString(certificate.issuer),
    subjectCommonName: commonNameOf(certificate.subject),
    publicKey: x509.publicKey,
    isCa: x509.ca,
    raw: Buffer.from(der),
    x509,
  };
}

/**
 * The PEM inside a `payload_cert` (base64 of the certificate PEM). Tolerates what query strings do to
 * it: the official client puts it into URLs unescaped, so a `+` may arrive as a space.
 */
export function payloadCertToPem(payloadCert: string): string {
  const base64 = payloadCert.trim().replace(/ /g, '+');
  if (base64.length === 0 || !/^[A-Za-z0-9+/\r\n]+={0,2}$/.test(base64)) {
    throw new CertificateError('certificate_malformed', 'payload_cert is not base64.');
  }
  const pem = Buffer.from(base64, 'base64').toString('utf8');
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) {
    throw new CertificateError('certificate_malformed', 'payload_cert does not hold a PEM certificate.');
  }
  return pem;
}

function publicOf(key: KeyObject): KeyObject {
  return key.type === 'private' ? createPublicKey(key) : key;
}

/**
 * True when two keys are the same public key (a private key counts as its public half). Compares the
 * SubjectPublicKeyInfo encodings, so equal keys from different sources (PEM, JWK, a certificate) match.
 *
 * @example
 * if (!publicKeysEqual(parseCertificatePem(apiCert).publicKey, keyPair.publicKey)) throw new Error('not our key');
 */
export function publicKeysEqual(a: KeyObject, b: KeyObject): boolean {
  if (a.type === 'secret' || b.type === 'secret') return false;
  const left = publicOf(a).export({ type: 'spki', format: 'der' });
  const right = publicOf(b).export({ type: 'spki', format: 'der' });
  return left.equals(right);
}
