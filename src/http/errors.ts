import { errorGuard, UbiqIdpError } from '../errors.js';
import type { HttpRequestErrorCode } from '../error-codes.js';

export type { HttpRequestErrorCode } from '../error-codes.js';

const HINTS: Record<HttpRequestErrorCode, string> = {
  network_error:
    'Check that the URL is right and reachable from this machine; behind a proxy set HTTPS_PROXY (and NO_PROXY for hosts that must be reached directly).',
  timeout: 'The server did not answer in time. Raise timeoutMs / retry.deadlineMs if the network is slow, or check the server.',
  aborted: 'The caller aborted the request (its AbortSignal fired).',
};

/**
 * A request that got no usable answer: the network failed, every attempt timed out, or the caller
 * aborted. `url` is the origin and path only (never the query string). `attempts` counts the tries made.
 */
export class HttpRequestError extends UbiqIdpError<HttpRequestErrorCode> {
  static override readonly errorName = 'HttpRequestError';
  readonly url: string;
  readonly attempts: number;

  constructor(code: HttpRequestErrorCode, message: string, options: { url: string; attempts: number; cause?: unknown; hint?: string }) {
    super(code, message, { hint: options.hint ?? HINTS[code], cause: options.cause });
    this.url = options.url;
    this.attempts = options.attempts;
  }
}

/**
 * True for an `HttpRequestError`, also one made by another copy of this package.
 *
 * @example
 * try {
 *   await http.request(url, { method: 'GET' });
 * } catch (error) {
 *   if (isHttpRequestError(error) && error.code === 'timeout') console.warn(`gave up after ${error.attempts} attempts`);
 * }
 */
export const isHttpRequestError = errorGuard<HttpRequestError>('HttpRequestError');

/**
 * The origin and path of a URL, for messages: query strings can carry secrets.
 *
 * @example
 * describeUrl('https://idp.example/token?client_secret=x'); // 'https://idp.example/token'
 */
export function describeUrl(url: string | URL): string {
  try {
    const parsed = new URL(url);
    return `${parsed.origin}${parsed.pathname}`;
  } catch {
    return '(invalid URL)';
  }
}
