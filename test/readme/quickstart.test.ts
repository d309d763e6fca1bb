// The README's own promise: write the Quickstart (Okta) files as the README shows them — the same
// profile, the same keys, only the values a user puts in (here: a local Okta emulator and Ubiq
// reference server) — and run the README's first code sample, taken from README.md itself, unchanged.
import { execFile } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startLocalUbiq, type LocalUbiq } from '../../examples/support/local-ubiq.js';
import { projectRoot } from '../helpers/fresh-process.js';

let local: LocalUbiq;
let work: string;

beforeAll(async () => {
  local = await startLocalUbiq();
  // Inside the project, so that the bundle's bare imports (the dependencies) resolve from node_modules.
  await mkdir(join(projectRoot, 'node_modules', '.cache'), { recursive: true });
  work = await mkdtemp(join(projectRoot, 'node_modules', '.cache', 'ubiq-idp-readme-'));
});
afterAll(async () => {
  await local?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

/** The fenced code blocks of `lang` in `text`, in order. */
function blocks(text: string, lang: string): string[] {
  return [...text.matchAll(new RegExp('^```' + lang + '\\n([\\s\\S]*?)^```$', 'gm'))].map((m) => m[1]!);
}

function section(readme: string, heading: string): string {
  const start = readme.indexOf(`\n## ${heading}\n`);
  expect(start, `README section '${heading}'`).toBeGreaterThan(0);
  const end = readme.indexOf('\n## ', start + 1);
  return readme.slice(start, end < 0 ? undefined : end);
}

it("the README's first code sample runs on the README's Quickstart files", async () => {
  const readme = await readFile(join(projectRoot, 'README.md'), 'utf8');
  const quickstart = section(readme, 'Quickstart: Okta');
  const [configuration] = blocks(quickstart, 'json');
  const [credentials] = blocks(quickstart, 'ini');
  const [sample] = blocks(readme, 'ts');
  expect(configuration && credentials && sample).toBeTruthy();

  // The user's values in place of the README's examples; keys, profile and layout stay as written.
  // Either dialect (the documents' names or the official client's): whichever the README writes.
  const values: Array<[readonly string[], string]> = [
    [['customer_id', 'ubiq_customer_id'], local.customerId],
    [['token_endpoint_url', 'idp_token_endpoint_url'], local.tokenEndpoint],
    [['tenant_id', 'idp_tenant_id', 'client_id', 'idp_client_id'], local.clientId],
    [['client_secret', 'idp_client_secret'], local.clientSecret],
  ];
  let configText = configuration!;
  for (const [names, value] of values) {
    const present = names.filter((key) => new RegExp(`"${key}":`).test(configText));
    expect(present, `README configuration has one of ${names.join(', ')}`).toHaveLength(1);
    configText = configText.replace(new RegExp(`("${present[0]!}":\\s*)"[^"]*"`), `$1${JSON.stringify(value)}`);
  }
  const settings: Record<string, string> = { SERVER: local.server, IDP_USERNAME: local.username, IDP_PASSWORD: local.password };
  let credText = credentials!;
  for (const [key, value] of Object.entries(settings)) {
    const pattern = new RegExp(`^${key}=.*$`, 'm');
    expect(credText, `README credentials file has ${key}`).toMatch(pattern);
    credText = credText.replace(pattern, `${key}=${value}`);
  }
  expect(credText.trimStart().startsWith('[idp]')).toBe(true); // the documents' profile, not [default]

  const home = join(work, 'home');
  await mkdir(join(home, '.ubiq'), { recursive: true, mode: 0o700 });
  for (const [name, text] of [['configuration', configText], ['credentials', credText]] as const) {
    await writeFile(join(home, '.ubiq', name), text, { mode: 0o600 });
    await chmod(join(home, '.ubiq', name), 0o600);
  }

  // The sample as an app file, importing the package by its name (here: this checkout's sources).
  const entry = join(work, 'app.ts');
  const bundle = join(work, 'app.mjs');
  await writeFile(entry, sample!);
  await build({
    entryPoints: [entry],
    outfile: bundle,
    bundle: true,
    platform: 'node',
    format: 'esm',
    logLevel: 'error',
    alias: { 'ubiq-idp': join(projectRoot, 'src', 'index.ts') },
    nodePaths: [join(projectRoot, 'node_modules')],
    external: Object.keys((JSON.parse(await readFile(join(projectRoot, 'package.json'), 'utf8')) as { dependencies: Record<string, string> }).dependencies),
    absWorkingDir: projectRoot,
  });
  const { stdout, stderr } = await promisify(execFile)(process.execPath, [bundle], {
    cwd: projectRoot, // the bundle's external imports resolve from the project's node_modules
    timeout: 90_000,
    // A user's environment: a home with the two files, nothing else of ours; http:// only because the
    // stand-ins listen on 127.0.0.1.
    env: { PATH: process.env.PATH ?? '', HOME: home, UBIQ_ALLOW_INSECURE_HTTP: '1' },
  });
  expect(stdout).toContain('POST /api/v0/encryption/key → 201');
  for (const secret of [local.password, local.clientSecret]) expect(`${stdout}${stderr}`).not.toContain(secret);
}, 120_000);
