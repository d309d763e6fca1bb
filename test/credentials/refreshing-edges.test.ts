// Boundaries of the refreshing cache that the scenario tests in refreshing.test.ts pass over: exact window
// edges, backoff and rate-limit waits, the login deadline, option validation and the messages callers see.
// Written against the mutation report (`npm run mutate -- --mutate src/credentials/refreshing.ts`).
import { describe, expect, it } from 'vitest';
import {
  createRefreshingCache,
  type ExpiringValue,
  type LoadContext,
  type RefreshErrorInfo,
  type RefreshingCacheOptions,
  type RefreshSuccessInfo,
} from '../../src/credentials/refreshing.js';
import { MAX_TIMER_DELAY_MS, type ProviderTimers } from '../../src/credentials/timers.js';
import { createFakeTime } from './helpers/fake-time.js';

const SEC = 1_000;
const MIN = 60 * SEC;
const HOUR = 60 * MIN;
const T0 = Date.UTC(2026, 0, 1);

function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

const settle = async () => {
  for (let i = 0; i < 5; i += 1) await new Promise<void>((resolve) => setImmediate(resolve));
};

type Outcome = { lifetime: number; issuedAgo?: number } | { error: unknown } | { gate: Promise<void>; then: Outcome };

/**
 * A cache over a scripted loader. `script` is consulted per load (the last entry repeats); `time` is a fake
 * clock whose timers fire on advance(), or, with `timers: 'never'`, timers that never fire (a late timer:
 * only callers start refreshes) while the clock moves with `time.advance` all the same.
 */
function setup(
  options: Partial<RefreshingCacheOptions<string>> & { script?: Outcome[]; randomValue?: number; timersMode?: 'fake' | 'never' } = {},
) {
  const time = createFakeTime(T0);
  const script = options.script ?? [{ lifetime: HOUR }];
  const contexts: Array<LoadContext<string> & { at: number }> = [];
  const errors: Array<{ error: unknown; info: RefreshErrorInfo }> = [];
  const successes: Array<{ value: string; info: RefreshSuccessInfo }> = [];
  const delays: Array<{ delayMs: number; keepAlive: boolean }> = [];
  const never: ProviderTimers = { setTimeout: () => 0, clearTimeout: () => {} };
  const recording: ProviderTimers = {
    setTimeout(callback, delayMs, opts) {
      delays.push({ delayMs, keepAlive: opts?.keepAlive === true });
      return time.timers.setTimeout(callback, delayMs, opts);
    },
    clearTimeout: (handle) => time.timers.clearTimeout(handle),
  };
  const { script: _s, randomValue, timersMode, ...rest } = options;
  const run = async (outcome: Outcome, n: number): Promise<ExpiringValue<string>> => {
    if ('gate' in outcome) {
      await outcome.gate;
      return run(outcome.then, n);
    }
    if ('error' in outcome) throw outcome.error;
    const issuedAt = outcome.issuedAgo === undefined ? undefined : time.now() - outcome.issuedAgo;
    return { value: `v${n}`, expiresAt: time.now() + outcome.lifetime, ...(issuedAt === undefined ? {} : { issuedAt }) };
  };
  const cache = createRefreshingCache<string>({
    load: async (context) => {
      contexts.push({ ...context, at: time.now() });
      const n = contexts.length;
      return run(script[Math.min(n - 1, script.length - 1)]!, n);
    },
    now: time.now,
    timers: timersMode === 'never' ? never : recording,
    random: () => randomValue ?? 0,
    retry: { initialDelayMs: 1_000, maxDelayMs: 30_000 },
    onRefresh: (value, info) => successes.push({ value, info }),
    onRefreshError: (error, info) => errors.push({ error, info }),
    ...rest,
  });
  return { time, cache, contexts, errors, successes, delays, reasons: () => contexts.map((c) => c.reason) };
}

