// The node:http listener behind `ReferenceServer.listen()`. GET on the SCIM Users and Groups collections
// is what a provisioning IdP sends most (Okta and Entra look a user up with `filter=userName eq "…"` before
// each push); the listener answers it from node's request directly. Every other request goes through the
// hono app by way of @hono/node-server.
//
// Both routes give the same answer, and test/server/node-listener.test.ts sends the same raw requests to
// both and compares them. To keep them the same, the direct route only takes a request whose answer
// cannot depend on what @hono/node-server does before the app, and only answers a 200. These go to the app:
// - a refused token or a refused query (the app writes the error);
// - a path that is not exactly a collection's, an unusual Host, a repeated Authorization header;
// - every other method and path.
//
// What the direct route skips: the web Request and Response objects, the URL parse, the routing and the
// handler chain. That is about a fifth of the server CPU of such a request (`npm run bench:scim`).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { SCIM_CONTENT_TYPE } from './scim/errors.js';
import type { ScimDirectReads } from './scim/routes.js';

/** A node:http request listener; the app's is async (@hono/node-server's settles its own Promise: errors become 500s). */
export type NodeListener = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

// The request target needs no test of its own. Its path must equal a collection's path exactly; in the
// query, the rewriting @hono/node-server may do (`new URL()`) only escapes characters, never unescapes
// them, and the query parser decodes either spelling to the same value.
// Hosts @hono/node-server takes as they are (its own test) ...
const PLAIN_HOST = /^[a-z0-9._-]+(?::(?:[1-5]\d{3,4}|[6-9]\d{3}))?$/;
// ... and these with a port its test leaves out (listen() on port 0 can get 60000–60999), which
// `new URL()` accepts without changing the host name: localhost and dotted-quad addresses.
const OCTET = '(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)';
const LOOPBACK_HOST_ANY_PORT = new RegExp(`^(?:localhost|${OCTET}(?:\\.${OCTET}){3}):([1-9]\\d{0,4})$`);

function plainHost(host: string | undefined): boolean {
  if (host === undefined) return false;
  if (PLAIN_HOST.test(host)) return true;
  const port = LOOPBACK_HOST_ANY_PORT.exec(host)?.[1];
  return port !== undefined && Number(port) <= 65_535;
}

/** The one Authorization header of the request; undefined when absent or repeated (the app joins repeats). */
function soleAuthorization(req: IncomingMessage): string | undefined {
  const raw = req.rawHeaders;
  let count = 0;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    if (name.length === 13 && name.toLowerCase() === 'authorization') count += 1;
  }
  return count === 1 ? req.headers.authorization : undefined;
}

/** The collection read for this request when the direct route may take it. */
function directRead(reads: ScimDirectReads, req: IncomingMessage) {
  if (req.method !== 'GET') return undefined;
  const target = req.url ?? '';
  const query = target.indexOf('?');
  const read = reads.collections.get(query === -1 ? target : target.slice(0, query));
  if (!read || !plainHost(req.headers.host)) return undefined;
  return reads.authorized(soleAuthorization(req)) ? read : undefined;
}

/**
 * The listener: collection GETs answered from `reads` when they can be (see above), everything else,
 * and any such GET whose read throws, by `app`.
 */
export function createNodeListener(reads: ScimDirectReads, app: NodeListener): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const read = directRead(reads, req);
    if (read) {
      let body: string | undefined;
      try {
        body = read(req.url!);
      } catch {
        // A query the SCIM code refuses, or a failure: the app runs the same read and answers it.
      }
      if (body !== undefined) {
        res.writeHead(200, { 'content-type': SCIM_CONTENT_TYPE, 'content-length': Buffer.byteLength(body) });
        res.end(body);
        return;
      }
    }
    void app(req, res);
  };
}
