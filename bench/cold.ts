// A cold login in fresh processes, side by side in one run, alternating, against the Okta emulator and
// the reference server over 127.0.0.1 (the same token + SSO endpoints for every contestant):
//   baseline  what the official Node client does: a synchronous RSA-4096 key pair
//             (crypto.generateKeyPairSync), a node-forge CSR (empty subject, SHA-1), the password grant and
//             the SSO exchange, then node-forge's AES-256 PKCS#8 encryption of the private key;
//   cold      our provider, RSA-4096, from its creation to the first credentials;
//   pregen    our provider given a key pair at creation (pregenerateKeyPair), first call after it had time
//             to make the CSR and the encrypted key and to open the IdP connection;
//   trips     the token and SSO round trips alone, with Node's own fetch from a fresh process (the CSR made
//             before the clock starts): two round trips on a cold HTTP stack (the pre-generated provider
//             warms its own up before the first call);
//   import    `import()` of each entry point (ubiq-idp, ubiq-idp/server, ubiq-idp/testing) from dist/.
// Every contestant also reports the longest event-loop stall (a 1 ms interval timer) from before the work
// starts to the first credentials. Figures are for comparison within one run on a shared, noisy machine;
// printed with the load average, never asserted. Uses dist/ (the script builds it first).
// Run: npm run bench:cold   (RUNS=9 to change the sample size)
import { execFile } from 'node:child_process';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CLIENT_ID, CLIENT_SECRET, CUSTOMER_ID, PASSWORD, startIdpFixture, USERNAME } from '../test/credentials/helpers/idp-fixture.js';

const RUNS = Number(process.env.RUNS ?? 9);
// npm runs scripts from the project root.
const root = process.cwd();
const work = join(root, 'node_modules', '.cache', 'ubiq-bench', 'cold');
const dist = join(root, 'dist');

interface Target {
  tokenEndpoint: string;
  server: string;
}

// The stall monitor every contestant starts before its work: the longest lateness of a 1 ms interval.
const MONITOR = `
let last = performance.now();
let maxStallMs = 0;
const monitor = setInterval(() => {
  const now = performance.now();
  maxStallMs = Math.max(maxStallMs, now - last - 1);
  last = now;
}, 1);
const stop = () => {
  maxStallMs = Math.max(maxStallMs, performance.now() - last - 1);
  clearInterval(monitor);
  return maxStallMs;
};
await new Promise((resolve) => setTimeout(resolve, 20));
last = performance.now();
maxStallMs = 0;
`;

// The official client's steps (lib/rsaKeys.js, lib/credentials.js of ubiq-node), written for this bench.
const BASELINE = `
import { generateKeyPairSync, X509Certificate } from 'node:crypto';
import forge from 'node-forge';
const target = JSON.parse(process.argv[2]);
${MONITOR}
const started = performance.now();
const secretCryptoAccessKey = forge.util.encode64(forge.random.getBytesSync(33));
const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 4096, publicKeyEncoding: { type: 'pkcs1', format: 'pem' }, privateKeyEncoding: { type: 'pkcs1', format: 'pem' } });
const csr = forge.pki.createCertificationRequest();
csr.publicKey = forge.pki.publicKeyFromPem(publicKey);
csr.sign(forge.pki.privateKeyFromPem(privateKey));
const csrPem = forge.pki.certificationRequestToPem(csr);
const form = new URLSearchParams({ grant_type: 'password', username: ${JSON.stringify(USERNAME)}, password: ${JSON.stringify(PASSWORD)}, scope: 'openid', client_id: ${JSON.stringify(CLIENT_ID)}, client_secret: ${JSON.stringify(CLIENT_SECRET)} });
const token = await (await fetch(target.tokenEndpoint, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' }, body: form })).json();
const ssoAnswer = await fetch(target.server + '/' + ${JSON.stringify(CUSTOMER_ID)} + '/api/v3/scim/sso', { method: 'POST', headers: { authorization: 'Bearer ' + token.access_token, 'content-type': 'application/json' }, body: JSON.stringify({ csr: csrPem }) });
const sso = await ssoAnswer.json();
if (!sso.api_cert) throw new Error('baseline: SSO answered ' + ssoAnswer.status + ' ' + JSON.stringify(sso));
new X509Certificate(sso.api_cert);
const info = forge.pki.wrapRsaPrivateKey(forge.pki.privateKeyToAsn1(forge.pki.privateKeyFromPem(privateKey)));
const encrypted = forge.pki.encryptedPrivateKeyToPem(forge.pki.encryptPrivateKeyInfo(info, secretCryptoAccessKey, { algorithm: 'aes256' }));
const ms = performance.now() - started;
console.log(JSON.stringify({ ms, stallMs: stop(), ok: encrypted.length > 0 && typeof sso.public_value === 'string' }));
`;

