import { CredentialsError } from './errors.js';
import { defaultTimers, MAX_TIMER_DELAY_MS, type ProviderTimers } from './timers.js';

/** Why a load runs. */
export type RefreshReason = 'initial' | 'background' | 'retry' | 'hard-window' | 'expired' | 'forced';

/** One loaded value and its validity (epoch milliseconds). */
export interface ExpiringValue<T> {
  value: T;
  /** When the value stops being usable (a certificate's notAfter). */
  expiresAt: number;
  /** When it started being valid (notBefore); the lifetime is `expiresAt - issuedAt`. Default: when it was received. */
  issuedAt?: number;
}

/** What `load()` is given. */
export interface LoadContext<T> {
  reason: RefreshReason;
  /** The value being replaced, if any (still valid or not). */
  previous: T | undefined;
  /** Aborted when the cache is closed. */
  signal: AbortSignal;
}

/** Passed to `onRefresh`. */
export interface RefreshSuccessInfo {
  reason: RefreshReason;
  /** Failed attempts before this success. */
  failedAttempts: number;
  /** When the background refresh of the new value is due (soft window start, with jitter). */
  refreshAt: Date;
  expiresAt: Date;
}

/** Passed to `onRefreshError`. */
export interface RefreshErrorInfo {
  reason: RefreshReason;
  /** 1 for the first failure in a row, 2 for the next … */
  attempt: number;
  /** When the cached value expires (undefined when there is none, e.g. a failed first login). */
  expiresAt: Date | undefined;
  /** Whether still-valid credentials keep being served. */
  servingStale: boolean;
  /** When the next attempt will run (background retry, or the earliest a caller can trigger one). */
  nextAttemptAt: Date | undefined;
}

/** Backoff of retries after a failed refresh. */
export interface RefreshRetryOptions {
  /** First retry delay. Default 2 s. */
  initialDelayMs?: number;
  /** Largest retry delay. Default 60 s. */
  maxDelayMs?: number;
}

/** Options of `createRefreshingCache`. */
export interface RefreshingCacheOptions<T> {
  /** Loads a fresh value. Concurrent callers share one call. */
  load(context: LoadContext<T>): Promise<ExpiringValue<T>>;
  /**
   * Background refresh starts this long before expiry: the larger of `softWindowMs` (default 5 min) and
   * `softWindowFraction` (default 0.2) of the lifetime, but never more than half of the remaining
   * lifetime at receipt, so a certificate shorter than the window is not refreshed on every call.
   */
  softWindowMs?: number;
  softWindowFraction?: number;
  /**
   * Inside this window before expiry callers wait for the refresh (default 60 s, the official clients'
   * margin), capped at a tenth of the remaining lifetime at receipt.
   */
  hardWindowMs?: number;
  /** Fraction of the soft window by which the refresh start is randomly delayed (default 0.2), so a fleet does not refresh in lockstep. */
  jitter?: number;
  retry?: RefreshRetryOptions;
  /** Milliseconds since the epoch. Default `Date.now`. */
  now?: () => number;
  timers?: ProviderTimers;
  /** In [0, 1). Default `Math.random`. */
  random?: () => number;
  /**
   * Errors that retrying cannot fix without a person (a wrong password, a revoked client secret). After
   * one, no attempt is made automatically — not by timers, not by callers — until `refresh()` is called:
   * retrying a wrong password would lock the account at the IdP. Still-valid values keep being served;
   * callers get that error (or `credentials_expired` caused by it) at once.
   */
  isPermanent?(error: unknown): boolean;
  onRefresh?(value: T, info: RefreshSuccessInfo): void;
  onRefreshError?(error: unknown, info: RefreshErrorInfo): void;
  /** Used in messages ("Ubiq credentials"). */
  label?: string;
}

/** A cache that loads once for all concurrent callers and refreshes ahead of expiry. */
export interface RefreshingCache<T> {
  /** The cached value, loading or waiting for a refresh only when needed. */
  get(signal?: AbortSignal): Promise<T>;
  /** Loads a new value now (or joins the load already running) and returns it. */
  refresh(signal?: AbortSignal): Promise<T>;
  /** The cached value when it has not expired, without loading. */
  peek(): T | undefined;
  /** Stops timers, aborts a running load and rejects its waiters. Idempotent. */
  close(): void;
  readonly closed: boolean;
}

interface Entry<T> {
  value: T;
  expiresAt: number;
  softAt: number;
  hardAt: number;
}

const MINUTE = 60_000;

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
    start(failures > 0 ? 'retry' : 'background');
  }

  function backoff(attempt: number, t: number): number {
    const base = Math.min(maxDelayMs, initialDelayMs * 2 ** Math.min(attempt - 1, 30));
    let delay = base / 2 + (random() * base) / 2;
    // Keep trying several times before a still-valid value expires.
    if (current !== undefined && t < current.expiresAt) delay = Math.min(delay, Math.max(initialDelayMs / 2, (current.expiresAt - t) / 2));
    return delay;
  }

  function start(reason: RefreshReason): Promise<T> {
    const previous = current?.value;
    const promise = (async () => {
      const loaded = await options.load({ reason, previous, signal: closer.signal });
      const receivedAt = now();
      if (!(loaded.expiresAt > receivedAt)) {
        throw new CredentialsError('credentials_expired', `${label} were already expired when they arrived (expiry ${new Date(loaded.expiresAt).toISOString()}).`, {
          hint: 'Check the clocks of this machine and of the server, and the certificate lifetime the server issues.',
        });
      }
      return { loaded, receivedAt };
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
        nextAttemptAt = t + backoff(failures, t);
        if (servingStale && !permanent) schedule(nextAttemptAt);
        safeCall(() =>
          options.onRefreshError?.(error, {
            reason,
            attempt: failures,
            expiresAt: current === undefined ? undefined : new Date(current.expiresAt),
            servingStale,
            nextAttemptAt: current === undefined || permanent ? undefined : new Date(nextAttemptAt),
          }),
        );
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
      if (t >= entry.softAt && inflight === undefined && t >= nextAttemptAt) start(failures > 0 ? 'retry' : 'background');
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
    if (entry !== undefined && inflight === undefined && t < nextAttemptAt) throw expiredError(entry, lastError);
    const running = inflight ?? start(entry === undefined ? 'initial' : 'expired');
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
