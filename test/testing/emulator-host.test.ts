import { request as httpRequest, Agent } from 'node:http';
import type { Socket } from 'node:net';
import { inspect } from 'node:util';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import { createEntraEmulator, createOktaEmulator, EmulatorUsageError, type EntraEmulator, type OktaEmulator } from 'ubiq-idp/testing';
import { postForm } from './emulator-test-helpers.js';

const CLIENT = '0oaclient000000000001';
const SECRET = 'okta-client-secret-canary';
const ENTRA_CLIENT = '6731de76-14a6-49ae-97bc-6eba6914391e';

function okta(): OktaEmulator {
  return createOktaEmulator({
    apps: [{ clientId: CLIENT, clientSecret: SECRET, grantTypes: ['password', 'refresh_token'], grantedScopes: ['okta.users.read'] }],
    users: [{ login: 'ada@example.com', password: 'ada-password' }],
    rateLimit: { perUserPerSecond: 0 },
  });
}
function entra(): EntraEmulator {
  return createEntraEmulator({
    apps: [{ clientId: ENTRA_CLIENT, clientSecret: 'entra-secret' }],
    users: [{ userPrincipalName: 'ada@contoso.onmicrosoft.com', password: 'ada-password' }],
  });
}
const oktaForm = { grant_type: 'password', username: 'ada@example.com', password: 'ada-password', client_id: CLIENT, client_secret: SECRET, scope: 'openid' };
const entraForm = {
  grant_type: 'password',
  username: 'ada@contoso.onmicrosoft.com',
  password: 'ada-password',
  client_id: ENTRA_CLIENT,
  client_secret: 'entra-secret',
  scope: `api://${ENTRA_CLIENT}/.default`,
};

const open: Array<{ close(): Promise<void> }> = [];
function track<T extends { close(): Promise<void> }>(emulator: T): T {
  open.push(emulator);
  return emulator;
}
afterEach(async () => {
  await Promise.all(open.splice(0).map((e) => e.close()));
});

/** Lets libuv finish closing handles: `server.close()` reports before the handle is really gone. */
async function settle(): Promise<void> {
  for (let i = 0; i < 3; i += 1) await new Promise((resolve) => setImmediate(resolve));
}

/** Listening TCP servers of this process (client sockets of the global fetch pool come and go). */
function tcpServers(): number {
  return process.getActiveResourcesInfo().filter((name) => name === 'TCPServerWrap').length;
}

