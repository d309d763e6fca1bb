// The floor both server benchmarks compare against: a bare node:http server that reads the body, looks
// nothing up and answers a small SCIM-shaped JSON body (201 to a POST).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** The request listener: reads the whole body first, as a server that parses it would. */
export function bareHandler(req: IncomingMessage, res: ServerResponse): void {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const body = JSON.stringify({ schemas: ['urn:ietf:params:scim:api:messages:2.0:ListResponse'], totalResults: 1, Resources: [{ id: 'x' }] });
    res.writeHead(req.method === 'POST' ? 201 : 200, { 'content-type': 'application/scim+json' });
    res.end(body);
  });
}

/** Listen on 127.0.0.1 (any free port). */
export async function startBareServer(): Promise<{ origin: string; server: Server }> {
  const server = createServer(bareHandler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}
