// createHttpClient over real sockets: default transport (undici fetch + its own agent), timeouts, abort.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createHttpClient, isHttpRequestError, type HttpClient } from '../../src/http/index.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function serve(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<{ url: string; hits: () => number }> {
  let hits = 0;
  const sockets = new Set<Socket>();
  const server: Server = createServer((req, res) => {
    hits += 1;
    handler(req, res);
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  const address = server.address() as { port: number };
  return { url: `http://127.0.0.1:${address.port}/token`, hits: () => hits };
}

function client(options: Parameters<typeof createHttpClient>[0] = {}): HttpClient {
  const http = createHttpClient({ retry: { sleep: async () => {} }, ...options });
  cleanups.push(() => http.close());
  return http;
}

async function rejection(promise: Promise<unknown>) {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isHttpRequestError(error)) throw new Error(`expected an HttpRequestError, got ${String(error)}`);
  return error;
}

describe('default transport', () => {
  it('uses undici fetch with its own dispatcher on this Node (20 or 24) and returns a global Response with the body read', async () => {
    const server = await serve((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ got: body, method: req.method })));
    });
    const response = await client().request(server.url, { method: 'POST', body: new URLSearchParams({ a: '1' }), headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(response).toBeInstanceOf(Response);
    expect(await response.json()).toEqual({ got: 'a=1', method: 'POST' });
  });

  it('retries 503 then returns the 200; returns a 400 at once', async () => {
    let n = 0;
    const server = await serve((req, res) => {
      n += 1;
      res.writeHead(n <= 2 ? 503 : n === 3 ? 200 : 400).end();
    });
    const http = client();
    expect((await http.request(server.url, { method: 'GET' })).status).toBe(200);
    expect(server.hits()).toBe(3);
    expect((await http.request(server.url, { method: 'GET' })).status).toBe(400);
    expect(server.hits()).toBe(4);
  });

  it('a body that stalls after the headers is a timeout, per attempt', async () => {
    const server = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
      res.write('{"access_token":');
    });
    const error = await rejection(client({ timeoutMs: 1_000 }).request(server.url, { method: 'GET', retry: { maxAttempts: 2, sleep: async () => {} } }));
    expect(error.code).toBe('timeout');
    expect(error.attempts).toBe(2);
    expect(server.hits()).toBe(2);
  });

  it('a refused connection is a network_error after the attempts', async () => {
    const server = await serve((_req, res) => res.end());
    const url = server.url;
    await cleanups.pop()?.(); // close the server: the port now refuses
    const error = await rejection(client().request(url, { method: 'GET' }));
    expect(error.code).toBe('network_error');
    expect(error.attempts).toBe(4);
    expect(error.url).toBe(url);
  });

  it('never puts the query string in messages', async () => {
    const server = await serve((req) => req.socket.destroy());
    const error = await rejection(client({ retry: false }).request(`${server.url}?client_secret=hunter2-canary`, { method: 'GET' }));
    expect(error.message).not.toContain('hunter2-canary');
    expect(error.url).not.toContain('hunter2-canary');
  });

  it('an injected fetch is used as-is', async () => {
    const seen: string[] = [];
    // eslint-disable-next-line @typescript-eslint/no-base-to-string -- the client calls fetch with a URL string
    const http = client({ fetch: (input) => Promise.resolve((seen.push(String(input)), new Response('ok'))) });
    expect(await (await http.request('https://idp.example/token', { method: 'GET' })).text()).toBe('ok');
    expect(seen).toEqual(['https://idp.example/token']);
  });

  it('the client-level signal aborts requests and waits', async () => {
    const server = await serve(() => {
      // never answers
    });
    const controller = new AbortController();
    const http = client({ signal: controller.signal });
    const pending = rejection(http.request(server.url, { method: 'GET' }));
    setTimeout(() => controller.abort(), 30);
    const error = await pending;
    expect(error.code).toBe('aborted');
    expect(error.attempts).toBe(1);
  });
});

describe('transport choice', () => {
  it('the default transport never calls the global fetch (so Node 20\'s bundled undici never meets undici 7\'s agent)', async () => {
    const spy = vi.spyOn(globalThis, 'fetch');
    try {
      const server = await serve((_req, res) => res.end('ok'));
      expect(await (await client().request(server.url, { method: 'GET' })).text()).toBe('ok');
      expect(spy).not.toHaveBeenCalled();
    } finally {
      spy.mockRestore();
    }
  });
});