describe('faults', () => {
  it('fails the next N requests with the chosen 5xx, then recovers (counted)', async () => {
    const emulator = track(okta());
    await emulator.listen();
    emulator.faults.set({ failNext: { count: 2, status: 502 } });
    const first = await postForm(emulator.tokenEndpoint, oktaForm);
    expect(first.status).toBe(502);
    expect(first.headers.get('content-type')).toBe('text/html');
    expect((await postForm(emulator.tokenEndpoint, oktaForm)).status).toBe(502);
    expect((await postForm(emulator.tokenEndpoint, oktaForm)).status).toBe(200);
    emulator.faults.set({ failNext: 1 });
    expect((await postForm(emulator.tokenEndpoint, oktaForm)).status).toBe(503);
    emulator.faults.set({ failNext: { count: 1, status: 500 } });
    const json = await postForm(emulator.tokenEndpoint, oktaForm);
    expect(json.body.error).toBe('server_error');
    expect(emulator.stats()).toMatchObject({ total: 5, byStatus: { '200': 1, '500': 1, '502': 2, '503': 1 }, faults: { fail: 4 } });
  });

  it('answers 429 with Retry-After (and Okta X-Rate-Limit-*) for rateLimitNext', async () => {
    const o = track(okta());
    const e = track(entra());
    await o.listen();
    await e.listen();
    o.faults.set({ rateLimitNext: { count: 1, retryAfterSeconds: 7 } });
    e.faults.set({ rateLimitNext: { count: 1, retryAfterSeconds: 3 } });
    const oktaLimited = await postForm(o.tokenEndpoint, oktaForm);
    expect(oktaLimited.status).toBe(429);
    expect(oktaLimited.headers.get('retry-after')).toBe('7');
    expect(Number(oktaLimited.headers.get('x-rate-limit-reset'))).toBe(Math.ceil(o.clock.now() / 1000) + 7);
    expect(oktaLimited.body.errorCode).toBe('E0000047');
    const entraLimited = await postForm(e.tokenEndpoint, entraForm);
    expect(entraLimited.status).toBe(429);
    expect(entraLimited.headers.get('retry-after')).toBe('3');
    expect(entraLimited.body.error).toBe('temporarily_unavailable');
    expect(String(entraLimited.body.error_description)).toMatch(/^AADSTS90055: /);
    expect((await postForm(o.tokenEndpoint, oktaForm)).status).toBe(200);
    e.clock.setNow(Date.parse('2030-01-01T00:00:00Z'));
    e.faults.set({ rateLimitNext: { count: 1, retryAfterSeconds: 90, retryAfterFormat: 'http-date' } });
    const dated = await postForm(e.tokenEndpoint, entraForm);
    expect(dated.headers.get('retry-after')).toBe('Tue, 01 Jan 2030 00:01:30 GMT');
  });

  it('drops connections: the socket is destroyed over the network, fetch() throws a TypeError in process', async () => {
    const emulator = track(okta());
    await emulator.listen();
    emulator.faults.set({ dropConnections: 1 });
    await expect(postForm(emulator.tokenEndpoint, oktaForm)).rejects.toThrow(TypeError);
    expect((await postForm(emulator.tokenEndpoint, oktaForm)).status).toBe(200);
    emulator.faults.set({ dropConnections: 1 });
    await expect(emulator.fetch(new Request(emulator.discoveryUrl))).rejects.toThrow(new TypeError('fetch failed'));
    expect(emulator.stats().byStatus).toMatchObject({ dropped: 2, '200': 1 });
  });

  it('sends malformed and truncated JSON', async () => {
    const emulator = track(entra());
    emulator.faults.set({ malformedJson: 1, truncatedJson: 1 });
    const malformed = await postForm(emulator.tokenEndpoint, entraForm, {}, emulator.fetch);
    expect(malformed.status).toBe(200);
    expect(malformed.headers.get('content-type')).toMatch(/^application\/json/);
    expect((): unknown => JSON.parse(malformed.text)).toThrow(SyntaxError);
    const truncated = await postForm(emulator.tokenEndpoint, entraForm, {}, emulator.fetch);
    expect(truncated.status).toBe(200);
    expect((): unknown => JSON.parse(truncated.text)).toThrow(SyntaxError);
    expect(truncated.text.startsWith('{"token_type":"Bearer"')).toBe(true);
    const whole = await postForm(emulator.tokenEndpoint, entraForm, {}, emulator.fetch);
    expect(whole.body.token_type).toBe('Bearer');
    expect(emulator.stats().faults).toEqual({ malformedJson: 1, truncatedJson: 1 });
  });

  it('limits faults to chosen endpoints, adds latency, and clears', async () => {
    const emulator = track(okta());
    emulator.faults.set({ failNext: 5, latencyMs: 5, endpoints: ['token'] });
    expect((await emulator.fetch(new Request(emulator.jwksUri))).status).toBe(200);
    expect((await postForm(emulator.tokenEndpoint, oktaForm, {}, emulator.fetch)).status).toBe(503);
    expect(emulator.faults.pending()).toMatchObject({ failNext: 4, latencyMs: 5, endpoints: ['token'] });
    emulator.faults.clear();
    expect(emulator.faults.pending()).toMatchObject({ failNext: 0, latencyMs: 0, endpoints: 'all' });
    expect((await postForm(emulator.tokenEndpoint, oktaForm, {}, emulator.fetch)).status).toBe(200);
    expect(emulator.stats().faults).toEqual({ latency: 1, fail: 1 });
    expect(() => emulator.faults.set({ failNext: -1 })).toThrow(EmulatorUsageError);
  });

  it('ends injected latency when the caller aborts (as fetch does) and when the emulator closes', async () => {
    const emulator = track(okta());
    emulator.faults.set({ latencyMs: 60_000 });
    const controller = new AbortController();
    const pending = emulator.fetch(new Request(emulator.jwksUri, { signal: controller.signal }));
    controller.abort();
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
    const waiting = emulator.fetch(new Request(emulator.jwksUri));
    await emulator.close();
    expect((await waiting).status).toBe(200);
    expect(emulator.stats().faults).toEqual({ latency: 2 });
  });
});

