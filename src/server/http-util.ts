// Small HTTP helpers shared by the SCIM and admin routes (and available to part 2).
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
 * Read a request body as JSON with a byte limit, counting the bytes actually received (Content-Length
 * may be absent or wrong). Returns the parsed value or a failure.
 */
export async function readJsonBody(
  request: Request,
  limit: number,
): Promise<{ ok: true; value: unknown } | { ok: false; failure: BodyReadFailure }> {
  const declared = Number(request.headers.get('content-length') ?? NaN);
  if (Number.isFinite(declared) && declared > limit) {
    await request.body?.cancel().catch(() => {});
    return { ok: false, failure: { kind: 'too_large', limit } };
  }
  if (!request.body) return { ok: false, failure: { kind: 'empty' } };
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limit) {
      await reader.cancel().catch(() => {});
      return { ok: false, failure: { kind: 'too_large', limit } };
    }
    chunks.push(value);
  }
  if (total === 0) return { ok: false, failure: { kind: 'empty' } };
  const text = Buffer.concat(chunks, total).toString('utf8');
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (error) {
    return { ok: false, failure: { kind: 'invalid_json', message: (error as Error).message } };
  }
}
