// Fault matrix of the credential provider against the Okta emulator and the reference server over real
// sockets (issue 8): every fault has its expected outcome, a bounded number of requests, no unhandled
// rejection and no timer left after close().
import { describe, expect, it } from 'vitest';
import type { RetryOptions } from '../../src/http/index.js';
import { useOktaSystem } from './helpers/suite.js';
import { refusedPort, type System } from './helpers/system.js';

const suite = useOktaSystem();

/** Retry policy whose waits are recorded and skipped (the test counts attempts, not seconds). */
function recordedRetry(extra: RetryOptions = {}): { retry: RetryOptions; waits: number[] } {
  const waits: number[] = [];
  return {
    waits,
    retry: {
      maxAttempts: 4,
      baseDelayMs: 10,
      sleep: (ms, signal) => {
        if (signal?.aborted) return Promise.reject(signal.reason);
        waits.push(ms);
        return Promise.resolve();
      },
      ...extra,
    },
  };
}

// These cases bound one login's HTTP-level attempts; the provider's own retry of a transient first
// login (refresh.retry.loginDeadlineMs) is off here and tested in test/credentials/login-retry.test.ts.
const quick = (extra: Parameters<System['provider']>[0] = {}) => suite.sys.provider({ pregenerateKeyPair: suite.keys, refresh: { retry: { loginDeadlineMs: 0 } }, ...extra });