describe('refreshing cache: option validation', () => {
  const load = () => Promise.resolve({ value: 1, expiresAt: T0 });
  const cases: Array<[Partial<RefreshingCacheOptions<number>>, string]> = [
    [{ softWindowMs: -1 }, 'softWindowMs must be a non-negative number of milliseconds, got -1.'],
    [{ softWindowMs: Number.POSITIVE_INFINITY }, 'softWindowMs must be a non-negative number of milliseconds, got Infinity.'],
    [{ hardWindowMs: Number.NaN }, 'hardWindowMs must be a non-negative number of milliseconds, got NaN.'],
    [{ softWindowFraction: 1.5 }, 'softWindowFraction must be between 0 and 1, got 1.5.'],
    [{ softWindowFraction: -0.1 }, 'softWindowFraction must be between 0 and 1, got -0.1.'],
    [{ jitter: Number.NaN }, 'jitter must be between 0 and 1, got NaN.'],
    [{ retry: { initialDelayMs: -5 } }, 'retry.initialDelayMs must be a non-negative number of milliseconds, got -5.'],
    [{ retry: { maxDelayMs: -5 } }, 'retry.maxDelayMs must be a non-negative number of milliseconds, got -5.'],
    [{ retry: { loginDeadlineMs: -5 } }, 'retry.loginDeadlineMs must be a non-negative number of milliseconds, got -5.'],
  ];
  it.each(cases)('rejects %o naming the option and the value', (bad, message) => {
    expect(() => createRefreshingCache({ load, ...bad })).toThrow(expect.objectContaining({ code: 'invalid_provider_options', name: 'CredentialsError', message }));
  });

  it('accepts the edges of each range (0 and 1)', () => {
    for (const edge of [{ softWindowMs: 0, hardWindowMs: 0 }, { softWindowFraction: 0, jitter: 0 }, { softWindowFraction: 1, jitter: 1 }, { retry: { initialDelayMs: 0, maxDelayMs: 0, loginDeadlineMs: 0 } }]) {
      createRefreshingCache({ load, ...edge }).close();
    }
  });
});

