// The node:http listener answers SCIM collection GETs itself and leaves everything else to the hono app.
// Guarded here: (1) over real sockets, the listener and the app alone give the same status, headers and
// body for the same raw request (hand-picked edge cases, then random request targets); (2) the direct
// route is really taken for the requests it should take, and never for the others.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import { getRequestListener } from '@hono/node-server';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/server/app.js';
import { createNodeListener } from '../../src/server/node-listener.js';
import { createReferenceServer, type ReferenceServer } from 'ubiq-idp/server';
import { startServer, type Running } from './helpers.js';

interface RawAnswer {
  status: string;
  headers: [string, string][];
  body: string;
}

/** One request written byte for byte (target, Host, headers and body exactly as given); the raw answer. */
async function raw(port: number, target: string, headers: string[], method = 'GET', body?: string): Promise<RawAnswer> {
  const socket = connect(port, '127.0.0.1');
  const chunks: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  const ended = new Promise<void>((resolve, reject) => {
    socket.on('end', resolve);
    socket.on('error', reject);
  });
  socket.write(`${method} ${target} HTTP/1.1\r\n${headers.map((h) => `${h}\r\n`).join('')}Connection: close\r\n\r\n${body ?? ''}`);
  await ended;
  const text = Buffer.concat(chunks).toString('latin1');
  const split = text.indexOf('\r\n\r\n');
  const [status = '', ...lines] = text.slice(0, split).split('\r\n');
  const answerHeaders = lines
    .map((line): [string, string] => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()])
    // The date moves; `connection` answers our `Connection: close`.
    .filter(([name]) => name !== 'date' && name !== 'connection')
    .sort(([a], [b]) => a.localeCompare(b));
  return { status, headers: answerHeaders, body: text.slice(split + 4) };
}

let running: Running;
let appOnly: Served;
let scimPath: string;
let token: string;

interface Served {
  port: number;
  close(): Promise<void>;
}

/** `listener` on a node:http server at 127.0.0.1 (any free port); close() also drops kept-alive connections. */
async function serve(listener: (req: IncomingMessage, res: ServerResponse) => void | Promise<void>): Promise<Served> {
  // eslint-disable-next-line @typescript-eslint/no-misused-promises -- @hono/node-server's listener settles its own Promise
  const server: Server = createServer(listener);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The app alone behind @hono/node-server, as listen() served every request before it answered some itself. */
const serveApp = (fetch: (request: Request) => Response | Promise<Response>) => serve(getRequestListener(fetch));

beforeAll(async () => {
  running = await startServer();
  token = running.server.info().scimToken;
  scimPath = new URL(running.scimBaseUrl).pathname;
  for (let i = 0; i < 6; i++) {
    const created = await running.scim('POST', '/Users', {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
      userName: `user${i}@example.com`,
      name: { givenName: 'Ann', familyName: `O'Neil ${i}` },
      emails: [{ value: `user${i}@example.com`, primary: true }],
      externalId: `00u${i}`,
    });
    expect(created.status).toBe(201);
    if (i % 2 === 0) {
      const group = await running.scim('POST', '/Groups', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], displayName: `Team ${i}`, members: [{ value: (created.body as { id: string }).id }] });
      expect(group.status).toBe(201);
    }
  }
  // The same server's records behind the app alone.
  const { app } = createApp(running.server.context);
  appOnly = await serveApp((request) => app.fetch(request));
});

afterAll(async () => {
  await appOnly.close();
  await running.close();
});

const listenerPort = () => Number(new URL(running.origin).port);

async function expectSameAnswer(target: string, headers: string[]): Promise<RawAnswer> {
  const viaListener = await raw(listenerPort(), target, headers);
  const viaApp = await raw(appOnly.port, target, headers);
  expect(viaListener, `GET ${target} with ${headers.join(' | ')}`).toEqual(viaApp);
  return viaListener;
}

