// Retries and their limits, timeouts and abort, counted at the emulators (real sockets).
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createEntraEmulator, createOktaEmulator, type EntraEmulator, type OktaEmulator } from 'ubiq-idp/testing';
import { fetchIdpToken, type FetchIdpTokenOptions } from '../../src/idp/index.js';
import type { IdpSettings } from '../../src/config/types.js';
import { failure } from './helpers.js';

const PASSWORD = 'ada-password-value';
const SECRET = 'okta-client-secret-value';
const user = { username: 'ada@example.com', password: PASSWORD };

let okta: OktaEmulator;
let settings: IdpSettings;
let delays: number[];
let options: FetchIdpTokenOptions;
beforeEach(async () => {
  okta = createOktaEmulator({
    apps: [{ clientId: '0oaclient', clientSecret: SECRET, grantTypes: ['password', 'refresh_token'], grantedScopes: ['okta.users.read', 'okta.groups.read'] }],
    users: [{ login: 'ada@example.com', password: PASSWORD }],
    rateLimit: { perUserPerSecond: 0 },
  });
  const { tokenEndpoint } = await okta.listen();
  settings = { provider: 'okta', customerId: 'c', tokenEndpointUrl: tokenEndpoint, clientId: '0oaclient', clientSecret: SECRET };
  delays = [];
  // Waits are recorded, not slept: the tests count requests and check waits without wall-clock time.
  options = { allowInsecureHttp: true, retry: { sleep: (ms) => Promise.resolve(void delays.push(ms)), random: () => 0.5 } };
});
afterEach(async () => {
  await okta.close();
});

describe('retries', () => {
  it('429 storm: 4 requests (the default bound), each wait = Retry-After, then rate_limited with the time to wait', async () => {
    okta.faults.set({ rateLimitNext: { count: 100, retryAfterSeconds: 2 }, endpoints: ['token'] });
    const error = await failure(fetchIdpToken(settings, user, options));
    expect(error.code).toBe('rate_limited');
    expect(error.status).toBe(429);
    expect(error.idpErrorCode).toBe('E0000047');
    expect(error.retryAfterMs).toBe(2_000);
    expect(error.attempts).toBe(4);
    expect(okta.stats().byStatus).toEqual({ '429': 4 });
    expect(delays).toEqual([2_000, 2_000, 2_000]);
  });

  it('429 with an HTTP-date Retry-After, then success', async () => {
    okta.faults.set({ rateLimitNext: { count: 1, retryAfterSeconds: 3, retryAfterFormat: 'http-date' }, endpoints: ['token'] });
    await fetchIdpToken(settings, user, options);
    expect(okta.stats().byStatus).toEqual({ '429': 1, '200': 1 });
    expect(delays).toHaveLength(1);
    expect(delays[0]).toBeGreaterThanOrEqual(1_000); // Date has one-second resolution
    expect(delays[0]).toBeLessThanOrEqual(4_000);
  });

  it('a Retry-After past the total deadline is not waited for', async () => {
    okta.faults.set({ rateLimitNext: { count: 10, retryAfterSeconds: 60 }, endpoints: ['token'] });
    const error = await failure(fetchIdpToken(settings, user, options));
    expect(error.code).toBe('rate_limited');
    expect(error.retryAfterMs).toBe(60_000);
    expect(okta.stats().total).toBe(1);
    expect(delays).toEqual([]);
  });

  it('5xx outage: 4 requests with exponential full-jitter waits, then idp_unavailable', async () => {
    okta.faults.set({ failNext: { count: 100, status: 503 }, endpoints: ['token'] });
    const error = await failure(fetchIdpToken(settings, user, options));
    expect(error.code).toBe('idp_unavailable');
    expect(error.status).toBe(503);
    expect(error.attempts).toBe(4);
    expect(error.message).toMatch(/after 4 attempts/);
    expect(okta.stats().byStatus).toEqual({ '503': 4 });
    expect(delays).toEqual([100, 200, 400]); // random 0.5 × 200 · 2^(n-1)
  });

  it('a short 5xx outage is ridden out', async () => {
    okta.faults.set({ failNext: { count: 2, status: 500 }, endpoints: ['token'] });
    const token = await fetchIdpToken(settings, user, options);
    expect(token.accessToken).not.toBe('');
    expect(okta.stats().byStatus).toEqual({ '500': 2, '200': 1 });
  });

  it('dropped connections are network errors: retried, and network_error when they persist', async () => {
    okta.faults.set({ dropConnections: 1, endpoints: ['token'] });
    await fetchIdpToken(settings, user, options);
    expect(okta.stats().byStatus).toEqual({ dropped: 1, '200': 1 });
    okta.faults.set({ dropConnections: 10 });
    const error = await failure(fetchIdpToken(settings, user, options));
    expect(error.code).toBe('network_error');
    expect(error.attempts).toBe(4);
  });

  it('maxAttempts and retry: false bound the requests', async () => {
    okta.faults.set({ failNext: { count: 100, status: 502 }, endpoints: ['token'] });
    await failure(fetchIdpToken(settings, user, { ...options, retry: { maxAttempts: 2, sleep: async () => {} } }));
    expect(okta.stats().total).toBe(2);
    okta.resetStats();
    await failure(fetchIdpToken(settings, user, { ...options, retry: false }));
    expect(okta.stats().total).toBe(1);
  });

  it('400/401 answers are never retried', async () => {
    await failure(fetchIdpToken(settings, { ...user, password: 'wrong' }, options));
    await failure(fetchIdpToken({ ...settings, clientSecret: 'wrong-secret' }, user, options));
    expect(okta.stats().byStatus).toEqual({ '400': 1, '401': 1 });
    expect(delays).toEqual([]);
  });
});

