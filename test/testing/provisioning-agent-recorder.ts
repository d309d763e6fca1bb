// A small recording SCIM server for the provisioning-agent tests: it records every request that reaches
// it over a real socket and answers plausibly from a tiny in-memory store, with deterministic ids
// (u1, u2, …, g1, …) so the recorded sequences can be saved as fixtures. It is not the reference server.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isScimAgentError, type ScimAgentError } from 'ubiq-idp/testing';

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string | undefined>;
  body?: unknown;
}

export interface Reply {
  status: number;
  body?: unknown;
}

export interface RecordingScimServer {
  baseUrl: string;
  token: string;
  requests: RecordedRequest[];
  users: Map<string, Record<string, unknown>>;
  groups: Map<string, Record<string, unknown>>;
  /** Answer the next matching request with this reply instead of the store's (once). */
  override(match: (req: RecordedRequest) => boolean, reply: Reply): void;
  close(): Promise<void>;
}

const LIST = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';
const ERROR = 'urn:ietf:params:scim:api:messages:2.0:Error';
const BASE_PATH = '/6e7e795e-26a2-4973-aa73-b9fc259ebc5f/api/v3/scim';

function list(resources: Record<string, unknown>[], startIndex = 1, count = 100): Reply {
  const page = resources.slice(startIndex - 1, startIndex - 1 + count);
  return { status: 200, body: { schemas: [LIST], totalResults: resources.length, startIndex, itemsPerPage: page.length, Resources: page } };
}

function scimError(status: number, detail: string): Reply {
  return { status, body: { schemas: [ERROR], status: String(status), detail } };
}

function eqFilter(filter: string | undefined): { attr: string; value: string } | undefined {
  const m = filter ? /^(\w+) eq "(.*)"$/.exec(filter) : null;
  return m ? { attr: m[1]!, value: m[2]! } : undefined;
}

function truthy(value: unknown): boolean {
  return value === true || (typeof value === 'string' && value.toLowerCase() === 'true');
}

const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

function setPath(resource: Record<string, unknown>, path: string, value: unknown): void {
  if (path === 'active') {
    resource.active = truthy(value);
  } else if (path === 'emails[type eq "work"].value') {
    const emails = (resource.emails as Array<Record<string, unknown>> | undefined) ?? [];
    const work = emails.find((e) => e.type === 'work');
    if (work) work.value = value;
    else resource.emails = [...emails, { type: 'work', value, primary: true }];
  } else if (path.startsWith(`${ENTERPRISE}:`)) {
    const ext = (resource[ENTERPRISE] as Record<string, unknown> | undefined) ?? {};
    ext[path.slice(ENTERPRISE.length + 1)] = value;
    resource[ENTERPRISE] = ext;
  } else if (path.includes('.')) {
    const [head, tail] = path.split('.', 2) as [string, string];
    resource[head] = { ...(resource[head] ?? {}), [tail]: value };
  } else {
    resource[path] = value;
  }
}

/** Just enough PATCH for plausible answers: attribute paths, path-less values, and members. */
function applyOperation(resource: Record<string, unknown>, op: { op: string; path?: string; value?: unknown }): void {
  const kind = op.op.toLowerCase();
  const members = (resource.members as Array<{ value: string }> | undefined) ?? [];
  const values = (v: unknown) => (Array.isArray(v) ? (v as Array<{ value: string }>).map((m) => m.value) : []);
  const filtered = op.path ? /^members\[value eq "(.*)"\]$/.exec(op.path) : null;
  if (filtered) {
    resource.members = members.filter((m) => m.value !== filtered[1]);
  } else if (op.path === 'members') {
    if (kind === 'replace') resource.members = values(op.value).map((value) => ({ value }));
    else if (kind === 'remove') resource.members = members.filter((m) => !values(op.value).includes(m.value));
    else resource.members = [...members, ...values(op.value).filter((v) => !members.some((m) => m.value === v)).map((value) => ({ value }))];
  } else if (op.path) {
    setPath(resource, op.path, op.value);
  } else if (typeof op.value === 'object' && op.value !== null) {
    for (const [key, value] of Object.entries(op.value)) if (key !== 'id') setPath(resource, key, value);
  }
}

