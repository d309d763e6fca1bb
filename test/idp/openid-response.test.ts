// grant.ts goes through openid-client's response handling: each answer is parsed once (by openid-client),
// never captured and parsed again, and openid-client's own timeout stays on as a backstop behind ours.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createOktaEmulator, type OktaEmulator } from 'ubiq-idp/testing';
import { createHttpClient } from '../../src/http/index.js';
import { isHttpRequestError } from '../../src/http/errors.js';
import { createIdpFetch, openidTimeoutSeconds } from '../../src/idp/idp-fetch.js';
import { fetchIdpToken } from '../../src/idp/index.js';
import type { MapContext } from '../../src/idp/map-error.js';
import type { IdpSettings } from '../../src/config/types.js';
import { failure } from './helpers.js';

const PASSWORD = 'ada-password-value';
const SECRET = 'okta-client-secret-value';
const user = { username: 'ada@example.com', password: PASSWORD };

let okta: OktaEmulator;
let settings: IdpSettings;
beforeEach(async () => {
  okta = createOktaEmulator({
    apps: [{ clientId: '0oaclient', clientSecret: SECRET, grantTypes: ['password', 'refresh_token'], grantedScopes: ['okta.users.read', 'okta.groups.read'] }],
    users: [{ login: 'ada@example.com', password: PASSWORD }],
    rateLimit: { perUserPerSecond: 0 },
  });
  const { tokenEndpoint } = await okta.listen();
  settings = { provider: 'okta', customerId: 'c', tokenEndpointUrl: tokenEndpoint, clientId: '0oaclient', clientSecret: SECRET };
});
afterEach(async () => {
  vi.restoreAllMocks();
  await okta.close();
});

describe('one parse per answer', () => {
  it('a successful answer is read once, by openid-client: no copy of the response, no text read on the side', async () => {
    const clone = vi.spyOn(Response.prototype, 'clone');
    const text = vi.spyOn(Response.prototype, 'text');
    const token = await fetchIdpToken(settings, user, { allowInsecureHttp: true });
    expect(token.tokenType).toBe('Bearer');
    expect(clone).not.toHaveBeenCalled();
    expect(text).not.toHaveBeenCalled();
  });

  it('an OAuth error answer is mapped from the body openid-client parsed (ResponseBodyError), not read again', async () => {
    const text = vi.spyOn(Response.prototype, 'text');
    const error = await failure(fetchIdpToken(settings, { ...user, password: 'wrong' }, { allowInsecureHttp: true }));
    expect(error.code).toBe('invalid_credentials');
    expect(error.idpError).toBe('invalid_grant');
    expect(text).not.toHaveBeenCalled();
  });

  it('an error answer openid-client leaves unread (a 429 without an OAuth "error") is read once by the mapper', async () => {
    okta.faults.set({ rateLimitNext: { count: 1, retryAfterSeconds: 3 }, endpoints: ['token'] });
    const text = vi.spyOn(Response.prototype, 'text');
    const error = await failure(fetchIdpToken(settings, user, { allowInsecureHttp: true, retry: false }));
    expect(error.code).toBe('rate_limited');
    expect(error.idpErrorCode).toBe('E0000047');
    expect(error.retryAfterMs).toBe(3_000);
    expect(text).toHaveBeenCalledTimes(1);
  });
});

describe("openid-client's timeout", () => {
  it('is set past our own budget, never switched off', () => {
    expect(openidTimeoutSeconds({})).toBe(35); // retry deadline 30 s + 5
    expect(openidTimeoutSeconds({ retry: false })).toBe(15); // one attempt of 10 s + 5
    expect(openidTimeoutSeconds({ retry: false, timeoutMs: 2_500 })).toBe(8);
    expect(openidTimeoutSeconds({ timeoutMs: 60_000, retry: { deadlineMs: 5_000 } })).toBe(65);
    expect(openidTimeoutSeconds({ retry: { deadlineMs: 120_000 } })).toBe(125);
  });

  it("when openid-client's timer fires first, the request fails as a timeout, not as the caller's abort", async () => {
    // A server that never answers; our own per-attempt timeout is far away, openid-client's signal fires at once.
    const hanging = (_input: string | URL | Request, init?: RequestInit) =>
      new Promise<Response>((_resolve, reject) => init?.signal?.addEventListener('abort', () => reject(init.signal?.reason)));
    const http = createHttpClient({ fetch: hanging, retry: false, timeoutMs: 60_000 });
    const context: MapContext = { provider: 'okta', grant: 'password', secrets: [], sentSecret: true, attempts: 0, now: Date.now };
    const { customFetch } = createIdpFetch(http, { retry: false, timeoutMs: 60_000 }, context);
    const error = await customFetch('https://idp.example/oauth2/v1/token', { method: 'POST', headers: {}, body: 'x', redirect: 'manual', signal: AbortSignal.timeout(20) }).catch(
      (e: unknown) => e,
    );
    expect(isHttpRequestError(error) && error.code).toBe('timeout');
    expect((error as Error).message).toContain("openid-client's timeout");
  });

  it("the caller's own abort stays aborted", async () => {
    const caller = new AbortController();
    const pending = fetchIdpToken(settings, user, { allowInsecureHttp: true, signal: caller.signal, fetch: () => new Promise<Response>(() => undefined) });
    caller.abort();
    expect((await failure(pending)).code).toBe('aborted');
  });
});
