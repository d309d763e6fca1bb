// A CLI that keeps the person informed: bounded waits with retry progress, Ctrl-C → 130, loader warnings on
// stderr, no terminal escape sequences from the network, and a --debug trace without secrets.
import { chmod, writeFile } from 'node:fs/promises';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createTcpServer, type Socket } from 'node:net';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from '../../src/cli/exit-codes.js';
import { cli, tempDir } from './cli-helpers.js';

const PASSWORD = 'CANARY-password-7f3a9c';
const CLIENT_SECRET = 'CANARY-client-secret-2b8e41';
const CUSTOMER = '5b1a5f0e-8a47-4e8b-9b3c-3f1c2d4e5f60';
let home: { path: string; remove(): Promise<void> };
const closers: Array<() => Promise<void>> = [];

beforeAll(async () => {
  home = await tempDir('ubiq-informed-');
});
afterEach(async () => {
  while (closers.length > 0) await closers.pop()?.();
});
afterAll(async () => {
  await home.remove();
});

/** Settings files pointing at `tokenEndpoint`; the credentials file left at mode 644 on purpose. */
async function settings(name: string, tokenEndpoint: string, server = tokenEndpoint.replace(/\/oauth2.*$/, '')): Promise<Record<string, string>> {
  const configuration = join(home.path, `${name}-configuration`);
  const credentials = join(home.path, `${name}-credentials`);
  await writeFile(configuration, JSON.stringify({ idp: { provider: 'okta', ubiq_customer_id: CUSTOMER, idp_token_endpoint_url: tokenEndpoint, idp_tenant_id: '0oa1b2c3d4e5f6g7h8i9', idp_client_secret: CLIENT_SECRET } }), { mode: 0o600 });
  await writeFile(credentials, `[idp]\nSERVER=${server}\nIDP_USERNAME=ada@example.com\nIDP_PASSWORD=${PASSWORD}\n`);
  await chmod(credentials, 0o644);
  return { UBIQ_CONFIGURATION_FILE: configuration, UBIQ_CREDENTIALS_FILE: credentials, UBIQ_PROFILE: 'idp' };
}

async function listen(server: Server | ReturnType<typeof createTcpServer>): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return typeof address === 'object' && address !== null ? address.port : 0;
}

/** A port with nothing listening on it. */
async function closedPort(): Promise<number> {
  const server = createTcpServer();
  const port = await listen(server);
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Accepts connections and never answers. */
async function silentServer(): Promise<number> {
  const sockets = new Set<Socket>();
  const server = createTcpServer((socket) => sockets.add(socket));
  const port = await listen(server);
  closers.push(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return port;
}

const LOGIN = ['login', '--allow-http', '--key-size', '2048'];

function expectNoSecret(text: string): void {
  expect(text).not.toContain(PASSWORD);
  expect(text).not.toContain(CLIENT_SECRET);
}

describe('login against an unreachable IdP', () => {
  it('says what it is doing while it retries, gives up within --timeout (exit 6), and shows the loader warnings', async () => {
    const env = await settings('refused', `http://127.0.0.1:${await closedPort()}/oauth2/v1/token`);
    const started = Date.now();
    const run = await cli([...LOGIN, '--timeout', '3'], { env });
    expect(run.code, run.stderr).toBe(EXIT.network);
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(run.stderr).toMatch(/… IdP not answering \(connection refused\); retry 2 of 4 in \d+ ms/);
    expect(run.stderr).toMatch(/connection refused/);
    // The credentials file's mode 644 reaches login (before, only doctor said so); once, not per settings read.
    expect(run.stderr.match(/credentials: holds secrets but is readable or writable by group or others \(mode 644\)/g)).toHaveLength(1);
    expectNoSecret(run.stdout + run.stderr);
  }, 30_000);

  it('credentials shows the same warnings on stderr and keeps stdout empty', async () => {
    const env = await settings('refused-credentials', `http://127.0.0.1:${await closedPort()}/oauth2/v1/token`);
    const run = await cli(['credentials', '--allow-http', '--key-size', '2048', '--timeout', '1', '--format', 'env'], { env });
    expect(run.code).toBe(EXIT.network);
    expect(run.stderr).toMatch(/mode 644/);
    expect(run.stdout).toBe('');
  }, 30_000);

  it('an IdP that accepts the connection and never answers: "Gave up after" within --timeout (exit 6)', async () => {
    const env = await settings('silent', `http://127.0.0.1:${await silentServer()}/oauth2/v1/token`);
    const started = Date.now();
    const run = await cli([...LOGIN, '--timeout', '2'], { env });
    expect(run.code, run.stderr).toBe(EXIT.network);
    expect(run.stderr).toMatch(/✗ Gave up after 2\.00 s/);
    expect(run.stderr).toContain('--timeout');
    expect(Date.now() - started).toBeLessThan(15_000);
  }, 30_000);
});

describe('Ctrl-C', () => {
  it('exits 130 with one line, not unexpected_error', async () => {
    const env = await settings('interrupt', `http://127.0.0.1:${await silentServer()}/oauth2/v1/token`);
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('received SIGINT')), 500);
    const run = await cli(LOGIN, { env, signal: controller.signal });
    expect(run.code).toBe(EXIT.interrupted);
    expect(run.stderr).toContain('Interrupted.');
    expect(run.stderr).not.toContain('unexpected_error');
    const json = new AbortController();
    setTimeout(() => json.abort(new Error('received SIGINT')), 500);
    const asJson = await cli([...LOGIN, '--json'], { env, signal: json.signal });
    expect(asJson.code).toBe(EXIT.interrupted);
    expect(JSON.parse(asJson.stdout)).toMatchObject({ ok: false, exitCode: 130, error: { code: 'interrupted' } });
  }, 30_000);
});

