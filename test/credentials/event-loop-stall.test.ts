import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DRIFT_MONITOR_SOURCE } from '../helpers/event-loop-stall.js';
import { createFreshProcessRunner, projectRoot } from '../helpers/fresh-process.js';
import { CLIENT_ID, CLIENT_SECRET, CUSTOMER_ID, PASSWORD, startIdpFixture, USERNAME, type IdpFixture } from './helpers/idp-fixture.js';

// The first login of a process is where a library's module evaluation and synchronous crypto land, and a
// test process that has already loaded them (vitest, the reference server's CA uses pkijs) cannot see
// that. So the login runs in a fresh child that has loaded nothing but the library entry, against the
// Okta emulator and the reference server running here, in the parent. A 1 ms interval timer and
// monitorEventLoopDelay run from before the provider is created to the first credentials.
const runner = createFreshProcessRunner('ubiq-cold-login-');
let fx: IdpFixture;

beforeAll(async () => {
  fx = await startIdpFixture();
  await runner.setup();
});
afterAll(async () => {
  await runner.cleanup();
  await fx.close();
});


function childSource(): string {
  const tokenEndpoint = fx.config.kind === 'idp' ? fx.config.idp.tokenEndpointUrl : '';
  const load = {
    env: {},
    homeDir: '/nonexistent-ubiq-idp-test-home',
    allowInsecureHttp: true,
    overrides: {
      server: fx.sso.url,
      idp: { provider: 'okta', customerId: CUSTOMER_ID, tokenEndpointUrl: tokenEndpoint, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET },
      username: USERNAME,
      password: PASSWORD,
    },
  };
  return `
    import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
    const lib = await import(${JSON.stringify(join(projectRoot, 'src/index.ts'))});
    const histogram = monitorEventLoopDelay({ resolution: 1 });
    ${DRIFT_MONITOR_SOURCE}
    histogram.enable();
    // Let the monitors take their first samples before the work starts.
    await new Promise((resolve) => setTimeout(resolve, 20));
    last = performance.now();
    histogram.reset();
    const provider = lib.createIdpCredentialProvider({ load: ${JSON.stringify(load)}, modulusLength: 2048, retry: false });
    const credentials = await provider();
    maxDriftMs = Math.max(maxDriftMs, performance.now() - last - 1);
    histogram.disable();
    clearInterval(drift);
    await provider.close();
    console.log(JSON.stringify({ kind: credentials.kind, maxDriftMs, maxDelayMs: histogram.max / 1e6 }));
  `;
}

describe('login does not block the event loop', () => {
  // The bound is loose: pkijs' module evaluation alone on the main thread (150-400 ms on the first CSR)
  // exceeds it, and so does a synchronous key generation. On a shared machine the OS can also hold a
  // process back for that long, which the monitors cannot tell apart from a block: a second fresh process
  // gets two more chances (code that blocks fails all three).
  it('a cold login in a fresh process never blocks the event loop for 100 ms from provider creation to first credentials', async () => {
    const results: Array<Record<string, unknown>> = [];
    for (let attempt = 0; attempt < 3; attempt += 1) {
      const result = await runner.run(`cold-login-${attempt}`, childSource(), { timeoutMs: 30_000 });
      expect(result.kind).toBe('idp');
      results.push(result);
      if (Number(result.maxDriftMs) < 100 && Number(result.maxDelayMs) < 101) break;
    }
    const best = results.at(-1) ?? {};
    expect(best.maxDriftMs, JSON.stringify(results)).toBeLessThan(100);
    // monitorEventLoopDelay adds its own resolution to what it reports.
    expect(best.maxDelayMs, JSON.stringify(results)).toBeLessThan(101);
  }, 120_000);

  // The public building block: pkijs is evaluated and run in the login worker, not on the caller's thread.
  it('createCsr() in a fresh process never blocks the event loop for 100 ms', async () => {
    const source = `
      const lib = await import(${JSON.stringify(join(projectRoot, 'src/index.ts'))});
      const keyPair = await lib.generateRsaKeyPair({ modulusLength: 2048 });
      ${DRIFT_MONITOR_SOURCE}
      await new Promise((resolve) => setTimeout(resolve, 20));
      last = performance.now();
      maxDriftMs = 0;
      const pem = await lib.createCsr(keyPair);
      maxDriftMs = Math.max(maxDriftMs, performance.now() - last - 1);
      clearInterval(drift);
      console.log(JSON.stringify({ maxDriftMs, pem: pem.split('\\n')[0] }));
    `;
    const results: Array<Record<string, unknown>> = [];
    for (let attempt = 0; attempt < 3; attempt += 1) {
      const result = await runner.run(`csr-${attempt}`, source, { timeoutMs: 30_000, splitting: true });
      expect(result.pem).toBe('-----BEGIN CERTIFICATE REQUEST-----');
      results.push(result);
      if (Number(result.maxDriftMs) < 100) break;
    }
    expect((results.at(-1) ?? {}).maxDriftMs, JSON.stringify(results)).toBeLessThan(100);
  }, 120_000);
});
