// An Okta emulator, the reference server (its SSO endpoint behind the test front of sso-endpoint.ts, the
// user provisioned over SCIM as Okta does it) and a manual clock, wired for the provider's tests.
import { createOktaEmulator, createOktaProvisioningAgent, type EmulatorClock, type OktaEmulator, type OktaProvisioningAgent } from '../../../src/testing/index.js';
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
  /** Okta's SCIM provisioning of the Ubiq app, pointed at the reference server. */
  agent: OktaProvisioningAgent;
  config: LoadedConfig;
  /** Okta deactivates the user in Ubiq (SCIM PATCH active=false); reset() reactivates. */
  deactivateUser(): Promise<void>;
  /**
   * The user is deleted in Ubiq (SCIM DELETE) and provisioned again: a new auto-provisioned API key, so
   * the next SSO answer has new public_value/signing_value (the server keeps them for the key's life).
   */
  reprovisionUser(): Promise<void>;
  /** The Ubiq admin sets another IdP Token Audience (admin API); reset() puts the right one back. */
  setIdpAudience(audience: string): Promise<void>;
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
  let agent: OktaProvisioningAgent | undefined;
  const sso = await startTestSsoEndpoint({
    customerId: CUSTOMER_ID,
    idp: { discoveryUrl: info.discoveryUrl, issuer: info.issuer, audience: info.audience },
    now: time.now,
    async provision(scim) {
      agent = createOktaProvisioningAgent({ scimBaseUrl: scim.scimBaseUrl, token: scim.token, emulator: okta });
      await agent.assignUser(USERNAME);
    },
    ...options.sso,
  });
  if (agent === undefined) throw new Error('the SCIM agent was not created');
  const scimAgent = agent;
  const admin = async (method: string, path: string, body: unknown): Promise<void> => {
    const { adminBaseUrl, adminToken } = sso.server.info();
    const response = await fetch(`${adminBaseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    });
    if (!response.ok) throw new Error(`admin ${method} ${path}: HTTP ${response.status}`);
  };
  const changed = { deactivated: false, audience: false };
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
    agent: scimAgent,
    config,
    async deactivateUser() {
      changed.deactivated = true;
      await scimAgent.deactivateUser(USERNAME);
    },
    async reprovisionUser() {
      const id = sso.server.store.findUserByUserName(USERNAME)?.id;
      if (id === undefined) throw new Error(`${USERNAME} is not provisioned`);
      const response = await fetch(`${sso.scim.scimBaseUrl}/Users/${id}`, {
        method: 'DELETE',
        headers: { authorization: `Bearer ${sso.scim.token}` },
        signal: AbortSignal.timeout(10_000),
      });
      if (response.status !== 204) throw new Error(`SCIM DELETE /Users: HTTP ${response.status}`);
      await scimAgent.assignUser(USERNAME);
    },
    async setIdpAudience(audience) {
      changed.audience = true;
      await admin('PATCH', '/idp', { audience });
    },
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
      if (changed.deactivated) await scimAgent.reactivateUser(USERNAME);
      if (changed.audience) await admin('PATCH', '/idp', { audience: info.audience });
      Object.assign(changed, { deactivated: false, audience: false });
      sso.reset();
    },
    async close() {
      await Promise.all([...providers].map((p) => p.close()));
      await sso.close();
      await okta.close();
    },
  };
}
