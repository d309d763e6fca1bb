import { CredentialsError } from './errors.js';
import type { RefreshingCache, RefreshingCacheOptions, RefreshReason, ExpiringValue } from './refreshing-types.js';
import { defaultTimers, MAX_TIMER_DELAY_MS } from './timers.js';

export type { RefreshReason, ExpiringValue, LoadContext, RefreshSuccessInfo, RefreshErrorInfo, RefreshRetryOptions, RefreshingCacheOptions, RefreshingCache } from './refreshing-types.js';

interface Entry<T> {
  value: T;
  expiresAt: number;
  softAt: number;
  hardAt: number;
}

const MINUTE = 60_000;
/** A server-asked wait is stretched by up to this multiple of itself (see `backoff`). */
const RATE_LIMIT_SPREAD = 2;

/**
 * Creates the refresh engine behind `createIdpCredentialProvider`, modelled on Azure's token cycler:
 * outside the soft window the cached value is returned at once; inside it a background refresh runs
 * (one at a time) while callers keep getting the cached value; inside the hard window callers wait for
 * the refresh; once expired they wait for a new value, or get a `credentials_expired` error that says
 * why the last refresh failed. A failed refresh is retried with exponential backoff and jitter.
 *
 * @example
 * const cache = createRefreshingCache({ load: async () => ({ value: 42, expiresAt: Date.now() + 3_600_000 }) });
 * await cache.get(); // 42, one load
 * cache.close();
 */
