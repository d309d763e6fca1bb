import { createPublicKey, X509Certificate, type KeyObject } from 'node:crypto';
import { causeOf, CertificateError } from './errors.js';
import { fromPem } from './webcrypto.js';

/** The fields of a certificate the provider and the server look at. */
export interface ParsedCertificate {
  notBefore: Date;
  notAfter: Date;
  /** Upper-case hex, as OpenSSL and `X509Certificate#serialNumber` print it. */
  serialNumber: string;
  /** `CN=…, O=…` in the certificate's order, comma separated; "" for an empty name. */
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

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/**
 * `X509Certificate#validFrom`/`validTo` as a Date. They are OpenSSL's `Nov 25 11:44:28 2026 GMT`
 * (Node 22 added `validFromDate`, Node 20 lacks it); parsed exactly rather than through `Date.parse`,
 * whose handling of this format is not specified.
 */
function opensslTime(text: string): Date | undefined {
  const match = /^([A-Z][a-z]{2}) +(\d{1,2}) (\d{2}):(\d{2}):(\d{2}) (\d{4}) GMT$/.exec(text);
  if (!match) return undefined;
  const [, month, day, hours, minutes, seconds, year] = match;
  const monthIndex = MONTHS.indexOf(month ?? '');
  if (monthIndex < 0) return undefined;
  return new Date(Date.UTC(Number(year), monthIndex, Number(day), Number(hours), Number(minutes), Number(seconds)));
}

/** Node prints a name one `KEY=value` per line; we join them as `KEY=value, KEY=value`. */
function nameText(name: string): string {
  return name
    .split('\n')
    .filter((line) => line.length > 0)
    .join(', ');
}

function commonName(name: string): string | undefined {
  const line = name.split('\n').find((entry) => entry.startsWith('CN='));
  return line?.slice(3);
}

/**
 * Parse a PEM certificate (the `api_cert` of the SSO answer) with Node's X509Certificate. Throws
 * `CertificateError('certificate_malformed')` for anything that is not one X.509 certificate.
 *
 * @example
 * const { notAfter, publicKey } = parseCertificatePem(answer.api_cert);
 */
export function parseCertificatePem(pem: string): ParsedCertificate {
  const der = fromPem(pem, ['CERTIFICATE']);
  if (!der) throw new CertificateError('certificate_malformed', 'Not a PEM certificate (no valid -----BEGIN CERTIFICATE----- block).');
  return parseCertificateDer(der);
}

/** {@link parseCertificatePem} for DER bytes. */
export function parseCertificateDer(input: Uint8Array): ParsedCertificate {
  const raw = Buffer.from(input);
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(raw);
  } catch (error) {
    throw new CertificateError('certificate_malformed', 'The certificate cannot be parsed as X.509.', { cause: causeOf(error) });
  }
  const notBefore = opensslTime(x509.validFrom);
  const notAfter = opensslTime(x509.validTo);
  if (!notBefore || !notAfter) {
    throw new CertificateError('certificate_malformed', 'The validity dates of the certificate cannot be read.');
  }
  return {
    notBefore,
    notAfter,
    serialNumber: x509.serialNumber.toUpperCase(),
    subject: nameText(x509.subject),
    issuer: nameText(x509.issuer),
    subjectCommonName: commonName(x509.subject),
    publicKey: x509.publicKey,
    isCa: x509.ca,
    raw,
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
 * True when two keys are the same public key (a private key counts as its public half). Compares the keys'
 * values (OpenSSL's own comparison), so equal keys from different sources (PEM, JWK, a certificate) match.
 *
 * @example
 * if (!publicKeysEqual(parseCertificatePem(apiCert).publicKey, keyPair.publicKey)) throw new Error('not our key');
 */
export function publicKeysEqual(a: KeyObject, b: KeyObject): boolean {
  if (a.type === 'secret' || b.type === 'secret') return false;
  // KeyObject.equals compares the keys inside OpenSSL, without encoding either of them.
  return publicOf(a).equals(publicOf(b));
}
