// npm run bench:scim — SCIM throughput of the reference server against a bare node:http handler, each in its
// own process, loaded by wrk (Debian package `wrk`) with 20 connections from a third process, alternating
// bare / reference rounds in one run (all GET rounds first, on the seeded store). Scenarios: `GET /Users?filter=userName eq "…"` and `POST /Users`
// over 100,000 users and 10,000 groups. Prints req/s, latency, the ratios against the bare handler and the
// reference server's RSS; also each server's CPU time per request (process.cpuUsage() across the round
// divided by wrk's request count), which moves far less than req/s when other processes share the cores.
// Env: BENCH_SECONDS (per round, default 5), BENCH_ROUNDS (default 3), BENCH_CONNECTIONS (default 20),
// BENCH_USERS (default 100000), BENCH_PROFILE=1 (the reference server writes a CPU profile to .tmp/).
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { createReferenceServer } from '../src/server/index.js';
import { newId } from '../src/server/ids.js';
import type { GroupRecord } from '../src/server/store/types.js';
import { startBareServer } from './bare-server.js';
import { seedUsers } from './seed-users.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 20);
const USERS = Number(process.env.BENCH_USERS ?? 100_000);
const GROUPS = 10_000;

interface Ready {
  origin: string;
  scimPath: string;
  token: string;
}

/** Child: the reference server seeded with USERS users and GROUPS groups; answers `rss` on stdin. */
async function serveReference(): Promise<void> {
  const ref = createReferenceServer();
  const { store, engine } = ref;
  const now = new Date();
  const userIds = seedUsers(ref, USERS, now);
  for (let g = 0; g < GROUPS; g++) {
    const members = g === 0 ? userIds.slice(0, Math.min(50_000, USERS)) : Array.from({ length: 10 }, (_, k) => userIds[(g * 10 + k) % USERS]!);
    const group: GroupRecord = { id: newId(), version: 1, created: now, lastModified: now, displayName: `Group ${g}`, externalId: undefined, members: new Map(members.map((value) => [value, { value, type: 'User' as const }])) };
    store.putGroup(group);
  }
  engine.recomputeAll();
  (globalThis as { gc?: () => void }).gc?.();
  const address = await ref.listen();
  const ready: Ready = { origin: address.origin, scimPath: new URL(address.scimBaseUrl).pathname, token: ref.info().scimToken };
  process.stdout.write(`${JSON.stringify(ready)}\n`);
  for await (const line of createInterface({ input: process.stdin })) {
    if (line === 'rss') {
      (globalThis as { gc?: () => void }).gc?.();
      const { rss, heapUsed, heapTotal } = process.memoryUsage();
      process.stdout.write(`${JSON.stringify({ rss, heapUsed, heapTotal, users: store.countUsers() })}\n`);
    }
    if (line === 'cpu') process.stdout.write(`${JSON.stringify(process.cpuUsage())}\n`);
    if (line === 'exit') break;
  }
  await ref.close();
  process.exit(0);
}

/** Child: the floor (bench/bare-server.ts). */
async function serveBare(): Promise<void> {
  const { origin, server } = await startBareServer();
  const ready: Ready = { origin, scimPath: '', token: 'none' };
  process.stdout.write(`${JSON.stringify(ready)}\n`);
  for await (const line of createInterface({ input: process.stdin })) {
    if (line === 'cpu') process.stdout.write(`${JSON.stringify(process.cpuUsage())}\n`);
    if (line === 'exit') break;
  }
  server.close();
  process.exit(0);
}

interface Child {
  process: ChildProcess;
  ready: Ready;
  ask(command: string): Promise<Record<string, unknown>>;
}

async function start(mode: 'serve-reference' | 'serve-bare', nodeArgs: string[]): Promise<Child> {
  const script = fileURLToPath(import.meta.url);
  const child = spawn(process.execPath, [...nodeArgs, script, mode], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout });
  const iterator = lines[Symbol.asyncIterator]();
  const next = async () => JSON.parse(String((await iterator.next()).value)) as Record<string, unknown>;
  const ready = (await next()) as unknown as Ready;
  return {
    process: child,
    ready,
    ask: async (command) => {
      child.stdin.write(`${command}\n`);
      return next();
    },
  };
}

