import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFreshProcessRunner, projectRoot } from '../helpers/fresh-process.js';

// pkijs registers a default engine in global[process.pid] when it is first evaluated. These tests run
// the library in a fresh Node process (vitest's own imports would hide the effect) to check that
// importing ubiq-idp and making CSRs leaves the process globals as they were.
const root = projectRoot;
const runner = createFreshProcessRunner('ubiq-crypto-globals-');
const runScript = runner.run;

describe('no global side effects', () => {
  beforeAll(runner.setup);
  afterAll(runner.cleanup);

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
