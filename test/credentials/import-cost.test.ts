import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFreshProcessRunner, packageOf, projectRoot } from '../helpers/fresh-process.js';

// Which packages a fresh process evaluates when it only imports ubiq-idp, loads its settings and signs
// a request, and logs in with its own fetch: a module-loading hook (on Node's loader thread) writes down every module it loads.
// The script is built as dist/ is (split into chunks, zod and ini bundled into the chunks that use them), so
// a package is evaluated when a module of it in node_modules is loaded, or a chunk it was bundled into.
const runner = createFreshProcessRunner('ubiq-import-cost-');
let hooks = '';
let trace = '';

beforeAll(async () => {
  await runner.setup();
  const dir = join(projectRoot, 'node_modules', '.cache');
  trace = join(dir, `ubiq-import-trace-${process.pid}-${Date.now()}.txt`);
  hooks = join(dir, `ubiq-import-hooks-${process.pid}-${Date.now()}.mjs`);
  const hook = `import { appendFileSync } from 'node:fs';
export async function load(url, context, next) { appendFileSync(${JSON.stringify(trace)}, url + '\\n'); return next(url, context); }`;
  await writeFile(hooks, `import { register } from 'node:module';\nregister(${JSON.stringify(`data:text/javascript,${encodeURIComponent(hook)}`)});\n`);
});
afterAll(runner.cleanup);

describe('what importing ubiq-idp costs', () => {
  it('importing it evaluates none of zod, ini, openid-client, jose, asn1js, pkijs or undici; loading settings and signing evaluate neither undici nor pkijs; a login with its own fetch never evaluates undici', async () => {
    const result = await runner.run(
      'import-cost',
      `
      import { readFileSync } from 'node:fs';
      const lib = await import(${JSON.stringify(join(projectRoot, 'src/index.ts'))});
      const packages = () => readFileSync(${JSON.stringify(trace)}, 'utf8').split('\\n').filter(Boolean);
      const afterImport = packages();
      await lib.loadConfig({ env: {}, homeDir: '/nonexistent', overrides: { server: 'https://api.example.com', accessKeyId: 'a', secretSigningKey: 'b', secretCryptoAccessKey: 'c' } });
      lib.signUbiqRequest({ method: 'POST', url: 'https://api.example.com/api/v0/encryption/key', body: '{}', credentials: { accessKeyId: 'a', secretSigningKey: 'b' } });
      const afterConfigAndSign = packages();
      const fetch = async () => new Response('{"error":"invalid_grant"}', { status: 400, headers: { 'content-type': 'application/json' } });
      const provider = lib.createIdpCredentialProvider({ fetch, modulusLength: 2048, retry: false, load: { env: {}, homeDir: '/nonexistent', overrides: { server: 'https://api.example.com', idp: { provider: 'okta', customerId: '3f0e3b7c-2a51-4b6e-9d2b-5b8f2f6f9a10', tokenEndpointUrl: 'https://example.okta.com/oauth2/v1/token', clientId: 'c', clientSecret: 's' }, username: 'u@example.com', password: 'p' } }, refresh: { retry: { loginDeadlineMs: 0 } } });
      const error = await provider().catch((e) => e.code);
      await provider.close();
      console.log(JSON.stringify({ afterImport, afterConfigAndSign, afterOwnFetchLogin: packages(), error }));
      `,
      { nodeArgs: ['--import', hooks], timeoutMs: 30_000, splitting: true },
    );
    // Module URLs → the packages they are (node_modules) or hold (bundled chunks).
    const chunks = runner.bundledPackages('import-cost');
    const evaluated = (key: string) =>
      [
        ...new Set(
          (result[key] as string[]).flatMap((url) => {
            const name = packageOf(url);
            return name !== undefined ? [name] : (chunks.get(url.split('/').at(-1) ?? '') ?? []);
          }),
        ),
      ].sort();
    const loadedFromNodeModules = (result.afterOwnFetchLogin as string[]).map(packageOf);
    const afterImport = evaluated('afterImport');
    result.afterConfigAndSign = evaluated('afterConfigAndSign');
    result.afterOwnFetchLogin = evaluated('afterOwnFetchLogin');
    // The hook sees the loading: loading settings evaluates their schemas and the INI parser (bundled into
    // chunks of their own), so the check is not vacuous.
    expect(result.afterConfigAndSign).toEqual(expect.arrayContaining(['zod', 'ini']));
    // Importing evaluates none of the libraries: each loads with the first function that needs it.
    for (const heavy of ['zod', 'ini', 'openid-client', 'oauth4webapi', 'jose', 'asn1js', 'pkijs', 'undici']) expect(afterImport, 'afterImport').not.toContain(heavy);
    // zod and ini come from the bundle, as in dist/: nothing of theirs is loaded from node_modules.
    expect(loadedFromNodeModules).not.toContain('zod');
    expect(loadedFromNodeModules).not.toContain('ini');
    for (const key of ['afterConfigAndSign', 'afterOwnFetchLogin'] as const) {
      expect(result[key], key).not.toContain('undici');
    }
    expect(result.afterConfigAndSign).not.toContain('pkijs');
    expect(result.error).toEqual(expect.any(String));
  });
});