describe('bad answers', () => {
  it('a 200 with a body that is not JSON is invalid_response (not retried)', async () => {
    okta.faults.set({ malformedJson: 1, endpoints: ['token'] });
    const error = await failure(fetchIdpToken(settings, user, options));
    expect(error.code).toBe('invalid_response');
    expect(error.message).toMatch(/not JSON/);
    expect(okta.stats().total).toBe(1);
  });

  it('a truncated 200 body is invalid_response', async () => {
    okta.faults.set({ truncatedJson: 1, endpoints: ['token'] });
    const error = await failure(fetchIdpToken(settings, user, options));
    expect(error.code).toBe('invalid_response');
  });

  it.each([
    ['no access_token', { token_type: 'Bearer', expires_in: 3600 }, /access_token/],
    ['token_type not Bearer', { access_token: 'abc.def.ghi', token_type: 'mac', expires_in: 3600 }, /token_type/],
    ['expires_in not a number', { access_token: 'abc.def.ghi', token_type: 'Bearer', expires_in: 'soon' }, /expires_in/],
  ])('a 200 with %s is invalid_response, not "Bearer undefined"', async (_name, body, problem) => {
    const fetch = () => Promise.resolve(new Response(JSON.stringify(body), { status: 200, headers: { 'content-type': 'application/json' } }));
    const error = await failure(fetchIdpToken(settings, user, { ...options, fetch }));
    expect(error.code).toBe('invalid_response');
    expect(error.message).toMatch(problem);
    expect(error.message).not.toContain('abc.def.ghi');
    expect(JSON.stringify(error.cause ?? null)).not.toContain('abc.def.ghi');
  });

  it('accepts expires_in as a numeric string', async () => {
    const fetch = () =>
      Promise.resolve(new Response(JSON.stringify({ access_token: 'abc.def.ghi', token_type: 'bearer', expires_in: '60' }), { status: 200, headers: { 'content-type': 'application/json' } }));
    const token = await fetchIdpToken(settings, user, { ...options, fetch, now: () => 0 });
    expect(token.expiresAt.getTime()).toBe(60_000);
  });
});

describe('timeouts and abort', () => {
  it('times out each attempt (latency beyond timeoutMs) and gives up after the attempts: timeout', async () => {
    okta.faults.set({ latencyMs: 5_000, endpoints: ['token'] });
    const error = await failure(fetchIdpToken(settings, user, { ...options, timeoutMs: 1_000, retry: { maxAttempts: 2, sleep: async () => {} } }));
    expect(error.code).toBe('timeout');
    expect(error.attempts).toBe(2);
    expect(okta.stats().byEndpoint.token).toBe(2);
  });

  it('the total deadline ends retries early', async () => {
    okta.faults.set({ latencyMs: 5_000, endpoints: ['token'] });
    const error = await failure(fetchIdpToken(settings, user, { ...options, timeoutMs: 10_000, retry: { deadlineMs: 1_000, sleep: async () => {} } }));
    expect(error.code).toBe('timeout');
    expect(okta.stats().byEndpoint.token).toBe(1);
  });

  it('an AbortSignal aborts the request in flight, and nothing is retried', async () => {
    okta.faults.set({ latencyMs: 5_000, endpoints: ['token'] });
    const controller = new AbortController();
    const pending = failure(fetchIdpToken(settings, user, { ...options, signal: controller.signal }));
    // Abort once the emulator holds the request (not after a fixed delay: a loaded machine may be slower).
    await vi.waitFor(() => expect(okta.stats().byEndpoint.token).toBe(1), { timeout: 5_000, interval: 10 });
    controller.abort(new Error('user cancelled'));
    const error = await pending;
    expect(error.code).toBe('aborted');
    expect(okta.stats().byEndpoint.token).toBe(1);
  });

  it('an already aborted signal sends nothing', async () => {
    const error = await failure(fetchIdpToken(settings, user, { ...options, signal: AbortSignal.abort() }));
    expect(error.code).toBe('aborted');
    expect(okta.stats().total).toBe(0);
  });

  it('abort during a wait between retries stops at once', async () => {
    okta.faults.set({ failNext: { count: 100, status: 503 }, endpoints: ['token'] });
    const controller = new AbortController();
    const error = await failure(
      fetchIdpToken(settings, user, {
        ...options,
        signal: controller.signal,
        retry: {
          sleep: (_ms, signal) =>
            new Promise((_resolve, reject) => {
              signal?.addEventListener('abort', () => reject(signal.reason), { once: true });
              controller.abort();
            }),
        },
      }),
    );
    expect(error.code).toBe('aborted');
    expect(okta.stats().total).toBe(1);
  });
});

describe('entra', () => {
  let entra: EntraEmulator;
  afterEach(async () => {
    await entra.close();
  });
  it('rides out a 504 gateway outage and counts the requests', async () => {
    const clientId = '6731de76-14a6-49ae-97bc-6eba6914391e';
    entra = createEntraEmulator({ apps: [{ clientId, clientSecret: SECRET }], users: [{ userPrincipalName: 'ada@contoso.onmicrosoft.com', password: PASSWORD }] });
    const { tokenEndpoint } = await entra.listen();
    entra.faults.set({ failNext: { count: 3, status: 504 }, endpoints: ['token'] });
    const token = await fetchIdpToken({ provider: 'entra', customerId: 'c', tokenEndpointUrl: tokenEndpoint, clientId, clientSecret: SECRET }, { username: 'ada@contoso.onmicrosoft.com', password: PASSWORD }, options);
    expect(token.accessToken).not.toBe('');
    expect(entra.stats().byStatus).toEqual({ '504': 3, '200': 1 });
  });
});
