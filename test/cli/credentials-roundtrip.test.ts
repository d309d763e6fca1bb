// End to end over 127.0.0.1: `ubiq-idp credentials` in a real process → a real bash `eval` / an INI file /
// fromProcess() → a fresh node process reading them with the SDK → a signed encryption key request → 201.
import { execFile } from 'node:child_process';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { build, type BuildOptions } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../helpers/fresh-process.js';
import { cli, type CliRun } from './cli-helpers.js';

const exec = promisify(execFile);
const controller = new AbortController();
let server: Promise<CliRun>;
let files: Record<string, string>;
let dataset = '';
let dir = '';
let cliJs = '';
let readerJs = '';

// The app side: what a user's program does with what the CLI exported.
const READER = `
import { fromConfigFiles, fromEnv, fromProcess } from './src/index.js';
import { requestEncryptionKey } from './src/cli/demo-keys.js';
const [mode, dataset, ...command] = process.argv.slice(2);
const load = { allowInsecureHttp: true, env: process.env };
const provider = mode === 'env' ? fromEnv({ load }) : mode === 'ini' ? fromConfigFiles({ load }) : fromProcess(process.execPath, command, { timeoutMs: 60_000 });
try {
  const credentials = await provider();
  const answer = credentials.kind === "idp" ? await requestEncryptionKey(credentials, dataset) : { status: 0 };
  console.log(JSON.stringify({ kind: credentials.kind, username: credentials.username, expiresAt: credentials.kind === 'idp' ? credentials.expiresAt.toISOString() : null, status: answer.status }));
} catch (error) {
  console.log(JSON.stringify({ error: error.code, name: error.name, message: error.message }));
}
`;

beforeAll(async () => {
  let ready!: () => void;
  let window = '';
  const started = new Promise<void>((resolve) => (ready = resolve));
  server = cli(['server', '--okta', '--port', '0'], {
    signal: controller.signal,
    onStdout: (text) => {
      window = text;
      if (text.includes('Press Ctrl-C to stop.')) ready();
    },
  });
  await Promise.race([started, server.then((run) => Promise.reject(new Error(`server exited early: ${run.stdout}${run.stderr}`)))]);
  files = {
    UBIQ_CONFIGURATION_FILE: /UBIQ_CONFIGURATION_FILE=(\S+)/.exec(window)?.[1] ?? '',
    UBIQ_CREDENTIALS_FILE: /UBIQ_CREDENTIALS_FILE=(\S+)/.exec(window)?.[1] ?? '',
    UBIQ_PROFILE: 'idp',
  };
  dataset = /datasets? (\S+-records)/.exec(window)?.[1] ?? '';
  await mkdir(join(projectRoot, 'node_modules', '.cache'), { recursive: true });
  dir = await mkdtemp(join(projectRoot, 'node_modules', '.cache', 'roundtrip-'));
  cliJs = join(dir, 'cli.mjs');
  readerJs = join(dir, 'reader.mjs');
  await writeFile(join(dir, 'reader.ts'), READER.replaceAll('./src/', `${projectRoot}src/`));
  const common: BuildOptions = { bundle: true, platform: 'node', format: 'esm', packages: 'external', logLevel: 'error', absWorkingDir: projectRoot, nodePaths: [join(projectRoot, 'node_modules')] };
  await Promise.all([build({ ...common, entryPoints: [join(projectRoot, 'src/cli/main.ts')], outfile: cliJs }), build({ ...common, entryPoints: [join(dir, 'reader.ts')], outfile: readerJs })]);
}, 60_000);

