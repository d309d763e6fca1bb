// `ubiq-idp configure` as a person runs it: the built CLI (src/cli/main.ts bundled as tsup bundles the bin)
// in a real process on a pseudo-terminal (util-linux `script`), answering its prompts one by one as they
// appear — a value from a UBIQ_* variable shown as the current one and kept with Enter, a wrong answer
// asked again, secrets typed without echo. Then the files: mode 0600 for credentials, and loadConfig
// accepts them with the values typed.
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { projectRoot } from '../helpers/fresh-process.js';

const CUSTOMER = '6e7e795e-26a2-4973-aa73-b9fc259ebc5f';
const DIRECTORY = '3f2a9c4e-1b7d-4e8a-9c1f-5d6e7f809a1b';
const CLIENT = '8d4c2b1a-6f5e-4d3c-8b2a-1f0e9d8c7b6a';
const TOKEN_ENDPOINT = `https://login.microsoftonline.com/${DIRECTORY}/oauth2/v2.0/token`;
const CLIENT_SECRET = 'pty-canary-client-secret-71c2e9';
const PASSWORD = 'pty-canary-password-4b8d13';
const USER = 'ada@contoso.onmicrosoft.com';

let dir = '';
let cliJs = '';

beforeAll(async () => {
  await mkdir(join(projectRoot, 'node_modules', '.cache'), { recursive: true });
  dir = await mkdtemp(join(projectRoot, 'node_modules', '.cache', 'configure-pty-'));
  await writeFile(join(dir, 'package.json'), '{ "type": "module" }\n');
  cliJs = join(dir, 'main.js');
  await build({
    entryPoints: [join(projectRoot, 'src/cli/main.ts')],
    outfile: cliJs,
    bundle: true,
    platform: 'node',
    format: 'esm',
    packages: 'external',
    logLevel: 'error',
    absWorkingDir: projectRoot,
    nodePaths: [join(projectRoot, 'node_modules')],
  });
}, 60_000);
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** Each prompt (its label, up to the ": " that ends it) and what the person types. */
type Exchange = readonly [label: string, answer: string];

interface Session {
  code: number | null;
  transcript: string;
  /** The text of each prompt as it was shown (from its label to the ": "). */
  prompts: string[];
}

/** Runs `node cli configure …` on a pseudo-terminal and answers each prompt once it has been shown. */
function onTerminal(args: string[], env: Record<string, string>, exchanges: readonly Exchange[]): Promise<Session> {
  const command = [process.execPath, cliJs, ...args].map((word) => `'${word.replace(/'/g, `'\\''`)}'`).join(' ');
  const child = spawn('script', ['-qfec', command, '/dev/null'], { env, stdio: ['pipe', 'pipe', 'pipe'], cwd: dir });
  let transcript = '';
  let next = 0;
  let searchFrom = 0;
  const prompts: string[] = [];
  const answerIfAsked = () => {
    const exchange = exchanges[next];
    if (exchange === undefined) return;
    const at = transcript.indexOf(exchange[0], searchFrom);
    if (at < 0) return;
    const end = transcript.indexOf(': ', at);
    if (end < 0) return;
    prompts.push(transcript.slice(at, end + 2));
    searchFrom = end + 2;
    next += 1;
    // Typed as on a keyboard: the characters, then Enter (a carriage return).
    child.stdin.write(`${exchange[1]}\r`);
    answerIfAsked();
  };
  child.stdout.on('data', (chunk: Buffer) => {
    transcript += chunk.toString('utf8');
    answerIfAsked();
  });
  child.stderr.on('data', (chunk: Buffer) => (transcript += chunk.toString('utf8')));
  const timer = setTimeout(() => child.kill('SIGKILL'), 45_000);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, transcript, prompts });
    });
  });
}

it('configure on a terminal: env value shown as current and kept, a wrong answer asked again, secrets not echoed; the files load', async () => {
  const home = join(dir, 'home');
  await mkdir(home);
  const env = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: home,
    TERM: 'dumb',
    NO_COLOR: '1',
    // Set in the person's shell: configure shows it as the current value.
    UBIQ_IDP_CUSTOMER_ID: CUSTOMER,
  };
  const session = await onTerminal(['configure', '--no-check'], env, [
    ['IdP provider', 'entra'],
    ['Ubiq customer id', ''], // Enter: keep the value from the environment
    ['IdP token endpoint URL', 'not a url'],
    ['IdP token endpoint URL', TOKEN_ENDPOINT],
    ['Client id', CLIENT],
    ['Client secret', CLIENT_SECRET],
    ['Username', USER],
    ['Password', PASSWORD],
    ['Ubiq server', ''], // Enter: the default
  ]);
  expect(session.code, session.transcript).toBe(0);
  expect(session.prompts).toHaveLength(9);
  // The environment's value is the current one, and says where it comes from.
  expect(session.prompts[1]).toBe(`Ubiq customer id [${CUSTOMER} (from the environment, UBIQ_IDP_CUSTOMER_ID)]: `);
  expect(session.prompts[8]).toBe('Ubiq server [default https://api.ubiqsecurity.com]: ');
  // The wrong answer was refused with the reason, then asked again.
  expect(session.transcript).toMatch(/IdP token endpoint URL .*Try again\./);
  // Where to find each value, for the provider chosen.
  expect(session.transcript).toContain('App registrations → your app → Overview: Application (client) ID');
  // Typed secrets are not echoed by the terminal (raw mode), nor printed.
  expect(session.transcript).not.toContain(CLIENT_SECRET);
  expect(session.transcript).not.toContain(PASSWORD);
  // What a person sees on the terminal: no escape sequences with NO_COLOR and TERM=dumb.
  expect(session.transcript).toContain('wrote ');

  const credentials = join(home, '.ubiq', 'credentials');
  const configuration = join(home, '.ubiq', 'configuration');
  expect((await stat(credentials)).mode & 0o777).toBe(0o600);
  expect((await stat(configuration)).mode & 0o777).toBe(0o600);
  expect((await stat(join(home, '.ubiq'))).mode & 0o777).toBe(0o700);
  // The loader accepts them as written (strict permissions, no environment): an Entra [idp] profile.
  const loaded = await loadConfig({ env: {}, homeDir: home, strictPermissions: true });
  expect(loaded.kind).toBe('idp');
  if (loaded.kind !== 'idp') return;
  expect(loaded.profile).toBe('idp');
  expect(loaded.idp).toMatchObject({ provider: 'entra', customerId: CUSTOMER, tokenEndpointUrl: TOKEN_ENDPOINT, clientId: CLIENT, clientSecret: CLIENT_SECRET });
  expect(loaded.user).toMatchObject({ username: USER, password: PASSWORD });
  expect(loaded.server).toBe('https://api.ubiqsecurity.com');
  expect(loaded.warnings).toEqual([]);
}, 90_000);
