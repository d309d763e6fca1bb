import type { Clock } from '../util/clock.js';
/** How `request()` retries. Every field is optional; the defaults suit an interactive login. */
export interface RetryOptions {
  /** Attempts in total, the first included. Default 4. */
  maxAttempts?: number;
  /** First backoff ceiling; doubles each attempt. Default 200 ms. */
  baseDelayMs?: number;
  /** Largest backoff ceiling (not applied to a server's Retry-After). Default 5 s. */
  maxDelayMs?: number;
  /** Total time for all attempts and waits. Default 30 s. A wait that would end past it is not taken. */
  deadlineMs?: number;
  /** Source of randomness for the jitter, in [0, 1). Default `Math.random`. */
  random?: () => number;
  /** How to wait (tests inject one that records and returns at once). Must reject when `signal` aborts. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** The clock for deadlines and `X-Rate-Limit-Reset` when the answer has no `Date`. Default `Date.now`. */
  now?: Clock;
}

/** @internal RetryOptions with the defaults filled in. */
export type ResolvedRetry = Required<RetryOptions>;

export const DEFAULT_RETRY: Omit<ResolvedRetry, 'sleep'> = {
  maxAttempts: 4,
  baseDelayMs: 200,
  maxDelayMs: 5_000,
  deadlineMs: 30_000,
  random: Math.random,
  now: Date.now,
};

/**
 * Statuses worth another attempt: rate limits and server-side failures (not 501/505, which never heal).
 *
 * @example
 * isRetryableStatus(503); // true
 * isRetryableStatus(401); // false: a bad secret stays bad
 */
export function isRetryableStatus(status: number): boolean {
  return status === 429 || (status >= 500 && status <= 599 && status !== 501 && status !== 505);
}

/**
 * "Full jitter" backoff (AWS architecture blog): uniform in [0, min(max, base · 2^(attempt-1))).
 *
 * @example
 * backoffDelay(3, { baseDelayMs: 200, maxDelayMs: 5_000, random: Math.random }); // somewhere in [0, 800)
 */
export function backoffDelay(attempt: number, retry: Pick<ResolvedRetry, 'baseDelayMs' | 'maxDelayMs' | 'random'>): number {
  const ceiling = Math.min(retry.maxDelayMs, retry.baseDelayMs * 2 ** Math.max(0, attempt - 1));
  return Math.floor(retry.random() * ceiling);
}

/**
 * How long the server asked us to wait, in ms, or undefined when it did not say. Reads `Retry-After`
 * (delta-seconds or an HTTP-date, RFC 9110 §10.2.3) and Okta's `X-Rate-Limit-Reset` (epoch seconds of
 * the window's end). Dates are compared with the answer's own `Date` header when there is one, so a
 * skewed local clock does not turn "one second" into "an hour" or "already past".
 *
 * @example
 * serverRetryDelay(new Headers({ 'retry-after': '2' })); // 2000
 */
export function serverRetryDelay(headers: Headers, now: () => number = Date.now): number | undefined {
  const dateHeader = headers.get('date');
  const serverNow = dateHeader === null ? Number.NaN : Date.parse(dateHeader);
  const reference = Number.isFinite(serverNow) ? serverNow : now();
  const retryAfter = headers.get('retry-after')?.trim();
  if (retryAfter !== undefined && retryAfter !== '') {
    if (/^\d+(\.\d+)?$/.test(retryAfter)) return Math.ceil(Number(retryAfter) * 1000);
    const date = Date.parse(retryAfter);
    if (Number.isFinite(date)) return Math.max(0, date - reference);
  }
  const reset = headers.get('x-rate-limit-reset')?.trim();
  if (reset !== undefined && /^\d+$/.test(reset)) {
    // Okta's Date has one-second resolution: the window may end up to a second later than it says.
    return Math.max(0, Number(reset) * 1000 - reference);
  }
  return undefined;
}

/** @internal Waits `ms`, rejecting with the signal's reason when it aborts; leaves no timer behind. */
export function defaultSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
