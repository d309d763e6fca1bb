// The cryptographic building blocks of a login and of the key endpoints: RSA key generation (time, and
// the longest event-loop stall while it runs, against the synchronous generation the official Node
// client uses), CSR creation, CSR verification, certificate issuing/verification, request signing.
// Figures are for comparison within one run (shared, noisy machines).
// Run: npm run bench:crypto   (KEYGEN_RUNS=5 ITERATIONS=500 npm run bench:crypto for more samples)
import { generateKeyPairSync } from 'node:crypto';
import { createCsr } from '../src/credentials/csr.js';
import { encryptPrivateKeyPem, generateRsaKeyPair, randomCryptoAccessKey, type RsaKeyPair } from '../src/crypto/keypair.js';
import { signUbiqRequest, verifyUbiqRequest } from '../src/signing/index.js';
import { createCertificateAuthority, verifyCsrPem } from '../src/x509/index.js';
import { measureEventLoopStall } from '../test/helpers/event-loop-stall.js';

const KEYGEN_RUNS = Number(process.env.KEYGEN_RUNS ?? 3);
const ITERATIONS = Number(process.env.ITERATIONS ?? 200);

function percentile(sorted: readonly number[], p: number): number {
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index] ?? Number.NaN;
}

function ms(value: number): string {
  return `${value.toFixed(value < 10 ? 2 : 0)} ms`;
}

/** Latency percentiles of an async operation, plus the longest event-loop stall over all iterations. */
async function timed(iterations: number, run: () => unknown): Promise<{ p50: number; p99: number; opsPerSecond: number; maxStallMs: number }> {
  for (let i = 0; i < Math.min(20, iterations); i += 1) await run();
  const samples: number[] = [];
  const { maxStallMs, elapsedMs } = await measureEventLoopStall(async () => {
    for (let i = 0; i < iterations; i += 1) {
      const start = performance.now();
      await run();
      samples.push(performance.now() - start);
    }
  });
  samples.sort((a, b) => a - b);
  return { p50: percentile(samples, 50), p99: percentile(samples, 99), opsPerSecond: (iterations / elapsedMs) * 1000, maxStallMs };
}

async function keygen(modulusLength: number): Promise<RsaKeyPair> {
  const times: number[] = [];
  const stalls: number[] = [];
  let keyPair: RsaKeyPair | undefined;
  for (let i = 0; i < KEYGEN_RUNS; i += 1) {
    const { result, elapsedMs, maxStallMs } = await measureEventLoopStall(() => generateRsaKeyPair({ modulusLength }));
    times.push(elapsedMs);
    stalls.push(maxStallMs);
    keyPair = result;
  }
  const sync = await measureEventLoopStall(() => Promise.resolve(generateKeyPairSync('rsa', { modulusLength })));
  times.sort((a, b) => a - b);
  console.log(
    `RSA-${modulusLength} generateRsaKeyPair  x${KEYGEN_RUNS}: median ${ms(percentile(times, 50))} (min ${ms(times[0] ?? NaN)}, max ${ms(times.at(-1) ?? NaN)}), ` +
      `max event-loop stall ${ms(Math.max(...stalls))}`,
  );
  console.log(`RSA-${modulusLength} generateKeyPairSync x1: ${ms(sync.elapsedMs)}, max event-loop stall ${ms(sync.maxStallMs)}  (what the official Node client does)`);
  if (!keyPair) throw new Error('no key pair');
  return keyPair;
}

console.log(`node ${process.version}, ${ITERATIONS} iterations per operation\n`);
// What the machine alone does to the event loop: the stall while merely waiting for a timer. On a
// loaded machine this is far from 0, and the stalls below should be read against it.
const idle = await measureEventLoopStall(() => new Promise((resolve) => setTimeout(resolve, 2000)));
console.log(`baseline: max event-loop stall while idle for 2 s: ${ms(idle.maxStallMs)}`);
const rsa4096 = await keygen(4096);
const rsa2048 = await keygen(2048);
console.log('');

for (const [label, keyPair] of [['4096', rsa4096], ['2048', rsa2048]] as const) {
  for (const hash of ['SHA-256', 'SHA-1'] as const) {
    const r = await timed(ITERATIONS, () => createCsr(keyPair, { hash, subject: hash === 'SHA-1' ? 'empty' : 'ubiq' }));
    console.log(`createCsr RSA-${label} ${hash.padEnd(7)}: p50 ${ms(r.p50)}, p99 ${ms(r.p99)}, ${r.opsPerSecond.toFixed(0)}/s, max stall ${ms(r.maxStallMs)}`);
  }
}
const passphrase = randomCryptoAccessKey();
const encrypt = await timed(50, () => encryptPrivateKeyPem(rsa4096.privateKey, passphrase));
console.log(`encryptPrivateKeyPem RSA-4096: p50 ${ms(encrypt.p50)}, p99 ${ms(encrypt.p99)}`);
console.log('');

const csr4096 = await createCsr(rsa4096, { hash: 'SHA-1', subject: 'empty' });
const verify = await timed(ITERATIONS, () => verifyCsrPem(csr4096));
console.log(`verifyCsrPem RSA-4096 SHA-1: p50 ${ms(verify.p50)}, p99 ${ms(verify.p99)}, ${verify.opsPerSecond.toFixed(0)}/s`);

for (const caBits of [2048, 4096]) {
  const ca = await createCertificateAuthority({ modulusLength: caBits });
  const issue = await timed(ITERATIONS, () => ca.issue({ publicKey: rsa4096.publicKey, lifetimeSeconds: 3600 }));
  const cert = await ca.issue({ publicKey: rsa4096.publicKey, lifetimeSeconds: 3600 });
  const check = await timed(ITERATIONS, () => ca.verifyIssued(cert));
  console.log(
    `CA RSA-${caBits}: issue p50 ${ms(issue.p50)}, p99 ${ms(issue.p99)}, ${issue.opsPerSecond.toFixed(0)}/s, max stall ${ms(issue.maxStallMs)}; ` +
      `verifyIssued p50 ${ms(check.p50)}, ${check.opsPerSecond.toFixed(0)}/s`,
  );
}
console.log('');

const credentials = { accessKeyId: 'J9Fn4kDe0WfS+u/QPvXnAv7r', secretSigningKey: randomCryptoAccessKey() };
const url = 'https://api.ubiqsecurity.com/api/v0/encryption/key';
const body = JSON.stringify({ uses: 1, payload_cert: Buffer.from(csr4096).toString('base64') });
const signIterations = ITERATIONS * 50;
const sign = await timed(signIterations, () => signUbiqRequest({ method: 'POST', url, body, credentials }));
const headers = { ...signUbiqRequest({ method: 'POST', url, body, credentials }), host: 'api.ubiqsecurity.com' };
const lookupSigningKey = (id: string) => (id === credentials.accessKeyId ? credentials.secretSigningKey : undefined);
const check = await timed(signIterations, () => verifyUbiqRequest({ method: 'POST', url, headers, body, lookupSigningKey }));
console.log(`signUbiqRequest (${body.length}-byte body): ${sign.opsPerSecond.toFixed(0)}/s, p99 ${ms(sign.p99)}`);
console.log(`verifyUbiqRequest (${body.length}-byte body): ${check.opsPerSecond.toFixed(0)}/s, p99 ${ms(check.p99)}`);
