// The node:http listener behind `ReferenceServer.listen()`. It answers the two requests a provisioning IdP
// sends most from node's request directly: GET on the SCIM Users and Groups collections (Okta and Entra
// look a user up with `filter=userName eq "…"` before each push) and POST /Users (the push of a new
// user). Every other request goes through the hono app by way of @hono/node-server.
//
// Both routes give the same answer, and test/server/node-listener.test.ts sends the same raw requests to
// both and compares them. To keep them the same, the direct route only takes a request whose answer
// cannot depend on what @hono/node-server does before the app. These go to the app:
// - a path that is not exactly one of those, and every other method;
// - an unusual Host, a repeated Authorization or Content-Type header, a refused token;
// - a GET whose read throws (a refused query: the app answers the error);
// - a POST with a query, a body type other than JSON, no declared length or one over the limit.
// A POST it takes it answers itself, errors included, from the same SCIM code: its body is read by then.
//
// What the direct route skips: the web Request and Response objects, the URL parse, the routing, the
// handler chain and, for a POST, the web body stream. That is a fifth to a third of the server CPU of
// such a request (`npm run bench:scim`).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Answer } from './http-util.js';
import { SCIM_CONTENT_TYPE, ScimError, scimErrorAnswer } from './scim/errors.js';
import { isJsonBodyType } from './scim/http.js';
import type { CollectionRead } from './scim/resource.js';
import type { ScimDirectRoutes } from './scim/routes.js';

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

/** The value of a header the request carries once; undefined when absent or repeated (the app joins repeats). */
function soleHeader(req: IncomingMessage, name: 'authorization' | 'content-type'): string | undefined {
  const raw = req.rawHeaders;
  let count = 0;
  for (let i = 0; i < raw.length; i += 2) {
    const rawName = raw[i]!;
    if (rawName.length === name.length && rawName.toLowerCase() === name) count += 1;
  }
  return count === 1 ? req.headers[name] : undefined;
}

/** Whether the direct route may take this request at all: a plain Host and a good token, sent once. */
function directCandidate(routes: ScimDirectRoutes, req: IncomingMessage): boolean {
  return plainHost(req.headers.host) && routes.authorized(soleHeader(req, 'authorization'));
}

/** The collection read for a GET the direct route may take. */
function directRead(routes: ScimDirectRoutes, req: IncomingMessage): CollectionRead | undefined {
  const target = req.url ?? '';
  const query = target.indexOf('?');
  const read = routes.collections.get(query === -1 ? target : target.slice(0, query));
  return read && directCandidate(routes, req) ? read : undefined;
}

/**
 * Whether the direct route may take this POST: POST /Users without a query, a JSON body (or no type) of a
 * declared length within the limit. Anything the app would refuse before reading the body is left to it,
 * so that what the direct route reads it also answers.
 */
function directCreate(routes: ScimDirectRoutes, req: IncomingMessage): boolean {
  if (req.url !== routes.usersPath) return false;
  const length = req.headers['content-length'];
  // A chunked body has no Content-Length (node refuses a request with both).
  if (length === undefined || !(Number(length) <= routes.bodyLimitBytes)) return false;
  const type = soleHeader(req, 'content-type');
  if (type === undefined ? req.headers['content-type'] !== undefined : !isJsonBodyType(type)) return false;
  return directCandidate(routes, req);
}

function write(res: ServerResponse, answer: Answer): void {
  res.writeHead(answer.status, { ...answer.headers, 'content-length': Buffer.byteLength(answer.body) });
  res.end(answer.body);
}

/**
 * The listener: collection GETs and POST /Users answered from `routes` when they can be (see above),
 * everything else by `app`; a collection GET whose read throws is handed to `app` too, which answers it.
 * `unexpected`: the answer to an error no SCIM code answered (the app's own, for the same bytes).
 */
export function createNodeListener(
  routes: ScimDirectRoutes,
  app: NodeListener,
  unexpected: (error: Error, path: string) => Answer,
): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    if (req.method === 'GET') {
      const read = directRead(routes, req);
      let body: string | undefined;
      try {
        body = read?.(req.url!);
      } catch {
        // A query the SCIM code refuses, or a failure: the app runs the same read and answers it.
      }
      if (body !== undefined) {
        res.writeHead(200, { 'content-type': SCIM_CONTENT_TYPE, 'content-length': Buffer.byteLength(body) });
        res.end(body);
        return;
      }
    } else if (req.method === 'POST' && directCreate(routes, req)) {
      // The body is ours once read: from here on this route answers, errors included.
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        let answer: Answer;
        try {
          const bytes = Buffer.concat(chunks);
          answer = routes.createUser(bytes.byteLength > routes.bodyLimitBytes ? undefined : bytes);
        } catch (error) {
          answer = error instanceof ScimError ? scimErrorAnswer(error) : unexpected(error instanceof Error ? error : new Error(String(error)), routes.usersPath);
        }
        write(res, answer);
      });
      return;
    }
    void app(req, res);
  };
}
