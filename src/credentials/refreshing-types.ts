// The public shapes of the refresh engine (src/credentials/refreshing.ts): what it loads, what it reports, its options.
import type { ProviderTimers } from './timers.js';
import type { Clock } from '../util/clock.js';

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

/** Backoff of retries after a failed refresh or login. */
export interface RefreshRetryOptions {
  /** First retry delay. Default 2 s. */
  initialDelayMs?: number;
  /** Largest retry delay (a wait the source asks for, such as `Retry-After`, may be longer). Default 60 s. */
  maxDelayMs?: number;
  /**
   * How long callers that have no valid value to fall back on (a first login, or after expiry) keep
   * waiting while transient failures (`isTransient`) are retried, counted from the start of the load. A
   * wait that would end past it is not taken: callers then get the last error. `0` turns waiting retries
   * off. Default 5 min.
   */
  loginDeadlineMs?: number;
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
  now?: Clock;
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
  /**
   * Failures that heal by themselves (rate limits, outages, network). When one ends a load that callers
   * wait for and no still-valid value can be served, the load is retried within the same in-flight
   * promise (callers keep sharing it) until `retry.loginDeadlineMs`. Default: none (callers get the
   * first failure).
   */
  isTransient?(error: unknown): boolean;
  /** The wait a failure asks for (a server's `Retry-After`), in ms; honoured, plus jitter, by every retry. */
  retryAfterMs?(error: unknown): number | undefined;
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
