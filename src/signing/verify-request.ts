import { timingSafeEqual } from 'node:crypto';
import { epochMillisOf, type Clock } from '../util/clock.js';
import { UBIQ_SIGNATURE_ALGORITHM, ubiqDigest, ubiqHmac, ubiqSigningString } from './sign-request.js';

/** Why a request signature was refused. Stable; safe to show to the caller (never contains a secret). */
export type UbiqSignatureFailureCode =
  | 'missing_signature'
  | 'malformed_signature'
  | 'unknown_key'
  | 'stale_created'
  | 'digest_mismatch'
  | 'bad_signature';

/** The outcome of {@link verifyUbiqRequest}. */
export type UbiqSignatureVerification =
  | { ok: true; accessKeyId: string; created: number }
  | { ok: false; code: UbiqSignatureFailureCode; message: string };

/** Request headers as a web `Headers` object or a Node `IncomingHttpHeaders`-like record. */
export type RequestHeadersLike = Headers | Readonly<Record<string, string | readonly string[] | undefined>>;

/** What {@link verifyUbiqRequest} checks. */
export interface VerifyUbiqRequestOptions {
  method: string;
  /** The request URL: absolute (`Request.url`) or origin-form (`/api/v0/encryption/key?…`, Node's `req.url`). */
  url: string | URL;
  headers: RequestHeadersLike;
  /** The exact body bytes received (undefined or "" for none). */
  body?: string | Uint8Array;
  /** The secret signing key of an access key id, or undefined when there is no such (enabled) key. */
  lookupSigningKey(accessKeyId: string): string | undefined;
  /**
   * The clock to verify `created` against (milliseconds since the epoch); default `Date.now`.
   * A `Date` or an epoch-ms `number` (the 0.1 form) is still accepted but deprecated: pass
   * `() => date.getTime()` instead.
   */
  now?: Clock | Date | number;
  /** How far `created` may be from now, either way. Default 300 s. */
  maxSkewSeconds?: number;
}

// Components a signature must cover for us to trust it: without them a captured signature could be
// replayed against another endpoint, host or body, or forever.
const REQUIRED_COMPONENTS = ['(request-target)', '(created)', 'host', 'digest'] as const;

const DEFAULT_MAX_SKEW_SECONDS = 300;

function fail(code: UbiqSignatureFailureCode, message: string): UbiqSignatureVerification {
  return { ok: false, code, message };
}

function headerValue(headers: RequestHeadersLike, name: string): string | undefined {
  if (headers instanceof Headers) return headers.get(name) ?? undefined;
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() !== name || value === undefined) continue;
    return typeof value === 'string' ? value : value.join(', ');
  }
  return undefined;
}

/**
 * Parse `keyId="…", algorithm="…", created=123, headers="…", signature="…"`. Quoted values may hold
 * anything but a quote; unquoted ones anything but a comma. Duplicate parameters are malformed.
 */
export function parseSignatureHeader(value: string): Map<string, string> | undefined {
  const params = new Map<string, string>();
  const pattern = /\s*([A-Za-z][A-Za-z0-9_-]*)\s*=\s*(?:"([^"]*)"|([^",\s]*))\s*(?:,|$)/y;
  let index = 0;
  while (index < value.length) {
    pattern.lastIndex = index;
    const match = pattern.exec(value);
    if (!match || match[0].length === 0) return undefined;
    const name = (match[1] as string).toLowerCase();
    if (params.has(name)) return undefined;
    params.set(name, match[2] ?? match[3] ?? '');
    index = pattern.lastIndex;
  }
  return params.size > 0 ? params : undefined;
}

function requestTarget(method: string, url: string | URL): string | undefined {
  const raw = typeof url === 'string' ? url : url.href;
  if (raw.startsWith('/')) return `${method.toLowerCase()} ${raw}`;
  try {
    const parsed = new URL(raw);
    return `${method.toLowerCase()} ${parsed.pathname}${parsed.search}`;
  } catch {
    return undefined;
  }
}

function hostOf(url: string | URL): string | undefined {
  try {
    return new URL(url).host;
  } catch {
    return undefined;
  }
}

function equalStrings(a: string, b: string): boolean {
  const left = Buffer.from(a, 'utf8');
  const right = Buffer.from(b, 'utf8');
  return left.length === right.length && timingSafeEqual(left, right);
}