// The two round trips and nothing else, on a cold HTTP stack (its first use costs about 20 ms here).
const TRIPS = `
import { generateKeyPairSync } from 'node:crypto';
import forge from 'node-forge';
const target = JSON.parse(process.argv[2]);
const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048, publicKeyEncoding: { type: 'pkcs1', format: 'pem' }, privateKeyEncoding: { type: 'pkcs1', format: 'pem' } });
const csr = forge.pki.createCertificationRequest();
csr.publicKey = forge.pki.publicKeyFromPem(publicKey);
csr.sign(forge.pki.privateKeyFromPem(privateKey));
const csrPem = forge.pki.certificationRequestToPem(csr);
${MONITOR}
const started = performance.now();
const form = new URLSearchParams({ grant_type: 'password', username: ${JSON.stringify(USERNAME)}, password: ${JSON.stringify(PASSWORD)}, scope: 'openid', client_id: ${JSON.stringify(CLIENT_ID)}, client_secret: ${JSON.stringify(CLIENT_SECRET)} });
const token = await (await fetch(target.tokenEndpoint, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' }, body: form })).json();
const sso = await (await fetch(target.server + '/' + ${JSON.stringify(CUSTOMER_ID)} + '/api/v3/scim/sso', { method: 'POST', headers: { authorization: 'Bearer ' + token.access_token, 'content-type': 'application/json' }, body: JSON.stringify({ csr: csrPem }) })).json();
const ms = performance.now() - started;
console.log(JSON.stringify({ ms, stallMs: stop(), ok: typeof sso.api_cert === 'string' }));
`;

const OURS = `
import { generateKeyPair } from 'node:crypto';
import { promisify } from 'node:util';
const target = JSON.parse(process.argv[2]);
const mode = process.argv[3];
const lib = await import(${JSON.stringify(join(dist, 'index.js'))});
const load = { env: {}, homeDir: '/nonexistent-ubiq-idp-bench-home', allowInsecureHttp: true, overrides: { server: target.server, idp: { provider: 'okta', customerId: ${JSON.stringify(CUSTOMER_ID)}, tokenEndpointUrl: target.tokenEndpoint, clientId: ${JSON.stringify(CLIENT_ID)}, clientSecret: ${JSON.stringify(CLIENT_SECRET)} }, username: ${JSON.stringify(USERNAME)}, password: ${JSON.stringify(PASSWORD)} } };
const notes = [];
const logger = { warn: (m) => notes.push(m), info: (m) => { if (/main thread/.test(m)) notes.push(m); } };
let keyPair;
if (mode === 'pregen') {
  const pair = await promisify(generateKeyPair)('rsa', { modulusLength: 4096 });
  keyPair = { publicKey: pair.publicKey, privateKey: pair.privateKey };
}
${MONITOR}
const created = performance.now();
const provider = lib.createIdpCredentialProvider({ load, session: false, modulusLength: 4096, retry: false, logger, ...(keyPair ? { pregenerateKeyPair: keyPair } : {}) });
// The pre-generated case: the provider has time to make the CSR and the encrypted key before the first call.
if (mode === 'pregen') await new Promise((resolve) => setTimeout(resolve, 2000));
const started = performance.now();
const credentials = await provider();
const ms = performance.now() - started;
const stallMs = stop();
await provider.close();
console.log(JSON.stringify({ ms, sinceCreationMs: performance.now() - created, stallMs, ok: credentials.kind === 'idp', notes }));
`;

const IMPORT = `
const started = performance.now();
await import(process.argv[2]);
console.log(JSON.stringify({ ms: performance.now() - started }));
`;

