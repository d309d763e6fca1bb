// JSON error bodies and raw body reading shared by the SSO and key endpoints. The official clients read
// `message` from an error body, so every refusal carries one; `error` is the stable code, `reason` the detail.

/** A refusal as the SSO and key endpoints send it. Never contains a token, key or certificate. */
export interface ProblemBody {
  status: number;
  error: string;
  message: string;
  reason?: string;
  hint?: string;
  [extra: string]: unknown;
}

/** A JSON error response with `status`, `error`, `message` and optional details. */
export function problem(status: number, error: string, message: string, extra: Record<string, unknown> = {}, headers: Record<string, string> = {}): Response {
  const body: ProblemBody = { status, error, message, ...extra };
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers },
  });
}

/** A JSON success response that must not be cached (it carries secrets). */
export function jsonNoStore(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' },
  });
}

/**
 * The body as received, byte for byte (the signature's digest covers these bytes), with a limit counted
 * on the bytes actually read. `undefined` when larger than `limit`.
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
