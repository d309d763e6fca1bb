// The package as users get it: `npm pack` on an unbuilt copy of the project (prepack builds dist/), the
// tarball installed into a fresh app with no network, then imported from ESM, CommonJS and type-checked
// TypeScript, and its executable run. Slow by nature (a full build): one pack for every assertion.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cp, mkdir, mkdtemp, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join, relative, sep } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../helpers/fresh-process.js';
import { stringMatching } from '../helpers/matchers.js';

const run = promisify(execFile);
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
// Not copied: what a fresh clone does not have, and what would make the copy large.
const NOT_COPIED = new Set(['node_modules', 'dist', '.git', 'coverage', '.tmp', '.stryker-tmp', 'reports']);

interface PackResult {
  filename: string;
  files: Array<{ path: string }>;
}

interface LockEntry {
  version?: string;
  resolved?: string;
  integrity?: string;
  dev?: boolean;
  devOptional?: boolean;
  [key: string]: unknown;
}

let work: string;
let app: string;
/** An app that depends on ubiq-idp alone, as a client user's does: no hono, no @hono/node-server. */
let clientApp: string;
let packed: PackResult;
const timings: Record<string, number> = {};

async function timed<T>(label: string, step: () => Promise<T>): Promise<T> {
  const start = performance.now();
  try {
    return await step();
  } finally {
    timings[label] = Math.round(performance.now() - start);
  }
}

/** The reference server's optional peer dependencies: an app that uses `ubiq-idp/server` installs them itself. */
const SERVER_PEERS = ['hono', '@hono/node-server'];

/**
 * A lockfile for the app that pins the package's dependencies to exactly what the project's own lockfile
 * installed (its production entries, same layout), with the tarball URLs of the configured registry. With
 * it, `npm install --offline` needs no package metadata, only the tarballs `npm ci` left in the cache.
 */
