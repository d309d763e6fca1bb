// The whole system over real sockets on 127.0.0.1: the Okta emulator, the reference server (SCIM-provisioned
// user, dataset group) behind a small fault-injecting front, and providers wired to them.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getRequestListener } from '@hono/node-server';
import { createOktaEmulator, type EmulatorClock, type OktaEmulator, type OktaEmulatorOptions } from 'ubiq-idp/testing';
import { createReferenceServer, type ReferenceServer, type ReferenceServerOptions } from 'ubiq-idp/server';
import { loadConfig, type LoadedConfig } from '../../../src/config/load.js';
import { createIdpCredentialProvider, type CredentialProvider, type IdpCredentialProviderOptions } from '../../../src/credentials/provider.js';
import type { UbiqIdpCredentials } from '../../../src/credentials/ubiq-credentials.js';
import type { Logger } from '../../../src/util/logger.js';
import { createFakeTime, type FakeTime } from '../../credentials/helpers/fake-time.js';
import { testCa } from '../../server-sso/server-helpers.js';
import { datasetGroup, scimGroup, scimUser } from '../../server-keys/key-helpers.js';

export const CLIENT_ID = '0oareliability00000001';
export const CLIENT_SECRET = 'canary-rel-client-secret-7a1b';
export const USERNAME = 'ada@example.com';
export const PASSWORD = 'canary-rel-password-3c9d';
export const OKTA_SCOPE = 'openid offline_access okta.users.read okta.groups.read';

/** Faults of the front (reset() also ends the latency waits in progress) that stands before the reference server (the "SSO endpoint" as the provider sees it). */
export interface FrontFaults {
  /** Answer the next N SSO requests with `status` (default 503) and an HTML page, as a gateway does. */
  failNext: number;
  failStatus: number;
  /** Delay every SSO request by this many (real) ms before forwarding. */
  latencyMs: number;
  /** Answer the next N SSO requests 200 with the JSON body cut in half. */
  truncateNext: number;
}

export interface Front {
  url: string;
  /** SSO requests received (including faulted ones), and all requests. */
  ssoRequests: number;
  requests: number;
  faults: FrontFaults;
  reset(): void;
  close(): Promise<void>;
}

/** node:http front that forwards to `server.fetch` and injects faults on `…/sso` only. */
export async function startFront(server: ReferenceServer): Promise<Front> {
  const faults: FrontFaults = { failNext: 0, failStatus: 503, latencyMs: 0, truncateNext: 0 };
  const waits = new Set<{ timer: NodeJS.Timeout; resolve: () => void }>();
  const endWaits = () => {
    for (const wait of waits) {
      clearTimeout(wait.timer);
      wait.resolve();
    }
    waits.clear();
  };
  const front: Front = {
    url: '',
    ssoRequests: 0,
    requests: 0,
    faults,
    reset() {
      endWaits();
      Object.assign(faults, { failNext: 0, failStatus: 503, latencyMs: 0, truncateNext: 0 });
      front.ssoRequests = 0;
      front.requests = 0;
    },
    close: async () => {},
  };
  const handler = async (request: Request): Promise<Response> => {
    front.requests += 1;
    if (!new URL(request.url).pathname.endsWith('/sso')) return server.fetch(request);
    front.ssoRequests += 1;
    if (faults.latencyMs > 0) {
      await new Promise<void>((resolve) => {
        const entry = { timer: setTimeout(() => (waits.delete(entry), resolve()), faults.latencyMs), resolve };
        waits.add(entry);
      });
    }
    if (faults.failNext > 0) {
      faults.failNext -= 1;
      return new Response('<html><body>Service Unavailable</body></html>', { status: faults.failStatus, headers: { 'content-type': 'text/html' } });
    }
    const answer = await server.fetch(request);
    if (faults.truncateNext > 0 && answer.status === 200) {
      faults.truncateNext -= 1;
      const text = await answer.text();
      return new Response(text.slice(0, Math.floor(text.length / 2)), { status: 200, headers: { 'content-type': 'application/json' } });
    }
    return answer;
  };
  // eslint-disable-next-line @typescript-eslint/no-misused-promises -- @hono/node-server's listener settles its own Promise; node:http need not await it
  const http: Server = createServer(getRequestListener(handler));
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  front.url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  front.close = async () => {
    endWaits();
    http.closeAllConnections();
    await new Promise<void>((resolve) => http.close(() => resolve()));
  };
  return front;
}

