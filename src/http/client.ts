import type { EnvHttpProxyAgent } from 'undici';
import type { Logger } from '../util/logger.js';
import { silentLogger } from '../util/logger.js';
import { redactUrl } from '../util/redact.js';
import { describeUrl, HttpRequestError, isHttpRequestError } from './errors.js';
import {
  backoffDelay,
  DEFAULT_RETRY,
  defaultSleep,
  isRetryableStatus,
  serverRetryDelay,
  type ResolvedRetry,
  type RetryOptions,
} from './retry.js';

/** A WHATWG `fetch`: the global one, undici's, msw's patched global, or a test double. */
export type FetchLike = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

/** Options shared by everything in this library that makes HTTP requests. */
export interface HttpOptions {
  /**
   * The `fetch` to use, as-is (no dispatcher is added to it). Default: undici's own `fetch` with a private
   * `EnvHttpProxyAgent`, which honours `HTTPS_PROXY`/`HTTP_PROXY`/`NO_PROXY`. Pass `globalThis.fetch` to
   * be seen by msw or other global interceptors (undici's own `fetch` is not).
   */
  fetch?: FetchLike;
  /** Aborts every request (and the waits between retries). */
  signal?: AbortSignal;
  /** Per attempt, from sending to the last byte of the body. Default 10 s. */
  timeoutMs?: number;
  /** Retry policy, or `false` for one attempt. */
  retry?: RetryOptions | false;
  /** Where retries are reported. Default: nowhere. */
  logger?: Logger;
}

/** Per-request options on top of `RequestInit`. */
export type HttpRequestInit = RequestInit & {
  retry?: RetryOptions | false;
  timeoutMs?: number;
  /** Called before each wait between attempts (for logging and tests). */
  onRetry?: (info: HttpRetryInfo) => void;
};

/** What `onRetry` is told. */
export interface HttpRetryInfo {
  /** The attempt that failed (1-based). */
  attempt: number;
  /** The wait before the next one. */
  delayMs: number;
  /** An HTTP status, or the error code of a failed attempt (`network_error`, `timeout`). */
  reason: number | 'network_error' | 'timeout';
}

/** An HTTP client with retries and timeouts. `close()` releases its connections. */
export interface HttpClient {
  /**
   * Sends a request and returns the answer with its body read (so the timeout covers the body). Retries
   * network errors, timeouts, 429 and 5xx (never other 4xx); when retries run out it returns the last
   * answer, or throws an `HttpRequestError` (`network_error`, `timeout`, `aborted`) when there was none.
   */
  request(url: string | URL, init: HttpRequestInit): Promise<Response>;
  close(): Promise<void>;
}

const DEFAULT_TIMEOUT_MS = 10_000;
/** Token and discovery answers are small; a body beyond this is not an IdP answer. */
const MAX_BODY_BYTES = 4 * 1024 * 1024;

/** The reason we abort an attempt whose time ran out (distinguishes it from the caller's abort). */
class AttemptTimeout extends Error {
  constructor(ms: number) {
    super(`no complete answer within ${ms} ms`);
    this.name = 'TimeoutError';
  }
}

/**
 * Creates the HTTP client every network call of the library goes through.
 *
 * The default transport is undici's own `fetch` with its own `EnvHttpProxyAgent` (never the global
 * dispatcher): Node 20's built-in `fetch` bundles undici 6, whose dispatcher interface differs from the
 * undici 7 package's, so mixing the two is avoided by construction; and nothing global is changed.
 *
 * @example
 * const http = createHttpClient({ timeoutMs: 5_000, retry: { maxAttempts: 3 } });
 * try {
 *   const response = await http.request('https://example.okta.com/.well-known/openid-configuration', { method: 'GET' });
 *   console.log(response.status, await response.json());
 * } finally {
 *   await http.close();
 * }
 */
