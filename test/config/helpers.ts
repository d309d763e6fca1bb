import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach } from 'vitest';
import { isConfigError, type ConfigProblem } from '../../src/config/errors.js';
import { loadConfig, type LoadConfigOptions } from '../../src/config/load.js';
import type { Logger } from '../../src/util/logger.js';

export interface TempHome {
  home: string;
  path(relative: string): string;
  write(relative: string, content: string | Uint8Array, mode?: number): Promise<string>;
  cleanup(): Promise<void>;
}

/** A throwaway home directory; files are written 0600 unless a mode is given. */
export async function tempHome(files: Record<string, string | Uint8Array> = {}): Promise<TempHome> {
  const home = await mkdtemp(join(tmpdir(), 'ubiq-config-'));
  const path = (relative: string) => join(home, relative);
  const write = async (relative: string, content: string | Uint8Array, mode = 0o600) => {
    const target = path(relative);
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, content, { mode });
    await chmod(target, mode);
    return target;
  };
  for (const [relative, content] of Object.entries(files)) await write(relative, content);
  return { home, path, write, cleanup: () => rm(home, { recursive: true, force: true }) };
}

/** `tempHome` for the calling test file: every home it makes is removed after each test. */
export function tempHomes(): (files?: Record<string, string | Uint8Array>) => Promise<TempHome> {
  const homes: TempHome[] = [];
  afterEach(async () => {
    await Promise.all(homes.splice(0).map((h) => h.cleanup()));
  });
  return async (files) => {
    const h = await tempHome(files);
    homes.push(h);
    return h;
  };
}

/**
 * The problems a configuration load rejects with. Fails the test when it loads, rejects with anything but
 * a ConfigError, or a canary secret shows in the error's message, hint, JSON or stack.
 */
export async function problemsOf(promise: Promise<unknown>): Promise<ConfigProblem[]> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isConfigError(error)) throw new Error(`expected a ConfigError, got ${String(error)}`);
  expectNoSecrets(`${error.message}\n${error.hint}\n${JSON.stringify(error)}\n${String(error.stack)}`);
  return [...error.problems];
}

/** {@link problemsOf} a load from the home `h` with an empty environment. */
export function loadProblems(h: TempHome, options: LoadConfigOptions = {}): Promise<ConfigProblem[]> {
  return problemsOf(loadConfig({ homeDir: h.home, env: {}, ...options }));
}

export function recordingLogger(): Logger & { lines: Array<{ message: string; fields?: Record<string, unknown> }> } {
  const lines: Array<{ message: string; fields?: Record<string, unknown> }> = [];
  return {
    lines,
    warn(message, fields) {
      lines.push(fields === undefined ? { message } : { message, fields });
    },
  };
}

/** Canary secrets: any test output containing one of these has leaked a secret. */
export const CANARY = {
  password: 'canary-Password-4711',
  clientSecret: 'canary-ClientSecret-0815',
  signingKey: 'canary-SigningKey-2342',
  cryptoKey: 'canary-CryptoKey-1337',
} as const;

export const CUSTOMER_ID = '6e7e795e-26a2-4973-aa73-b9fc259ebc5f';

export const oktaSeedDialect = (overrides: Record<string, unknown> = {}) =>
  JSON.stringify({
    idp: {
      type: 'okta',
      customer_id: CUSTOMER_ID,
      token_endpoint_url: 'https://trial-4377979.okta.com/oauth2/v1/token',
      tenant_id: '0oamj6wsupUbPfqXt697',
      client_secret: CANARY.clientSecret,
      ...overrides,
    },
  });

export const idpCredentials = (profile = 'idp', extra = '') =>
  `[${profile}]\nSERVER=https://api.ubiqsecurity.com\nIDP_USERNAME=alice@example.com\nIDP_PASSWORD=${CANARY.password}\n${extra}`;

export function expectNoSecrets(text: string): void {
  for (const secret of Object.values(CANARY)) {
    if (text.includes(secret)) throw new Error(`secret leaked: ${secret}`);
  }
}