describe('the node:http listener answers as the app does', () => {
  const host = () => `Host: 127.0.0.1:${listenerPort()}`;
  const bearer = () => `Authorization: Bearer ${token}`;
  const targets = () => [
    `${scimPath}/Users`,
    `${scimPath}/Users?filter=userName%20eq%20%22user2%40example.com%22`,
    `${scimPath}/Users?filter=userName eq "USER2@example.com"`,
    `${scimPath}/Users?filter=userName%20eq%20%22nobody%40example.com%22`,
    `${scimPath}/Users?filter=name.familyName%20eq%20%22O'Neil%203%22`,
    `${scimPath}/Users?filter=name.familyName%20eq%20%22O%27Neil%203%22`,
    `${scimPath}/Users?filter=externalId+eq+"00u4"&attributes=userName,emails`,
    `${scimPath}/Users?startIndex=2&count=2&sortBy=userName&sortOrder=descending`,
    `${scimPath}/Users?Filter=userName%20eq%20%22user1%40example.com%22&COUNT=1`,
    `${scimPath}/Users?excludedAttributes=groups,meta`,
    `${scimPath}/Users?filter=userName%20zz%20%22x%22`,
    `${scimPath}/Users?count=abc`,
    `${scimPath}/Users?filter=%`,
    `${scimPath}/Users?filter=userName%20eq%20%22user1%40example.com%22#frag`,
    `${scimPath}/Users?`,
    `${scimPath}/Users/`,
    `${scimPath}/Us%65rs`,
    `${scimPath}/x/../Users`,
    `${scimPath}/./Users`,
    `${scimPath}/users`,
    `${scimPath}/Users?filter=a\\b`,
    `${scimPath}/Groups`,
    `${scimPath}/Groups?filter=displayName%20eq%20%22team%202%22`,
    `${scimPath}/Groups?excludedAttributes=members`,
  ];

  it('for collection GETs and their near misses, with a good token', async () => {
    for (const target of targets()) await expectSameAnswer(target, [host(), bearer()]);
  });

  it('for refused tokens: missing, wrong, repeated, malformed', async () => {
    const target = `${scimPath}/Users?filter=userName%20eq%20%22user2%40example.com%22`;
    for (const auth of [[], ['Authorization: Bearer wrong'], [bearer(), bearer()], [`Authorization: bearer   ${token}  `], [`Authorization: Basic ${token}`]]) {
      await expectSameAnswer(target, [host(), ...auth]);
    }
  });

  it('for unusual Host headers', async () => {
    const target = `${scimPath}/Users?filter=userName%20eq%20%22user2%40example.com%22`;
    for (const value of ['localhost:65000', '127.0.0.01:60001', '127.0.0.1:60001', 'EXAMPLE.com', 'example.com:80', '[::1]:8080', 'host:99999', 'localhost:99999', '127.0.0.1:65536', 'a_b.example']) {
      await expectSameAnswer(target, [`Host: ${value}`, bearer()]);
    }
  });

  it('for random request targets under the Users collection', async () => {
    // Characters that are plain, escaped, rewritten by new URL() or refused somewhere on the app's route.
    const piece = fc.constantFrom('userName', ' ', '%20', 'eq', '"', '%22', "'", '%27', '+', '&', '=', '?', '#', '/', '.', '..', '%', '%2', '\\', 'é', '%C3%A9', 'filter', 'count', '1', 'user3@example.com', 'attributes', ',', 'sortBy');
    await fc.assert(
      fc.asyncProperty(fc.array(piece, { maxLength: 12 }), async (pieces) => {
        // A raw space or non-ASCII byte cannot appear in a request line: write those escaped.
        const query = pieces.join('').replaceAll(' ', '%20').replaceAll('é', '%C3%A9');
        await expectSameAnswer(`${scimPath}/Users?${query}`, [host(), bearer()]);
      }),
      { numRuns: 150 },
    );
  });
});

