// JSON error bodies shared by the SSO and key endpoints (the bounded body reader is in ../http-util.ts). The official clients read
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