describe('refreshing cache: windows', () => {
  it('reports the refresh instant and expiry of each value, and the reason and previous value of each load', async () => {
    const { cache, time, successes, contexts } = setup();
    expect(await cache.get()).toBe('v1');
    expect(successes[0]).toEqual({ value: 'v1', info: { reason: 'initial', failedAttempts: 0, refreshAt: new Date(T0 + 48 * MIN), expiresAt: new Date(T0 + HOUR) } });
    await time.advance(48 * MIN);
    expect(contexts.map(({ reason, previous, at }) => ({ reason, previous, at }))).toEqual([
      { reason: 'initial', previous: undefined, at: T0 },
      { reason: 'background', previous: 'v1', at: T0 + 48 * MIN },
    ]);
    expect(contexts[1]!.signal.aborted).toBe(false);
    cache.close();
    expect(contexts[1]!.signal.aborted).toBe(true);
  });

  it('counts the lifetime from issuedAt: a value issued 30 min ago with 30 min left refreshes 12 min before expiry', async () => {
    const { cache, time, contexts } = setup({ script: [{ lifetime: 30 * MIN, issuedAgo: 30 * MIN }] });
    await cache.get();
    await time.advance(18 * MIN - 1);
    expect(contexts).toHaveLength(1);
    await time.advance(1);
    expect(contexts).toHaveLength(2);
    cache.close();
  });

  it('never counts a lifetime shorter than what remains (issuedAt in the future from a skewed clock)', async () => {
    const { cache, time, contexts } = setup({ script: [{ lifetime: HOUR, issuedAgo: -10 * MIN }] });
    await cache.get();
    await time.advance(48 * MIN - 1);
    expect(contexts).toHaveLength(1);
    await time.advance(1);
    expect(contexts).toHaveLength(2);
    cache.close();
  });

  it('has callers start the refresh when timers are late: from the soft window on, in the background; in the hard window, waiting', async () => {
    // 5 min lifetime: soft window min(max(5 min, 1 min), 2.5 min) = 2.5 min; hard window min(1 min, 30 s) = 30 s.
    const gate = deferred<void>();
    const { cache, time, contexts } = setup({ timersMode: 'never', script: [{ lifetime: 5 * MIN }, { gate: gate.promise, then: { lifetime: 5 * MIN } }] });
    expect(await cache.get()).toBe('v1');
    await time.advance(2.5 * MIN - 1);
    expect(await cache.get()).toBe('v1');
    expect(contexts).toHaveLength(1);
    await time.advance(1);
    expect(await cache.get()).toBe('v1');
    expect(contexts.map((c) => c.reason)).toEqual(['initial', 'background']);
    // Still before the hard window (4.5 min): answered at once from the cache while the refresh runs.
    await time.advance(2 * MIN - 1);
    expect(await cache.get()).toBe('v1');
    await time.advance(1);
    let settled = false;
    const waiting = cache.get().then((v) => {
      settled = true;
      return v;
    });
    await settle();
    expect(settled).toBe(false);
    gate.resolve();
    expect(await waiting).toBe('v2');
    expect(contexts).toHaveLength(2);
    cache.close();
  });

  it('starts a hard-window refresh itself when none runs, with reason hard-window', async () => {
    const { cache, time, contexts } = setup({ timersMode: 'never', script: [{ lifetime: HOUR }] });
    await cache.get();
    await time.advance(59 * MIN);
    expect(await cache.get()).toBe('v2');
    expect(contexts.map((c) => c.reason)).toEqual(['initial', 'hard-window']);
    cache.close();
  });

  it('a hard-window refresh that outlives the value ends in credentials_expired naming the cause', async () => {
    const gate = deferred<void>();
    const { cache, time } = setup({
      timersMode: 'never',
      label: 'Ubiq credentials',
      script: [{ lifetime: HOUR }, { gate: gate.promise, then: { error: new Error('socket hang up') } }],
    });
    await cache.get();
    await time.advance(59 * MIN);
    const waiting = cache.get().catch((e: unknown) => e);
    await time.advance(2 * MIN);
    gate.resolve();
    const error = await waiting;
    expect(error).toMatchObject({
      code: 'credentials_expired',
      message: `Ubiq credentials expired at ${new Date(T0 + HOUR).toISOString()} and could not be renewed: socket hang up.`,
      hint: 'Check the network path to the IdP and the Ubiq server, then call forceRefresh().',
    });
    cache.close();
  });

  it("a caller's abort inside the hard window rejects with its reason, not the old value", async () => {
    const gate = deferred<void>();
    const { cache, time } = setup({ timersMode: 'never', script: [{ lifetime: HOUR }, { gate: gate.promise, then: { lifetime: HOUR } }] });
    await cache.get();
    await time.advance(59 * MIN);
    const controller = new AbortController();
    const waiting = cache.get(controller.signal);
    controller.abort(new Error('caller gave up'));
    await expect(waiting).rejects.toThrow('caller gave up');
    gate.resolve();
    cache.close();
  });

  it('after expiry loads with reason expired and the old value as previous', async () => {
    const { cache, time, contexts } = setup({ timersMode: 'never', script: [{ lifetime: HOUR }] });
    await cache.get();
    await time.advance(HOUR);
    expect(cache.peek()).toBeUndefined();
    expect(await cache.get()).toBe('v2');
    expect(contexts[1]).toMatchObject({ reason: 'expired', previous: 'v1' });
    cache.close();
  });

  it('peek() serves a value until the instant it expires, and nothing after close()', async () => {
    const { cache, time } = setup({ timersMode: 'never' });
    expect(cache.peek()).toBeUndefined();
    await cache.get();
    await time.advance(HOUR - 1);
    expect(cache.peek()).toBe('v1');
    await time.advance(1);
    expect(cache.peek()).toBeUndefined();
    expect(cache.closed).toBe(false);
    cache.close();
    expect(cache.closed).toBe(true);
    expect(cache.peek()).toBeUndefined();
    cache.close();
  });

  it('a value expiring exactly when it arrives is refused, with the label, the expiry and a clock hint', async () => {
    const { cache } = setup({ label: 'Ubiq credentials', script: [{ lifetime: 0 }] });
    await expect(cache.get()).rejects.toMatchObject({
      code: 'credentials_expired',
      message: `Ubiq credentials were already expired when they arrived (expiry ${new Date(T0).toISOString()}).`,
      hint: 'Check the clocks of this machine and of the server, and the certificate lifetime the server issues.',
    });
    cache.close();
  });

  it('chains timers for waits longer than a timer can hold, without loading early', async () => {
    // 40 days: refresh due after 32 days, longer than one timer (about 24.8 days) can wait.
    const { cache, time, contexts, delays } = setup({ script: [{ lifetime: 40 * 24 * HOUR }] });
    await cache.get();
    expect(delays[0]).toEqual({ delayMs: MAX_TIMER_DELAY_MS, keepAlive: false });
    await time.advance(MAX_TIMER_DELAY_MS);
    expect(contexts).toHaveLength(1);
    expect(delays).toHaveLength(2);
    expect(delays[1]!.delayMs).toBe(32 * 24 * HOUR - MAX_TIMER_DELAY_MS);
    await time.advance(32 * 24 * HOUR - MAX_TIMER_DELAY_MS);
    expect(contexts).toHaveLength(2);
    cache.close();
  });

  it('the soft-window timer does not start a second load while a forced refresh runs', async () => {
    const gate = deferred<void>();
    const { cache, time, contexts } = setup({ script: [{ lifetime: HOUR }, { gate: gate.promise, then: { lifetime: HOUR } }] });
    await cache.get();
    await time.advance(47 * MIN);
    const forced = cache.refresh();
    await time.advance(2 * MIN);
    expect(contexts).toHaveLength(2);
    gate.resolve();
    expect(await forced).toBe('v2');
    cache.close();
  });
});

