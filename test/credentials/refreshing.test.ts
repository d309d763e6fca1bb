import { describe, expect, it, vi } from 'vitest';
import { createRefreshingCache, type ExpiringValue, type LoadContext, type RefreshErrorInfo } from '../../src/credentials/refreshing.js';
import { createFakeTime } from './helpers/fake-time.js';

const MIN = 60_000;
const HOUR = 60 * MIN;

function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** A cache over a scripted loader: each load returns `v{n}` valid for `lifetime` from "now", or fails while `failing`. */
function setup(options: { lifetime?: number; random?: number; softWindowMs?: number; hardWindowMs?: number } = {}) {
  const time = createFakeTime();
  const lifetime = options.lifetime ?? HOUR;
  const state = { loads: 0, failing: false as false | Error, gate: undefined as Promise<void> | undefined };
  const reasons: string[] = [];
  const errors: Array<{ error: unknown; info: RefreshErrorInfo }> = [];
  const refreshed: string[] = [];
  const cache = createRefreshingCache<string>({
    async load(context: LoadContext<string>): Promise<ExpiringValue<string>> {
      state.loads += 1;
      reasons.push(context.reason);
      const n = state.loads;
      if (state.gate) await state.gate;
      if (state.failing) throw state.failing;
      return { value: `v${n}`, expiresAt: time.now() + lifetime, issuedAt: time.now() };
    },
    now: time.now,
    timers: time.timers,
    random: () => options.random ?? 0,
    ...(options.softWindowMs !== undefined ? { softWindowMs: options.softWindowMs } : {}),
    ...(options.hardWindowMs !== undefined ? { hardWindowMs: options.hardWindowMs } : {}),
    retry: { initialDelayMs: 1_000, maxDelayMs: 30_000 },
    onRefresh: (value) => refreshed.push(value),
    onRefreshError: (error, info) => errors.push({ error, info }),
  });
  return { time, cache, state, reasons, errors, refreshed };
}