async function appLockfile(tarball: string, registry: string, withServer: boolean): Promise<unknown> {
  const project = JSON.parse(await readFile(join(projectRoot, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockEntry> };
  const manifest = JSON.parse(await readFile(join(projectRoot, 'package.json'), 'utf8')) as Record<string, unknown>;
  const spec = `file:${basename(tarball)}`;
  const peers = manifest.peerDependencies as Record<string, string>;
  const serverPeers = Object.fromEntries(SERVER_PEERS.map((name) => [name, peers[name]]));
  const packages: Record<string, unknown> = {
    '': { name: 'install-test-app', version: '1.0.0', dependencies: { 'ubiq-idp': spec, ...(withServer ? serverPeers : {}) } },
    'node_modules/ubiq-idp': {
      version: manifest.version,
      resolved: spec,
      integrity: `sha512-${createHash('sha512').update(await readFile(tarball)).digest('base64')}`,
      license: manifest.license,
      dependencies: manifest.dependencies,
      peerDependencies: manifest.peerDependencies,
      peerDependenciesMeta: manifest.peerDependenciesMeta,
      bin: manifest.bin,
      engines: manifest.engines,
    },
  };
  for (const [path, entry] of Object.entries(project.packages)) {
    if (!path.startsWith('node_modules/')) continue;
    const name = path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length);
    // The project has the server's peers as dev dependencies (its tests use them); the app has them when it asks.
    const serverPeer = withServer && path === `node_modules/${name}` && SERVER_PEERS.includes(name);
    if (!serverPeer && (entry.dev === true || entry.devOptional === true)) continue;
    const { dev: _dev, devOptional: _devOptional, ...kept } = entry;
    packages[path] = { ...kept, resolved: entry.resolved ?? `${registry.replace(/\/+$/, '')}/${name}/-/${name.split('/').pop()}-${entry.version}.tgz` };
  }
  return { name: 'install-test-app', version: '1.0.0', lockfileVersion: 3, requires: true, packages };
}

const ESM = `
import { loadConfig, isUbiqIdpError, isConfigError } from 'ubiq-idp';
import { createReferenceServer } from 'ubiq-idp/server';
import { createOktaEmulator } from 'ubiq-idp/testing';
import { createRequire } from 'node:module';

const config = await loadConfig({ env: {
  UBIQ_IDP_USERNAME: 'ada@example.com', UBIQ_IDP_PASSWORD: 'pw', UBIQ_IDP_PROVIDER: 'okta',
  UBIQ_IDP_CUSTOMER_ID: '6e7e795e-26a2-4973-aa73-b9fc259ebc5f', UBIQ_IDP_TOKEN_ENDPOINT_URL: 'https://example.okta.com/oauth2/v1/token',
  UBIQ_IDP_TENANT_ID: '0oamj6wsupUbPfqXt697', UBIQ_IDP_CLIENT_SECRET: 'secret' }, homeDir: '/nonexistent' });
// An error thrown by the CommonJS copy of the package is recognised by the ESM copy's guards.
const cjs = createRequire(import.meta.url)('ubiq-idp');
const fromCjs = await cjs.loadConfig({ env: { UBIQ_IDP_USERNAME: 'a', UBIQ_IDP_PASSWORD: 'b', UBIQ_SERVER: 'ftp://x' }, homeDir: '/nonexistent' }).catch((e) => e);
console.log(JSON.stringify({
  kind: config.kind, provider: config.idp.provider, redacted: JSON.stringify(config).includes('secret') === false,
  server: typeof createReferenceServer, emulator: typeof createOktaEmulator,
  crossCopy: isUbiqIdpError(fromCjs) && isConfigError(fromCjs),
}));
`;

// A client user's app: ubiq-idp and ubiq-idp/testing load without hono; ubiq-idp/server says hono is missing.
const CLIENT_ONLY = `
import { loadConfig } from 'ubiq-idp';
import { createOktaEmulator } from 'ubiq-idp/testing';
const server = await import('ubiq-idp/server').then(() => 'loaded', (error) => error);
console.log(JSON.stringify({
  loadConfig: typeof loadConfig, testing: typeof createOktaEmulator,
  server: typeof server === 'string' ? server : server.code,
  serverMissing: typeof server === 'string' ? undefined : /Cannot find package '([^']+)'/.exec(server.message)?.[1],
}));
`;

const CJS = `
const { loadConfig, isConfigNotFoundError } = require('ubiq-idp');
const { createReferenceServer } = require('ubiq-idp/server');
const { createEntraEmulator } = require('ubiq-idp/testing');
loadConfig({ env: {}, homeDir: '/nonexistent' }).catch((error) => {
  console.log(JSON.stringify({ notFound: isConfigNotFoundError(error), server: typeof createReferenceServer, emulator: typeof createEntraEmulator }));
});
`;

// Type-checked against the installed declarations; the @ts-expect-error lines fail the check if the
// types were missing or 'any'.
const TS = `
import { defaultProvider, loadConfig, type LoadedConfig, type UbiqCredentials } from 'ubiq-idp';
import { createReferenceServer, type ReferenceServerOptions } from 'ubiq-idp/server';
import { createOktaEmulator } from 'ubiq-idp/testing';

export async function main(): Promise<string> {
  const config: LoadedConfig = await loadConfig({ profile: 'idp' });
  const provider = defaultProvider({ pregenerateKeyPair: true });
  const credentials: UbiqCredentials = await provider();
  await provider.close();
  // @ts-expect-error: kind is 'idp' | 'static'
  const wrong: 'other' = config.kind;
  // @ts-expect-error: not an option of loadConfig
  await loadConfig({ profle: 'idp' });
  const options: ReferenceServerOptions | undefined = undefined;
  void [wrong, options, createReferenceServer, createOktaEmulator];
  return credentials.accessKeyId;
}
`;

const CTS = `
import { loadConfig } from 'ubiq-idp';
import type { LoadedConfig } from 'ubiq-idp';
export const load: () => Promise<LoadedConfig> = () => loadConfig();
// @ts-expect-error: a number is not a LoadedConfig
export const bad: LoadedConfig = 1;
`;

describe('the packed package, installed into a fresh app', () => {
  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'ubiq-idp-install-'));
    const copy = join(work, 'project');
    await timed('copy', () =>
      cp(projectRoot, copy, {
        recursive: true,
        filter: (source) => {
          const path = relative(projectRoot, source);
          return path === '' || (!NOT_COPIED.has(path.split(sep)[0]!) && path !== join('docs', 'api') && !path.endsWith('.tgz'));
        },
      }),
    );
    // The copy uses the project's dependencies (a clone would have run `npm install`); dist/ is absent.
    await symlink(join(projectRoot, 'node_modules'), join(copy, 'node_modules'), process.platform === 'win32' ? 'junction' : 'dir');
    const { stdout } = await timed('pack', () => run(npm, ['pack', '--json', '--pack-destination', work], { cwd: copy, timeout: 300_000, maxBuffer: 16 * 1024 * 1024 }));
    packed = (JSON.parse(stdout) as PackResult[])[0]!;

    app = join(work, 'app');
    await mkdir(app);
    const { stdout: registry } = await run(npm, ['config', 'get', 'registry'], { cwd: app });
    const tarball = join(app, packed.filename);
    await cp(join(work, packed.filename), tarball);
    const manifest = JSON.parse(await readFile(join(projectRoot, 'package.json'), 'utf8')) as { peerDependencies: Record<string, string> };
    const serverPeers = Object.fromEntries(SERVER_PEERS.map((name) => [name, manifest.peerDependencies[name]]));
    await writeFile(join(app, 'package.json'), JSON.stringify({ name: 'install-test-app', version: '1.0.0', private: true, type: 'module', dependencies: { 'ubiq-idp': `file:${packed.filename}`, ...serverPeers } }));
    await writeFile(join(app, 'package-lock.json'), JSON.stringify(await appLockfile(tarball, registry.trim(), true)));
    await timed('install', () => run(npm, ['install', '--offline', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: app, timeout: 180_000 }));

    clientApp = join(work, 'client-app');
    await mkdir(clientApp);
    await cp(join(work, packed.filename), join(clientApp, packed.filename));
    await writeFile(join(clientApp, 'package.json'), JSON.stringify({ name: 'install-test-app', version: '1.0.0', private: true, type: 'module', dependencies: { 'ubiq-idp': `file:${packed.filename}` } }));
    await writeFile(join(clientApp, 'package-lock.json'), JSON.stringify(await appLockfile(join(clientApp, packed.filename), registry.trim(), false)));
    await timed('install-client', () => run(npm, ['install', '--offline', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: clientApp, timeout: 180_000 }));
  }, 600_000);

  afterAll(async () => {
    console.log(`install test timings (ms): ${JSON.stringify(timings)}`);
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('contains dist/, README, CHANGELOG and LICENSE, and no sources or tests', () => {
    const paths = packed.files.map((f) => f.path);
    for (const file of ['LICENSE', 'README.md', 'CHANGELOG.md', 'package.json', 'dist/index.js', 'dist/index.cjs', 'dist/index.d.ts', 'dist/index.d.cts', 'dist/server/index.js', 'dist/testing/index.cjs', 'dist/cli/main.js']) {
      expect(paths).toContain(file);
    }
    expect(paths.filter((p) => /^(src|test|examples|bench|scripts)\//.test(p))).toEqual([]);
  });

  it('imports from ESM, all three entry points, and shares its error brand with the CommonJS copy', async () => {
    await writeFile(join(app, 'esm.mjs'), ESM);
    const { stdout } = await run(process.execPath, ['esm.mjs'], { cwd: app, timeout: 60_000 });
    expect(JSON.parse(stdout)).toEqual({ kind: 'idp', provider: 'okta', redacted: true, server: 'function', emulator: 'function', crossCopy: true });
  }, 60_000);

  it('requires from CommonJS', async () => {
    await writeFile(join(app, 'cjs.cjs'), CJS);
    const { stdout } = await run(process.execPath, ['cjs.cjs'], { cwd: app, timeout: 60_000 });
    expect(JSON.parse(stdout)).toEqual({ notFound: true, server: 'function', emulator: 'function' });
  }, 60_000);

  it('type-checks a TypeScript app (ESM and CommonJS) against the installed declarations', async () => {
    await writeFile(join(app, 'app.ts'), TS);
    await writeFile(join(app, 'app.cts'), CTS);
    await writeFile(
      join(app, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          strict: true,
          noEmit: true,
          // The package's own declarations are read either way; checking every dependency's (zod, undici) costs 20 s.
          skipLibCheck: true,
          types: ['node'],
          typeRoots: [join(projectRoot, 'node_modules', '@types')],
          lib: ['ES2023', 'DOM'],
        },
        files: ['app.ts', 'app.cts'],
      }),
    );
    const tsc = join(projectRoot, 'node_modules', 'typescript', 'bin', 'tsc');
    // eslint-disable-next-line @typescript-eslint/no-base-to-string -- a failed child process rejects with an Error; print it as the runtime would
    const result = await timed('tsc', () => run(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: app, timeout: 120_000 }).catch((error: { stdout?: string }) => ({ stdout: error.stdout ?? String(error) })));
    expect(result.stdout).toBe('');
  }, 180_000);

  it('installs the ubiq-idp executable, which runs', async () => {
    const bin = join(app, 'node_modules', '.bin', process.platform === 'win32' ? 'ubiq-idp.cmd' : 'ubiq-idp');
    const { stdout } = await run(bin, ['--help'], { cwd: app, timeout: 60_000, shell: process.platform === 'win32' });
    expect(stdout).toMatch(/ubiq-idp/);
    expect(stdout).toMatch(/login/);
  }, 60_000);

  it('installs neither hono nor @hono/node-server for a client-only app, whose client and CLI still work', async () => {
    for (const name of SERVER_PEERS) await expect(stat(join(clientApp, 'node_modules', name))).rejects.toMatchObject({ code: 'ENOENT' });
    await writeFile(join(clientApp, 'client.mjs'), CLIENT_ONLY);
    const { stdout } = await run(process.execPath, ['client.mjs'], { cwd: clientApp, timeout: 60_000 });
    expect(JSON.parse(stdout)).toEqual({ loadConfig: 'function', testing: 'function', server: 'ERR_MODULE_NOT_FOUND', serverMissing: stringMatching(/^(hono|@hono\/node-server)$/) });
    const bin = join(clientApp, 'node_modules', '.bin', process.platform === 'win32' ? 'ubiq-idp.cmd' : 'ubiq-idp');
    const help = await run(bin, ['--help'], { cwd: clientApp, timeout: 60_000, shell: process.platform === 'win32' });
    expect(help.stdout).toMatch(/login/);
  }, 60_000);

  it.each(['server', 'demo'])('the CLI\'s %s command, without hono, fails with server_dependency_missing and the install command', async (command) => {
    const bin = join(clientApp, 'node_modules', '.bin', process.platform === 'win32' ? 'ubiq-idp.cmd' : 'ubiq-idp');
    const failed = await run(bin, [command, '--json', ...(command === 'server' ? ['--port', '0'] : [])], { cwd: clientApp, timeout: 60_000, shell: process.platform === 'win32' }).then(
      () => undefined,
      (error: { code?: number; stdout?: string }) => error,
    );
    expect(failed?.code).toBe(1);
    const report = JSON.parse(failed?.stdout ?? '') as { ok: boolean; error: { code: string; message: string; hint: string } };
    expect(report.ok).toBe(false);
    expect(report.error.code).toBe('server_dependency_missing');
    expect(report.error.message).toMatch(/'(hono|@hono\/node-server)'/);
    expect(report.error.hint).toContain('npm install hono @hono/node-server');
  }, 60_000);
});