describe('IdP faults', () => {
  it('connection refused: retried a bounded number of times, typed network error, nothing cached', async () => {
    const config = await suite.sys.configWith({ tokenEndpointUrl: `http://127.0.0.1:${await refusedPort()}/oauth2/v1/token` });
    const { retry, waits } = recordedRetry({ maxAttempts: 3 });
    const provider = quick({ config, retry });
    const error = await provider().catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'IdpError', code: 'network_error' });
    expect(waits).toHaveLength(2); // 3 attempts
    expect(suite.sys.front.ssoRequests).toBe(0);
    // A second call tries again (a failed first login is not cached) and fails the same way.
    await expect(provider()).rejects.toMatchObject({ code: 'network_error' });
    expect(waits).toHaveLength(4);
  });

  it('IdP slower than the timeout: each attempt times out, bounded attempts, then recovers when the IdP does', async () => {
    suite.sys.okta.faults.set({ latencyMs: 8_000, endpoints: ['token'] });
    const { retry } = recordedRetry({ maxAttempts: 2 });
    const provider = quick({ timeoutMs: 1_000, retry });
    await expect(provider()).rejects.toMatchObject({ name: 'IdpError', code: 'timeout' });
    expect(suite.sys.okta.stats().byEndpoint.token).toBe(2);
    suite.sys.okta.faults.clear();
    const credentials = await provider();
    expect(credentials.kind).toBe('idp');
    expect(suite.sys.okta.stats().byEndpoint.token).toBe(3);
    expect(suite.sys.front.ssoRequests).toBe(1);
  });

  it('IdP 5xx for a while then healthy: retried with backoff inside one login', async () => {
    suite.sys.okta.faults.set({ failNext: { count: 3, status: 503 }, endpoints: ['token'] });
    const { retry, waits } = recordedRetry({ maxAttempts: 5 });
    const provider = quick({ retry });
    expect((await provider()).kind).toBe('idp');
    expect(suite.sys.okta.stats().byEndpoint.token).toBe(4);
    expect(suite.sys.okta.stats().byStatus['503']).toBe(3);
    expect(waits).toHaveLength(3);
    for (const [i, wait] of waits.entries()) expect(wait).toBeLessThan(10 * 2 ** i); // full jitter under the doubling ceiling
  });

  it('IdP 5xx longer than the retry budget: typed idp_unavailable after exactly maxAttempts requests', async () => {
    suite.sys.okta.faults.set({ failNext: { count: 50, status: 502 }, endpoints: ['token'] });
    const { retry } = recordedRetry({ maxAttempts: 4 });
    const provider = quick({ retry });
    await expect(provider()).rejects.toMatchObject({ name: 'IdpError', code: 'idp_unavailable' });
    expect(suite.sys.okta.stats().byEndpoint.token).toBe(4);
  });

  it('429 storm with Retry-After: waits what the IdP asks, bounded, then succeeds; a longer storm ends in rate_limited', async () => {
    suite.sys.okta.faults.set({ rateLimitNext: { count: 3, retryAfterSeconds: 2 }, endpoints: ['token'] });
    const { retry, waits } = recordedRetry({ maxAttempts: 5, deadlineMs: 60_000 });
    const provider = quick({ retry });
    expect((await provider()).kind).toBe('idp');
    expect(waits).toEqual([2_000, 2_000, 2_000]);
    expect(suite.sys.okta.stats().byStatus['429']).toBe(3);
    expect(suite.sys.okta.stats().byEndpoint.token).toBe(4);

    suite.sys.okta.resetStats();
    suite.sys.okta.faults.set({ rateLimitNext: { count: 100, retryAfterSeconds: 1 }, endpoints: ['token'] });
    const stormed = quick({ retry: recordedRetry({ maxAttempts: 4, deadlineMs: 60_000 }).retry });
    const error = await stormed().catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'IdpError', code: 'rate_limited' });
    expect(suite.sys.okta.stats().byEndpoint.token).toBe(4);
  });

  it("Okta's per-user limit (X-Rate-Limit-Reset, no Retry-After): waits for the window, then gets the token", async () => {
    // Emulator time moves only when the provider sleeps: the wait it computes is what it would really wait.
    // Emulator time moves only when the provider sleeps: the wait it computes (from the answer's Date and
    // X-Rate-Limit-Reset, both on the emulator's clock) is what it would really wait.
    let t = Date.parse('2026-03-01T10:00:00.250Z');
    const okta = (await import('ubiq-idp/testing')).createOktaEmulator({
      clock: { now: () => t, advance() {}, setNow() {}, useRealTime() {} },
      apps: [{ clientId: 'c1', clientSecret: 'canary-secret-xrl', grantTypes: ['password', 'refresh_token'], grantedScopes: ['okta.users.read', 'okta.groups.read'] }],
      users: [{ login: 'ada@example.com', password: 'pw-xrl' }],
      rateLimit: { perUserPerSecond: 1 },
    });
    const info = await okta.listen();
    try {
      const config = await (await import('../../src/config/load.js')).loadConfig({
        env: {},
        homeDir: '/nonexistent',
        allowInsecureHttp: true,
        overrides: {
          server: suite.sys.front.url,
          idp: { provider: 'okta', customerId: suite.sys.server.info().customerId, tokenEndpointUrl: info.tokenEndpoint, clientId: 'c1', clientSecret: 'canary-secret-xrl' },
          username: 'ada@example.com',
          password: 'pw-xrl',
        },
      });
      const waits: number[] = [];
      const retry: RetryOptions = {
        maxAttempts: 3,
        now: () => t,
        sleep: (ms) => {
          waits.push(ms);
          t += ms;
          return Promise.resolve();
        },
      };
      // The SSO endpoint cannot verify this org's tokens: only the token requests are under test here.
      const provider = quick({ config, retry });
      await okta.signToken({ warm: true }); // the emulator's first signature creates its key
      await provider().catch(() => undefined);
      await provider.forceRefresh().catch(() => undefined);
      expect(okta.stats().byStatus['429']).toBe(1);
      // Reset at 10:00:01, Date says 10:00:00 (one-second resolution): one wait of one second, then 200.
      expect(waits).toEqual([1_000]);
      expect(okta.stats().byEndpoint.token).toBe(3); // both logins got their token in the end
    } finally {
      await okta.close();
    }
  });

  it.each([
    ['malformedJson', { malformedJson: 1 }],
    ['truncatedJson', { truncatedJson: 1 }],
  ] as const)('%s from the token endpoint: typed invalid_response, one request, next call works', async (_name, fault) => {
    suite.sys.okta.faults.set({ ...fault, endpoints: ['token'] });
    const provider = quick({ retry: recordedRetry().retry });
    await expect(provider()).rejects.toMatchObject({ name: 'IdpError', code: 'invalid_response' });
    expect(suite.sys.okta.stats().byEndpoint.token).toBe(1);
    expect(suite.sys.front.ssoRequests).toBe(0);
    expect((await provider()).kind).toBe('idp');
  });

  it('a truncated SSO answer: sso_bad_response, next call works', async () => {
    suite.sys.front.faults.truncateNext = 1;
    const provider = quick();
    await expect(provider()).rejects.toMatchObject({ name: 'SsoError', code: 'sso_bad_response' });
    expect((await provider()).kind).toBe('idp');
    expect(suite.sys.front.ssoRequests).toBe(2);
  });

  it('close() during a hung login: pending callers get provider_closed, no socket or timer is left', async () => {
    suite.sys.okta.faults.set({ latencyMs: 5_000, endpoints: ['token'] });
    const provider = quick({ timeoutMs: 10_000 });
    const pending = Array.from({ length: 20 }, () => provider().catch((e: unknown) => e));
    await new Promise((resolve) => setTimeout(resolve, 50));
    await provider.close();
    const errors = await Promise.all(pending);
    for (const error of errors) expect(error).toMatchObject({ code: 'provider_closed' });
    expect(suite.sys.front.ssoRequests).toBe(0);
  });

  it("an AbortSignal ends one caller's wait (process shutdown), others keep theirs and the shared login completes", async () => {
    suite.sys.okta.faults.set({ latencyMs: 300, endpoints: ['token'] });
    const provider = quick();
    const controller = new AbortController();
    const aborted = provider({ signal: controller.signal }).catch((e: unknown) => e);
    const other = provider();
    setTimeout(() => controller.abort(new Error('SIGTERM')), 20);
    expect(await aborted).toMatchObject({ message: 'SIGTERM' });
    expect((await other).kind).toBe('idp');
    expect(suite.sys.okta.stats().byEndpoint.token).toBe(1);
    // An already-aborted signal rejects at once and sends nothing.
    const before = suite.sys.front.ssoRequests;
    await expect(provider.forceRefresh({ signal: AbortSignal.abort(new Error('gone')) })).rejects.toThrow('gone');
    expect(suite.sys.front.ssoRequests).toBe(before);
  });
});

describe('SSO endpoint faults (reference server behind a faulty front)', () => {
  it('connection refused at the SSO endpoint: typed sso_unreachable, bounded attempts', async () => {
    const config = await suite.sys.configWith({ server: `http://127.0.0.1:${await refusedPort()}` });
    const { retry, waits } = recordedRetry({ maxAttempts: 3 });
    const provider = quick({ config, retry });
    await expect(provider()).rejects.toMatchObject({ name: 'SsoError', code: 'sso_unreachable' });
    expect(waits).toHaveLength(2);
    expect(suite.sys.okta.stats().byEndpoint.token).toBe(1); // the IdP token is not asked again per SSO attempt
  });

  it('SSO slower than the timeout on a first login: typed error, the next call recovers', async () => {
    suite.sys.front.faults.latencyMs = 8_000;
    const provider = quick({ timeoutMs: 1_000 });
    const error = await provider().catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'SsoError' });
    expect(['sso_unreachable']).toContain((error as { code: string }).code);
    suite.sys.front.faults.latencyMs = 0;
    expect((await provider()).kind).toBe('idp');
  });
});
