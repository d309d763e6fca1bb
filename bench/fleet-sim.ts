// Fleet simulation (issue 8): N independent credential providers, each its own directory user and RSA key
// pair, start at once against the Okta emulator (per-user and org-wide /token rate limits) and the
// reference server, then refresh over one simulated hour. Everything runs in process through the
// components' fetch handlers on one virtual clock, so an hour takes seconds. Every jitter draws from a
// seeded generator (`seed`), so a run can be replayed; the order in which the thread pool finishes CSR
// signatures still varies between runs, so callers assert bounds, not exact figures.
// Used by `npm run sim:fleet` (bench/fleet.ts, N=5,000) and by test/reliability/fleet.test.ts (N=200).
import { generateKeyPair, randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { loadConfig } from '../src/config/load.js';
import { createIdpCredentialProvider, type CredentialProvider } from '../src/credentials/provider.js';
import type { RsaKeyPair } from '../src/crypto/keypair.js';
import type { ProviderTimers } from '../src/credentials/timers.js';
import type { UbiqIdpCredentials } from '../src/credentials/ubiq-credentials.js';
import type { FetchLike } from '../src/http/index.js';
import { createReferenceServer } from '../src/server/index.js';
import type { UserRecord } from '../src/server/index.js';
import { createOktaEmulator } from '../src/testing/index.js';

const generateKeyPairAsync = promisify(generateKeyPair);

export interface FleetOptions {
  /** Number of providers (each a different directory user). */
  providers: number;
  /** RSA key size of every provider's own key pair. Default 1024 (the server's minimum is lowered to match). */
  keyBits?: number;
  /** Okta's per-user /token limit per second. Default 4 (Okta's). */
  perUserPerSecond?: number;
  /** Okta's org-wide /token limit per minute. Default 2,000. */
  orgPerMinute?: number;
  /** Certificate lifetime (s). Default 3,600. */
  certificateLifetimeSeconds?: number;
  /** Simulated time after the fleet is up. Default one hour. */
  refreshPhaseMs?: number;
  /** HTTP retry deadline of each provider (ms). Default: the library's (30 s). */
  retryDeadlineMs?: number;
  /** HTTP attempts per request. Default: the library's (4). */
  retryMaxAttempts?: number;
  /** Seed of the jitter of every provider and HTTP retry (mulberry32). Default 1. */
  seed?: number;
  /** Progress lines (the CLI prints them). */
  log?: (line: string) => void;
}

/** mulberry32: a small seeded generator in [0, 1), so a fleet run's jitter can be replayed. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

export interface FleetPhase {
  /** Token requests by grant type, and in total. */
  tokenRequests: number;
  byGrant: Record<string, number>;
  /** 429 answers from /token: org-wide limit and per-user limit. */
  orgLimited: number;
  userLimited: number;
  ssoRequests: number;
  /** Providers whose login (or refresh) failed for good in this phase. */
  failures: number;
  failureCodes: Record<string, number>;
  /** Simulated ms from the phase start until the last provider had credentials (startup only). */
  spanMs: number;
}

export interface FleetResult {
  providers: number;
  keyBits: number;
  orgPerMinute: number;
  perUserPerSecond: number;
  startup: FleetPhase;
  refresh: FleetPhase & {
    /** Successful background refreshes (each provider once in a 1 h window with a 1 h certificate). */
    refreshes: number;
    /** Providers that refreshed at least once. */
    providersRefreshed: number;
    /** Failed refresh attempts (retried with backoff; stale credentials kept being served). */
    failedAttempts: number;
    /** Refresh times, simulated seconds since the phase start, sorted. */
    times: number[];
    /** Refresh count per simulated minute since the phase start (index = minute). */
    perMinute: number[];
    /** Largest number of refreshes within one simulated second. */
    maxPerSecond: number;
    /** Distinct simulated seconds with at least one refresh. */
    distinctSeconds: number;
  };
  /** Callers that ever got an error (startup or refresh phase). */
  callersFailed: number;
  /** Providers holding unexpired credentials at the end. */
  validAtEnd: number;
  realMs: number;
}