export function createHttpClient(options: HttpOptions = {}): HttpClient {
  const logger = options.logger ?? silentLogger;
  const defaultTimeout = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  let dispatcher: EnvHttpProxyAgent | undefined;
  let closed = false;
  const transport: FetchLike =
    options.fetch ??
    (async (input, init) => {
      // Loaded on the first request, not at import: a caller with its own `fetch` never evaluates undici.
      const undici = await import('undici');
      // A dispatcher made after close() would hold sockets nobody closes.
      if (closed) throw ownRefusal('the HTTP client was closed', input instanceof Request ? input.url : input, 'Create a new client (or provider): close() is for shutdown.');
      // Our per-attempt timer covers headers and body (and may be longer per request): undici's own
      // header/body timeouts are turned off so they cannot fire first with a different error.
      dispatcher ??= new undici.EnvHttpProxyAgent({ connect: { timeout: defaultTimeout }, headersTimeout: 0, bodyTimeout: 0 });
      // undici's Request/Response classes are WHATWG-compatible but not the DOM lib's types.
      return (await undici.fetch(input as Parameters<typeof undici.fetch>[0], {
        ...(init as Parameters<typeof undici.fetch>[1]),
        dispatcher,
      })) as unknown as Response;
    });

  function resolveRetry(perRequest: RetryOptions | false | undefined): ResolvedRetry | undefined {
    if (perRequest === false) return undefined;
    if (perRequest === undefined && options.retry === false) return undefined;
    const base = options.retry === false ? {} : (options.retry ?? {});
    return { ...DEFAULT_RETRY, sleep: defaultSleep, ...stripUndefined(base), ...stripUndefined(perRequest ?? {}) };
  }

  async function request(url: string | URL, init: HttpRequestInit): Promise<Response> {
    const { retry: retryInit, timeoutMs: timeoutInit, onRetry, signal: initSignal, ...fetchInit } = init;
    const retry = resolveRetry(retryInit);
    const maxAttempts = retry === undefined ? 1 : Math.max(1, Math.floor(retry.maxAttempts));
    const now = retry?.now ?? Date.now;
    const timeoutMs = timeoutInit ?? defaultTimeout;
    const callerSignals = [options.signal, initSignal ?? undefined].filter((s): s is AbortSignal => s !== undefined);
    const caller = callerSignals.length === 0 ? undefined : callerSignals.length === 1 ? callerSignals[0] : AbortSignal.any(callerSignals);
    const where = describeUrl(url);
    const started = now();
    const deadline = retry === undefined ? Number.POSITIVE_INFINITY : started + retry.deadlineMs;
    const method = (fetchInit.method ?? 'GET').toUpperCase();

    const aborted = (attempts: number) =>
      new HttpRequestError('aborted', `${method} ${where} was aborted`, { url: where, attempts, cause: caller?.reason });

    for (let attempt = 1; ; attempt += 1) {
      if (caller?.aborted) throw aborted(attempt - 1);
      const budget = Math.min(timeoutMs, deadline - now());
      let outcome: { response: Response } | { error: 'network_error' | 'timeout'; cause: unknown };
      const attemptStarted = performance.now();
      if (budget <= 0) {
        outcome = { error: 'timeout', cause: new AttemptTimeout(0) };
      } else {
        outcome = await attemptOnce(url, fetchInit, budget, caller);
        if (caller?.aborted) throw aborted(attempt);
      }

      const reason = 'response' in outcome ? outcome.response.status : outcome.error;
      const detail = 'response' in outcome ? undefined : outcome.error === 'timeout' ? `no answer within ${Math.round(budget)} ms` : networkDetail(outcome.cause);
      // The trace of every exchange (debug level): method, URL without secrets, status or failure, timing.
      logger.debug?.(`${method} ${redactUrl(url)} → ${'response' in outcome ? outcome.response.status : (detail ?? reason)}`, {
        event: 'http_answer',
        method,
        url: redactUrl(url),
        ...('response' in outcome ? { status: outcome.response.status } : { error: outcome.error, detail }),
        ms: Math.round(performance.now() - attemptStarted),
        attempt,
      });
      const retryable = 'response' in outcome ? isRetryableStatus(outcome.response.status) : true;
      if (!retryable) return (outcome as { response: Response }).response;

      let delay: number | undefined;
      if (retry !== undefined && attempt < maxAttempts) {
        const asked = 'response' in outcome ? serverRetryDelay(outcome.response.headers, now) : undefined;
        delay = asked ?? backoffDelay(attempt, retry);
        // A wait that ends past the deadline is not worth starting: answer now with what we have.
        if (now() + delay >= deadline) delay = undefined;
      }
      if (delay === undefined) {
        if ('response' in outcome) return outcome.response;
        const what = outcome.error === 'timeout' ? `no answer within ${timeoutMs} ms` : networkDetail(outcome.cause);
        throw new HttpRequestError(outcome.error, `${method} ${where} failed: ${what} (${attempt} attempt${attempt === 1 ? '' : 's'})`, {
          url: where,
          attempts: attempt,
          cause: outcome.cause,
          ...(isHttpRequestError(outcome.cause) && ownRefusals.has(outcome.cause) && outcome.cause.hint !== undefined ? { hint: outcome.cause.hint } : {}),
        });
      }
      logger.debug?.(`retrying ${method} ${where}`, { event: 'http_retry', method, url: redactUrl(url), attempt, of: maxAttempts, reason, ...(detail === undefined ? {} : { detail }), delayMs: delay });
      onRetry?.({ attempt, delayMs: delay, reason });
      try {
        await (retry as ResolvedRetry).sleep(delay, caller);
      } catch (error) {
        if (caller?.aborted) throw aborted(attempt);
        throw error;
      }
    }
  }

  async function attemptOnce(
    url: string | URL,
    init: RequestInit,
    budget: number,
    caller: AbortSignal | undefined,
  ): Promise<{ response: Response } | { error: 'network_error' | 'timeout'; cause: unknown }> {
    const attempt = new AbortController();
    const timer = setTimeout(() => attempt.abort(new AttemptTimeout(budget)), budget);
    const signal = caller === undefined ? attempt.signal : AbortSignal.any([caller, attempt.signal]);
    try {
      const response = await transport(url, { ...init, signal });
      // Read the body inside the attempt, so a stalled body is a timeout like a stalled connect.
      const body = await readBody(response, url);
      return {
        response: new Response(nullBodyStatus(response.status) ? null : body, {
          status: response.status,
          statusText: response.statusText,
          headers: response.headers,
        }),
      };
    } catch (error) {
      if (attempt.signal.aborted && !caller?.aborted) return { error: 'timeout', cause: attempt.signal.reason };
      return { error: 'network_error', cause: error };
    } finally {
      clearTimeout(timer);
    }
  }

  return {
    request,
    async close() {
      closed = true;
      const closing = dispatcher;
      dispatcher = undefined;
      await closing?.close();
    },
  };
}

