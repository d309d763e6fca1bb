// Latency of the reference server's SSO exchange and key endpoints over loopback, next to a bare
// node:http JSON handler measured in the same run (the machines are shared and noisy: compare ratios).
// Run: npm run bench:sso-keys
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { createReferenceServer } from '../src/server/index.js';
import { createOktaEmulator } from '../src/testing/index.js';
import { createCsr } from '../src/credentials/csr.js';
import { generateRsaKeyPair } from '../src/crypto/keypair.js';
import { signUbiqRequest } from '../src/signing/index.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 300);

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

async function measure(name: string, call: () => Promise<number>, expected: number): Promise<{ name: string; p50: number; p99: number }> {
  for (let i = 0; i < 20; i += 1) await call(); // warm-up
  const times: number[] = [];
  for (let i = 0; i < ROUNDS; i += 1) {
    const start = performance.now();
    const status = await call();
    times.push(performance.now() - start);
    if (status !== expected) throw new Error(`${name}: HTTP ${status}`);
  }
  times.sort((a, b) => a - b);
  return { name, p50: percentile(times, 50), p99: percentile(times, 99) };
}

const okta = createOktaEmulator({
  apps: [{ clientId: '0oabench', clientSecret: 'bench-secret', grantTypes: ['password'], grantedScopes: ['okta.users.read', 'okta.groups.read'] }],
  users: [{ login: 'ada@example.com', password: 'pw' }],
  rateLimit: { perUserPerSecond: 0 },
});
const idp = await okta.listen();
const server = createReferenceServer({ idp: { discoveryUrl: idp.discoveryUrl, issuer: idp.issuer, audience: idp.audience } });
const { origin, scimBaseUrl } = await server.listen();
const bare = createServer((_req, res) => {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end('{"ok":true}');
});
await new Promise<void>((resolve) => bare.listen(0, '127.0.0.1', resolve));
const bareUrl = `http://127.0.0.1:${(bare.address() as AddressInfo).port}/`;

try {
  const info = server.info();
  const json = (token: string) => ({ authorization: `Bearer ${token}`, 'content-type': 'application/scim+json' });
  const user = (await (await fetch(`${info.scimBaseUrl}/Users`, { method: 'POST', headers: json(info.scimToken), body: JSON.stringify({ userName: 'ada@example.com', active: true }) })).json()) as { id: string };
  const adminHeaders = { authorization: `Bearer ${info.adminToken}`, 'content-type': 'application/json' };
  await fetch(`${info.adminBaseUrl}/dataset-groups`, { method: 'POST', headers: adminHeaders, body: JSON.stringify({ name: 'Engineering' }) });
  await fetch(`${info.adminBaseUrl}/datasets`, { method: 'POST', headers: adminHeaders, body: JSON.stringify({ name: 'payroll', datasetGroups: ['Engineering'] }) });
  await fetch(`${info.scimBaseUrl}/Groups`, { method: 'POST', headers: json(info.scimToken), body: JSON.stringify({ displayName: 'Engineering', members: [{ value: user.id }] }) });

  const tokenResponse = await fetch(idp.tokenEndpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'password', username: 'ada@example.com', password: 'pw', client_id: '0oabench', client_secret: 'bench-secret', scope: 'openid okta.users.read' }),
  });
  const { access_token: token } = (await tokenResponse.json()) as { access_token: string };
  const keyPair = await generateRsaKeyPair({ modulusLength: 4096 });
  const csr = await createCsr(keyPair);
  const sso = async () =>
    fetch(`${scimBaseUrl}/sso`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ csr }) });
  const first = (await (await sso()).json()) as { api_cert: string; public_value: string; signing_value: string };
  const credentials = { accessKeyId: first.public_value, secretSigningKey: first.signing_value };
  const payloadCert = Buffer.from(first.api_cert).toString('base64');
  const signed = async (path: string, body: unknown) => {
    const url = `${origin}${path}`;
    const text = JSON.stringify(body);
    return fetch(url, { method: 'POST', headers: signUbiqRequest({ method: 'POST', url, body: text, credentials }), body: text });
  };
  const encryption = (await (await signed('/api/v0/encryption/key', { uses: 1, payload_cert: payloadCert })).json()) as { encrypted_data_key: string };

  const results = [
    await measure('bare node:http JSON', async () => (await fetch(bareUrl)).status, 200),
    await measure('SSO exchange (RSA-4096 CSR)', async () => {
      const r = await sso();
      await r.arrayBuffer();
      return r.status;
    }, 200),
    await measure('POST /api/v0/encryption/key', async () => {
      const r = await signed('/api/v0/encryption/key', { uses: 1, payload_cert: payloadCert });
      await r.arrayBuffer();
      return r.status;
    }, 201),
    await measure('POST /api/v0/decryption/key', async () => {
      const r = await signed('/api/v0/decryption/key', { encrypted_data_key: encryption.encrypted_data_key, payload_cert: payloadCert });
      await r.arrayBuffer();
      return r.status;
    }, 200),
  ];
  const base = results[0]!.p50;
  console.log(`sequential requests over loopback, ${ROUNDS} each (Node ${process.version})`);
  for (const r of results) console.log(`${r.name.padEnd(32)} p50 ${r.p50.toFixed(2)} ms  p99 ${r.p99.toFixed(2)} ms  p50/bare ${(r.p50 / base).toFixed(1)}x`);
} finally {
  await server.close();
  await okta.close();
  await new Promise<void>((resolve) => bare.close(() => resolve()));
}