describe('text from the network on a terminal', () => {
  it('escape sequences and control characters in an IdP error never reach the terminal', async () => {
    const evil = 'Account \u001b]0;pwned-title\u0007locked\u001b[2J by policy\u009b2J\u001b]8;;https://evil.example\u001b\\ here';
    const idp = createHttpServer((_request, response) => {
      response.writeHead(400, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ error: 'invalid_grant', error_description: evil }));
    });
    const port = await listen(idp);
    closers.push(() => new Promise<void>((resolve) => idp.close(() => resolve())));
    const env = await settings('escapes', `http://127.0.0.1:${port}/oauth2/v1/token`);
    for (const tty of [false, true]) {
      const run = await cli(LOGIN, { env, tty });
      expect(run.code).toBe(EXIT.idp);
      const output = run.stdout + run.stderr;
      expect(output).toContain('Account');
      expect(output).not.toContain('\u001b]');
      expect(output).not.toContain('\u001b[2J');
      expect(output).not.toContain('\u009b');
      expect(output).not.toContain('\u0007');
      expect(output).not.toContain('pwned-title');
      // Without a terminal there is no styling at all; on one, only our own colours (SGR).
      if (!tty) expect(output).not.toContain('\u001b');
      // eslint-disable-next-line no-control-regex
      else expect(output.replace(/\u001b\[[0-9;]*m/g, '').replace(/\r\u001b\[2K/g, '')).not.toContain('\u001b');
    }
    const json = await cli([...LOGIN, '--json'], { env });
    // eslint-disable-next-line no-control-regex
    expect(json.stdout).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/);
  }, 30_000);
});

describe('--debug', () => {
  it('traces each request with method, URL, outcome and timing, and the retry decisions, without secrets', async () => {
    const env = await settings('debug', `http://127.0.0.1:${await closedPort()}/oauth2/v1/token?client_secret=${CLIENT_SECRET}`);
    const run = await cli([...LOGIN, '--timeout', '1', '--debug'], { env });
    // A query string is refused by the loader; the trace still shows the settings problem without the secret.
    expectNoSecret(run.stdout + run.stderr);
    const plain = await settings('debug-plain', `http://127.0.0.1:${await closedPort()}/oauth2/v1/token`);
    for (const [args, extra] of [[['--debug'], {}], [[], { UBIQ_IDP_DEBUG: '1' }]] as const) {
      const traced = await cli([...LOGIN, '--timeout', '3', ...args], { env: { ...plain, ...extra } });
      expect(traced.stderr).toMatch(/\[debug \+\d+\.\d{3}s\] POST http:\/\/127\.0\.0\.1:\d+\/oauth2\/v1\/token → connection refused \{"event":"http_answer".*"ms":\d+/);
      expect(traced.stderr).toMatch(/\[debug [^\]]+\] retrying POST .*"attempt":1,"of":4/);
      expect(traced.stderr).toMatch(/\[debug [^\]]+\] settings: profile \[idp\]/);
      expectNoSecret(traced.stdout + traced.stderr);
    }
    const quiet = await cli([...LOGIN, '--timeout', '1'], { env: plain });
    expect(quiet.stderr).not.toContain('[debug');
  }, 60_000);
});
