// Small HTTP helpers shared by the SCIM, admin, SSO and key routes: bearer check and the one bounded body reader.
import { timingSafeEqual, createHash } from 'node:crypto';

/** Constant-time bearer check: compares SHA-256 digests so neither content nor length leaks through timing. */
export function bearerMatches(header: string | null | undefined, expected: string): boolean {
  if (!header) return false;
  const match = /^Bearer[ \t]+(\S+)\s*$/i.exec(header);
  const given = match?.[1] ?? '';
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b) && given.length > 0;
}

/** Why a body could not be read. */
export type BodyReadFailure = { kind: 'too_large'; limit: number } | { kind: 'invalid_json'; message: string } | { kind: 'empty' };

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
): Promise<{ ok: true; value: unknown } | { ok: false; failure: BodyReadFailure }> {
  const bytes = await readBodyBytes(request, limit);
  if (bytes === undefined) return { ok: false, failure: { kind: 'too_large', limit } };
  if (bytes.byteLength === 0) return { ok: false, failure: { kind: 'empty' } };
  try {
    return { ok: true, value: JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8')) as unknown };
  } catch (error) {
    return { ok: false, failure: { kind: 'invalid_json', message: (error as Error).message } };
  }
}
