/**
 * Where a request carries its `payload_cert` and how to read it. The official clients send
 * `base64(api_cert PEM)`: in the JSON body of POST key requests, and appended UNESCAPED to the query
 * string of GET requests (`…&payload_cert=LS0tLS1CRUdJTi…`), so a `+` of the base64 arrives as a space once
 * the query is form-decoded. Base64 has no spaces, so turning spaces back into `+` is lossless.
 */
import { isCertificateError, payloadCertToPem } from '../../x509/index.js';

export type PayloadCertSource = 'body' | 'query';

/** The certificate PEM, or a reason it cannot be read. */
export type PayloadCertRead = { ok: true; pem: string; source: PayloadCertSource } | { ok: false; reason: 'missing' | 'malformed' };

const MAX_LENGTH = 32 * 1024;

/**
 * Reads `payload_cert` from the JSON body (preferred) or from the query string.
 *
 * @example
 * readPayloadCert({ payload_cert: creds.payloadCert }, new URL(request.url)); // { ok: true, pem: '-----BEGIN CERTIFICATE-----…' }
 */
export function readPayloadCert(body: Readonly<Record<string, unknown>> | undefined, url: URL): PayloadCertRead {
  const fromBody = body?.payload_cert;
  if (fromBody !== undefined && fromBody !== null) {
    return typeof fromBody === 'string' ? decode(fromBody, 'body') : { ok: false, reason: 'malformed' };
  }
  const fromQuery = url.searchParams.get('payload_cert');
  if (fromQuery !== null) return decode(fromQuery, 'query');
  return { ok: false, reason: 'missing' };
}

function decode(value: string, source: PayloadCertSource): PayloadCertRead {
  if (value.trim() === '') return { ok: false, reason: 'missing' };
  if (value.length > MAX_LENGTH) return { ok: false, reason: 'malformed' };
  try {
    return { ok: true, pem: payloadCertToPem(value), source };
  } catch (error) {
    if (isCertificateError(error)) return { ok: false, reason: 'malformed' };
    throw error;
  }
}