describe('createRefreshingCache', () => {
  it('shares one load between 1,000 concurrent first callers', async () => {
    const { cache, state } = setup();
    const gate = deferred<void>();
    state.gate = gate.promise;
    const calls = Array.from({ length: 1_000 }, () => cache.get());
    gate.resolve();
    const values = await Promise.all(calls);
    expect(new Set(values)).toEqual(new Set(['v1']));
    expect(state.loads).toBe(1);
    cache.close();
  });

  it('serves the cached value without loading until the soft window (max(5 min, 20% of lifetime))', async () => {
    const { cache, state, time, reasons } = setup();
    expect(await cache.get()).toBe('v1');
    // 1 h lifetime: soft window 12 min, so nothing happens until 48 min.
    await time.advance(47 * MIN);
    expect(await cache.get()).toBe('v1');
    expect(state.loads).toBe(1);
    await time.advance(1 * MIN);
    expect(state.loads).toBe(2);
    expect(reasons).toEqual(['initial', 'background']);
    expect(await cache.get()).toBe('v2');
    cache.close();
  });

  it('uses 5 minutes as the soft window for short lifetimes', async () => {
    const { cache, state, time } = setup({ lifetime: 20 * MIN });
    await cache.get();
    await time.advance(14 * MIN + 59_000);
    expect(state.loads).toBe(1);
    await time.advance(1_000);
    expect(state.loads).toBe(2);
    cache.close();
  });

  it('delays the refresh by jitter inside the soft window', async () => {
    const { cache, state, time } = setup({ random: 0.999 });
    await cache.get();
    // soft 12 min, hard 1 min: jitter 0.2 × 11 min ≈ 2.2 min later than 48 min.
    await time.advance(50 * MIN);
    expect(state.loads).toBe(1);
    await time.advance(0.3 * MIN);
    expect(state.loads).toBe(2);
    cache.close();
  });

  it('keeps answering at once with the old value while a background refresh runs', async () => {
    const { cache, state, time } = setup();
    await cache.get();
    const gate = deferred<void>();
    state.gate = gate.promise;
    await time.advance(50 * MIN);
    expect(state.loads).toBe(2);
    const during = await Promise.all(Array.from({ length: 100 }, () => cache.get()));
    expect(new Set(during)).toEqual(new Set(['v1']));
    expect(state.loads).toBe(2);
    gate.resolve();
    await time.settle();
    expect(await cache.get()).toBe('v2');
    cache.close();
  });

  it('keeps serving still-valid credentials when refreshes fail, retries with backoff, reports, and recovers', async () => {
    const { cache, state, time, errors, refreshed } = setup();
    await cache.get();
    state.failing = new Error('IdP is down');
    await time.advance(48 * MIN);
    expect(state.loads).toBe(2);
    expect(errors).toHaveLength(1);
    expect(errors[0]!.info).toMatchObject({ attempt: 1, servingStale: true, reason: 'background' });
    expect(await cache.get()).toBe('v1');

    // Retries come from the timer with growing delays (1 s, 2 s, 4 s … with jitter 0 → half of each).
    await time.advance(500);
    expect(state.loads).toBe(3);
    await time.advance(1_000);
    expect(state.loads).toBe(4);
    expect(errors.map((e) => e.info.attempt)).toEqual([1, 2, 3]);
    expect(await cache.get()).toBe('v1');

    state.failing = false;
    await time.advance(2_000);
    expect(state.loads).toBe(5);
    expect(refreshed.at(-1)).toBe('v5');
    expect(await cache.get()).toBe('v5');
    cache.close();
  });

  it('after expiry throws credentials_expired that says why the last refresh failed, without hammering the source', async () => {
    const { cache, state, time } = setup({ lifetime: 10 * MIN });
    await cache.get();
    state.failing = Object.assign(new Error('invalid_grant: password expired'), { code: 'idp_password_expired', hint: 'Reset the password.' });
    await time.advance(10 * MIN);
    const loadsAtExpiry = state.loads;
    expect(loadsAtExpiry).toBeGreaterThan(2);
    const error = await cache.get().catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'credentials_expired', name: 'CredentialsError', hint: 'Reset the password.' });
    expect((error as Error).message).toContain('password expired');
    expect((error as Error).message).toContain('idp_password_expired');
    expect((error as Error).cause).toBe(state.failing);
    // Inside the backoff, more callers fail fast instead of each starting a login.
    const before = state.loads;
    await Promise.all(Array.from({ length: 50 }, () => cache.get().catch(() => undefined)));
    expect(state.loads - before).toBeLessThanOrEqual(1);
    // Once the source works again, the next caller past the backoff gets fresh credentials.
    state.failing = false;
    await time.advance(60_000);
    expect(await cache.get()).toMatch(/^v\d+$/);
    cache.close();
  });

  it('makes callers wait inside the hard window, and serves the old value if that refresh fails', async () => {
    const { cache, state, time } = setup({ hardWindowMs: MIN });
    await cache.get();
    // The background refresh starts at 48 min and is held by the gate; at 59.5 min callers must wait for it.
    const gate = deferred<void>();
    state.gate = gate.promise;
    state.failing = new Error('boom');
    await time.advance(59.5 * MIN);
    expect(state.loads).toBe(2);
    let settled = false;
    const waiting = cache.get().then((v) => {
      settled = true;
      return v;
    });
    await time.settle();
    expect(settled).toBe(false);
    gate.resolve();
    expect(await waiting).toBe('v1');
    cache.close();
  });

  it('does not refresh on every call when the certificate is shorter than the windows', async () => {
    const { cache, state, time } = setup({ lifetime: 2_000 });
    await cache.get();
    for (let i = 0; i < 99; i += 1) {
      await cache.get();
      await time.advance(10);
    }
    // 0.99 s of calls inside a 2 s lifetime: soft window capped at half of it, so no load yet.
    expect(state.loads).toBe(1);
    await time.advance(20_000);
    // Then about one refresh per second of lifetime half, not one per call.
    expect(state.loads).toBeGreaterThan(5);
    expect(state.loads).toBeLessThan(25);
    cache.close();
  });

  it('forceRefresh joins a running refresh and otherwise loads anew', async () => {
    const { cache, state } = setup();
    await cache.get();
    const [a, b] = await Promise.all([cache.refresh(), cache.refresh()]);
    expect(a).toBe('v2');
    expect(b).toBe('v2');
    expect(state.loads).toBe(2);
    expect(await cache.refresh()).toBe('v3');
    cache.close();
  });

  it('forceRefresh failures reach the caller while the old value is still served', async () => {
    const { cache, state } = setup();
    await cache.get();
    state.failing = new Error('nope');
    await expect(cache.refresh()).rejects.toThrow('nope');
    expect(await cache.get()).toBe('v1');
    cache.close();
  });

  it("a caller's abort ends only its own wait; the shared load finishes for everyone else", async () => {
    const { cache, state } = setup();
    const gate = deferred<void>();
    state.gate = gate.promise;
    const controller = new AbortController();
    const aborted = cache.get(controller.signal);
    const other = cache.get();
    controller.abort(new Error('caller gave up'));
    await expect(aborted).rejects.toThrow('caller gave up');
    gate.resolve();
    expect(await other).toBe('v1');
    expect(state.loads).toBe(1);
    await expect(cache.get(AbortSignal.abort(new Error('already')))).rejects.toThrow('already');
    cache.close();
  });

  it('close() clears every timer, rejects waiters with provider_closed, and refuses later calls', async () => {
    const { cache, state, time } = setup();
    await cache.get();
    expect(time.pending()).toBe(1);
    cache.close();
    expect(time.pending()).toBe(0);
    await expect(cache.get()).rejects.toMatchObject({ code: 'provider_closed' });

    const second = setup();
    second.state.gate = new Promise(() => {});
    const waiting = second.cache.get();
    second.cache.close();
    await expect(waiting).rejects.toMatchObject({ code: 'provider_closed' });
    expect(second.time.pending()).toBe(0);
    expect(state.loads).toBe(1);
  });

  it('treats a value that is already expired on arrival as a failure', async () => {
    const time = createFakeTime();
    const cache = createRefreshingCache({ load: () => Promise.resolve({ value: 1, expiresAt: time.now() - 1 }), now: time.now, timers: time.timers });
    await expect(cache.get()).rejects.toMatchObject({ code: 'credentials_expired' });
    cache.close();
  });

  it('survives listeners that throw', async () => {
    const time = createFakeTime();
    const onRefresh = vi.fn(() => {
      throw new Error('listener bug');
    });
    const cache = createRefreshingCache({ load: () => Promise.resolve({ value: 1, expiresAt: time.now() + HOUR }), now: time.now, timers: time.timers, onRefresh });
    expect(await cache.get()).toBe(1);
    expect(onRefresh).toHaveBeenCalledTimes(1);
    cache.close();
  });

  it('never retries a permanent failure by itself; refresh() tries again', async () => {
    const time = createFakeTime();
    let loads = 0;
    let fail: Error | undefined = new Error('wrong password');
    const cache = createRefreshingCache({
      load: () => {
        loads += 1;
        if (fail) return Promise.reject(fail);
        return Promise.resolve({ value: loads, expiresAt: time.now() + HOUR });
      },
      isPermanent: (error) => error === fail,
      now: time.now,
      timers: time.timers,
      random: () => 0,
    });
    await expect(cache.get()).rejects.toThrow('wrong password');
    await expect(cache.get()).rejects.toThrow('wrong password');
    expect(loads).toBe(1);
    fail = undefined;
    expect(await cache.refresh()).toBe(2);
    // A permanent failure of a background refresh: stale value served, no retry timer, expired error after.
    fail = new Error('password expired');
    await time.advance(50 * MIN);
    expect(loads).toBe(3);
    expect(time.pending()).toBe(0);
    expect(await cache.get()).toBe(2);
    await time.advance(20 * MIN);
    await expect(cache.get()).rejects.toMatchObject({ code: 'credentials_expired', cause: fail });
    expect(loads).toBe(3);
    cache.close();
  });

  it('rejects nonsensical window options with a typed error', () => {
    expect(() => createRefreshingCache({ load: () => Promise.resolve({ value: 1, expiresAt: 0 }), jitter: 2 })).toThrow(expect.objectContaining({ code: 'invalid_provider_options' }));
    expect(() => createRefreshingCache({ load: () => Promise.resolve({ value: 1, expiresAt: 0 }), softWindowMs: -1 })).toThrow(expect.objectContaining({ code: 'invalid_provider_options' }));
  });
});