describe('secrets', () => {
  it('never shows passwords or client secrets in inspected emulators, management answers or stats', async () => {
    const o = track(okta());
    const e = track(entra());
    await postForm(o.tokenEndpoint, { ...oktaForm, password: 'wrong' }, {}, o.fetch);
    await postForm(e.tokenEndpoint, { ...entraForm, client_secret: 'wrong' }, {}, e.fetch);
    const seen = [
      inspect(o, { depth: 10, getters: true }),
      inspect(e, { depth: 10, getters: true }),
      JSON.stringify([o.getUser('ada@example.com'), o.addApp({ clientId: '0oanew', clientSecret: 'new-secret-canary' }), o.stats()]),
      JSON.stringify([e.getUser('ada@contoso.onmicrosoft.com'), e.setAppOptions(ENTRA_CLIENT, { displayName: 'x' }), e.stats()]),
    ].join('\n');
    for (const secret of ['ada-password', SECRET, 'entra-secret', 'new-secret-canary', 'wrong']) expect(seen).not.toContain(secret);
  });
});

describe('stats', () => {
  it('counts per endpoint, grant and status, and resets', async () => {
    const emulator = track(okta());
    await emulator.fetch(new Request(emulator.discoveryUrl));
    await emulator.fetch(new Request(emulator.jwksUri));
    await postForm(emulator.tokenEndpoint, oktaForm, {}, emulator.fetch);
    await postForm(emulator.tokenEndpoint, { ...oktaForm, password: 'wrong' }, {}, emulator.fetch);
    await postForm(emulator.tokenEndpoint, { grant_type: 'refresh_token', refresh_token: 'x', client_id: CLIENT, client_secret: SECRET }, {}, emulator.fetch);
    const snapshot = emulator.stats();
    expect(snapshot).toEqual({
      total: 5,
      byEndpoint: { discovery: 1, jwks: 1, token: 3 },
      byGrant: { password: 2, refresh_token: 1 },
      byStatus: { '200': 3, '400': 2 },
      faults: {},
    });
    emulator.resetStats();
    expect(emulator.stats().total).toBe(0);
    expect(snapshot.total).toBe(5);
  });
});

describe('lifecycle', () => {
  it('keeps two emulators in one process independent', async () => {
    const a = track(okta());
    const b = track(okta());
    const infoA = await a.listen();
    const infoB = await b.listen();
    expect(infoA.url).not.toBe(infoB.url);
    b.removeUser('ada@example.com');
    b.faults.set({ failNext: 3 });
    const fromA = await postForm(a.tokenEndpoint, oktaForm);
    expect(fromA.status).toBe(200);
    // A's token does not verify with B's keys: no shared key material.
    await expect(jwtVerify(String(fromA.body.access_token), createRemoteJWKSet(new URL(a.jwksUri)), { issuer: a.issuer })).resolves.toBeDefined();
    b.faults.clear();
    await expect(jwtVerify(String(fromA.body.access_token), createRemoteJWKSet(new URL(b.jwksUri)))).rejects.toThrow();
    expect((await postForm(b.tokenEndpoint, oktaForm)).status).toBe(400);
    expect(a.stats().byEndpoint).toEqual({ token: 1, jwks: 1 });
    a.clock.advance(3_600_000);
    expect(Math.abs(b.clock.now() - Date.now())).toBeLessThan(60_000);
  });

  it('close() destroys open keep-alive sockets and stops listening; listen() works again after', async () => {
    await settle();
    const before = tcpServers();
    const emulator = okta();
    const { url, port } = await emulator.listen({ port: 0, host: '127.0.0.1' });
    expect(url).toBe(`http://127.0.0.1:${port}`);
    expect(tcpServers()).toBe(before + 1);
    await expect(emulator.listen()).rejects.toThrow(/already listening/);
    const agent = new Agent({ keepAlive: true });
    const { status, socket } = await new Promise<{ status: number; socket: Socket }>((resolve, reject) => {
      const req = httpRequest(`${url}/.well-known/openid-configuration`, { agent }, (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, socket: req.socket as Socket }));
      });
      req.on('error', reject);
      req.end();
    });
    expect(status).toBe(200);
    const socketClosed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    expect(socket.destroyed).toBe(false);
    await emulator.close();
    await socketClosed; // the server side destroyed the idle keep-alive connection
    agent.destroy();
    await settle();
    expect(tcpServers()).toBe(before);
    expect(emulator.baseUrl).toBe('https://emulator.okta.test');
    await expect(fetch(`${url}/.well-known/openid-configuration`)).rejects.toThrow();
    await emulator.close();
    const again = await emulator.listen();
    expect(again.issuer).toBe(again.url);
    await emulator.close();
    await settle();
    expect(tcpServers()).toBe(before);
  });
});