/** What a failed connection was, in words (undici puts the system error code in `cause`). */
function networkDetail(cause: unknown): string {
  if (isHttpRequestError(cause) && ownRefusals.has(cause)) return cause.message;
  let current: unknown = cause;
  for (let depth = 0; depth < 4 && current !== null && typeof current === 'object'; depth += 1) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && code in NETWORK_CODES) return NETWORK_CODES[code]!;
    current = (current as { cause?: unknown }).cause;
  }
  return 'network error';
}

const NETWORK_CODES: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'name lookup failed',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ETIMEDOUT: 'connection timed out',
  UND_ERR_CONNECT_TIMEOUT: 'connection timed out',
  UND_ERR_SOCKET: 'connection closed',
  EPIPE: 'connection closed',
  CERT_HAS_EXPIRED: 'TLS certificate expired',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'TLS certificate not trusted',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'TLS certificate not trusted',
  ERR_TLS_CERT_ALTNAME_INVALID: 'TLS certificate is for another host',
};

// This client's own refusals inside an attempt (a body over the cap, a closed client): their message is the
// attempt's detail. An HttpRequestError from elsewhere (a nested client as `fetch`) is described by its cause.
const ownRefusals = new WeakSet<HttpRequestError>();

function ownRefusal(message: string, url: string | URL, hint: string): HttpRequestError {
  const error = new HttpRequestError('network_error', message, { url: describeUrl(url), attempts: 1, hint });
  ownRefusals.add(error);
  return error;
}

const TOO_LARGE_HINT = 'The server answered with more than 4 MiB, which no IdP or Ubiq endpoint does: check that the URL names the right endpoint (and not, e.g., a download).';

// Thrown inside an attempt and caught by it: the attempt's failure (`network_error`) keeps this as its cause,
// and its message says what happened.
async function readBody(response: Response, url: string | URL): Promise<ArrayBuffer> {
  const declared = Number(response.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > MAX_BODY_BYTES) {
    await response.body?.cancel();
    throw ownRefusal(`answer body of ${declared} bytes is larger than ${MAX_BODY_BYTES}`, url, TOO_LARGE_HINT);
  }
  const buffer = await response.arrayBuffer();
  if (buffer.byteLength > MAX_BODY_BYTES) {
    throw ownRefusal(`answer body is larger than ${MAX_BODY_BYTES} bytes`, url, TOO_LARGE_HINT);
  }
  return buffer;
}

function nullBodyStatus(status: number): boolean {
  return status === 101 || status === 204 || status === 205 || status === 304;
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
