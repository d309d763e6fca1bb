// `ubiq-idp configure` end to end: answers piped in against a temp HOME, then `login` with the files it wrote
// against the Okta emulator and the reference server on 127.0.0.1.
import { existsSync } from 'node:fs';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from '../../src/cli/exit-codes.js';
import { loadConfig } from '../../src/config/load.js';
import { cli, tempDir, type CliRun } from './cli-helpers.js';

const controller = new AbortController();
let server: Promise<CliRun>;
/** The values the reference server's own files hold: what a person would copy from the consoles. */
let real: { customerId: string; tokenEndpointUrl: string; clientId: string; clientSecret: string; username: string; password: string; server: string };
const homes: Array<{ remove(): Promise<void> }> = [];

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
  const env = { UBIQ_CONFIGURATION_FILE: /UBIQ_CONFIGURATION_FILE=(\S+)/.exec(window)?.[1] ?? '', UBIQ_CREDENTIALS_FILE: /UBIQ_CREDENTIALS_FILE=(\S+)/.exec(window)?.[1] ?? '', UBIQ_PROFILE: 'idp' };
  const config = await loadConfig({ env, homeDir: '', allowInsecureHttp: true });
  if (config.kind !== 'idp') throw new Error('the reference server wrote no idp profile');
  real = { ...config.idp, username: config.user.username, password: config.user.password, server: config.server };
});

afterAll(async () => {
  controller.abort();
  await server;
  await Promise.all(homes.map((h) => h.remove()));
});

async function home(): Promise<string> {
  const dir = await tempDir('ubiq-idp-configure-');
  homes.push(dir);
  return dir.path;
}

const mode = async (path: string) => (await stat(path)).mode & 0o777;

