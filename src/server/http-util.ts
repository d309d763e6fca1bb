// Small HTTP helpers shared by the SCIM, admin, SSO and key routes: bearer check and the one bounded body reader.
import { hash, timingSafeEqual } from 'node:crypto';

/** A response as plain data, for the handlers both the hono app and the node:http listener answer with. */
export interface Answer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** An {@link Answer} as a web Response. */
export function answerResponse(answer: Answer): Response {
  return new Response(answer.body, { status: answer.status, headers: answer.headers });
}

type BearerCheck = (header: string | null | undefined, expected: string) => boolean;

const BEARER = /^Bearer[ \t]+(\S+)\s*$/i;

function digestsMatch(header: string | null | undefined, expectedDigest: Buffer): boolean {
  if (!header) return false;
  const given = BEARER.exec(header)?.[1] ?? '';
  return timingSafeEqual(hash('sha256', given, 'buffer'), expectedDigest) && given.length > 0;
}

/** Constant-time bearer check: compares SHA-256 digests so neither content nor length leaks through timing. */
export function bearerMatches(header: string | null | undefined, expected: string): boolean {
  return digestsMatch(header, hash('sha256', expected, 'buffer'));
}

/**
 * {@link bearerMatches} for a hot route, without hashing per request: the expected token's bytes are kept
 * (again after a rotation) and the client's token is written into a scratch buffer of that length (cut off
 * there), so `timingSafeEqual` always compares the expected length; the byte lengths must agree too, which
 * refuses a shorter token (whatever the buffer held before) and a longer one.
 * Neither the secret's content nor its length leaks through timing (the work depends on what the client
 * sent). One per server; synchronous, so the scratch buffer is never shared between requests in flight.
 */
export function createBearerCheck(): BearerCheck {
  let lastExpected: string | undefined;
  let expectedBytes = Buffer.alloc(0);
  let scratch = Buffer.alloc(0);
  return (header, expected) => {
    if (expected !== lastExpected) {
      expectedBytes = Buffer.from(expected, 'utf8');
      scratch = Buffer.alloc(expectedBytes.length);
      lastExpected = expected;
    }
    if (!header) return false;
    const given = BEARER.exec(header)?.[1] ?? '';
    scratch.write(given, 'utf8');
    const same = timingSafeEqual(scratch, expectedBytes);
    return same && Buffer.byteLength(given, 'utf8') === expectedBytes.length && given.length > 0;
  };
}

/** Why a body could not be read. */
export type BodyReadFailure = { kind: 'too_large'; limit: number } | { kind: 'invalid_json'; message: string } | { kind: 'empty' };

/** A body read as JSON: the parsed value, or why it could not be. */
export type JsonBodyResult = { ok: true; value: unknown } | { ok: false; failure: BodyReadFailure };

/**
 * The body as received, byte for byte (the SSO/key routes' signature digest covers these bytes), with a
 * limit counted on the bytes actually read (Content-Length may be absent or wrong). `undefined` when
 * larger than `limit`; an empty array when there is no body.
 */
export async function readBodyBytes(request: Request, limit: number): Promise<Uint8Array | undefined> {
  const declared = Number(request.headers.get('content-length') ?? NaN);
  if (Number.isFinite(declared) && declared > limit) {
    await request.body?.cancel().catch(() => {});
    return undefined;
  }
  if (Number.isFinite(declared)) {
    // A declared length within the limit: read the body in one piece. Over a socket Node's parser delivers
    // exactly Content-Length bytes, and @hono/node-server serves arrayBuffer() straight from the socket
    // without building a web ReadableStream (which costs more than the rest of a SCIM POST). An in-process
    // Request may carry more than it declares, hence the check after reading.
    const bytes = new Uint8Array(await request.arrayBuffer());
    return bytes.byteLength > limit ? undefined : bytes;
  }
  if (!request.body) return new Uint8Array(0);
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limit) {
      await reader.cancel().catch(() => {});
      return undefined;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks, total);
}

/** Read a request body as JSON with a byte limit (see {@link readBodyBytes}). Returns the parsed value or a failure. */
export async function readJsonBody(
  request: Request,
  limit: number,
): Promise<JsonBodyResult> {
  return parseJsonBytes(await readBodyBytes(request, limit), limit);
}

/** The second half of {@link readJsonBody}: bytes already read (undefined: over `limit`) as JSON. */
export function parseJsonBytes(bytes: Uint8Array | undefined, limit: number): JsonBodyResult {
  if (bytes === undefined) return { ok: false, failure: { kind: 'too_large', limit } };
  if (bytes.byteLength === 0) return { ok: false, failure: { kind: 'empty' } };
  try {
    return { ok: true, value: JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8')) as unknown };
  } catch (error) {
    return { ok: false, failure: { kind: 'invalid_json', message: (error as Error).message } };
  }
}