describe('which requests the direct route takes', () => {
  /** A listener over the server's reads with an app that only counts what reaches it. */
  async function counting(): Promise<{ port: number; reachedApp: string[]; close(): Promise<void> }> {
    const { scimDirectRoutes } = createApp(running.server.context);
    const reachedApp: string[] = [];
    const app = (req: IncomingMessage, res: ServerResponse) => {
      reachedApp.push(req.url ?? '');
      res.writeHead(299).end();
    };
    return { ...(await serve(createNodeListener(scimDirectRoutes, app, () => ({ status: 598, headers: {}, body: '' })))), reachedApp };
  }

  it('answers collection GETs and POST /Users itself, and leaves everything else to the app', async () => {
    const listener = await counting();
    try {
      const host = `Host: 127.0.0.1:${listener.port}`;
      const bearer = `Authorization: Bearer ${token}`;
      const direct = [`${scimPath}/Users`, `${scimPath}/Users?filter=userName%20eq%20%22user2%40example.com%22`, `${scimPath}/Groups?count=1`];
      for (const target of direct) expect((await raw(listener.port, target, [host, bearer])).status).toBe('HTTP/1.1 200 OK');
      // A port @hono/node-server's own host test leaves out (listen() on port 0 can get one).
      for (const other of ['Host: 127.0.0.1:60001', 'Host: localhost:65535']) expect((await raw(listener.port, direct[1]!, [other, bearer])).status).toBe('HTTP/1.1 200 OK');
      expect(listener.reachedApp).toEqual([]);

      const toApp: [string, string[]][] = [
        [`${scimPath}/Users`, [host]],
        [`${scimPath}/Users`, [host, 'Authorization: Bearer wrong']],
        [`${scimPath}/Users`, [host, bearer, bearer]],
        [`${scimPath}/Users?count=abc`, [host, bearer]],
        [`${scimPath}/Users/`, [host, bearer]],
        [`${scimPath}/Users#x`, [host, bearer]],
        [`${scimPath}/x/../Users`, [host, bearer]],
        [`${scimPath}/Users?filter=a\\b`, [host, bearer]],
        [`${scimPath}/Users`, ['Host: EXAMPLE.com', bearer]],
        [`${scimPath}/ServiceProviderConfig`, [host, bearer]],
      ];
      for (const [target, headers] of toApp) expect((await raw(listener.port, target, headers)).status).toBe('HTTP/1.1 299 unknown');
      expect(listener.reachedApp).toEqual(toApp.map(([target]) => target));
      listener.reachedApp.length = 0;

      // POST /Users: taken when it is plain, errors included (the body is read by then).
      const body = (name: string) => JSON.stringify({ schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: name });
      const post = (target: string, headers: string[], text: string) => raw(listener.port, target, [host, ...headers], 'POST', text);
      const sized = (text: string) => `Content-Length: ${Buffer.byteLength(text)}`;
      expect((await post(`${scimPath}/Users`, [bearer, 'Content-Type: application/scim+json', sized(body('direct@example.com'))], body('direct@example.com'))).status).toBe('HTTP/1.1 201 Created');
      expect((await post(`${scimPath}/Users`, [bearer, sized(body('direct@example.com'))], body('direct@example.com'))).status).toBe('HTTP/1.1 409 Conflict');
      expect((await post(`${scimPath}/Users`, [bearer, sized('{')], '{')).status).toBe('HTTP/1.1 400 Bad Request');
      expect(listener.reachedApp).toEqual([]);
      const big = body('x'.repeat(2 * 1024 * 1024));
      const postsToApp: [string, string[], string][] = [
        [`${scimPath}/Users?attributes=userName`, [bearer, sized(body('a@example.com'))], body('a@example.com')],
        [`${scimPath}/Users`, [bearer, 'Content-Type: text/plain', sized(body('b@example.com'))], body('b@example.com')],
        [`${scimPath}/Users`, [bearer, 'Content-Type: application/json', 'Content-Type: application/json', sized(body('c@example.com'))], body('c@example.com')],
        [`${scimPath}/Users`, [bearer, 'Transfer-Encoding: chunked'], `${body('d@example.com').length.toString(16)}\r\n${body('d@example.com')}\r\n0\r\n\r\n`],
        [`${scimPath}/Users`, [bearer, sized(big)], big],
        [`${scimPath}/Users`, ['Authorization: Bearer wrong', sized(body('e@example.com'))], body('e@example.com')],
        [`${scimPath}/Groups`, [bearer, sized('{}')], '{}'],
      ];
      for (const [target, headers, text] of postsToApp) expect((await post(target, headers, text)).status).toBe('HTTP/1.1 299 unknown');
      expect(listener.reachedApp).toEqual(postsToApp.map(([target]) => target));
    } finally {
      await listener.close();
    }
  });
});