afterAll(async () => {
  controller.abort();
  await server;
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** Only what a shell needs: no UBIQ_* from the test runner's own environment. */
function baseEnv(extra: Record<string, string> = {}): Record<string, string> {
  return { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir, ...extra };
}

const EXPORT = ['credentials', '--allow-http', '--key-size', '2048'];

describe('credentials → SDK round trip (real processes)', () => {
  it('env: eval in bash, then fromEnv() in a new node process gets IdP credentials with their expiry and a 201 key', async () => {
    // The reader runs without the files: everything it needs came through the environment.
    const script = `set -eu; eval "$("$NODE" "$CLI" ${EXPORT.join(' ')} --format env)"; unset UBIQ_CONFIGURATION_FILE UBIQ_CREDENTIALS_FILE UBIQ_PROFILE; exec "$NODE" "$READER" env "$DATASET"`;
    const { stdout } = await exec('bash', ['-c', script], { env: baseEnv({ ...files, NODE: process.execPath, CLI: cliJs, READER: readerJs, DATASET: dataset }), timeout: 60_000 });
    const result = JSON.parse(stdout) as Record<string, unknown>;
    expect(result).toMatchObject({ kind: 'idp', status: 201 });
    expect(Date.parse(String(result.expiresAt))).toBeGreaterThan(Date.now());
  }, 90_000);

  it('ini: a credentials file written by --format ini, then fromConfigFiles() gets IdP credentials and a 201 key', async () => {
    const { stdout: ini } = await exec(process.execPath, [cliJs, ...EXPORT, '--format', 'ini'], { env: baseEnv(files), timeout: 60_000 });
    expect(ini).toMatch(/^PAYLOAD_CERT=[A-Za-z0-9+/=]+$/m);
    expect(ini).toMatch(/^ENCRYPTED_PRIVATE_KEY=[A-Za-z0-9+/=]+$/m);
    const path = join(dir, 'exported-credentials');
    await writeFile(path, ini, { mode: 0o600 });
    await chmod(path, 0o600);
    const { stdout } = await exec(process.execPath, [readerJs, 'ini', dataset], { env: baseEnv({ UBIQ_CREDENTIALS_FILE: path, UBIQ_PROFILE: 'idp' }), timeout: 60_000 });
    expect(JSON.parse(stdout)).toMatchObject({ kind: 'idp', status: 201 });
  }, 90_000);

  it('fromProcess(): runs `credentials --format json` without a shell and gets IdP credentials and a 201 key', async () => {
    const { stdout } = await exec(process.execPath, [readerJs, 'process', dataset, cliJs, ...EXPORT, '--format', 'json'], { env: baseEnv(files), timeout: 90_000 });
    expect(JSON.parse(stdout)).toMatchObject({ kind: 'idp', username: 'ada@example.com', status: 201 });
  }, 120_000);

  it('a certificate from one export with the keys of another is refused (typed error, no secret)', async () => {
    // --no-session: two separate sign-ins (with the session the second export would repeat the first).
    const first = await exec(process.execPath, [cliJs, ...EXPORT, '--format', 'json', '--no-session'], { env: baseEnv(files), timeout: 60_000 });
    const second = await exec(process.execPath, [cliJs, ...EXPORT, '--format', 'json', '--no-session'], { env: baseEnv(files), timeout: 60_000 });
    const a = JSON.parse(first.stdout) as Record<string, string>;
    const b = JSON.parse(second.stdout) as Record<string, string>;
    const env = baseEnv({
      UBIQ_SERVER: a.server ?? '',
      UBIQ_ACCESS_KEY_ID: a.accessKeyId ?? '',
      UBIQ_SECRET_SIGNING_KEY: a.secretSigningKey ?? '',
      UBIQ_SECRET_CRYPTO_ACCESS_KEY: a.secretCryptoAccessKey ?? '',
      UBIQ_PAYLOAD_CERT: b.payloadCert ?? '',
      UBIQ_ENCRYPTED_PRIVATE_KEY: a.encryptedPrivateKey ?? '',
      UBIQ_CREDENTIALS_USERNAME: a.username ?? '',
      UBIQ_CREDENTIALS_PROVIDER: a.provider ?? '',
    });
    const { stdout } = await exec(process.execPath, [readerJs, 'env', dataset], { env, timeout: 60_000 });
    const result = JSON.parse(stdout) as Record<string, string>;
    expect(result).toMatchObject({ error: 'exported_credentials_invalid', name: 'ExportedCredentialsError' });
    expect(result.message).toContain('not the key of their certificate');
    for (const secret of [a.secretSigningKey, a.secretCryptoAccessKey, a.encryptedPrivateKey]) expect(stdout).not.toContain(secret);
  }, 120_000);
});