export interface SystemOptions {
  okta?: Partial<OktaEmulatorOptions>;
  server?: ReferenceServerOptions;
  /** Drive emulator, server and providers from one manual clock. */
  fakeTime?: boolean;
  logger?: Logger;
}

export interface System {
  okta: OktaEmulator;
  server: ReferenceServer;
  front: Front;
  time: FakeTime | undefined;
  config: LoadedConfig;
  /** Loaded settings pointing at other endpoints (e.g. a refused port). */
  configWith(overrides: { tokenEndpointUrl?: string; server?: string }): Promise<LoadedConfig>;
  provider(options?: Partial<IdpCredentialProviderOptions>): CredentialProvider<UbiqIdpCredentials>;
  closeProviders(): Promise<void>;
  close(): Promise<void>;
}

/** Starts the Okta emulator, the reference server (ada provisioned over SCIM into group Engineering → dataset payroll) and the front. */
export async function startSystem(options: SystemOptions = {}): Promise<System> {
  const time = options.fakeTime ? createFakeTime(Date.now()) : undefined;
  const clock: EmulatorClock | undefined = time && { now: time.now, advance() {}, setNow() {}, useRealTime() {} };
  const okta = createOktaEmulator({
    apps: [{ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, grantTypes: ['password', 'refresh_token'], grantedScopes: ['okta.users.read', 'okta.groups.read'] }],
    users: [{ login: USERNAME, password: PASSWORD }],
    rateLimit: { perUserPerSecond: 0 },
    ...(clock ? { clock } : {}),
    ...options.okta,
  });
  await okta.listen();
  const org = okta.authorizationServer();
  const server = createReferenceServer({
    ...(await testCa()),
    idp: { discoveryUrl: org.discoveryUrl, issuer: org.issuer, audience: org.audience },
    ...(time ? { now: () => time.now() } : {}),
    ...(options.logger ? { logger: options.logger } : {}),
    ...options.server,
  });
  await server.listen();
  const adaId = await scimUser(server, USERNAME);
  await datasetGroup(server, 'Engineering', ['payroll']);
  await scimGroup(server, 'Engineering', [adaId]);
  const front = await startFront(server);
  const configWith = (overrides: { tokenEndpointUrl?: string; server?: string }) =>
    loadConfig({
      env: {},
      homeDir: '/nonexistent-ubiq-idp-reliability-home',
      allowInsecureHttp: true,
      overrides: {
        server: overrides.server ?? front.url,
        idp: {
          provider: 'okta',
          customerId: server.info().customerId,
          tokenEndpointUrl: overrides.tokenEndpointUrl ?? okta.tokenEndpoint,
          clientId: CLIENT_ID,
          clientSecret: CLIENT_SECRET,
        },
        username: USERNAME,
        password: PASSWORD,
      },
    });
  const config = await configWith({});
  const providers = new Set<CredentialProvider<UbiqIdpCredentials>>();
  const closeProviders = async () => {
    await Promise.all([...providers].map((p) => p.close()));
    providers.clear();
  };
  return {
    okta,
    server,
    front,
    time,
    config,
    configWith,
    provider(extra = {}) {
      const provider = createIdpCredentialProvider({
        config,
        allowInsecureHttp: true,
        modulusLength: 2048,
        retry: false,
        ...(time ? { now: time.now, timers: time.timers } : {}),
        ...(options.logger ? { logger: options.logger } : {}),
        ...extra,
      });
      providers.add(provider);
      return provider;
    },
    closeProviders,
    async close() {
      await closeProviders();
      await front.close();
      await server.close();
      await okta.close();
    },
  };
}

/** A free port nobody listens on (connection refused). */
export async function refusedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}