export async function startRecordingScimServer(token = 'scim-canary-token-7f3a9c'): Promise<RecordingScimServer> {
  const requests: RecordedRequest[] = [];
  const users = new Map<string, Record<string, unknown>>();
  const groups = new Map<string, Record<string, unknown>>();
  const overrides: Array<{ match: (req: RecordedRequest) => boolean; reply: Reply }> = [];
  let nextUser = 1;
  let nextGroup = 1;

  function answer(req: RecordedRequest): Reply {
    const override = overrides.findIndex((o) => o.match(req));
    if (override >= 0) return overrides.splice(override, 1)[0]!.reply;
    if (req.headers.authorization !== `Bearer ${token}`) return scimError(401, 'Authorization failure');
    const [, kind, id] = req.path.split('/') as [string, string, string | undefined];
    const store = kind === 'Users' ? users : kind === 'Groups' ? groups : undefined;
    if (kind === 'Schemas' && req.method === 'GET') return list([{ id: 'urn:ietf:params:scim:schemas:core:2.0:User' }]);
    if (!store) return scimError(404, 'no such endpoint');
    if (id === undefined && req.method === 'GET') {
      const eq = eqFilter(req.query.filter);
      const all = [...store.values()].filter(
        // eslint-disable-next-line @typescript-eslint/no-base-to-string -- recorded SCIM attributes filtered with eq are strings; anything else compares unequal as printed
        (r) => !eq || String(r[eq.attr] ?? '').toLowerCase() === eq.value.toLowerCase(),
      );
      return list(all, Number(req.query.startIndex ?? 1), Number(req.query.count ?? 100));
    }
    if (id === undefined && req.method === 'POST') {
      let newId = kind === 'Users' ? `u${nextUser++}` : `g${nextGroup++}`;
      while (store.has(newId)) newId = kind === 'Users' ? `u${nextUser++}` : `g${nextGroup++}`;
      const { password: _password, ...rest } = req.body as Record<string, unknown>;
      const resource = { ...rest, id: newId, meta: { resourceType: kind === 'Users' ? 'User' : 'Group' } };
      store.set(newId, resource);
      return { status: 201, body: resource };
    }
    const current = id === undefined ? undefined : store.get(id);
    if (!current || id === undefined) return scimError(404, `Resource ${id ?? ''} not found`);
    switch (req.method) {
      case 'GET':
        return { status: 200, body: current };
      case 'PUT': {
        const next = { ...(req.body as Record<string, unknown>), id };
        store.set(id, next);
        return { status: 200, body: next };
      }
      case 'DELETE':
        store.delete(id);
        return { status: 204 };
      case 'PATCH': {
        const ops = (req.body as { Operations: Array<{ op: string; path?: string; value?: unknown }> }).Operations;
        for (const op of ops) applyOperation(current, op);
        return kind === 'Groups' ? { status: 204 } : { status: 200, body: current };
      }
      default:
        return scimError(405, 'method not allowed');
    }
  }

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const text = Buffer.concat(chunks).toString('utf8');
    const recorded: RecordedRequest = {
      method: req.method ?? 'GET',
      path: url.pathname.startsWith(BASE_PATH) ? url.pathname.slice(BASE_PATH.length) : url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers: {
        authorization: req.headers.authorization,
        'content-type': req.headers['content-type'],
        accept: req.headers.accept,
        'user-agent': req.headers['user-agent'],
        'raw-query': url.search,
      },
    };
    if (text.length > 0) recorded.body = JSON.parse(text);
    requests.push(recorded);
    const reply = answer(recorded);
    res.statusCode = reply.status;
    if (reply.body !== undefined) {
      res.setHeader('Content-Type', 'application/scim+json');
      res.end(typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body));
    } else {
      res.end();
    }
  }

  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      res.statusCode = 500;
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}${BASE_PATH}`,
    token,
    requests,
    users,
    groups,
    override(match, reply) {
      overrides.push({ match, reply });
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

/** What reached the server, without headers. */
export function wireOf(server: RecordingScimServer): Array<Omit<RecordedRequest, 'headers'>> {
  return server.requests.map(({ method, path, query, body }) => (body === undefined ? { method, path, query } : { method, path, query, body }));
}

/** The ScimAgentError a promise rejects with (fails the test on anything else). */
export async function caughtScimAgentError(promise: Promise<unknown>): Promise<ScimAgentError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isScimAgentError(error)) throw new Error(`expected a ScimAgentError, got ${String(error)}`);
  return error;
}
