// An Okta emulator, a minimal SSO endpoint and a manual clock, wired for the provider's tests.
import { createOktaEmulator, type EmulatorClock, type OktaEmulator } from '../../../src/testing/index.js';
import { loadConfig, type LoadedConfig } from '../../../src/config/load.js';
import { createIdpCredentialProvider, type CredentialProvider, type IdpCredentialProviderOptions } from '../../../src/credentials/provider.js';
import type { RefreshErrorInfo, RefreshSuccessInfo } from '../../../src/credentials/refreshing.js';
import type { UbiqIdpCredentials } from '../../../src/credentials/ubiq-credentials.js';
import { createFakeTime, type FakeTime } from './fake-time.js';
import { startTestSsoEndpoint, type TestSsoEndpoint, type TestSsoEndpointOptions } from './sso-endpoint.js';

export const CUSTOMER_ID = '3f0e3b7c-2a51-4b6e-9d2b-5b8f2f6f9a10';
export const CLIENT_ID = '0oaUbiqTestClient0001';
export const CLIENT_SECRET = 'canary-client-secret-5f1c';
export const USERNAME = 'ada@example.com';
export const PASSWORD = 'canary-password-9d2e';

export interface IdpFixture {
  time: FakeTime;
  okta: OktaEmulator;
  sso: TestSsoEndpoint;
  config: LoadedConfig;
  /** A provider on the fixture's clock and timers, 2048-bit keys, no HTTP retries (tests count requests). */
  provider(options?: Partial<IdpCredentialProviderOptions>): CredentialProvider<UbiqIdpCredentials>;
  /** Resolves on the provider's next refresh success or failure. */
  nextEvent(provider: CredentialProvider<UbiqIdpCredentials>): Promise<{ ok: true; credentials: UbiqIdpCredentials; info: RefreshSuccessInfo } | { ok: false; error: unknown; info: RefreshErrorInfo }>;
  /** Closes the providers made so far and resets clock, counters, faults and the user for the next test. */
  reset(): Promise<void>;
  close(): Promise<void>;
}

export async function startIdpFixture(options: { sso?: Partial<TestSsoEndpointOptions>; oktaRefreshTokens?: boolean } = {}): Promise<IdpFixture> {
  const time = createFakeTime(Date.now());
  const clock: EmulatorClock = { now: time.now, advance() {}, setNow() {}, useRealTime() {} };
  const okta = createOktaEmulator({
    clock,
    apps: [
      {
        clientId: CLIENT_ID,
        clientSecret: CLIENT_SECRET,
        grantTypes: options.oktaRefreshTokens === false ? ['password'] : ['password', 'refresh_token'],
        grantedScopes: ['okta.users.read', 'okta.groups.read'],
      },
    ],
    users: [{ login: USERNAME, password: PASSWORD }],
    // Tests sign in many times within one (fake) second; Okta's per-user limit is not under test here.
    rateLimit: { perUserPerSecond: 0 },
  });
  const info = await okta.listen();
  const sso = await startTestSsoEndpoint({
    customerId: CUSTOMER_ID,
    idp: { jwksUri: info.jwksUri, issuer: info.issuer, audience: info.audience },
    now: time.now,
    ...options.sso,
  });
  const config = await loadConfig({
    env: {},
    homeDir: '/nonexistent-ubiq-idp-test-home',
    allowInsecureHttp: true,
    overrides: {
      server: sso.url,
      idp: { provider: 'okta', customerId: CUSTOMER_ID, tokenEndpointUrl: info.tokenEndpoint, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET },
      username: USERNAME,
      password: PASSWORD,
    },
  });
  const providers = new Set<CredentialProvider<UbiqIdpCredentials>>();
  return {
    time,
    okta,
    sso,
    config,
    provider(extra = {}) {
      const provider = createIdpCredentialProvider({
        config,
        allowInsecureHttp: true,
        modulusLength: 2048,
        now: time.now,
        timers: time.timers,
        random: () => 0,
        retry: false,
        ...extra,
      });
      providers.add(provider);
      return provider;
    },
    nextEvent(provider) {
      return new Promise((resolve) => {
        const offs = [
          provider.onRefresh((credentials, info) => {
            offs.forEach((off) => off());
            resolve({ ok: true, credentials, info });
          }),
          provider.onRefreshError((error, info) => {
            offs.forEach((off) => off());
            resolve({ ok: false, error, info });
          }),
        ];
      });
    },
    async reset() {
      await Promise.all([...providers].map((p) => p.close()));
      providers.clear();
      time.reset(Date.now());
      okta.faults.clear();
      okta.resetStats();
      okta.revokeRefreshTokens();
      okta.updateUser(USERNAME, { password: PASSWORD });
      Object.assign(sso, { requests: 0, tokens: [], keys: [], issued: [], canned: [], wrongKeyNext: 0, latencyMs: 0 });
    },
    async close() {
      await Promise.all([...providers].map((p) => p.close()));
      await sso.close();
      await okta.close();
    },
  };
}
