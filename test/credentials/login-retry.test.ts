// A login that callers wait for (first login, or after expiry) and that fails transiently (IdP 429 with
// Retry-After, 5xx, network) is retried by the provider itself within one shared login, bounded by
// refresh.retry.loginDeadlineMs; failures only a person can fix are not retried. Okta emulator, reference
// server and provider share one manual clock; the sockets are real. HTTP-level retries are off here
// (the system helper's default), so every IdP answer reaches the provider.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { generateRsaKeyPair, type RsaKeyPair } from '../../src/crypto/keypair.js';
import type { RefreshErrorInfo } from '../../src/credentials/refreshing.js';
import { defaultTimers } from '../../src/credentials/timers.js';
import type { UbiqIdpCredentials } from '../../src/credentials/ubiq-credentials.js';
import { settle, trackUnhandledRejections } from '../reliability/helpers/guards.js';
import { startSystem, type System } from '../reliability/helpers/system.js';

const MIN = 60_000;
let keys: RsaKeyPair;
let sys: System;
let unhandled: ReturnType<typeof trackUnhandledRejections>;

beforeAll(async () => {
  [keys, sys] = await Promise.all([generateRsaKeyPair({ modulusLength: 2048 }), startSystem({ fakeTime: true })]);
  await sys.okta.signToken({ warm: true }); // the emulator's first signature creates its key (slow)
});
afterAll(async () => {
  await sys.close();
});
beforeEach(() => {
  sys.okta.faults.clear();
  sys.okta.resetStats();
  sys.front.reset();
  unhandled = trackUnhandledRejections();
});
afterEach(async () => {
  await sys.closeProviders();
  sys.okta.faults.clear();
  await settle();
  try {
    expect(unhandled.rejections).toEqual([]);
    expect(sys.time!.pending()).toBe(0); // close() left no retry wait behind
  } finally {
    unhandled.dispose();
  }
});

/** A failed attempt and the (manual) time it was reported at. */
type Failure = { error: unknown; info: RefreshErrorInfo; at: number };

/** A provider on the shared clock whose failed attempts are queued; `failure()` waits for the next one. */
function watched(extra: Parameters<System['provider']>[0] = {}) {
  const failures: Failure[] = [];
  const waiting: Array<(f: Failure) => void> = [];
  const provider = sys.provider({
    pregenerateKeyPair: keys,
    random: () => 0,
    ...extra,
    onRefreshError: (error, info) => {
      const f = { error, info, at: sys.time!.now() };
      const next = waiting.shift();
      if (next) next(f);
      else failures.push(f);
    },
  });
  const failure = (): Promise<Failure> => {
    const queued = failures.shift();
    return queued ? Promise.resolve(queued) : new Promise((resolve) => waiting.push(resolve));
  };
  return { provider, failure };
}

const tokens = () => sys.okta.stats().byEndpoint.token ?? 0;
const waitOf = (f: Failure) => f.info.nextAttemptAt!.getTime() - f.at;