/** A virtual clock: timers and sleeps wait in one queue; `run()` moves time only when the fleet is idle. */
function createVirtualTime(start: number) {
  let now = start;
  let seq = 0;
  const queue = new Map<number, { at: number; order: number; fire: () => void }>();
  let sleeping = 0;
  return {
    now: () => now,
    get sleeping() {
      return sleeping;
    },
    timers: {
      setTimeout(callback: () => void, delayMs: number) {
        const id = ++seq;
        queue.set(id, { at: now + Math.max(0, delayMs), order: id, fire: callback });
        return id;
      },
      clearTimeout(handle: unknown) {
        queue.delete(handle as number);
      },
    } satisfies ProviderTimers,
    sleep: (ms: number, signal?: AbortSignal): Promise<void> => {
      return new Promise<void>((resolve, reject) => {
        if (signal?.aborted) return reject(signal.reason);
        sleeping += 1;
        const id = ++seq;
        const onAbort = () => {
          queue.delete(id);
          sleeping -= 1;
          reject(signal?.reason);
        };
        queue.set(id, {
          at: now + Math.max(0, ms),
          order: id,
          fire: () => {
            signal?.removeEventListener('abort', onAbort);
            sleeping -= 1;
            resolve();
          },
        });
        signal?.addEventListener('abort', onAbort, { once: true });
      });
    },
    /** The earliest due time, or undefined. */
    next(): number | undefined {
      let at: number | undefined;
      for (const entry of queue.values()) if (at === undefined || entry.at < at) at = entry.at;
      return at;
    },
    /** Moves to `at` and fires everything due then, in creation order. */
    fireAt(at: number) {
      now = Math.max(now, at);
      const due = [...queue.entries()].filter(([, e]) => e.at <= now).sort((a, b) => a[1].at - b[1].at || a[1].order - b[1].order);
      for (const [id, entry] of due) {
        queue.delete(id);
        entry.fire();
      }
    },
    size: () => queue.size,
  };
}

function emptyPhase(): FleetPhase {
  return { tokenRequests: 0, byGrant: {}, orgLimited: 0, userLimited: 0, ssoRequests: 0, failures: 0, failureCodes: {}, spanMs: 0 };
}

const bump = (record: Record<string, number>, key: string) => {
  record[key] = (record[key] ?? 0) + 1;
};

