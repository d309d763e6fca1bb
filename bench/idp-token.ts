// Token latency of fetchIdpToken against the Okta and Entra emulators over loopback sockets, and the
// request counts of a 429 storm and a 5xx outage. Figures are for comparison within one run (shared,
// noisy machines): the raw-fetch baseline shows what the fetcher adds on top of the HTTP round trip.
// Run: npm run bench:idp   (ITERATIONS=500 npm run bench:idp for more samples)
import { fetch as undiciFetch, Agent } from 'undici';
import { createHttpClient } from '../src/http/index.js';
import { fetchIdpToken, isIdpError, type FetchIdpTokenOptions } from '../src/idp/index.js';
import { createEntraEmulator, createOktaEmulator } from '../src/testing/index.js';
import type { IdpSettings } from '../src/config/types.js';

const ITERATIONS = Number(process.env.ITERATIONS ?? 200);
const WARMUP = 20;
const PASSWORD = 'bench-password';
const SECRET = 'bench-secret';

function percentile(sorted: number[], p: number): number {
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index] ?? Number.NaN;
}

interface Summary {
  p50: number;
  p90: number;
  p99: number;
}

/** Runs the variants in turn, round-robin, so machine noise hits all of them alike. */
async function measureInterleaved(variants: Array<() => Promise<unknown>>): Promise<Summary[]> {
  for (let i = 0; i < WARMUP; i += 1) for (const run of variants) await run();
  const samples = variants.map(() => [] as number[]);
  for (let i = 0; i < ITERATIONS; i += 1) {
    for (const [index, run] of variants.entries()) {
      const start = performance.now();
      await run();
      samples[index]?.push(performance.now() - start);
    }
  }
  return samples.map((list) => {
    list.sort((a, b) => a - b);
    return { p50: percentile(list, 50), p90: percentile(list, 90), p99: percentile(list, 99) };
  });
}

const fmt = (ms: number) => `${ms.toFixed(2)} ms`;
const rows: string[][] = [];

async function latency(name: string, settings: IdpSettings, user: { username: string; password: string }, form: Record<string, string>) {
  // Baseline: the same form POST with undici's fetch and a keep-alive agent, no parsing or validation.
  const agent = new Agent();
  const http = createHttpClient();
  const [raw, shared, perCall] = (await measureInterleaved([
    async () => {
      const response = await undiciFetch(settings.tokenEndpointUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(form),
        dispatcher: agent,
      });
      await response.text();
    },
    () => fetchIdpToken(settings, user, { allowInsecureHttp: true, httpClient: http }),
    () => fetchIdpToken(settings, user, { allowInsecureHttp: true }),
  ])) as [Summary, Summary, Summary];
  await agent.close();
  await http.close();
  rows.push([name, 'raw undici fetch (baseline)', fmt(raw.p50), fmt(raw.p90), fmt(raw.p99), '1.00']);
  rows.push([name, 'fetchIdpToken, shared httpClient', fmt(shared.p50), fmt(shared.p90), fmt(shared.p99), (shared.p50 / raw.p50).toFixed(2)]);
  rows.push([name, 'fetchIdpToken, client per call', fmt(perCall.p50), fmt(perCall.p90), fmt(perCall.p99), (perCall.p50 / raw.p50).toFixed(2)]);
}

const okta = createOktaEmulator({
  apps: [{ clientId: '0oabench', clientSecret: SECRET, grantTypes: ['password', 'refresh_token'], grantedScopes: ['okta.users.read', 'okta.groups.read'] }],
  users: [{ login: 'ada@example.com', password: PASSWORD }],
  rateLimit: { perUserPerSecond: 0 }, // Okta's 4/s per user would make this a rate-limit benchmark
});
const entraClient = '6731de76-14a6-49ae-97bc-6eba6914391e';
const entra = createEntraEmulator({
  apps: [{ clientId: entraClient, clientSecret: SECRET }],
  users: [{ userPrincipalName: 'ada@contoso.onmicrosoft.com', password: PASSWORD }],
});
try {
  const oktaUrl = (await okta.listen()).tokenEndpoint;
  const entraUrl = (await entra.listen()).tokenEndpoint;
  const oktaSettings: IdpSettings = { provider: 'okta', customerId: 'c', tokenEndpointUrl: oktaUrl, clientId: '0oabench', clientSecret: SECRET };
  const entraSettings: IdpSettings = { provider: 'entra', customerId: 'c', tokenEndpointUrl: entraUrl, clientId: entraClient, clientSecret: SECRET };
  const oktaUser = { username: 'ada@example.com', password: PASSWORD };
  const entraUser = { username: 'ada@contoso.onmicrosoft.com', password: PASSWORD };

  await latency('okta', oktaSettings, oktaUser, {
    grant_type: 'password', ...oktaUser, client_id: '0oabench', client_secret: SECRET, scope: 'openid offline_access okta.users.read okta.groups.read',
  });
  await latency('entra', entraSettings, entraUser, {
    grant_type: 'password', ...entraUser, client_id: entraClient, client_secret: SECRET, scope: `api://${entraClient}/.default`,
  });

  console.log(`\nIdP token latency, ${ITERATIONS} sequential sign-ins per path (paths interleaved) after ${WARMUP} warm-up (Node ${process.version})`);
  console.table(rows.map(([idp, path, p50, p90, p99, ratio]) => ({ idp, path, p50, p90, p99, 'p50 / baseline': ratio })));

  // Retry behaviour: waits are recorded instead of slept, so the counts come without waiting.
  const storms: Array<Record<string, string | number>> = [];
  for (const [idp, emulator, settings, user] of [
    ['okta', okta, oktaSettings, oktaUser],
    ['entra', entra, entraSettings, entraUser],
  ] as const) {
    for (const [fault, set] of [
      ['429 storm (Retry-After: 2)', () => emulator.faults.set({ rateLimitNext: { count: 1000, retryAfterSeconds: 2 }, endpoints: ['token'] })],
      ['5xx outage (503)', () => emulator.faults.set({ failNext: { count: 1000, status: 503 }, endpoints: ['token'] })],
    ] as const) {
      emulator.faults.clear();
      emulator.resetStats();
      set();
      const waits: number[] = [];
      const options: FetchIdpTokenOptions = { allowInsecureHttp: true, retry: { sleep: (ms) => Promise.resolve(void waits.push(ms)) } };
      const outcome = await fetchIdpToken(settings, user, options).then(
        () => 'token',
        (error: unknown) => (isIdpError(error) ? error.code : String(error)),
      );
      storms.push({ idp, fault, requests: emulator.stats().total, outcome, 'waits asked (ms)': waits.join(', ') });
    }
    emulator.faults.clear();
  }
  console.log('\nRequests made during a persistent fault (default retry policy: 4 attempts, 30 s deadline)');
  console.table(storms);
} finally {
  await okta.close();
  await entra.close();
}