describe('login retried by the provider while callers wait', () => {
  it('429 with Retry-After beyond any HTTP budget: 1,000 callers share one login that waits what Okta asks (stretched by jitter), then succeeds with 2 token requests and 1 SSO request', async () => {
    sys.okta.faults.set({ rateLimitNext: { count: 1, retryAfterSeconds: 45 }, endpoints: ['token'] });
    const { provider, failure } = watched({ random: () => 0.5 });
    const calls = Array.from({ length: 1_000 }, () => provider());
    const first = await failure();
    expect(first.error).toMatchObject({ name: 'IdpError', code: 'rate_limited', retryAfterMs: 45_000 });
    expect(first.info).toMatchObject({ reason: 'initial', attempt: 1, servingStale: false, expiresAt: undefined });
    // 45 s asked, plus random 0.5 × twice the wait: back at +90 s, never before +45 s.
    expect(waitOf(first)).toBe(90_000);
    await sys.time!.advance(90_000 - 1);
    expect(tokens()).toBe(1);
    await sys.time!.advance(1);
    const results = await Promise.all(calls);
    expect(new Set(results.map((c) => c.accessKeyId)).size).toBe(1);
    expect(tokens()).toBe(2);
    expect(sys.front.ssoRequests).toBe(1);
  });

  it('with random 0 the retry comes exactly at the asked wait, not before', async () => {
    sys.okta.faults.set({ rateLimitNext: { count: 1, retryAfterSeconds: 45 }, endpoints: ['token'] });
    const { provider, failure } = watched();
    const call = provider();
    expect(waitOf(await failure())).toBe(45_000);
    await sys.time!.advance(45_000);
    expect((await call).kind).toBe('idp');
    expect(tokens()).toBe(2);
  });

  it('IdP 5xx for a while: exponential backoff (2 s ceiling doubling), callers get credentials once it heals', async () => {
    sys.okta.faults.set({ failNext: { count: 2, status: 503 }, endpoints: ['token'] });
    const { provider, failure } = watched();
    const call = provider();
    const first = await failure();
    expect(first.error).toMatchObject({ code: 'idp_unavailable' });
    expect(waitOf(first)).toBe(1_000); // half of the 2 s ceiling with random 0
    await sys.time!.advance(1_000);
    const second = await failure();
    expect(second.info).toMatchObject({ reason: 'retry', attempt: 2, servingStale: false });
    expect(waitOf(second)).toBe(2_000);
    await sys.time!.advance(2_000);
    expect((await call).kind).toBe('idp');
    expect(tokens()).toBe(3);
    expect(sys.front.ssoRequests).toBe(1);
  });

  it('gives up at the login deadline with the last typed error, after a bounded number of requests', async () => {
    sys.okta.faults.set({ failNext: { count: 100, status: 502 }, endpoints: ['token'] });
    const { provider, failure } = watched({ refresh: { retry: { loginDeadlineMs: 10_000 } } });
    const call = provider().catch((e: unknown) => e);
    // Waits of 1, 2 and 4 s fit in 10 s; the next (8 s, ending at 15 s) does not.
    for (const wait of [1_000, 2_000, 4_000]) {
      expect(waitOf(await failure())).toBe(wait);
      await sys.time!.advance(wait);
    }
    expect(await call).toMatchObject({ name: 'IdpError', code: 'idp_unavailable' });
    expect(tokens()).toBe(4);
    expect(sys.front.ssoRequests).toBe(0);
  });

  it('loginDeadlineMs 0 turns it off: the first transient failure reaches the caller', async () => {
    sys.okta.faults.set({ rateLimitNext: { count: 1, retryAfterSeconds: 45 }, endpoints: ['token'] });
    const { provider } = watched({ refresh: { retry: { loginDeadlineMs: 0 } } });
    await expect(provider()).rejects.toMatchObject({ code: 'rate_limited' });
    expect(tokens()).toBe(1);
  });

  it('a wrong password is not retried: one token request, the error at once', async () => {
    const config = await sys.configWith({});
    if (config.kind !== 'idp') throw new Error('expected an IdP profile');
    const { provider } = watched({ config: { ...config, user: { ...config.user, password: 'not-the-password' } } });
    await expect(provider()).rejects.toMatchObject({ name: 'IdpError', code: 'invalid_credentials' });
    expect(tokens()).toBe(1);
    expect(sys.time!.pending()).toBe(0);
  });

  it('a caller that aborts stops waiting at once; the others keep the shared login and get credentials', async () => {
    sys.okta.faults.set({ rateLimitNext: { count: 1, retryAfterSeconds: 30 }, endpoints: ['token'] });
    const { provider, failure } = watched();
    const controller = new AbortController();
    const leaving = provider({ signal: controller.signal }).catch((e: unknown) => e);
    const staying = provider();
    await failure();
    controller.abort(new Error('caller gave up'));
    expect(await leaving).toMatchObject({ message: 'caller gave up' });
    await sys.time!.advance(30_000);
    expect((await staying).kind).toBe('idp');
    expect(tokens()).toBe(2);
  });

  it('close() during the wait rejects the callers with provider_closed at once and sends nothing more', async () => {
    sys.okta.faults.set({ rateLimitNext: { count: 1, retryAfterSeconds: 45 }, endpoints: ['token'] });
    const { provider, failure } = watched();
    const calls = [provider(), provider()].map((p) => p.catch((e: unknown) => e));
    await failure();
    expect(sys.time!.pending()).toBeGreaterThan(0);
    await provider.close();
    for (const result of await Promise.all(calls)) expect(result).toMatchObject({ code: 'provider_closed' });
    expect(sys.time!.pending()).toBe(0);
    await sys.time!.advance(MIN);
    expect(tokens()).toBe(1);
  });

  it('a rate-limited background refresh keeps serving and retries after the asked wait too (same policy)', async () => {
    const { provider, failure } = watched({ random: () => 0.25 });
    const first = await provider();
    sys.okta.faults.set({ rateLimitNext: { count: 1, retryAfterSeconds: 40 }, endpoints: ['token'] });
    // Into the soft window of the 1 h certificate (it starts about 12 min before expiry).
    await sys.time!.advance(first.expiresAt.getTime() - 11.4 * MIN - sys.time!.now());
    const refused = await failure();
    expect(refused.error).toMatchObject({ code: 'rate_limited' });
    expect(refused.info).toMatchObject({ servingStale: true });
    expect(waitOf(refused)).toBe(40_000 + 0.25 * 2 * 40_000);
    expect(await provider()).toBe(first);
    await sys.time!.advance(refused.at + 60_000 - 1 - sys.time!.now());
    expect(tokens()).toBe(2);
    const refreshed = new Promise<UbiqIdpCredentials>((resolve) => provider.onRefresh(resolve));
    await sys.time!.advance(1);
    expect((await refreshed).expiresAt.getTime()).toBeGreaterThan(first.expiresAt.getTime());
    expect(await provider()).toBe(await refreshed);
    expect(tokens()).toBe(3);
  });

  it('after expiry, callers join the pending rate-limited retry instead of failing at once', async () => {
    const { provider, failure } = watched();
    const first = await provider();
    const expiry = first.expiresAt.getTime();
    // The background refresh (soft window, 12 min before expiry) is told to come back in 15 min: after expiry.
    sys.okta.faults.set({ rateLimitNext: { count: 1, retryAfterSeconds: 900 }, endpoints: ['token'] });
    await sys.time!.advance(expiry - 11 * MIN - sys.time!.now());
    const refused = await failure();
    expect(refused.info.servingStale).toBe(true);
    expect(waitOf(refused)).toBe(900_000);
    expect(refused.info.nextAttemptAt!.getTime()).toBeGreaterThan(expiry + MIN);
    await sys.time!.advance(12 * MIN); // expired, the retry still more than a minute away
    const call = provider();
    await settle();
    expect(tokens()).toBe(2); // nothing asked early, no credentials_expired at once
    await sys.time!.advance(2 * MIN);
    expect((await call).expiresAt.getTime()).toBeGreaterThan(expiry);
    expect(tokens()).toBe(3);
  });
});

describe('retry waits keep the process alive only when a caller waits on them', () => {
  it('default timers: keepAlive waits are ref\'ed, background timers are not', () => {
    const timers = defaultTimers();
    const background = timers.setTimeout(() => {}, 60_000) as NodeJS.Timeout;
    const waited = timers.setTimeout(() => {}, 60_000, { keepAlive: true }) as NodeJS.Timeout;
    try {
      expect(background.hasRef()).toBe(false);
      expect(waited.hasRef()).toBe(true);
    } finally {
      timers.clearTimeout(background);
      timers.clearTimeout(waited);
    }
  });
});
