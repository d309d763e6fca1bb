// Configuration and credentials paths that are not regular files are refused before they are opened:
// a FIFO must never hang the loader, `login` or `doctor` (opening one for reading waits for a writer).
import { execFileSync } from 'node:child_process';
import { open } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { isConfigError, type ConfigError } from '../../src/config/errors.js';
import { loadConfig } from '../../src/config/load.js';
import { cli } from '../cli/cli-helpers.js';
import { idpCredentials, oktaSeedDialect, tempHomes } from './helpers.js';
import { objectContaining, stringContaining } from '../helpers/matchers.js';

const home = tempHomes();
const fifos: string[] = [];

afterEach(async () => {
  // Should a read ever block on one (the bug this guards against), a writer end releases it.
  for (const fifo of fifos.splice(0)) await (await open(fifo, 'r+').catch(() => undefined))?.close();
});

function mkfifo(path: string): string {
  execFileSync('mkfifo', ['-m', '600', path]);
  fifos.push(path);
  return path;
}

/** Settles within `ms` or fails: a hang is the failure this file tests for. */
function within<T>(ms: number, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`still waiting after ${ms} ms: the path was opened and the read blocked`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

async function problemsFor(options: Parameters<typeof loadConfig>[0]): Promise<ConfigError['problems']> {
  const error = await within(5_000, loadConfig(options).then(() => undefined, (e: unknown) => e));
  expect(isConfigError(error)).toBe(true);
  return (error as ConfigError).problems;
}

describe.skipIf(process.platform === 'win32')('paths that are not regular files', () => {
  it('a FIFO as the credentials file: refused at once, naming what it is', async () => {
    const h = await home({ '.ubiq/configuration': oktaSeedDialect() });
    const fifo = mkfifo(h.path('credentials.fifo'));
    const problems = await problemsFor({ homeDir: h.home, env: {}, credentialsFile: fifo });
    expect(problems).toEqual([objectContaining({ source: fifo, code: 'not_a_file', message: stringContaining('is a FIFO (named pipe), not a regular file') })]);
  });

  it('a FIFO as the configuration file, named by UBIQ_CONFIGURATION_FILE: refused at once', async () => {
    const h = await home({ '.ubiq/credentials': idpCredentials('idp') });
    const fifo = mkfifo(h.path('configuration.fifo'));
    const problems = await problemsFor({ homeDir: h.home, env: { UBIQ_CONFIGURATION_FILE: fifo } });
    expect(problems).toContainEqual(objectContaining({ source: fifo, code: 'not_a_file', message: stringContaining('FIFO') }));
  });

  it('a device and a directory are named as such', async () => {
    const h = await home({ '.ubiq/configuration': oktaSeedDialect(), 'dir/x': '' });
    expect(await problemsFor({ homeDir: h.home, env: {}, credentialsFile: '/dev/null' })).toEqual([objectContaining({ code: 'not_a_file', message: stringContaining('is a device') })]);
    expect(await problemsFor({ homeDir: h.home, env: {}, credentialsFile: h.path('dir') })).toEqual([objectContaining({ code: 'not_a_file', message: stringContaining('is a directory') })]);
  });

  it('ubiq-idp login and doctor with a FIFO as the credentials file: exit with the problem, no hang', async () => {
    const h = await home({ '.ubiq/configuration': oktaSeedDialect() });
    const fifo = mkfifo(h.path('credentials.fifo'));
    const env = { UBIQ_CREDENTIALS_FILE: fifo };
    const login = await within(10_000, cli(['login'], { env, homeDir: h.home }));
    expect(login.code).toBe(3);
    expect(login.stderr).toContain('FIFO');
    const doctor = await within(10_000, cli(['doctor', '--offline'], { env, homeDir: h.home }));
    expect(doctor.code).not.toBe(0);
    expect(doctor.stdout).toContain('FIFO');
  }, 30_000);
});
