// Shared helpers for the emulator tests: form posts over a real socket or through the in-process handler.

/** POSTs a form to `url` with global fetch (a real socket when the emulator listens). */
export async function postForm(
  url: string,
  params: Record<string, string>,
  headers: Record<string, string> = {},
  send: (request: Request) => Promise<Response> = (request) => fetch(request),
): Promise<{ status: number; headers: Headers; body: Record<string, unknown>; text: string }> {
  const response = await send(
    new Request(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      body: new URLSearchParams(params),
    }),
  );
  const text = await response.text();
  let body: Record<string, unknown> = {};
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // Left empty: tests of malformed answers look at `text`.
  }
  return { status: response.status, headers: response.headers, body, text };
}

/** `Authorization: Basic …` for a client id and secret (form-urlencoded first, as RFC 6749 §2.3.1 says). */
export function basic(clientId: string, secret: string): Record<string, string> {
  const encode = (value: string) => encodeURIComponent(value).replace(/%20/g, '+');
  return { authorization: `Basic ${Buffer.from(`${encode(clientId)}:${encode(secret)}`).toString('base64')}` };
}
