import { createHash, createHmac } from 'node:crypto';
import { epochMillisOf, type Clock } from '../util/clock.js';
import { SigningError } from './errors.js';

/** The only algorithm Ubiq request signatures use. */
export const UBIQ_SIGNATURE_ALGORITHM = 'hmac-sha512';

/**
 * The signed components, in the order the official Node client signs them (ARCHITECTURE.md, Request signing).
 * `(created)` and `(request-target)` are pseudo-headers of the HTTP signatures draft.
 */
export const UBIQ_SIGNED_HEADERS = ['content-type', 'date', 'host', '(created)', '(request-target)', 'digest'] as const;

/** The credentials the signer needs: the API key id and its secret signing key. */
export interface UbiqSigningCredentials {
  /** The key id (`public_value` of the SSO answer, `ACCESS_KEY_ID` in credentials files). */
  readonly accessKeyId: string;
  /** The HMAC key (`signing_value` of the SSO answer, `SECRET_SIGNING_KEY`). */
  readonly secretSigningKey: string;
}

/** What {@link signUbiqRequest} signs. */
export interface SignUbiqRequestOptions {
  /** HTTP method, any case (signed lower-case). */
  method: string;
  /** Absolute URL of the request (`https://api.ubiqsecurity.com/api/v0/encryption/key`). */
  url: string | URL;
  /** The exact body bytes that will be sent (usually the JSON text). Omit for GET: the digest is then of "". */
  body?: string | Uint8Array;
  credentials: UbiqSigningCredentials;
  /**
   * The clock to sign with (milliseconds since the epoch); default `Date.now`. Tests inject one.
   * A `Date` or an epoch-ms `number` (the 0.1 form) is still accepted but deprecated: pass
   * `() => date.getTime()` instead.
   */
  now?: Clock | Date | number;
  /**
   * The Host header value to sign instead of the URL's host (e.g. behind a proxy that rewrites it).
   * When given, the returned headers include `Host`, which must then be sent as is.
   */
  host?: string;
}

/** The headers to add to the request, exactly as named and formatted by the official clients. */
export type UbiqSignatureHeaders = Record<string, string>;

/** `SHA-512=` and the base64 SHA-512 of the body (of "" when there is none). */
export function ubiqDigest(body: string | Uint8Array | undefined): string {
  return `SHA-512=${createHash('sha512')
    .update(body ?? '')
    .digest('base64')}`;
}

/** The string the HMAC covers: one `name: value\n` line per signed component, in `names` order. */
export function ubiqSigningString(names: readonly string[], values: Readonly<Record<string, string>>): string {
  let out = '';
  for (const name of names) out += `${name}: ${values[name] ?? ''}\n`;
  return out;
}

/** Base64 HMAC-SHA512 of the signing string under the secret signing key (its UTF-8 bytes, as the clients use it). */
export function ubiqHmac(secretSigningKey: string, signingString: string): string {
  return createHmac('sha512', secretSigningKey).update(signingString, 'utf8').digest('base64');
}

/**
 * Sign a request to the Ubiq API the way the official clients do (HTTP signatures draft, HMAC-SHA512):
 * returns `Content-Type`, `Date`, `Digest` and `Signature` (plus `Host` when you override it) to send
 * with the request. `body` must be the exact bytes you send; the request target is the URL's path and
 * query as the URL parser normalises them, which is also what `fetch` puts on the wire.
 *
 * @example
 * const body = JSON.stringify({ uses: 1, payload_cert: credentials.payloadCert });
 * const url = `${credentials.server}/api/v0/encryption/key`;
 * const headers = signUbiqRequest({ method: 'POST', url, body, credentials });
 * const response = await fetch(url, { method: 'POST', headers, body });
 */
export function signUbiqRequest(options: SignUbiqRequestOptions): UbiqSignatureHeaders {
  let url: URL;
  try {
    url = new URL(options.url);
  } catch {
    throw new SigningError('signing_invalid_url', 'The URL of the request to sign is not an absolute URL.', {
      hint: 'Pass the full URL, e.g. https://api.ubiqsecurity.com/api/v0/encryption/key (the SERVER setting plus the path).',
    });
  }
  const { accessKeyId, secretSigningKey } = options.credentials;
  if (!accessKeyId || !secretSigningKey) {
    throw new SigningError('signing_credentials_missing', 'Cannot sign a Ubiq request without an access key id and a secret signing key.', {
      hint: 'Get credentials from a provider (fromIdp(), fromConfigFiles(), fromEnv()) before signing.',
    });
  }
  if (/["\\\r\n]/.test(accessKeyId)) {
    throw new SigningError('signing_credentials_invalid', 'The access key id contains a quote, backslash or line break.', {
      hint: 'Check ACCESS_KEY_ID: Ubiq key ids are base64-like strings.',
    });
  }
  const millis = epochMillisOf(options.now);
  const created = Math.floor(millis / 1000);
  const host = options.host ?? url.host;
  const headers: UbiqSignatureHeaders = {
    'Content-Type': 'application/json',
    Date: new Date(created * 1000).toUTCString(),
  };
  if (options.host !== undefined) headers.Host = host;
  headers.Digest = ubiqDigest(options.body);
  const values: Record<string, string> = {
    'content-type': headers['Content-Type'] as string,
    date: headers.Date as string,
    host,
    '(created)': String(created),
    '(request-target)': `${options.method.toLowerCase()} ${url.pathname}${url.search}`,
    digest: headers.Digest,
  };
  const signature = ubiqHmac(secretSigningKey, ubiqSigningString(UBIQ_SIGNED_HEADERS, values));
  headers.Signature =
    `keyId="${accessKeyId}", algorithm="${UBIQ_SIGNATURE_ALGORITHM}", created=${created}, ` +
    `headers="${UBIQ_SIGNED_HEADERS.join(' ')}", signature="${signature}"`;
  return headers;
}
