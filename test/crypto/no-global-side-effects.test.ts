import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// pkijs registers a default engine in global[process.pid] when it is first evaluated. These tests run
// the library in a fresh Node process (vitest's own imports would hide the effect) to check that
// importing ubiq-idp and making CSRs leaves the process globals as they were.
const root = fileURLToPath(new URL('../../', import.meta.url));
let dir: string;

async function runScript(name: string, source: string): Promise<Record<string, unknown>> {
  const entry = join(dir, `${name}.ts`);
  const out = join(dir, `${name}.mjs`);
  await writeFile(entry, source);
  await build({ entryPoints: [entry], bundle: true, platform: 'node', format: 'esm', packages: 'external', outfile: out, logLevel: 'error', absWorkingDir: root, nodePaths: [join(root, 'node_modules')] });
  const { stdout } = await promisify(execFile)(process.execPath, [out], { cwd: root, timeout: 15_000 });
  return JSON.parse(stdout) as Record<string, unknown>;
}

describe('no global side effects', () => {
  beforeAll(async () => {
    // Inside the project so the bundle's bare imports resolve from node_modules; .cache does not exist after `npm ci`.
    await mkdir(join(root, 'node_modules', '.cache'), { recursive: true });
    dir = await mkdtemp(join(root, 'node_modules', '.cache', 'ubiq-crypto-globals-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('importing ubiq-idp and creating a CSR leaves no global behind', async () => {
    const result = await runScript(
      'fresh',
      `
      const names = () => [...Object.getOwnPropertyNames(globalThis), ...Object.getOwnPropertySymbols(globalThis).map(String)];
      const before = names();
      const lib = await import(${JSON.stringify(join(root, 'src/index.ts'))});
      const afterImport = names().filter((n) => !before.includes(n));
      const keyPair = await lib.generateRsaKeyPair({ modulusLength: 2048 });
      const csr = await lib.createCsr(keyPair);
      const afterCsr = names().filter((n) => !before.includes(n));
      console.log(JSON.stringify({ afterImport, afterCsr, csr: csr.slice(0, 35) }));
      `,
    );
    expect(result).toEqual({ afterImport: [], afterCsr: [], csr: '-----BEGIN CERTIFICATE REQUEST-----' });
  });

  it("keeps an application's own pkijs engine and does not depend on the global one", async () => {
    const result = await runScript(
      'preset',
      `
      // What an application's own pkijs setEngine() leaves; a null crypto makes any use of it throw.
      globalThis[process.pid] = { pkijs: { engine: { name: 'application', crypto: null } } };
      const lib = await import(${JSON.stringify(join(root, 'src/index.ts'))});
      const keyPair = await lib.generateRsaKeyPair({ modulusLength: 2048 });
      const csr = await lib.createCsr(keyPair, { hash: 'SHA-1', subject: 'empty' });
      console.log(JSON.stringify({ engine: globalThis[process.pid].pkijs.engine.name, csr: csr.slice(0, 35) }));
      `,
    );
    expect(result).toEqual({ engine: 'application', csr: '-----BEGIN CERTIFICATE REQUEST-----' });
  });
});