describe('POST /Users: the listener answers as the app does', () => {
  // Two servers with the same clock, origin and body limit: one behind listen(), one behind the app alone.
  // Each gets the same requests in the same order; ids are random, so answers are compared with each
  // UUID replaced by its order of appearance.
  const options = { now: () => Date.UTC(2026, 11, 7, 12), origin: 'https://ubiq.test', bodyLimitBytes: 4096, customerId: '0c0c386a-ccf8-4ecf-b8ff-0e2090f898b0' };
  let direct: ReferenceServer;
  let viaApp: ReferenceServer;
  let viaAppServer: Served;
  let directPort: number;
  const logs: { direct: unknown[]; viaApp: unknown[] } = { direct: [], viaApp: [] };

  beforeAll(async () => {
    direct = createReferenceServer({ ...options, logger: { warn() {}, error: (message, fields) => logs.direct.push([message, fields]) } });
    viaApp = createReferenceServer({ ...options, logger: { warn() {}, error: (message, fields) => logs.viaApp.push([message, fields]) } });
    // With `origin` set, listen() reports that origin: find a free port first and listen there.
    const probe = await serve(() => {});
    directPort = probe.port;
    await probe.close();
    await direct.listen({ port: directPort });
    viaAppServer = await serveApp((request) => viaApp.fetch(request));
  });

  afterAll(async () => {
    await viaAppServer.close();
    await direct.close();
  });

  /** The answer with every UUID replaced by its order of appearance (ids are random on each server). */
  function normalised(answer: RawAnswer): RawAnswer {
    const seen = new Map<string, string>();
    const replace = (text: string) => text.replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, (id) => seen.get(id) ?? (seen.set(id, `<id${seen.size}>`), `<id${seen.size - 1}>`));
    return { status: answer.status, headers: answer.headers.map(([name, value]) => [name, replace(value)]), body: replace(answer.body) };
  }

  const scimPathOf = () => new URL(direct.info().scimBaseUrl).pathname;

  /** The same POST to both servers (each with its own token unless `auth` is given); answers compared. */
  async function expectSamePost(body: string, headers: string[] = ['Content-Type: application/scim+json'], target = `${scimPathOf()}/Users`, auth?: string): Promise<RawAnswer> {
    const send = (port: number, server: ReferenceServer) =>
      raw(port, target, [`Host: 127.0.0.1:${port}`, auth ?? `Authorization: Bearer ${server.info().scimToken}`, ...headers, `Content-Length: ${Buffer.byteLength(body)}`], 'POST', body);
    const a = normalised(await send(directPort, direct));
    const b = normalised(await send(viaAppServer.port, viaApp));
    expect(a, `POST ${target} ${body.slice(0, 120)}`).toEqual(b);
    return a;
  }

  const user = (userName: string, extra: Record<string, unknown> = {}) =>
    JSON.stringify({ schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName, name: { givenName: 'Kate', familyName: 'Lee' }, emails: [{ value: userName, primary: true }], ...extra });

  it('for creations, conflicts and refused bodies', async () => {
    const statuses: string[] = [];
    const cases: [string, string[]?][] = [
      [user('kate@example.com', { externalId: '00u1' })],
      [user('kate@example.com')],
      [user('KATE@example.com')],
      [user('\u212Aate@example.com')],
      [user('second@example.com'), ['Content-Type: application/json; charset=utf-8']],
      [user('third@example.com'), []],
      [user('fourth@example.com', { emails: [{ value: 'a@example.com', primary: true }, { value: 'b@example.com', primary: true }] })],
      [user('fifth@example.com', { active: 'yes' })],
      [user('sixth@example.com', { 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User': { employeeNumber: '7', manager: { value: 'x' } } })],
      [JSON.stringify({ schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'] })],
      ['{"userName": '],
      [''],
      ['[1, 2]'],
      ['"just a string"'],
      [user('x'.repeat(5000))],
      [user('typed@example.com'), ['Content-Type: text/plain']],
      [user('twice@example.com'), ['Content-Type: application/json', 'Content-Type: application/json']],
    ];
    for (const [body, headers] of cases) statuses.push((await expectSamePost(body, headers)).status);
    // The cases above reach creation, conflict, validation, syntax, size and type refusals.
    expect(new Set(statuses)).toEqual(new Set(['HTTP/1.1 201 Created', 'HTTP/1.1 409 Conflict', 'HTTP/1.1 400 Bad Request', 'HTTP/1.1 413 Payload Too Large', 'HTTP/1.1 415 Unsupported Media Type']));
    await expectSamePost(user('query@example.com'), undefined, `${scimPathOf()}/Users?attributes=userName`);
    await expectSamePost(user('token@example.com'), undefined, undefined, 'Authorization: Bearer wrong');
  });

  it('for a failure inside the SCIM code: the same 500, logged the same way', async () => {
    for (const server of [direct, viaApp]) {
      server.store.putUser = () => {
        throw new TypeError('store down');
      };
    }
    logs.direct.length = 0;
    logs.viaApp.length = 0;
    const answer = await expectSamePost(user('broken@example.com'));
    expect(answer.status).toBe('HTTP/1.1 500 Internal Server Error');
    expect(logs.direct).toEqual(logs.viaApp);
    expect(logs.direct).toHaveLength(1);
  });

  it('survives a client that leaves in the middle of a body, and answers the next request', async () => {
    const body = user('leaver@example.com');
    const socket = connect(directPort, '127.0.0.1');
    await new Promise<void>((resolve) => socket.once('connect', resolve));
    socket.write(`POST ${scimPathOf()}/Users HTTP/1.1\r\nHost: 127.0.0.1:${directPort}\r\nAuthorization: Bearer ${direct.info().scimToken}\r\nContent-Length: ${body.length}\r\n\r\n${body.slice(0, 20)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
    socket.destroy();
    await new Promise((resolve) => setTimeout(resolve, 50));
    const next = await raw(directPort, `${scimPathOf()}/Users?filter=userName%20eq%20%22leaver%40example.com%22`, [`Host: 127.0.0.1:${directPort}`, `Authorization: Bearer ${direct.info().scimToken}`]);
    expect(next.status).toBe('HTTP/1.1 200 OK');
    expect(JSON.parse(next.body)).toMatchObject({ totalResults: 0 });
  });

  it('leaves the same state behind', async () => {
    const list = async (port: number, server: ReferenceServer) =>
      normalised(await raw(port, `${scimPathOf()}/Users?sortBy=userName`, [`Host: 127.0.0.1:${port}`, `Authorization: Bearer ${server.info().scimToken}`]));
    expect(await list(directPort, direct)).toEqual(await list(viaAppServer.port, viaApp));
  });
});