/**
 * Verify the Ubiq request signature of an incoming request (the server side of `signUbiqRequest` from `ubiq-idp`).
 * Follows the `headers="…"` list the client sent, so both the official Node client's order and the
 * Python client's (which also signs `content-length`) verify; refuses signatures that do not cover
 * the request target, `(created)`, the host and the digest. Compares the HMAC in constant time.
 *
 * @example
 * const result = verifyUbiqRequest({
 *   method: request.method, url: request.url, headers: request.headers, body: await request.text(),
 *   lookupSigningKey: (id) => store.findApiKey(id)?.secretSigningKey,
 * });
 * if (!result.ok) return Response.json({ error: result.code, message: result.message }, { status: 401 });
 */
export function verifyUbiqRequest(options: VerifyUbiqRequestOptions): UbiqSignatureVerification {
  const header = headerValue(options.headers, 'signature');
  if (header === undefined || header.trim() === '') {
    return fail('missing_signature', 'The request has no Signature header.');
  }
  const params = parseSignatureHeader(header);
  if (!params) return fail('malformed_signature', 'The Signature header cannot be parsed.');
  const keyId = params.get('keyid');
  const signature = params.get('signature');
  const createdText = params.get('created');
  const covered = params.get('headers');
  const algorithm = params.get('algorithm');
  if (!keyId || !signature || !createdText || !covered) {
    return fail('malformed_signature', 'The Signature header needs keyId, created, headers and signature.');
  }
  if (algorithm !== undefined && algorithm.toLowerCase() !== UBIQ_SIGNATURE_ALGORITHM) {
    return fail('malformed_signature', `Unsupported signature algorithm; only ${UBIQ_SIGNATURE_ALGORITHM} is accepted.`);
  }
  if (!/^\d{1,12}$/.test(createdText)) return fail('malformed_signature', 'The created parameter is not a unix time.');
  const names = covered.toLowerCase().split(' ').filter((name) => name.length > 0);
  const missing = REQUIRED_COMPONENTS.filter((name) => !names.includes(name));
  if (missing.length > 0) {
    return fail('malformed_signature', `The signature does not cover ${missing.join(', ')}.`);
  }
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(signature)) {
    return fail('malformed_signature', 'The signature parameter is not base64.');
  }

  const created = Number(createdText);
  const nowMillis = epochMillisOf(options.now);
  const skew = options.maxSkewSeconds ?? DEFAULT_MAX_SKEW_SECONDS;
  if (Math.abs(nowMillis / 1000 - created) > skew) {
    return fail('stale_created', `The signature was created ${created > nowMillis / 1000 ? 'in the future' : 'too long ago'} (more than ${skew} s from the server's clock).`);
  }

  const secret = options.lookupSigningKey(keyId);
  if (secret === undefined || secret === '') {
    return fail('unknown_key', 'The access key id of the signature is unknown or disabled.');
  }

  const expectedDigest = ubiqDigest(options.body);
  const sentDigests = (headerValue(options.headers, 'digest') ?? '').split(',').map((part) => part.trim());
  const sentSha512 = sentDigests.find((part) => part.slice(0, 8).toUpperCase() === 'SHA-512=');
  if (sentSha512 === undefined) return fail('digest_mismatch', 'The request has no SHA-512 Digest header.');
  if (!equalStrings(`SHA-512=${sentSha512.slice(8)}`, expectedDigest)) {
    return fail('digest_mismatch', 'The Digest header does not match the body.');
  }

  const target = requestTarget(options.method, options.url);
  if (target === undefined) return fail('malformed_signature', 'The request URL cannot be parsed.');
  const values: Record<string, string> = {};
  for (const name of names) {
    let value: string | undefined;
    if (name === '(request-target)') value = target;
    else if (name === '(created)') value = createdText;
    else if (name === 'host') value = headerValue(options.headers, 'host') ?? hostOf(options.url);
    else if (name.startsWith('(')) return fail('malformed_signature', `Unknown signature component ${name}.`);
    else value = headerValue(options.headers, name);
    if (value === undefined) return fail('malformed_signature', `The signed header ${name} is missing from the request.`);
    values[name] = value;
  }
  const expected = Buffer.from(ubiqHmac(secret, ubiqSigningString(names, values)), 'base64');
  const sent = Buffer.from(signature, 'base64');
  if (sent.length !== expected.length || !timingSafeEqual(sent, expected)) {
    return fail('bad_signature', 'The request signature does not match.');
  }
  return { ok: true, accessKeyId: keyId, created };
}