describe('ubiq-idp configure, answers piped in', () => {
  it('asks each value, re-asks a wrong one with the reason, writes both files 0600 in the official names, keeps other blocks and profiles and a backup; login then works', async () => {
    const homeDir = await home();
    const ubiq = join(homeDir, '.ubiq');
    await mkdir(ubiq, { recursive: true });
    const oldConfiguration = JSON.stringify({ key_caching: { ttl_seconds: 1800 }, idp: { type: 'entra', customer_id: '11111111-2222-3333-4444-555555555555', tenant_id: 'old-client', client_secret: 'old-secret-value-wxyz' } });
    await writeFile(join(ubiq, 'configuration'), oldConfiguration, { mode: 0o644 });
    await writeFile(join(ubiq, 'credentials'), '[default]\nACCESS_KEY_ID=keep-me\n\n[idp]\nSERVER=https://old.example.com\nIDP_USERNAME=old@example.com\nIDP_PASSWORD=old-password-1234\n', { mode: 0o644 });
    const answers = ['okta', `https://127.0.0.1/${real.customerId}/api/v3/scim`, real.customerId, 'not a url', real.tokenEndpointUrl, real.clientId, real.clientSecret, real.username, real.password, real.server, ''].join('\n');
    const run = await cli(['configure', '--allow-http', '--no-check'], { homeDir, input: answers });
    expect(run.code, run.stdout + run.stderr).toBe(EXIT.ok);
    // Each question shows where the value is found, the current value (secrets masked) and asks again with the reason.
    expect(run.stdout).toContain('Okta Admin Console → Applications → your OIDC app → General: Client ID');
    expect(run.stdout).toContain('Ubiq customer id [11111111-2222-3333-4444-555555555555]: ');
    expect(run.stdout).toContain('Client secret [****wxyz]: ');
    expect(run.stdout).toContain('Password [****1234]: ');
    expect(run.stdout).toMatch(/✗ Ubiq customer id is a URL; use only the customer id in it .*Try again\./);
    expect(run.stdout).toMatch(/✗ IdP token endpoint URL must be a full URL starting with https:\/\/\. Try again\./);
    expect(run.stdout.match(/Ubiq customer id \[/g)).toHaveLength(2);
    expect(run.stdout + run.stderr).not.toContain(real.clientSecret);
    expect(run.stdout + run.stderr).not.toContain(real.password);
    expect(run.stdout).toMatch(/✓ wrote .*configuration \(mode 600\).*previous file kept as .*configuration\.bak/);

    const configuration = JSON.parse(await readFile(join(ubiq, 'configuration'), 'utf8')) as Record<string, unknown>;
    expect(configuration).toEqual({
      key_caching: { ttl_seconds: 1800 },
      idp: { provider: 'okta', ubiq_customer_id: real.customerId, idp_token_endpoint_url: real.tokenEndpointUrl, idp_tenant_id: real.clientId, idp_client_secret: real.clientSecret },
    });
    const credentials = await readFile(join(ubiq, 'credentials'), 'utf8');
    expect(credentials).toContain('[default]\nACCESS_KEY_ID=keep-me\n');
    expect(credentials).toContain(`[idp]\nSERVER=${real.server}\nIDP_USERNAME=${real.username}\nIDP_PASSWORD=${real.password}\n`);
    expect(credentials).not.toContain('old-password');
    for (const file of ['configuration', 'credentials', 'configuration.bak', 'credentials.bak']) expect(await mode(join(ubiq, file)), file).toBe(0o600);
    expect(await mode(ubiq)).toBe(0o700);
    expect(await readFile(join(ubiq, 'configuration.bak'), 'utf8')).toBe(oldConfiguration);
    expect(await readFile(join(ubiq, 'credentials.bak'), 'utf8')).toContain('IDP_PASSWORD=old-password-1234');

    const login = await cli(['login', '--profile', 'idp', '--allow-http', '--key-size', '2048'], { homeDir });
    expect(login.code, login.stdout + login.stderr).toBe(EXIT.ok);
    expect(login.stdout).toContain(`Signed in as ${real.username}.`);
  });

  it('Enter keeps every current value; an unanswerable end of input writes nothing', async () => {
    const homeDir = await home();
    const first = await cli(['configure', '--allow-http', '--no-check', '--non-interactive', '--provider', 'okta', '--customer-id', real.customerId, '--token-endpoint-url', real.tokenEndpointUrl, '--client-id', real.clientId, '--client-secret', real.clientSecret, '--username', real.username, '--password', real.password, '--server', real.server], { homeDir });
    expect(first.code, first.stdout + first.stderr).toBe(EXIT.ok);
    const before = await readFile(join(homeDir, '.ubiq', 'credentials'), 'utf8');
    const again = await cli(['configure', '--allow-http', '--no-check'], { homeDir, input: '\n'.repeat(8) });
    expect(again.code, again.stdout + again.stderr).toBe(EXIT.ok);
    expect(await readFile(join(homeDir, '.ubiq', 'credentials'), 'utf8')).toBe(before);
    expect(await readFile(join(homeDir, '.ubiq', 'credentials.bak'), 'utf8')).toBe(before);

    const empty = await home();
    const ended = await cli(['configure', '--no-check'], { homeDir: empty, input: 'okta\n' });
    expect(ended.code).toBe(EXIT.usage);
    expect(ended.stderr).toContain('the input ended before "Ubiq customer id" was answered; nothing was written');
    expect(existsSync(join(empty, '.ubiq', 'configuration'))).toBe(false);
  });
});

describe('ubiq-idp configure --non-interactive', () => {
  it('takes flags and UBIQ_* variables, writes the files to UBIQ_*_FILE and runs the doctor checks', async () => {
    const dir = await home();
    const env = { UBIQ_CONFIGURATION_FILE: join(dir, 'conf', 'configuration'), UBIQ_CREDENTIALS_FILE: join(dir, 'conf', 'credentials'), UBIQ_IDP_CLIENT_SECRET: real.clientSecret, UBIQ_IDP_PASSWORD: real.password };
    const run = await cli(['configure', '--non-interactive', '--allow-http', '--key-size', '2048', '--json', '--provider', 'OKTA', '--customer-id', real.customerId, '--token-endpoint-url', real.tokenEndpointUrl, '--client-id', real.clientId, '--username', real.username, '--server', real.server], { env, homeDir: '' });
    expect(run.code, run.stdout + run.stderr).toBe(EXIT.ok);
    const body = JSON.parse(run.stdout) as { ok: boolean; profile: string; doctor: { ok: boolean; checks: unknown[] } };
    expect(body).toMatchObject({ ok: true, profile: 'idp', doctor: { ok: true } });
    expect(body.doctor.checks.length).toBeGreaterThan(5);
    expect(await mode(env.UBIQ_CREDENTIALS_FILE)).toBe(0o600);
    expect(await mode(env.UBIQ_CONFIGURATION_FILE)).toBe(0o600);
    const config = await loadConfig({ env: { UBIQ_CONFIGURATION_FILE: env.UBIQ_CONFIGURATION_FILE, UBIQ_CREDENTIALS_FILE: env.UBIQ_CREDENTIALS_FILE }, homeDir: '', profile: 'idp', allowInsecureHttp: true });
    expect(config.kind).toBe('idp');
    if (config.kind === 'idp') expect(config.idp).toMatchObject({ provider: 'okta', customerId: real.customerId, clientId: real.clientId, clientSecret: real.clientSecret });
    expect(run.stdout + run.stderr).not.toContain(real.password);
  });

  it('writes a password with INI-special characters so the loader reads it back exactly', async () => {
    const homeDir = await home();
    const password = ' p;a#s=s"w\\ord [x] ';
    const run = await cli(['configure', '--non-interactive', '--no-check', '--provider', 'okta', '--customer-id', real.customerId, '--token-endpoint-url', 'https://example.okta.com/oauth2/v1/token', '--client-id', 'abc', '--client-secret', 'se"cret;#x', '--username', 'ada', '--password', password], { homeDir });
    expect(run.code, run.stdout + run.stderr).toBe(EXIT.ok);
    const config = await loadConfig({ env: {}, homeDir, profile: 'idp' });
    expect(config.kind === 'idp' && config.user.password).toBe(password);
    expect(config.kind === 'idp' && config.idp.clientSecret).toBe('se"cret;#x');
  });

  it('a missing or wrong value is a usage error (exit 2) naming the flag and the variable; nothing is written', async () => {
    const homeDir = await home();
    const missing = await cli(['configure', '--non-interactive', '--provider', 'okta'], { homeDir });
    expect(missing.code).toBe(EXIT.usage);
    expect(missing.stderr).toContain('--customer-id (or UBIQ_IDP_CUSTOMER_ID)');
    expect(missing.stderr).toContain('--password (or UBIQ_IDP_PASSWORD)');
    const wrong = await cli(['configure', '--non-interactive', '--provider', 'azure'], { homeDir });
    expect(wrong.code).toBe(EXIT.usage);
    expect(wrong.stderr).toContain("--provider must be 'okta' or 'entra' (for Microsoft, write 'entra')");
    expect(existsSync(join(homeDir, '.ubiq'))).toBe(false);
  });
});