const LUA_GET = `
counter = 0
local users = tonumber(os.getenv("WRK_USERS"))
wrk.headers["authorization"] = "Bearer " .. os.getenv("WRK_TOKEN")
request = function()
  counter = counter + 1
  local i = (counter * 7919) % users
  return wrk.format("GET", os.getenv("WRK_PATH") .. "/Users?filter=userName%20eq%20%22user" .. i .. "%40example.com%22")
end
`;
const LUA_POST = `
counter = 0
local id = 0
setup = function(thread) id = id + 1; thread:set("tid", id) end
wrk.method = "POST"
wrk.headers["authorization"] = "Bearer " .. os.getenv("WRK_TOKEN")
wrk.headers["content-type"] = "application/scim+json"
request = function()
  counter = counter + 1
  local name = "new-" .. os.getenv("WRK_RUN") .. "-" .. tostring(tid) .. "-" .. counter
  local body = '{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"' .. name .. '@example.com","name":{"givenName":"New","familyName":"' .. name .. '"},"emails":[{"primary":true,"value":"' .. name .. '@example.com","type":"work"}],"displayName":"New ' .. name .. '","locale":"en-US","externalId":"00u' .. name .. '","groups":[],"password":"pl4ceh0lder","active":true}'
  return wrk.format(nil, os.getenv("WRK_PATH") .. "/Users", nil, body)
end
`;

interface Round {
  rps: number;
  p50: string;
  p99: string;
  non2xx: number;
  /** Server CPU time (user + system) per request, µs. */
  cpuUs: number;
  /** Of which in the kernel (system time): for these servers mostly the socket writes. */
  systemUs: number;
}

let runCounter = 0;
/** One wrk round against `target`, with the server's CPU time across it. */
async function measured(target: Child, lua: string): Promise<Round> {
  const before = (await target.ask('cpu')) as unknown as NodeJS.CpuUsage;
  const round = wrk(target.ready, lua);
  const after = (await target.ask('cpu')) as unknown as NodeJS.CpuUsage;
  const cpu = after.user + after.system - before.user - before.system;
  const per = (us: number) => (round.requests > 0 ? us / round.requests : 0);
  return { ...round, cpuUs: per(cpu), systemUs: per(after.system - before.system) };
}

function wrk(target: Ready, lua: string): Omit<Round, 'cpuUs' | 'systemUs'> & { requests: number } {
  const dir = join(tmpdir(), 'ubiq-bench-scim');
  mkdirSync(dir, { recursive: true });
  const script = join(dir, `${lua === LUA_GET ? 'get' : 'post'}.lua`);
  writeFileSync(script, lua);
  runCounter += 1;
  const out = execFileSync('wrk', ['-t', '2', '-c', String(CONNECTIONS), '-d', `${SECONDS}s`, '--latency', '-s', script, target.origin], {
    env: { ...process.env, WRK_TOKEN: target.token, WRK_PATH: target.scimPath, WRK_USERS: String(USERS), WRK_RUN: `${process.pid}-${runCounter}` },
    encoding: 'utf8',
  });
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? 0);
  const p50 = /\s50%\s+(\S+)/.exec(out)?.[1] ?? '?';
  const p99 = /\s99%\s+(\S+)/.exec(out)?.[1] ?? '?';
  const non2xx = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(out)?.[1] ?? 0);
  const requests = Number(/(\d+) requests in/.exec(out)?.[1] ?? 0);
  return { rps, p50, p99, non2xx, requests };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;