export function createRefreshingCache<T>(options: RefreshingCacheOptions<T>): RefreshingCache<T> {
  const now = options.now ?? Date.now;
  const timers = options.timers ?? defaultTimers();
  const random = options.random ?? Math.random;
  const softWindowMs = nonNegative(options.softWindowMs ?? 5 * MINUTE, 'softWindowMs');
  const softWindowFraction = fraction(options.softWindowFraction ?? 0.2, 'softWindowFraction');
  const hardWindowMs = nonNegative(options.hardWindowMs ?? MINUTE, 'hardWindowMs');
  const jitter = fraction(options.jitter ?? 0.2, 'jitter');
  const initialDelayMs = Math.max(1, nonNegative(options.retry?.initialDelayMs ?? 2_000, 'retry.initialDelayMs'));
  const maxDelayMs = Math.max(initialDelayMs, nonNegative(options.retry?.maxDelayMs ?? MINUTE, 'retry.maxDelayMs'));
  const loginDeadlineMs = nonNegative(options.retry?.loginDeadlineMs ?? 5 * MINUTE, 'retry.loginDeadlineMs');
  const label = options.label ?? 'Credentials';

  let current: Entry<T> | undefined;
  let inflight: Promise<T> | undefined;
  let failures = 0;
  let lastError: unknown;
  let nextAttemptAt = 0;
  /** Set after a permanent failure: nothing is attempted automatically until refresh(). */
  let blocked: { error: unknown } | undefined;
  let timer: unknown;
  let closed = false;
  const closer = new AbortController();
  const waiters = new Set<(error: unknown) => void>();

  function entryFor(loaded: ExpiringValue<T>, receivedAt: number): Entry<T> {
    const remaining = loaded.expiresAt - receivedAt;
    const lifetime = Math.max(remaining, loaded.expiresAt - (loaded.issuedAt ?? receivedAt));
    const soft = Math.min(Math.max(softWindowMs, softWindowFraction * lifetime), remaining / 2);
    const hard = Math.min(hardWindowMs, remaining / 10);
    // Jitter delays the start inside the soft window, never past the hard window.
    const softAt = loaded.expiresAt - soft + jitter * random() * Math.max(0, soft - hard);
    return { value: loaded.value, expiresAt: loaded.expiresAt, softAt, hardAt: loaded.expiresAt - hard };
  }

  function schedule(at: number): void {
    if (timer !== undefined) timers.clearTimeout(timer);
    timer = undefined;
    if (closed) return;
    const delay = Math.min(MAX_TIMER_DELAY_MS, Math.max(0, at - now()));
    timer = timers.setTimeout(onTimer, delay);
  }

  function onTimer(): void {
    timer = undefined;
    if (closed || inflight !== undefined || current === undefined || blocked !== undefined) return;
    const t = now();
    if (t >= current.expiresAt) return; // the next caller loads; no background work for a dead value
    const due = failures > 0 ? nextAttemptAt : current.softAt;
    if (t < due) {
      schedule(due); // woke early (a chained long wait)
      return;
    }
    void start(failures > 0 ? 'retry' : 'background');
  }

  /** The wait before retry number `attempt`: what the failure asked for, else exponential backoff; both jittered. */
  function backoff(attempt: number, t: number, error: unknown): number {
    const asked = options.retryAfterMs?.(error);
    if (asked !== undefined && Number.isFinite(asked) && asked >= 0) {
      // Everyone refused in one rate-limit window is told the same reset instant. Coming back spread over
      // twice the wait (never before it) puts them into the next windows instead of all into the next
      // one, which a fleet larger than one window's quota would overflow again.
      return asked + random() * RATE_LIMIT_SPREAD * Math.max(asked, initialDelayMs);
    }
    const base = Math.min(maxDelayMs, initialDelayMs * 2 ** Math.min(attempt - 1, 30));
    let delay = base / 2 + (random() * base) / 2;
    // Keep trying several times before a still-valid value expires.
    if (current !== undefined && t < current.expiresAt) delay = Math.min(delay, Math.max(initialDelayMs / 2, (current.expiresAt - t) / 2));
    return delay;
  }

  /** Reports one failed attempt (a listener's bug is contained). */
  function reportFailure(error: unknown, reason: RefreshReason, servingStale: boolean, nextAt: number | undefined): void {
    safeCall(() =>
      options.onRefreshError?.(error, {
        reason,
        attempt: failures,
        expiresAt: current === undefined ? undefined : new Date(current.expiresAt),
        servingStale,
        nextAttemptAt: nextAt === undefined ? undefined : new Date(nextAt),
      }),
    );
  }

  /**
   * The wait before retrying a failed load inside the same in-flight promise, or undefined to settle it
   * with the error: only for transient failures, only while callers wait and nothing valid can be served
   * (a still-valid value is served instead and retried by the background timer), and only within the
   * login deadline counted from `startedAt`.
   */
  function waitingRetryDelay(error: unknown, startedAt: number): number | undefined {
    if (closed || waiters.size === 0 || options.isTransient?.(error) !== true) return undefined;
    const t = now();
    if (current !== undefined && t < current.expiresAt) return undefined;
    const delay = backoff(failures + 1, t, error);
    return t + delay > startedAt + loginDeadlineMs ? undefined : delay;
  }

  /** Waits on the injected timers; close() ends the wait at once. The timer keeps the process alive: callers await it. */
  function pause(ms: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const signal = closer.signal;
      if (signal.aborted) return reject(signal.reason);
      const onAbort = (): void => {
        timers.clearTimeout(handle);
        reject(signal.reason);
      };
      const handle = timers.setTimeout(
        () => {
          signal.removeEventListener('abort', onAbort);
          resolve();
        },
        Math.min(MAX_TIMER_DELAY_MS, ms),
        { keepAlive: true },
      );
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Starts a load (after `delayMs`, e.g. the rest of a server-asked wait) that concurrent callers share. */
  function start(reason: RefreshReason, delayMs = 0): Promise<T> {
    const previous = current?.value;
    const startedAt = now();
    let attemptReason = reason;
    const promise = (async () => {
      let wait = delayMs;
      for (;;) {
        if (wait > 0) await pause(wait);
        try {
          const loaded = await options.load({ reason: attemptReason, previous, signal: closer.signal });
          const receivedAt = now();
          if (!(loaded.expiresAt > receivedAt)) {
            throw new CredentialsError('credentials_expired', `${label} were already expired when they arrived (expiry ${new Date(loaded.expiresAt).toISOString()}).`, {
              hint: 'Check the clocks of this machine and of the server, and the certificate lifetime the server issues.',
            });
          }
          return { loaded, receivedAt };
        } catch (error) {
          const delay = waitingRetryDelay(error, startedAt);
          if (delay === undefined) throw error;
          failures += 1;
          lastError = error;
          nextAttemptAt = now() + delay;
          reportFailure(error, attemptReason, false, nextAttemptAt);
          wait = delay;
          attemptReason = 'retry';
        }
      }
    })();
    const shared = promise.then(
      ({ loaded, receivedAt }) => {
        if (inflight === shared) inflight = undefined;
        if (closed) throw closedError();
        const failedAttempts = failures;
        current = entryFor(loaded, receivedAt);
        failures = 0;
        lastError = undefined;
        nextAttemptAt = 0;
        blocked = undefined;
        schedule(current.softAt);
        safeCall(() => options.onRefresh?.(loaded.value, { reason, failedAttempts, refreshAt: new Date(current!.softAt), expiresAt: new Date(loaded.expiresAt) }));
        return loaded.value;
      },
      (error: unknown) => {
        if (inflight === shared) inflight = undefined;
        if (closed) throw closedError(error);
        failures += 1;
        lastError = error;
        const t = now();
        const servingStale = current !== undefined && t < current.expiresAt;
        const permanent = options.isPermanent?.(error) === true;
        if (permanent) blocked = { error };
        nextAttemptAt = t + backoff(failures, t, error);
        if (servingStale && !permanent) schedule(nextAttemptAt);
        reportFailure(error, attemptReason, servingStale, current === undefined || permanent ? undefined : nextAttemptAt);
        throw error;
      },
    );
    // Background refreshes have no waiter: their failure is reported through onRefreshError.
    shared.catch(() => {});
    inflight = shared;
    return shared;
  }

  function closedError(cause?: unknown): CredentialsError {
    return new CredentialsError('provider_closed', `${label} provider was closed.`, {
      hint: 'Create a new provider; close() is for shutdown.',
      ...(cause === undefined ? {} : { cause }),
    });
  }

  function expiredError(entry: Entry<T>, cause: unknown): CredentialsError {
    const why = describe(cause);
    return new CredentialsError(
      'credentials_expired',
      `${label} expired at ${new Date(entry.expiresAt).toISOString()} and could not be renewed${why ? `: ${why}` : ''}.`,
      { hint: hintOf(cause) ?? 'Check the network path to the IdP and the Ubiq server, then call forceRefresh().', cause },
    );
  }

  async function get(signal?: AbortSignal): Promise<T> {
    if (closed) throw closedError();
    signal?.throwIfAborted();
    const t = now();
    const entry = current;
    if (blocked !== undefined && inflight === undefined) {
      if (entry !== undefined && t < entry.expiresAt) return entry.value;
      if (entry !== undefined) throw expiredError(entry, blocked.error);
      throw blocked.error;
    }
    if (entry !== undefined && t < entry.hardAt) {
      // Timers can be late (a suspended laptop): a caller past the soft window starts the refresh too.
      if (t >= entry.softAt && inflight === undefined && t >= nextAttemptAt) void start(failures > 0 ? 'retry' : 'background');
      return entry.value;
    }
    if (entry !== undefined && t < entry.expiresAt) {
      const running = inflight ?? (t >= nextAttemptAt ? start('hard-window') : undefined);
      if (running === undefined) return entry.value; // backing off after a failure: serve what is still valid
      try {
        return await waitFor(running, signal);
      } catch (error) {
        if (closed || signal?.aborted) throw error;
        if (now() < entry.expiresAt) return entry.value;
        throw expiredError(entry, error);
      }
    }
    // Nothing valid and a retry is pending after a transient failure (a rate limit's wait): join it
    // rather than fail at once or ask again early.
    const pending = t < nextAttemptAt && options.isTransient?.(lastError) === true && nextAttemptAt - t <= loginDeadlineMs;
    if (entry !== undefined && inflight === undefined && t < nextAttemptAt && !pending) throw expiredError(entry, lastError);
    const running = inflight ?? start(entry === undefined ? 'initial' : 'expired', pending ? nextAttemptAt - t : 0);
    try {
      return await waitFor(running, signal);
    } catch (error) {
      if (entry === undefined || closed || signal?.aborted) throw error;
      throw expiredError(entry, error);
    }
  }

  async function refresh(signal?: AbortSignal): Promise<T> {
    if (closed) throw closedError();
    signal?.throwIfAborted();
    blocked = undefined;
    return waitFor(inflight ?? start('forced'), signal);
  }

  function waitFor(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
    // Waiters are tracked in a set rather than as listeners on one shared signal: 1,000 concurrent
    // callers would otherwise pile 1,000 listeners onto it.
    return new Promise<T>((resolve, reject) => {
      const fail = (error: unknown): void => {
        cleanup();
        reject(error);
      };
      const onAbort = (): void => fail(signal?.reason);
      const cleanup = (): void => {
        waiters.delete(fail);
        signal?.removeEventListener('abort', onAbort);
      };
      waiters.add(fail);
      signal?.addEventListener('abort', onAbort, { once: true });
      promise.then((value) => {
        cleanup();
        resolve(value);
      }, fail);
    });
  }

  return {
    get,
    refresh,
    peek() {
      return current !== undefined && now() < current.expiresAt ? current.value : undefined;
    },
    close() {
      if (closed) return;
      closed = true;
      if (timer !== undefined) timers.clearTimeout(timer);
      timer = undefined;
      current = undefined;
      closer.abort(closedError());
      for (const fail of [...waiters]) fail(closedError());
    },
    get closed() {
      return closed;
    },
  };
}

function safeCall(fn: () => void): void {
  try {
    fn();
  } catch {
    // A listener's bug must not break the refresh engine or leave callers hanging.
  }
}

function describe(error: unknown): string | undefined {
  if (error === undefined) return undefined;
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === 'string' ? `${error.message} (${code})` : error.message;
  }
  // eslint-disable-next-line @typescript-eslint/no-base-to-string -- a foreign non-Error rejection: print it as the runtime would
  return String(error);
}

function hintOf(error: unknown): string | undefined {
  const hint = error instanceof Error ? (error as { hint?: unknown }).hint : undefined;
  return typeof hint === 'string' ? hint : undefined;
}

function nonNegative(value: number, name: string): number {
  if (!Number.isFinite(value) || value < 0) {
    throw new CredentialsError('invalid_provider_options', `${name} must be a non-negative number of milliseconds, got ${String(value)}.`);
  }
  return value;
}

function fraction(value: number, name: string): number {
  if (!Number.isFinite(value) || value < 0 || value > 1) {
    throw new CredentialsError('invalid_provider_options', `${name} must be between 0 and 1, got ${String(value)}.`);
  }
  return value;
}
