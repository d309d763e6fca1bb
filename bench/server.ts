// npm run bench:server — the reference server against a bare node:http handler, same machine, same run,
// same in-process load generator (undici Pool, fixed concurrency). Prints req/s, p50/p99 and ratios, and RSS.
// Seeded with 100,000 users and 10,000 groups (one of 50,000 members, the rest of 10) as the performance targets ask (ARCHITECTURE.md, Performance targets).
// Env: BENCH_SECONDS (per scenario, default 3), BENCH_CONCURRENCY (default 32), BENCH_USERS (default 100000).
import { Pool } from 'undici';
import { createReferenceServer } from '../src/server/index.js';
import type { GroupRecord } from '../src/server/store/types.js';
import { startBareServer } from './bare-server.js';
import { seedUsers } from './seed-users.js';
import { newId } from '../src/server/ids.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 32);
const USERS = Number(process.env.BENCH_USERS ?? 100_000);
const GROUPS = 10_000;
const BIG_GROUP = Math.min(50_000, USERS);

interface Result {
  name: string;
  requests: number;
  rps: number;
  p50: number;
  p99: number;
  errors: number;
}

type MakeRequest = (i: number) => { method: string; path: string; body?: string; headers?: Record<string, string> };

async function load(name: string, origin: string, make: MakeRequest, expectStatus: number, concurrency = CONCURRENCY): Promise<Result> {
  const pool = new Pool(origin, { connections: Math.min(concurrency, 16), pipelining: 1 });
  const latencies: number[] = [];
  let errors = 0;
  let counter = 0;
  const warmupEnd = performance.now() + 300;
  const end = warmupEnd + SECONDS * 1000;
  let measured = 0;
  const worker = async () => {
    while (performance.now() < end) {
      const i = counter++;
      const r = make(i);
      const start = performance.now();
      const response = await pool.request({ origin, method: r.method, path: r.path, body: r.body, headers: r.headers });
      await response.body.arrayBuffer();
      const t = performance.now();
      if (response.statusCode !== expectStatus) errors++;
      if (start >= warmupEnd && t <= end) {
        latencies.push(t - start);
        measured++;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  await pool.close();
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? NaN;
  return { name, requests: measured, rps: measured / SECONDS, p50: pct(50), p99: pct(99), errors };
}

function mb(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(0)} MB`;
}

async function main(): Promise<void> {
  console.log(`bench:server — Node ${process.version}, ${SECONDS}s per scenario, concurrency ${CONCURRENCY}, ${USERS} users, ${GROUPS} groups`);
  const rssBefore = process.memoryUsage().rss;
  const ref = createReferenceServer();
  const { store, engine } = ref;
  const seedStart = performance.now();
  const now = new Date();
  const userIds = seedUsers(ref, USERS, now);
  const mkGroup = (displayName: string, members: string[]): GroupRecord => {
    const group: GroupRecord = { id: newId(), version: 1, created: now, lastModified: now, displayName, externalId: undefined, members: new Map(members.map((value) => [value, { value, type: 'User' as const }])) };
    store.putGroup(group);
    return group;
  };
  const big = mkGroup('Big', userIds.slice(0, BIG_GROUP));
  const small: GroupRecord[] = [];
  for (let g = 1; g < GROUPS; g++) small.push(mkGroup(`Small ${g}`, Array.from({ length: 10 }, (_, k) => userIds[(g * 10 + k) % USERS]!)));
  engine.recomputeAll();
  const rssSeeded = process.memoryUsage().rss;
  console.log(`seeded in ${((performance.now() - seedStart) / 1000).toFixed(1)} s; RSS ${mb(rssBefore)} → ${mb(rssSeeded)}`);

  const address = await ref.listen();
  const scimUrl = new URL(address.scimBaseUrl);
  const basePath = scimUrl.pathname;
  const auth = { authorization: `Bearer ${ref.info().scimToken}` };
  const json = { ...auth, 'content-type': 'application/scim+json' };
  const b = await startBareServer();
  // Retained vs committed: heap used after a full collection, and what V8 keeps committed (heap total).
  const heap = () => {
    const u = process.memoryUsage();
    return `heap used ${mb(u.heapUsed)} of ${mb(u.heapTotal)} committed`;
  };

  const results: Result[] = [];
  // Collect the seeding garbage before measuring (script runs node --expose-gc), so no scenario pays for it.
  const gc = (globalThis as { gc?: () => void }).gc;
  const settle = async () => {
    gc?.();
    await new Promise((resolve) => setTimeout(resolve, 200));
  };
  await settle();
  console.log(`after seeding and gc(): RSS ${mb(process.memoryUsage().rss)}, ${heap()}`);
  const run = async (pending: () => Promise<Result>) => {
    await settle();
    const result = await pending();
    results.push(result);
    console.log(
      `${result.name.padEnd(44)} ${result.rps.toFixed(0).padStart(7)} req/s  p50 ${result.p50.toFixed(2).padStart(6)} ms  p99 ${result.p99.toFixed(2).padStart(6)} ms${result.errors ? `  ERRORS ${result.errors}` : ''}`,
    );
    return result;
  };

  const bareGet = await run(() => load('bare node:http GET', b.origin, () => ({ method: 'GET', path: '/Users' }), 200));
  const filter = await run(() => load(
      `GET /Users?filter=userName eq … (${USERS} users)`,
      address.origin,
      (i) => ({ method: 'GET', path: `${basePath}/Users?filter=${encodeURIComponent(`userName eq "USER${(i * 7919) % USERS}@example.com"`)}`, headers: auth }),
      200,
    ),
  );
  // Latency without queueing: one request in flight (ARCHITECTURE.md, Performance targets: p99 < 10 ms).
  const filterOne = await run(() =>
    load(
      'GET /Users?filter=userName eq …, 1 in flight',
      address.origin,
      (i) => ({ method: 'GET', path: `${basePath}/Users?filter=${encodeURIComponent(`userName eq "user${(i * 7919) % USERS}@example.com"`)}`, headers: auth }),
      200,
      1,
    ),
  );
  const bodyOf = (i: number) =>
    JSON.stringify({
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
      userName: `new${i}-${Date.now()}@example.com`,
      name: { givenName: 'New', familyName: `User${i}` },
      emails: [{ primary: true, value: `new${i}@example.com`, type: 'work' }],
      displayName: `New User${i}`,
      locale: 'en-US',
      externalId: `00unew${i}`,
      groups: [],
      password: 'pl4ceh0lder',
      active: true,
    });
  const barePost = await run(() => load('bare node:http POST', b.origin, (i) => ({ method: 'POST', path: '/Users', body: bodyOf(i), headers: json }), 201));
  const post = await run(() => load('POST /Users', address.origin, (i) => ({ method: 'POST', path: `${basePath}/Users`, body: bodyOf(i), headers: json }), 201));
  const patchBody = (userId: string) => JSON.stringify({ schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'add', path: 'members', value: [{ value: userId }] }] });
  // Members not yet in the big group: users after the first BIG_GROUP (or any, re-adds are no-ops when USERS is small).
  const outsider = (i: number) => userIds[(BIG_GROUP + i) % USERS]!;
  const patchBig = await run(() => load(`PATCH add 1 member, group of ${BIG_GROUP}`, address.origin, (i) => ({ method: 'PATCH', path: `${basePath}/Groups/${big.id}`, body: patchBody(outsider(i)), headers: json }), 204),
  );
  const patchSmall = await run(() => load('PATCH add 1 member, group of 10', address.origin, (i) => ({ method: 'PATCH', path: `${basePath}/Groups/${small[i % small.length]!.id}`, body: patchBody(outsider(i)), headers: json }), 204),
  );
  // RSS read straight after the PATCH scenario counts the requests' uncollected garbage too; the retained
  // figure is read after a full collection (settle() calls gc()). Both are printed.
  const rssBeforeGc = process.memoryUsage().rss;
  await settle();
  const rssEnd = process.memoryUsage().rss;

  console.log('\nratios (same run)');
  console.log(`  filter GET / bare GET          ${(filter.rps / bareGet.rps).toFixed(2)}   (target ≥ 0.5); p99 with 1 in flight ${filterOne.p99.toFixed(2)} ms (target < 10 ms)`);
  console.log(`  POST /Users / bare POST        ${(post.rps / barePost.rps).toFixed(2)}   (target ≥ 0.1)`);
  console.log(`  PATCH group 50k / group 10     ${(patchBig.rps / patchSmall.rps).toFixed(2)}   (target ≈ 1)`);
  console.log(`RSS: ${mb(rssEnd)} at the end after gc() (target < 300 MB; ${mb(rssBeforeGc)} before it); ${heap()}`);
  await ref.close();
  await new Promise<void>((resolve) => b.server.close(() => resolve()));
  if (results.some((r) => r.errors > 0)) process.exitCode = 1;
}

await main();