/** Runs the simulation and returns its figures. */
export async function runFleet(options: FleetOptions): Promise<FleetResult> {
  const n = options.providers;
  const keyBits = options.keyBits ?? 1024;
  const orgPerMinute = options.orgPerMinute ?? 2_000;
  const perUserPerSecond = options.perUserPerSecond ?? 4;
  const lifetime = options.certificateLifetimeSeconds ?? 3_600;
  const refreshPhaseMs = options.refreshPhaseMs ?? 3_600_000;
  const random = seededRandom(options.seed ?? 1);
  const realStart = performance.now();
  const log = (line: string) => options.log?.(`[${((performance.now() - realStart) / 1000).toFixed(1)} s] ${line}`);
  // Start on a minute boundary plus 5 s, as a fleet deployed "at once" would land anywhere in Okta's window.
  const time = createVirtualTime(Math.floor(Date.now() / 60_000) * 60_000 + 5_000);
  const clock = { now: time.now, advance() {}, setNow() {}, useRealTime() {} };

  const users = Array.from({ length: n }, (_, i) => ({ login: `user${i}@fleet.example.com`, password: `fleet-password-${i}-${randomUUID()}` }));
  const clientId = '0oafleet000000000001';
  const clientSecret = `fleet-secret-${randomUUID()}`;
  const okta = createOktaEmulator({
    orgUrl: 'https://fleet.okta.test',
    clock,
    apps: [{ clientId, clientSecret, grantTypes: ['password', 'refresh_token'], grantedScopes: ['okta.users.read', 'okta.groups.read'] }],
    users,
    rateLimit: { perUserPerSecond, orgPerMinute },
  });
  const org = okta.authorizationServer();
  const oktaHost = new URL(okta.orgUrl).host;
  const serverOrigin = 'https://ubiq.fleet.test';
  const server = createReferenceServer({
    origin: serverOrigin,
    now: () => time.now(),
    idp: { discoveryUrl: org.discoveryUrl, issuer: org.issuer, audience: org.audience },
    idpFetch: (input, init) => okta.fetch(new Request(input, init)),
    minimumRsaKeyBits: Math.min(2048, keyBits),
    certificateLifetimeSeconds: lifetime,
  });
  for (const { login } of users) {
    const at = new Date(time.now());
    const user: UserRecord = { id: randomUUID(), userName: login, active: true, externalId: undefined, attributes: { userName: login, active: true }, version: 1, created: at, lastModified: at };
    server.store.putUser(user);
    server.engine.userCreated(user);
  }

  log(`generating ${n} RSA-${keyBits} key pairs (one per provider) …`);
  const keyStart = performance.now();
  const keyPairs: RsaKeyPair[] = await Promise.all(users.map(() => generateKeyPairAsync('rsa', { modulusLength: keyBits }) as Promise<RsaKeyPair>));
  log(`  ${Math.round(performance.now() - keyStart)} ms`);

  // Bookkeeping for idleness: a provider is busy from its first request of a load until the load settles.
  let phase = emptyPhase();
  let inFlight = 0;
  let activity = 0;
  const busy = new Set<number>();
  const fetchFor =
    (index: number): FetchLike =>
    async (input, init) => {
      const request = new Request(input, init);
      const host = new URL(request.url).host;
      busy.add(index);
      inFlight += 1;
      activity += 1;
      try {
        if (host === oktaHost) {
          const response = await okta.fetch(request);
          if (new URL(request.url).pathname.endsWith('/token')) {
            phase.tokenRequests += 1;
            if (response.status === 429) {
              if (response.headers.get('x-rate-limit-limit') === String(orgPerMinute)) phase.orgLimited += 1;
              else phase.userLimited += 1;
            }
          }
          return response;
        }
        if (new URL(request.url).pathname.endsWith('/sso')) phase.ssoRequests += 1;
        return await server.fetch(request);
      } finally {
        inFlight -= 1;
        activity += 1;
      }
    };

  const base = await loadConfig({
    env: {},
    homeDir: '/nonexistent-ubiq-idp-fleet-home',
    allowInsecureHttp: false,
    overrides: {
      server: serverOrigin,
      idp: { provider: 'okta', customerId: server.info().customerId, tokenEndpointUrl: okta.tokenEndpoint, clientId, clientSecret },
      username: users[0]!.login,
      password: users[0]!.password,
    },
  });
  const refreshTimes: number[] = [];
  const refreshedBy = new Set<number>();
  let failedAttempts = 0;
  let refreshPhaseStart = Number.POSITIVE_INFINITY;
  const providers: CredentialProvider<UbiqIdpCredentials>[] = [];
  for (let i = 0; i < n; i += 1) {
    const config = i === 0 ? base : await loadConfig({
      env: {},
      homeDir: '/nonexistent-ubiq-idp-fleet-home',
      overrides: {
        server: serverOrigin,
        idp: { provider: 'okta', customerId: server.info().customerId, tokenEndpointUrl: okta.tokenEndpoint, clientId, clientSecret },
        username: users[i]!.login,
        password: users[i]!.password,
      },
    });
    const provider = createIdpCredentialProvider({
      config,
      pregenerateKeyPair: keyPairs[i]!,
      fetch: fetchFor(i),
      now: time.now,
      timers: time.timers,
      random,
      retry: {
        sleep: time.sleep,
        now: time.now,
        random,
        ...(options.retryDeadlineMs !== undefined ? { deadlineMs: options.retryDeadlineMs } : {}),
        ...(options.retryMaxAttempts !== undefined ? { maxAttempts: options.retryMaxAttempts } : {}),
      },
    });
    provider.onRefresh((_c, info) => {
      busy.delete(i);
      activity += 1;
      if (time.now() >= refreshPhaseStart && info.reason !== 'initial') {
        refreshTimes.push((time.now() - refreshPhaseStart) / 1000);
        refreshedBy.add(i);
      }
    });
    provider.onRefreshError((error) => {
      busy.delete(i);
      activity += 1;
      if (time.now() >= refreshPhaseStart) {
        failedAttempts += 1;
        bump(phase.failureCodes, String((error as { code?: unknown }).code));
      }
    });
    providers.push(provider);
  }

  // Idle = no request in flight and every busy provider is waiting on the virtual clock.
  async function idle(): Promise<void> {
    let quietRounds = 0;
    let seen = -1;
    let lastProgress = performance.now();
    while (quietRounds < 3) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      const quiet = inFlight === 0 && busy.size <= time.sleeping && activity === seen;
      if (activity !== seen) lastProgress = performance.now();
      seen = activity;
      quietRounds = quiet ? quietRounds + 1 : 0;
      if (!quiet && inFlight === 0 && busy.size > time.sleeping) await new Promise<void>((resolve) => setTimeout(resolve, 1));
      // A watchdog for bugs in this bookkeeping: two minutes without any request starting or ending.
      if (performance.now() - lastProgress > 120_000) throw new Error(`fleet stuck: inFlight=${inFlight} busy=${busy.size} sleeping=${time.sleeping}`);
    }
  }
  async function runUntil(end: number, done?: () => boolean): Promise<void> {
    for (;;) {
      await idle();
      if (done?.()) return;
      const at = time.next();
      if (at === undefined || at > end) {
        time.fireAt(end);
        await idle();
        return;
      }
      time.fireAt(at);
    }
  }

  // ---- startup: every provider called at the same instant -----------------------------------
  log(`startup: ${n} providers call at once (org limit ${orgPerMinute}/min, per-user ${perUserPerSecond}/s) …`);
  const startupAt = time.now();
  let settled = 0;
  let callersFailed = 0;
  let lastSuccessAt = startupAt;
  const failedProviders = new Set<number>();
  const calls = providers.map((provider, i) => {
    busy.add(i);
    return provider().then(
      () => {
        settled += 1;
        lastSuccessAt = time.now();
        busy.delete(i);
        activity += 1;
      },
      (error: unknown) => {
        settled += 1;
        callersFailed += 1;
        failedProviders.add(i);
        bump(phase.failureCodes, String((error as { code?: unknown }).code));
        busy.delete(i);
        activity += 1;
      },
    );
  });
  await runUntil(startupAt + 30 * 60_000, () => settled === n);
  await Promise.all(calls);
  phase.byGrant = okta.stats().byGrant;
  phase.failures = failedProviders.size;
  phase.spanMs = lastSuccessAt - startupAt;
  const startup = phase;
  log(`  all settled after ${phase.spanMs / 1000} simulated s: ${n - failedProviders.size} ok, ${failedProviders.size} failed`);

  // ---- one simulated hour of background refreshes -------------------------------------------
  phase = emptyPhase();
  okta.resetStats();
  refreshPhaseStart = time.now();
  log(`refresh phase: ${refreshPhaseMs / 60_000} simulated minutes …`);
  await runUntil(refreshPhaseStart + refreshPhaseMs);
  phase.byGrant = okta.stats().byGrant;
  let validAtEnd = 0;
  await Promise.all(
    providers.map(async (provider, i) => {
      if (failedProviders.has(i)) return;
      try {
        const credentials = await provider();
        if (credentials.expiresAt.getTime() > time.now()) validAtEnd += 1;
      } catch {
        callersFailed += 1;
      }
    }),
  );
  refreshTimes.sort((a, b) => a - b);
  const perMinute = Array.from({ length: Math.ceil(refreshPhaseMs / 60_000) }, () => 0);
  const perSecond = new Map<number, number>();
  for (const t of refreshTimes) {
    perMinute[Math.min(perMinute.length - 1, Math.floor(t / 60))]! += 1;
    perSecond.set(Math.floor(t), (perSecond.get(Math.floor(t)) ?? 0) + 1);
  }
  const refresh = {
    ...phase,
    failures: n - failedProviders.size - refreshedBy.size,
    refreshes: refreshTimes.length,
    providersRefreshed: refreshedBy.size,
    failedAttempts,
    times: refreshTimes,
    perMinute,
    maxPerSecond: Math.max(0, ...perSecond.values()),
    distinctSeconds: perSecond.size,
  };
  await Promise.all(providers.map((p) => p.close()));
  await server.close();
  await okta.close();
  return { providers: n, keyBits, orgPerMinute, perUserPerSecond, startup, refresh, callersFailed, validAtEnd, realMs: Math.round(performance.now() - realStart) };
}

/** A text histogram of refreshes per minute (only the minutes with refreshes, and their neighbours). */
export function histogram(perMinute: number[], width = 50): string[] {
  const max = Math.max(1, ...perMinute);
  const first = Math.max(0, perMinute.findIndex((c) => c > 0) - 1);
  const lastNonZero = perMinute.length - 1 - [...perMinute].reverse().findIndex((c) => c > 0);
  const last = Math.min(perMinute.length - 1, lastNonZero + 1);
  const lines: string[] = [];
  for (let m = first; m <= last; m += 1) {
    const count = perMinute[m] ?? 0;
    lines.push(`  min ${String(m).padStart(2)} | ${'#'.repeat(Math.round((count / max) * width)).padEnd(width)} ${count}`);
  }
  return lines;
}
