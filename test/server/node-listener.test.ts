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
import { startServer, type Running } from './helpers.js';

interface RawAnswer {
  status: string;
  headers: [string, string][];
  body: string;
}

/** One request written byte for byte (the target, Host and headers exactly as given); the raw answer. */
async function raw(port: number, target: string, headers: string[]): Promise<RawAnswer> {
  const socket = connect(port, '127.0.0.1');
  const chunks: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  const ended = new Promise<void>((resolve, reject) => {
    socket.on('end', resolve);
    socket.on('error', reject);
  });
  socket.write(`GET ${target} HTTP/1.1\r\n${headers.map((h) => `${h}\r\n`).join('')}Connection: close\r\n\r\n`);
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
let appOnly: Server;
let appOnlyPort: number;
let scimPath: string;
let token: string;

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

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
  // The same server's records behind the app alone, the way listen() served every request before.
  const { app } = createApp(running.server.context);
  // eslint-disable-next-line @typescript-eslint/no-misused-promises -- @hono/node-server's listener settles its own Promise
  appOnly = createServer(getRequestListener((request: Request) => app.fetch(request)));
  appOnlyPort = await listen(appOnly);
});

afterAll(async () => {
  appOnly.closeAllConnections();
  await new Promise<void>((resolve) => appOnly.close(() => resolve()));
  await running.close();
});

const listenerPort = () => Number(new URL(running.origin).port);

async function expectSameAnswer(target: string, headers: string[]): Promise<RawAnswer> {
  const viaListener = await raw(listenerPort(), target, headers);
  const viaApp = await raw(appOnlyPort, target, headers);
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
    const { scimDirectReads } = createApp(running.server.context);
    const reachedApp: string[] = [];
    const app = (req: IncomingMessage, res: ServerResponse) => {
      reachedApp.push(req.url ?? '');
      res.writeHead(299).end();
    };
    const server = createServer(createNodeListener(scimDirectReads, app));
    const port = await listen(server);
    return {
      port,
      reachedApp,
      close: async () => {
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      },
    };
  }

  it('answers collection GETs with a good token itself, and leaves everything else to the app', async () => {
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
    } finally {
      await listener.close();
    }
  });
});
