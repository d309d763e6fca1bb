import { existsSync } from 'node:fs';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { EXIT, exitCodeFor, UsageError } from '../../src/cli/exit-codes.js';
import { COMMANDS } from '../../src/cli/run.js';
import { ConfigError } from '../../src/config/errors.js';
import { SsoError } from '../../src/credentials/errors.js';
import { IdpError } from '../../src/idp/errors.js';
import { newSecret } from '../../src/cli/emulated-idps.js';
import { cli } from './cli-helpers.js';

describe('ubiq-idp help and usage', () => {
  it('prints the command list and the exit codes with --help, exit 0', async () => {
    const run = await cli(['--help']);
    expect(run.code).toBe(0);
    for (const command of COMMANDS) expect(run.stdout).toContain(`  ${command.name}`);
    expect(run.stdout).toMatch(/Exit codes:[\s\S]*3 +configuration/);
  });

  it('exits 2 with the usage when no command is given', async () => {
    const run = await cli([]);
    expect(run.code).toBe(EXIT.usage);
    expect(run.stdout).toContain('Usage: ubiq-idp <command>');
  });

  it.each(COMMANDS.map((c) => c.name))('%s --help prints its own usage and runs nothing', async (name) => {
    const run = await cli([name, '--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`Usage: ubiq-idp ${name}`);
    expect(run.stdout).toContain('--json');
    // `help <command>` is the same text.
    expect((await cli(['help', name])).stdout).toBe(run.stdout);
  });

  it('names an unknown command, suggests the near one, exit 2', async () => {
    const run = await cli(['doctr']);
    expect(run.code).toBe(EXIT.usage);
    expect(run.stderr).toContain("Unknown command 'doctr'");
    expect(run.stderr).toContain("Did you mean 'doctor'?");
  });

  it('rejects unknown options and stray arguments with exit 2', async () => {
    const unknown = await cli(['login', '--profle', 'idp']);
    expect(unknown.code).toBe(EXIT.usage);
    expect(unknown.stderr).toContain("Unknown option '--profle'");
    const stray = await cli(['doctor', 'now']);
    expect(stray.code).toBe(EXIT.usage);
    expect(stray.stderr).toContain('takes no arguments');
    const badPort = await cli(['server', '--port', 'eighty']);
    expect(badPort.code).toBe(EXIT.usage);
    expect(badPort.stderr).toContain('--port must be a port number');
    const badFormat = await cli(['credentials', '--format', 'yaml']);
    expect(badFormat.code).toBe(EXIT.usage);
  });

  it("names the '=' form when an option's value starts with '-', which parses as another option", async () => {
    const run = await cli(['configure', '--non-interactive', '--password', '-Xk3vQ']);
    expect(run.code).toBe(EXIT.usage);
    expect(run.stderr).toContain("argument is ambiguous");
    expect(run.stderr).toContain("A value that starts with '-' is written '--password=<value>'.");
    expect(run.stderr).not.toContain('-Xk3vQ');
  });

  it("generated secrets (the server's and the demo's client secrets and passwords) never start with '-'", () => {
    for (let i = 0; i < 4000; i++) expect(newSecret().startsWith('-')).toBe(false);
  });

  it('reports errors as one JSON document with --json', async () => {
    const run = await cli(['credentials', '--json', '--format', 'yaml']);
    expect(run.code).toBe(EXIT.usage);
    const body = JSON.parse(run.stdout) as { ok: boolean; exitCode: number; error: { code: string; message: string } };
    expect(body).toMatchObject({ ok: false, exitCode: 2, error: { code: 'cli_usage' } });
    expect(run.stderr).toBe('');
  });

  it('exits 3 with the looked-at places when there are no settings at all', async () => {
    const run = await cli(['login', '--json'], { env: {}, homeDir: '/nonexistent-home-for-tests' });
    expect(run.code).toBe(EXIT.config);
    const body = JSON.parse(run.stdout) as { error: { code: string; hint: string } };
    expect(body.error.code).toBe('config_not_found');
    expect(body.error.hint).toContain('IDP_USERNAME');
  });

  it('colours only a terminal, and never with NO_COLOR', async () => {
    // eslint-disable-next-line no-control-regex -- detecting the ESC of an ANSI colour sequence is the point
    const ansi = /\u001b\[/;
    expect((await cli(['doctr'], { tty: true })).stderr).toMatch(ansi);
    expect((await cli(['doctr'], { tty: true, env: { NO_COLOR: '1' } })).stderr).not.toMatch(ansi);
    expect((await cli(['doctr'], { tty: false })).stderr).not.toMatch(ansi);
  });

  it('prints the version', async () => {
    const run = await cli(['--version']);
    expect(run.code).toBe(0);
    expect(run.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('maps typed errors to the documented exit codes', () => {
    expect(exitCodeFor(new UsageError('x'))).toBe(2);
    expect(exitCodeFor(new ConfigError([{ source: 'f', code: 'missing_field', message: 'm' }]))).toBe(3);
    expect(exitCodeFor(new IdpError('invalid_client_secret', 'm', 'h', { provider: 'okta' }))).toBe(4);
    expect(exitCodeFor(new IdpError('network_error', 'm', 'h', { provider: 'okta' }))).toBe(6);
    expect(exitCodeFor(new SsoError('sso_forbidden', 'm'))).toBe(5);
    expect(exitCodeFor(new SsoError('sso_unreachable', 'm'))).toBe(6);
    expect(exitCodeFor(new Error('plain'))).toBe(1);
  });

  it.skipIf(!existsSync('dist/cli/main.js'))('the built executable runs with its shebang', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ['dist/cli/main.js', '--help'], { timeout: 15_000 });
    expect(stdout).toContain('Usage: ubiq-idp <command>');
  });
});