async function main(): Promise<void> {
  try {
    execFileSync('wrk', ['--version'], { stdio: 'ignore' });
  } catch (error) {
    // wrk prints its version and exits 1; only a missing binary is fatal.
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      console.error('bench:scim needs wrk (Debian: apt-get install wrk).');
      process.exitCode = 1;
      return;
    }
  }
  const profile = process.env.BENCH_PROFILE === '1' ? ['--cpu-prof', '--cpu-prof-dir=.tmp/profiles'] : [];
  console.log(`bench:scim — Node ${process.version}, wrk -c ${CONNECTIONS}, ${SECONDS} s × ${ROUNDS} rounds each, ${USERS} users, ${GROUPS} groups; load average ${(await import('node:os')).loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  const [reference, bare] = await Promise.all([start('serve-reference', ['--expose-gc', ...profile]), start('serve-bare', [])]);
  const seeded = await reference.ask('rss');
  const table: Record<string, { bare: Round[]; reference: Round[] }> = { 'GET filter userName eq': { bare: [], reference: [] }, 'POST /Users': { bare: [], reference: [] } };
  // Every GET round before the first POST round: the targets are set for USERS users, and each POST round
  // adds over 100,000 more. Within a scenario, bare and reference rounds alternate.
  let afterGets: Record<string, unknown> = {};
  for (const [name, lua] of [['GET filter userName eq', LUA_GET], ['POST /Users', LUA_POST]] as const) {
    for (let round = 0; round < ROUNDS; round += 1) {
      table[name]!.bare.push(await measured(bare, lua));
      table[name]!.reference.push(await measured(reference, lua));
    }
    if (lua === LUA_GET) afterGets = await reference.ask('rss');
  }
  const end = await reference.ask('rss');
  for (const child of [reference, bare]) child.process.stdin!.write('exit\n');
  console.log('\nscenario                     bare req/s  reference req/s  ratio   reference p50 / p99   (medians of rounds)');
  const ratios: Record<string, number> = {};
  const cpuRatios: Record<string, number> = {};
  for (const [name, { bare: b, reference: r }] of Object.entries(table)) {
    const bareRps = median(b.map((x) => x.rps));
    const refRps = median(r.map((x) => x.rps));
    ratios[name] = refRps / bareRps;
    const errors = r.reduce((n, x) => n + x.non2xx, 0);
    const last = r.at(-1)!;
    console.log(
      `${name.padEnd(28)} ${bareRps.toFixed(0).padStart(10)}  ${refRps.toFixed(0).padStart(15)}  ${(refRps / bareRps).toFixed(2).padStart(5)}   ${last.p50} / ${last.p99}${errors ? `   NON-2XX ${errors}` : ''}`,
    );
    console.log(`${''.padEnd(28)} rounds: bare ${b.map((x) => x.rps.toFixed(0)).join(', ')}; reference ${r.map((x) => x.rps.toFixed(0)).join(', ')}`);
    const bareCpu = median(b.map((x) => x.cpuUs));
    const refCpu = median(r.map((x) => x.cpuUs));
    cpuRatios[name] = bareCpu / refCpu;
    console.log(
      `${''.padEnd(28)} server CPU per request: bare ${bareCpu.toFixed(1)} µs (system ${median(b.map((x) => x.systemUs)).toFixed(1)}), reference ${refCpu.toFixed(1)} µs (system ${median(r.map((x) => x.systemUs)).toFixed(1)}), bare/reference ${(bareCpu / refCpu).toFixed(2)} (rounds: reference ${r.map((x) => x.cpuUs.toFixed(1)).join(', ')})`,
    );
  }
  console.log(`\ntargets: GET filter ≥ 0.50 × bare (${(ratios['GET filter userName eq'] ?? 0).toFixed(2)}), POST ≥ 0.25 × bare (${(ratios['POST /Users'] ?? 0).toFixed(2)})`);
  console.log(`  by server CPU per request: GET filter ${(cpuRatios['GET filter userName eq'] ?? 0).toFixed(2)}, POST ${(cpuRatios['POST /Users'] ?? 0).toFixed(2)}; load average now ${(await import('node:os')).loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  const mb = (bytes: unknown) => `${(Number(bytes) / 2 ** 20).toFixed(0)} MB`;
  console.log(`reference server RSS after gc(): ${mb(seeded.rss)} seeded, ${mb(afterGets.rss)} after the GET rounds (target < 300 MB), ${mb(end.rss)} at the end`);
  console.log(`  heap used (of committed) ${mb(seeded.heapUsed)} (${mb(seeded.heapTotal)}) with ${String(seeded.users)} users, ${mb(afterGets.heapUsed)} (${mb(afterGets.heapTotal)}) after the GET rounds, ${mb(end.heapUsed)} with ${String(end.users)} users at the end (the POST rounds add users)`);
}

const mode = process.argv[2];
if (mode === 'serve-reference') await serveReference();
else if (mode === 'serve-bare') await serveBare();
else await main();