describe('refreshing cache: failures, backoff and rate limits', () => {
  it('backs off exponentially with jitter up to maxDelayMs, and reports each attempt', async () => {
    const failure = new Error('down');
    const { cache, errors } = setup({ randomValue: 0.5, retry: { initialDelayMs: 1_000, maxDelayMs: 5_000 }, script: [{ lifetime: HOUR }, { error: failure }] });
    await cache.get();
    for (let i = 0; i < 5; i += 1) await expect(cache.refresh()).rejects.toBe(failure);
    // random 0.5: three quarters of min(5 s, 1 s × 2^(n-1)).
    expect(errors.map((e) => [e.info.attempt, e.info.reason, e.info.nextAttemptAt!.getTime() - T0])).toEqual([
      [1, 'forced', 750],
      [2, 'forced', 1_500],
      [3, 'forced', 3_000],
      [4, 'forced', 3_750],
      [5, 'forced', 3_750],
    ]);
    cache.close();
  });

  it('a failed first login reports no expiry and no scheduled attempt, and the next caller tries again', async () => {
    const failure = new Error('down');
    const { cache, errors, contexts } = setup({ script: [{ error: failure }, { lifetime: HOUR }] });
    await expect(cache.get()).rejects.toBe(failure);
    expect(errors.map((e) => e.info)).toEqual([{ reason: 'initial', attempt: 1, expiresAt: undefined, servingStale: false, nextAttemptAt: undefined }]);
    expect(await cache.get()).toBe('v2');
    expect(contexts.map((c) => c.reason)).toEqual(['initial', 'initial']);
    cache.close();
  });

  it('spaces background retries by the backoff, never beyond half the time a valid value has left', async () => {
    // initial 60 s, max 10 min, random 0: waits 30 s, 60 s, 120 s, 240 s, then capped by half of what is left.
    const failure = new Error('down');
    const { cache, time, errors, contexts } = setup({
      retry: { initialDelayMs: 60 * SEC, maxDelayMs: 10 * MIN },
      script: [{ lifetime: HOUR }, { error: failure }],
    });
    await cache.get();
    await time.advance(59 * MIN);
    const atFailure = contexts.slice(1).map((c) => c.at - T0);
    const gaps = errors.map((e, i) => e.info.nextAttemptAt!.getTime() - T0 - atFailure[i]!);
    expect(gaps.slice(0, 6)).toEqual([30 * SEC, 60 * SEC, 120 * SEC, 240 * SEC, 135 * SEC, 67.5 * SEC]);
    expect(errors.slice(0, 2).map((e) => e.info)).toEqual([
      { reason: 'background', attempt: 1, expiresAt: new Date(T0 + HOUR), servingStale: true, nextAttemptAt: new Date(T0 + 48 * MIN + 30 * SEC) },
      { reason: 'retry', attempt: 2, expiresAt: new Date(T0 + HOUR), servingStale: true, nextAttemptAt: new Date(T0 + 48 * MIN + 90 * SEC) },
    ]);
    cache.close();
  });

  it('serves the valid value without loading while backing off, and retries no earlier than asked', async () => {
    const failure = new Error('down');
    const { cache, time, contexts } = setup({ timersMode: 'never', script: [{ lifetime: HOUR }, { error: failure }] });
    await cache.get();
    await time.advance(48 * MIN);
    expect(await cache.get()).toBe('v1'); // starts the background refresh, which fails: next attempt in 500 ms
    await settle();
    expect(contexts).toHaveLength(2);
    await time.advance(499);
    expect(await cache.get()).toBe('v1');
    expect(contexts).toHaveLength(2);
    await time.advance(1);
    expect(await cache.get()).toBe('v1');
    await settle();
    expect(contexts.map((c) => c.reason)).toEqual(['initial', 'background', 'retry']);
    // In the hard window a backing-off cache still serves the valid value without asking again early.
    await time.advance(11 * MIN);
    const loads = contexts.length;
    expect(await cache.get()).toBe('v1');
    await settle();
    expect(contexts.length).toBe(loads + 1);
    expect(contexts.at(-1)!.reason).toBe('hard-window');
    expect(await cache.get()).toBe('v1');
    expect(contexts.length).toBe(loads + 1);
    cache.close();
  });

  it('does not retry in the background once the value has expired: the next caller loads', async () => {
    const failure = new Error('down');
    const { cache, time, contexts } = setup({ retry: { initialDelayMs: 4 * MIN, maxDelayMs: 10 * MIN }, script: [{ lifetime: 10 * MIN }, { error: failure }] });
    await cache.get();
    // Soft window 5 min: failures at 5, 7 and 9 min (waits of 2 min: the backoff, then half of what is left but
    // at least half the first wait), the next due at 11 min is past expiry and never runs.
    await time.advance(30 * MIN);
    expect(contexts.map((c) => c.at - T0)).toEqual([0, 5 * MIN, 7 * MIN, 9 * MIN]);
    cache.close();
  });

  it('honours a server-asked wait (retryAfterMs), spread over up to twice it, and ignores nonsense values', async () => {
    const cases: Array<[number | undefined, number]> = [
      [10_000, 10_000 + 0.5 * 2 * 10_000],
      [100, 100 + 0.5 * 2 * 1_000], // spread over at least twice the first retry delay
      [0, 0 + 0.5 * 2 * 1_000],
      [-1, 750], // exponential backoff instead: 3/4 of 1 s
      [Number.NaN, 750],
      [Number.POSITIVE_INFINITY, 750],
      [undefined, 750],
    ];
    for (const [asked, expected] of cases) {
      const failure = new Error('rate limited');
      const { cache, errors } = setup({ randomValue: 0.5, retryAfterMs: (e) => (e === failure ? asked : undefined), script: [{ lifetime: HOUR }, { error: failure }] });
      await cache.get();
      await expect(cache.refresh()).rejects.toBe(failure);
      expect([asked, errors[0]!.info.nextAttemptAt!.getTime() - T0]).toEqual([asked, expected]);
      cache.close();
    }
  });

  it('retries a transient failure inside the same wait, then succeeds, telling both listeners', async () => {
    const failure = new Error('429');
    const { cache, time, contexts, errors, successes, delays } = setup({
      isTransient: (e) => e === failure,
      retryAfterMs: () => 10 * SEC,
      script: [{ error: failure }, { lifetime: HOUR }],
    });
    const waiting = cache.get();
    await time.advance(10 * SEC - 1);
    expect(contexts).toHaveLength(1);
    await time.advance(1);
    expect(await waiting).toBe('v2');
    expect(contexts.map((c) => [c.reason, c.at - T0])).toEqual([
      ['initial', 0],
      ['retry', 10 * SEC],
    ]);
    expect(errors.map((e) => e.info)).toEqual([{ reason: 'initial', attempt: 1, expiresAt: undefined, servingStale: false, nextAttemptAt: new Date(T0 + 10 * SEC) }]);
    expect(successes[0]!.info).toMatchObject({ reason: 'initial', failedAttempts: 1 });
    // The wait a caller is held by keeps the process alive; the background timer does not.
    expect(delays[0]).toEqual({ delayMs: 10 * SEC, keepAlive: true });
    expect(delays[1]).toEqual({ delayMs: 48 * MIN, keepAlive: false });
    // After a success the backoff starts over.
    await expect(cache.refresh()).resolves.toBe('v3');
    cache.close();
  });

  it('gives up on transient failures at the login deadline counted from the first attempt (inclusive)', async () => {
    for (const [deadline, loads] of [
      [19_999, 2],
      [20_000, 3],
    ] as const) {
      const failure = new Error('429');
      const { cache, time, contexts } = setup({
        isTransient: () => true,
        retryAfterMs: () => 10 * SEC,
        retry: { initialDelayMs: 1_000, maxDelayMs: 30_000, loginDeadlineMs: deadline },
        script: [{ error: failure }],
      });
      const waiting = cache.get().catch((e: unknown) => e);
      await time.advance(60 * SEC);
      expect(await waiting).toBe(failure);
      expect([deadline, contexts.length]).toEqual([deadline, loads]);
      cache.close();
    }
  });

  it('does not retry a failure that is not transient, nor one nobody waits for any more', async () => {
    const failure = new Error('400');
    const plain = setup({ isTransient: () => false, retryAfterMs: () => SEC, script: [{ error: failure }] });
    await expect(plain.cache.get()).rejects.toBe(failure);
    expect(plain.contexts).toHaveLength(1);
    plain.cache.close();

    const gate = deferred<void>();
    const left = setup({ isTransient: () => true, retryAfterMs: () => SEC, script: [{ gate: gate.promise, then: { error: failure } }] });
    const controller = new AbortController();
    const waiting = left.cache.get(controller.signal);
    controller.abort(new Error('gave up'));
    await expect(waiting).rejects.toThrow('gave up');
    gate.resolve();
    await left.time.advance(5 * SEC);
    expect(left.contexts).toHaveLength(1);
    left.cache.close();
  });

  it('a forced refresh of a still-valid value is not retried inside the call: its failure reaches the caller', async () => {
    const failure = new Error('429');
    const { cache, contexts } = setup({ isTransient: () => true, retryAfterMs: () => SEC, script: [{ lifetime: HOUR }, { error: failure }] });
    await cache.get();
    await expect(cache.refresh()).rejects.toBe(failure);
    expect(contexts).toHaveLength(2);
    cache.close();
  });

  it('a caller arriving during a rate-limit wait joins it (up to the login deadline) instead of asking early', async () => {
    for (const [deadline, joins] of [
      [8 * SEC, true],
      [8 * SEC - 1, false],
    ] as const) {
      const failure = new Error('429');
      const gate = deferred<void>();
      const { cache, time, contexts } = setup({
        isTransient: (e) => e === failure,
        retryAfterMs: () => 10 * SEC,
        retry: { initialDelayMs: 1_000, maxDelayMs: 30_000, loginDeadlineMs: deadline },
        script: [{ gate: gate.promise, then: { error: failure } }, { lifetime: HOUR }],
      });
      // The first caller gives up, so the rate-limited load fails without an in-call retry: next attempt at 10 s.
      const controller = new AbortController();
      const first = cache.get(controller.signal).catch(() => undefined);
      controller.abort();
      await first;
      gate.resolve();
      await settle();
      await time.advance(2 * SEC);
      const second = cache.get();
      await settle();
      expect([deadline, contexts.length]).toEqual([deadline, joins ? 1 : 2]);
      await time.advance(8 * SEC);
      expect(await second).toBe('v2');
      expect([deadline, contexts[1]!.at - T0]).toEqual([deadline, joins ? 10 * SEC : 2 * SEC]);
      cache.close();
    }
  });

  it('close() during a rate-limit wait ends it at once and leaves no timer behind', async () => {
    const failure = new Error('429');
    const { cache, time } = setup({ isTransient: () => true, retryAfterMs: () => 10 * SEC, script: [{ error: failure }] });
    const waiting = cache.get();
    await settle();
    expect(time.pending()).toBe(1);
    cache.close();
    await expect(waiting).rejects.toMatchObject({ code: 'provider_closed' });
    expect(time.pending()).toBe(0);
  });

  it('caps a rate-limit wait at what one timer can hold', async () => {
    const { cache, time, delays } = setup({
      isTransient: () => true,
      retryAfterMs: () => 3e9,
      retry: { initialDelayMs: 1_000, maxDelayMs: 30_000, loginDeadlineMs: 1e10 },
      script: [{ error: new Error('429') }, { lifetime: HOUR }],
    });
    const waiting = cache.get();
    await settle();
    expect(delays[0]).toEqual({ delayMs: MAX_TIMER_DELAY_MS, keepAlive: true });
    await time.advance(MAX_TIMER_DELAY_MS);
    expect(await waiting).toBe('v2');
    cache.close();
  });

  it('a permanent failure of a forced refresh stops the scheduled background refresh too', async () => {
    const failure = new Error('revoked');
    const { cache, time, contexts, errors } = setup({ isPermanent: (e) => e === failure, script: [{ lifetime: HOUR }, { error: failure }] });
    await cache.get();
    await time.advance(10 * MIN);
    await expect(cache.refresh()).rejects.toBe(failure);
    expect(errors[0]!.info).toMatchObject({ servingStale: true, nextAttemptAt: undefined });
    await time.advance(45 * MIN);
    expect(contexts).toHaveLength(2);
    expect(await cache.get()).toBe('v1');
    cache.close();
  });

  it('a load settling after close() is neither kept nor reported', async () => {
    const ok = deferred<void>();
    const a = setup({ script: [{ gate: ok.promise, then: { lifetime: HOUR } }] });
    const waiting = a.cache.get();
    a.cache.close();
    await expect(waiting).rejects.toMatchObject({ code: 'provider_closed' });
    ok.resolve();
    await settle();
    expect(a.cache.peek()).toBeUndefined();
    expect(a.successes).toHaveLength(0);

    const bad = deferred<void>();
    const b = setup({ script: [{ gate: bad.promise, then: { error: new Error('late') } }] });
    const failing = b.cache.get();
    b.cache.close();
    await expect(failing).rejects.toMatchObject({ code: 'provider_closed' });
    bad.resolve();
    await settle();
    expect(b.errors).toHaveLength(0);
    await expect(b.cache.refresh()).rejects.toMatchObject({ code: 'provider_closed', message: 'Credentials provider was closed.', hint: 'Create a new provider; close() is for shutdown.' });
  });

  it('refresh() with an aborted signal starts nothing', async () => {
    const { cache, contexts } = setup();
    await expect(cache.refresh(AbortSignal.abort(new Error('stop')))).rejects.toThrow('stop');
    expect(contexts).toHaveLength(0);
    cache.close();
  });

  it('an aborted wait after expiry rejects with the abort reason, not credentials_expired', async () => {
    const gate = deferred<void>();
    const { cache, time } = setup({ timersMode: 'never', script: [{ lifetime: HOUR }, { gate: gate.promise, then: { error: new Error('down') } }] });
    await cache.get();
    await time.advance(HOUR);
    const controller = new AbortController();
    const waiting = cache.get(controller.signal);
    controller.abort(new Error('gave up'));
    await expect(waiting).rejects.toThrow('gave up');
    gate.resolve();
    cache.close();
  });

  it('the expired error describes foreign failures as the runtime would, and keeps a string hint only', async () => {
    const cases: Array<[unknown, string, string]> = [
      ['plain string', ': plain string.', 'Check the network path to the IdP and the Ubiq server, then call forceRefresh().'],
      [Object.assign(new Error('bad'), { code: 42, hint: 7 }), ': bad.', 'Check the network path to the IdP and the Ubiq server, then call forceRefresh().'],
      [Object.assign(new Error('bad'), { code: 'x_y', hint: 'Do this.' }), ': bad (x_y).', 'Do this.'],
      [{ hint: 'not an Error' }, ': [object Object].', 'Check the network path to the IdP and the Ubiq server, then call forceRefresh().'],
      [undefined, '.', 'Check the network path to the IdP and the Ubiq server, then call forceRefresh().'],
    ];
    for (const [failure, tail, hint] of cases) {
      const { cache, time } = setup({ timersMode: 'never', script: [{ lifetime: HOUR }, { error: failure }] });
      await cache.get();
      await time.advance(HOUR);
      const error = await cache.get().catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'credentials_expired', hint, ...(failure === undefined ? {} : { cause: failure }) });
      expect((error as Error).message).toBe(`Credentials expired at ${new Date(T0 + HOUR).toISOString()} and could not be renewed${tail}`);
      cache.close();
    }
  });

  it('defaults: first retry wait 2 s, waits capped at 60 s, transient retries for 5 min', async () => {
    const failure = new Error('down');
    const { cache, errors } = setup({ retry: {}, script: [{ lifetime: 24 * HOUR }, { error: failure }] });
    await cache.get();
    for (let i = 0; i < 8; i += 1) await expect(cache.refresh()).rejects.toBe(failure);
    // random 0: half of min(60 s, 2 s × 2^(n-1)).
    expect(errors.map((e) => e.info.nextAttemptAt!.getTime() - T0)).toEqual([1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000, 30_000]);
    cache.close();

    const transient = setup({ retry: {}, isTransient: () => true, retryAfterMs: () => 100 * SEC, script: [{ error: failure }] });
    const waiting = transient.cache.get().catch((e: unknown) => e);
    await transient.time.advance(10 * MIN);
    expect(await waiting).toBe(failure);
    // Loads at 0, 100, 200 and 300 s: the next would start after the 5 min deadline.
    expect(transient.contexts.map((c) => c.at - T0)).toEqual([0, 100 * SEC, 200 * SEC, 300 * SEC]);
    transient.cache.close();
  });

  it('a first retry wait of 0 still waits 1 ms, and a maximum below the first wait is raised to it', async () => {
    const failure = new Error('down');
    const zero = setup({ retry: { initialDelayMs: 0 }, script: [{ lifetime: HOUR }, { error: failure }] });
    await zero.cache.get();
    for (let i = 0; i < 4; i += 1) await expect(zero.cache.refresh()).rejects.toBe(failure);
    // Half of 1, 2, 4 and 8 ms (a Date keeps whole milliseconds).
    expect(zero.errors.map((e) => e.info.nextAttemptAt!.getTime() - T0)).toEqual([0, 1, 2, 4]);
    zero.cache.close();
    const low = setup({ retry: { initialDelayMs: 1_000, maxDelayMs: 10 }, script: [{ lifetime: HOUR }, { error: failure }] });
    await low.cache.get();
    await expect(low.cache.refresh()).rejects.toBe(failure);
    await expect(low.cache.refresh()).rejects.toBe(failure);
    expect(low.errors.map((e) => e.info.nextAttemptAt!.getTime() - T0)).toEqual([500, 500]);
    low.cache.close();
  });

  it('a forced refresh replaces the pending soft-window timer instead of adding one', async () => {
    const { cache, time } = setup();
    await cache.get();
    expect(time.pending()).toBe(1);
    await cache.refresh();
    expect(time.pending()).toBe(1);
    cache.close();
  });

  it('an onRefreshError listener that throws does not change what the caller gets', async () => {
    const failure = new Error('down');
    const { cache, contexts } = setup({
      onRefreshError: () => {
        throw new Error('listener bug');
      },
      script: [{ error: failure }, { lifetime: HOUR }],
    });
    await expect(cache.get()).rejects.toBe(failure);
    expect(await cache.get()).toBe('v2');
    expect(contexts).toHaveLength(2);
    cache.close();
  });
});
