// npm run sim:fleet — N=5,000 providers against the Okta emulator's per-user and org /token limits, then
// one simulated hour of refreshes (see bench/fleet-sim.ts). PROVIDERS, ORG_PER_MINUTE, KEY_BITS,
// RETRY_DEADLINE_MS and RETRY_MAX_ATTEMPTS override the defaults.
import { histogram, runFleet } from './fleet-sim.js';

const env = (name: string): number | undefined => (process.env[name] === undefined ? undefined : Number(process.env[name]));

const result = await runFleet({
  providers: env('PROVIDERS') ?? 5_000,
  keyBits: env('KEY_BITS') ?? 1024,
  orgPerMinute: env('ORG_PER_MINUTE') ?? 2_000,
  perUserPerSecond: env('PER_USER_PER_SECOND') ?? 4,
  ...(env('RETRY_DEADLINE_MS') !== undefined ? { retryDeadlineMs: env('RETRY_DEADLINE_MS') } : {}),
  ...(env('RETRY_MAX_ATTEMPTS') !== undefined ? { retryMaxAttempts: env('RETRY_MAX_ATTEMPTS') } : {}),
  log: (line) => console.log(line),
});

const { startup: s, refresh: r } = result;
console.log('');
console.log(`fleet: ${result.providers} providers, RSA-${result.keyBits} key pair each, Okta /token limits ${result.perUserPerSecond}/s per user, ${result.orgPerMinute}/min org-wide`);
console.log('startup (all call at once):');
console.log(`  credentials obtained   ${result.providers - s.failures} / ${result.providers} (gave up: ${s.failures} ${JSON.stringify(s.failureCodes)})`);
console.log(`  token requests         ${s.tokenRequests} (${(s.tokenRequests / result.providers).toFixed(2)} per provider) ${JSON.stringify(s.byGrant)}`);
console.log(`  429 answers            ${s.orgLimited + s.userLimited} (org limit ${s.orgLimited}, per-user limit ${s.userLimited})`);
console.log(`  SSO requests           ${s.ssoRequests}`);
console.log(`  last credentials at    +${s.spanMs / 1000} s simulated`);
console.log('refresh phase (one simulated hour):');
console.log(`  providers refreshed    ${r.providersRefreshed} / ${result.providers - s.failures}; refreshes ${r.refreshes}; failed attempts (retried) ${r.failedAttempts} ${JSON.stringify(r.failureCodes)}`);
console.log(`  token requests         ${r.tokenRequests} ${JSON.stringify(r.byGrant)}; 429 answers ${r.orgLimited + r.userLimited} (org ${r.orgLimited}, per-user ${r.userLimited}); SSO requests ${r.ssoRequests}`);
const t = r.times;
const q = (p: number) => (t.length === 0 ? Number.NaN : Math.round(t[Math.min(t.length - 1, Math.floor(p * t.length))]!));
console.log(`  refresh time (s)       min ${q(0)} p10 ${q(0.1)} p50 ${q(0.5)} p90 ${q(0.9)} max ${Math.round(t.at(-1) ?? Number.NaN)}`);
console.log(`  lockstep               max ${r.maxPerSecond} refreshes in one simulated second; ${r.distinctSeconds} distinct seconds`);
console.log('  refreshes per simulated minute:');
for (const line of histogram(r.perMinute)) console.log(line);
console.log(`callers that ever got an error: ${result.callersFailed}; valid credentials at the end: ${result.validAtEnd}`);
console.log(`real time: ${(result.realMs / 1000).toFixed(1)} s`);
