import type * as oidc from 'openid-client';
import { HttpRequestError, isHttpRequestError, type HttpClient, type HttpOptions } from '../http/index.js';
import { DEFAULT_RETRY } from '../http/retry.js';
import type { MapContext } from './map-error.js';

/** @internal The `customFetch` handed to openid-client, and what it saw. */
export interface IdpFetch {
  /** Sends openid-client's requests through our HTTP client (retries, timeouts, proxy, the caller's signal). */
  customFetch: (url: string, init: oidc.CustomFetchOptions) => Promise<Response>;
  /** The status of the last answer: openid-client's errors about a 200 body do not carry it. */
  lastStatus: () => number | undefined;
  /** openid-client's own timeout (its `timeout`, seconds) for these options. */
  timeoutSeconds: number;
}

/**
 * openid-client's own timeout for one request, in whole seconds: a few seconds past the longest our HTTP
 * client can take (the retry deadline, or one attempt without retries), so ours fires first with its precise
 * error and openid-client's stays as a backstop instead of being switched off.
 */
export function openidTimeoutSeconds(options: Pick<HttpOptions, 'timeoutMs' | 'retry'>): number {
  const attemptMs = options.timeoutMs ?? 10_000;
  const budgetMs = options.retry === false ? attemptMs : Math.max(attemptMs, options.retry?.deadlineMs ?? DEFAULT_RETRY.deadlineMs);
  return Math.ceil(budgetMs / 1000) + 5;
}

/**
 * @internal Our fetch for openid-client. Bodies are not read or copied here: openid-client parses each answer
 * once (the mapper reads the body only of an error answer openid-client left unread). Counts attempts into
 * `context.attempts`.
 */
export function createIdpFetch(http: HttpClient, options: Pick<HttpOptions, 'signal' | 'timeoutMs' | 'retry'>, context: MapContext): IdpFetch {
  const timeoutSeconds = openidTimeoutSeconds(options);
  let lastStatus: number | undefined;
  const customFetch = async (url: string, init: oidc.CustomFetchOptions): Promise<Response> => {
    lastStatus = undefined;
    // init.signal is openid-client's timeout (timeoutSeconds, past ours); the caller's signal joins it.
    const signals = [options.signal, init.signal].filter((s): s is AbortSignal => s !== undefined);
    const signal = signals.length < 2 ? signals[0] : AbortSignal.any(signals);
    let response: Response;
    try {
      response = await http.request(url, {
        method: init.method,
        headers: init.headers,
        body: init.body as BodyInit | undefined,
        redirect: init.redirect,
        ...(signal === undefined ? {} : { signal }),
        ...(options.retry === undefined ? {} : { retry: options.retry }),
        ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
        onRetry: () => {
          context.attempts += 1;
        },
      });
    } catch (error) {
      // Our client reports any abort of its signal as `aborted`; openid-client's timer firing is a timeout.
      if (isHttpRequestError(error) && error.code === 'aborted' && init.signal?.aborted === true && options.signal?.aborted !== true) {
        throw new HttpRequestError('timeout', `${init.method} ${error.url} failed: no answer within ${timeoutSeconds} s (openid-client's timeout)`, {
          url: error.url,
          attempts: error.attempts,
          cause: init.signal.reason as unknown,
        });
      }
      throw error;
    }
    context.attempts += 1;
    lastStatus = response.status;
    return response;
  };
  return { customFetch, lastStatus: () => lastStatus, timeoutSeconds };
}