const exec = promisify(execFile);
async function child(file: string, args: string[]): Promise<Record<string, unknown>> {
  const { stdout } = await exec(process.execPath, [join(work, file), ...args], { cwd: root, timeout: 180_000 });
  const result = JSON.parse(stdout) as Record<string, unknown>;
  if (result.ok === false) throw new Error(`${file}: no credentials`);
  const notes = result.notes as string[] | undefined;
  if (notes && notes.length > 0) console.warn(`  ${file}: ${notes.join('; ')}`);
  return result;
}

function stats(values: number[]): { median: number; min: number; max: number } {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 ? (sorted[mid] ?? Number.NaN) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
  return { median, min: sorted[0] ?? Number.NaN, max: sorted.at(-1) ?? Number.NaN };
}
const f = (value: number) => `${value.toFixed(1)} ms`;
const load = () => loadavg().map((v) => v.toFixed(1)).join(' ');

await rm(work, { recursive: true, force: true });
await mkdir(work, { recursive: true });
await writeFile(join(work, 'package.json'), '{ "type": "module" }\n');
await Promise.all([writeFile(join(work, 'baseline.js'), BASELINE), writeFile(join(work, 'ours.js'), OURS), writeFile(join(work, 'import.js'), IMPORT), writeFile(join(work, 'trips.js'), TRIPS)]);

const fx = await startIdpFixture();
const target: Target = { tokenEndpoint: fx.config.kind === 'idp' ? fx.config.idp.tokenEndpointUrl : '', server: fx.sso.url };
const arg = JSON.stringify(target);
const entries = { 'ubiq-idp': join(dist, 'index.js'), 'ubiq-idp/server': join(dist, 'server', 'index.js'), 'ubiq-idp/testing': join(dist, 'testing', 'index.js') };
const samples: Record<string, number[]> = {};
const add = (key: string, value: unknown) => (samples[key] ??= []).push(Number(value));

console.log(`bench:cold: ${RUNS} fresh processes of each, alternating, RSA-4096; ${cpus().length} CPUs, load average ${load()} at start`);
try {
  for (let run = 0; run < RUNS; run += 1) {
    // Alternate the order so that no contestant always runs right after the same one.
    const order = run % 2 === 0 ? ['baseline', 'cold', 'pregen', 'trips'] : ['trips', 'pregen', 'cold', 'baseline'];
    for (const who of order) {
      const result = who === 'baseline' || who === 'trips' ? await child(`${who}.js`, [arg]) : await child('ours.js', [arg, who]);
      add(`${who}.ms`, result.ms);
      add(`${who}.stall`, result.stallMs);
      await fx.reset();
    }
    for (const [name, path] of run % 2 === 0 ? Object.entries(entries) : Object.entries(entries).reverse()) {
      add(`import ${name}`, (await child('import.js', [path])).ms);
    }
    process.stdout.write(`  run ${run + 1}/${RUNS} done (load ${load()})\n`);
  }
} finally {
  await fx.close();
}

const row = (label: string, key: string, baseline?: number) => {
  const s = stats(samples[key] ?? []);
  const ratio = baseline === undefined ? '' : `  ${(s.median / baseline).toFixed(2)}× baseline`;
  console.log(`${label.padEnd(44)} median ${f(s.median).padStart(10)}  min ${f(s.min).padStart(10)}  max ${f(s.max).padStart(10)}${ratio}`);
};
const base = stats(samples['baseline.ms'] ?? []).median;
console.log('\nfirst credentials (from provider creation / start of the steps)');
row('baseline (sync RSA-4096 + node-forge CSR)', 'baseline.ms');
row('ubiq-idp cold (RSA-4096)', 'cold.ms', base);
row('ubiq-idp pre-generated key pair, first call', 'pregen.ms', base);
row('the two round trips alone (cold fetch, fresh process)', 'trips.ms', base);
console.log('\nlongest event-loop stall during the login (1 ms interval)');
row('baseline', 'baseline.stall');
row('ubiq-idp cold', 'cold.stall');
row('ubiq-idp pre-generated', 'pregen.stall');
console.log('\nimport() of each entry point from dist/');
for (const name of Object.keys(entries)) row(name, `import ${name}`);
console.log(`\ntargets: cold ≤ 0.7× baseline, pre-generated ≤ 50 ms, stall < 10 ms, import('ubiq-idp') ≤ 80 ms; load average ${load()} at the end`);
