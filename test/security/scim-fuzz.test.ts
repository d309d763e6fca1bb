// SCIM fuzzer (issue 8): fast-check over filters, PATCH documents, headers and bodies against the reference
// server — in process through server.fetch for volume, plus a smaller run over a real socket. After every
// case: no 5xx, no hang, and the provisioning invariant (materialised access == derived access) holds.
// Over-limit bodies get 413. (Filter parsing time: scim-filter-linearity.test.ts.)
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createReferenceServer, type ReferenceServer } from 'ubiq-idp/server';
import { derived, materialised } from '../server/helpers.js';

const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const BODY_LIMIT = 64 * 1024;
const HANG_MS = 5_000;

let server: ReferenceServer;
let base: string;
let token: string;
const userIds: string[] = [];
const groupIds: string[] = [];

async function send(method: string, path: string, init: { body?: string; headers?: Record<string, string> } = {}): Promise<{ status: number; text: string }> {
  const request = new Request(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(init.body !== undefined ? { 'content-type': 'application/scim+json' } : {}), ...init.headers },
    ...(init.body !== undefined ? { body: init.body } : {}),
  });
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`hung: ${method} ${path.slice(0, 200)}`)), HANG_MS);
  });
  try {
    const response = await Promise.race([server.fetch(request), hang]);
    const text = await Promise.race([response.text(), hang]);
    return { status: response.status, text };
  } finally {
    clearTimeout(timer);
  }
}

function checkInvariant(context: string): void {
  expect(materialised(server), context).toEqual(derived(server));
}

beforeAll(async () => {
  server = createReferenceServer({ bodyLimitBytes: BODY_LIMIT });
  const info = server.info();
  base = info.scimBaseUrl;
  token = info.scimToken;
  const admin = (path: string, body: unknown) =>
    server.fetch(new Request(`${info.adminBaseUrl}${path}`, { method: 'POST', headers: { authorization: `Bearer ${info.adminToken}`, 'content-type': 'application/json' }, body: JSON.stringify(body) }));
  for (const name of ['Engineering', 'Finance', 'Ops']) {
    expect((await admin('/dataset-groups', { name })).status).toBe(201);
    expect((await admin('/datasets', { name: `${name.toLowerCase()}-data`, datasetGroups: [name] })).status).toBe(201);
  }
  for (let i = 0; i < 8; i += 1) {
    const r = await send('POST', '/Users', { body: JSON.stringify({ schemas: [USER], userName: `user${i}@example.com`, active: i % 3 !== 0, name: { givenName: `U${i}` } }) });
    userIds.push((JSON.parse(r.text) as { id: string }).id);
  }
  for (const [i, name] of ['Engineering', 'Finance', 'Ops'].entries()) {
    const r = await send('POST', '/Groups', { body: JSON.stringify({ schemas: [GROUP], displayName: name, members: userIds.filter((_, j) => j % 3 === i).map((value) => ({ value })) }) });
    groupIds.push((JSON.parse(r.text) as { id: string }).id);
  }
});
afterAll(async () => {
  await server.close();
});

// ---- arbitraries -------------------------------------------------------------------------------

const attrPath = fc.constantFrom(
  'userName', 'USERNAME', 'displayName', 'externalId', 'id', 'active', 'name.givenName', 'name.familyName', 'emails', 'emails.value',
  'emails[type eq "work"].value', 'members', 'members.value', 'meta.lastModified', 'meta.created', 'title', 'nickName',
  `${ENTERPRISE}:manager`, `${ENTERPRISE}:department`, `${USER}:userName`, 'x', 'a.b.c', '', ' ', 'urn:', '$ref', '__proto__', 'constructor.prototype',
);
const compValue = fc.oneof(
  fc.string({ maxLength: 20 }).map((s) => JSON.stringify(s)),
  fc.constantFrom('"user1@example.com"', '"Engineering"', 'true', 'false', 'null', '"False"', '1', '-0.5e3', '"\\"', '"\\u0000"', '"2026-01-01T00:00:00Z"'),
  fc.integer().map(String),
);
const compOp = fc.constantFrom('eq', 'ne', 'co', 'sw', 'ew', 'gt', 'ge', 'lt', 'le', 'EQ', 'Eq', 'pr', 'xx');
const filterArb: fc.Arbitrary<string> = fc.letrec<{ f: string }>((tie) => ({
  f: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.tuple(attrPath, compOp, compValue).map(([a, o, v]) => (o === 'pr' ? `${a} pr` : `${a} ${o} ${v}`)),
    fc.tuple(tie('f'), fc.constantFrom('and', 'or', 'AND', 'Or'), tie('f')).map(([l, o, r]) => `${l} ${o} ${r}`),
    tie('f').map((f) => `not (${f})`),
    tie('f').map((f) => `(${f})`),
    fc.tuple(fc.constantFrom('emails', 'members', 'addresses'), tie('f')).map(([a, f]) => `${a}[${f}]`),
  ),
})).f;
const anyFilter = fc.oneof(filterArb, fc.string({ maxLength: 120 }), fc.string({ unit: 'binary', maxLength: 60 }));

const patchPath = fc.oneof(
  attrPath,
  fc.constantFrom('members[value eq "X"]', 'emails[type eq "work"]', 'emails[type eq "work"].value', 'members[value eq "x" or value pr]', 'name', 'active'),
  fc.string({ maxLength: 30 }),
);
const patchValue = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.constantFrom('True', 'False', true, false, null, '', 'Engineering', 'Finance'),
  fc.array(fc.record({ value: fc.oneof(fc.constant('X'), fc.string({ maxLength: 40 })) }), { maxLength: 4 }),
  fc.record({ active: fc.constantFrom(true, false, 'False', 'True', 0) }),
  fc.record({ displayName: fc.constantFrom('Engineering', 'Finance', 'Ops', 'Sales', ' engineering ', '') }),
  fc.dictionary(fc.constantFrom('name.givenName', 'displayName', 'active', `${ENTERPRISE}:manager`, 'members', 'userName'), fc.jsonValue({ maxDepth: 2 })),
);
const patchOp = fc.record(
  {
    op: fc.constantFrom('add', 'replace', 'remove', 'Add', 'Replace', 'Remove', 'ADD', 'move', '', 7),
    path: patchPath,
    value: patchValue,
  },
  { requiredKeys: ['op'] },
);
const patchDoc = fc.oneof(
  fc.record({ schemas: fc.constantFrom([PATCH_OP], [], ['x'], PATCH_OP), Operations: fc.array(patchOp, { maxLength: 5 }) }, { requiredKeys: ['Operations'] }),
  fc.jsonValue({ maxDepth: 3 }),
);

/** Replace the placeholder member id 'X' by a real user id (so some PATCHes change memberships). */
function realise(value: unknown, memberId: string): unknown {
  return JSON.parse(JSON.stringify(value ?? null).replaceAll('"X"', JSON.stringify(memberId)).replaceAll('\\"X\\"', `\\"${memberId}\\"`)) as unknown;
}

const headerArb = fc.record(
  {
    'content-type': fc.constantFrom('application/scim+json', 'application/json; charset=utf-8', 'text/plain', 'application/x-www-form-urlencoded', '', 'application/scim+json;;;', 'multipart/form-data; boundary=x'),
    'if-match': fc.oneof(fc.constantFrom('*', 'W/"1"', 'W/"999"', '"1"', 'W/', ',,,', ''), fc.string({ maxLength: 20 }).filter((s) => /^[\x20-\x7e]*$/.test(s))),
    authorization: fc.constantFrom('Bearer WRONG', 'Basic abc', 'bearer', ''),
    accept: fc.constantFrom('application/json', '*/*', 'text/html'),
  },
  { requiredKeys: [] },
);

interface Case {
  method: string;
  path: string;
  body?: string;
  headers?: Record<string, string>;
}

const caseArb: fc.Arbitrary<Case> = fc.oneof(
  // filters on both resources, with paging/sorting/projection noise
  fc.tuple(fc.constantFrom('/Users', '/Groups'), anyFilter, fc.constantFrom('', '&startIndex=0', '&count=-1', '&count=99999999999', '&sortBy=name.givenName&sortOrder=descending', '&attributes=members&excludedAttributes=members', '&startIndex=abc'))
    .map(([resource, filter, extra]) => ({ method: 'GET', path: `${resource}?filter=${encodeURIComponent(filter)}${extra}` })),
  // PATCH users and groups
  fc.tuple(fc.constantFrom('Users', 'Groups'), fc.nat(20), patchDoc, fc.nat(20)).map(([resource, i, doc, m]) => {
    const ids = resource === 'Users' ? userIds : groupIds;
    return { method: 'PATCH', path: `/${resource}/${ids[i % ids.length]}`, body: JSON.stringify(realise(doc, userIds[m % userIds.length]!)) };
  }),
  // POST / PUT with semi-valid and random bodies
  fc.tuple(
    fc.constantFrom('POST /Users', 'POST /Groups', 'PUT /Users/0', 'PUT /Groups/0', 'PUT /Users/1', 'PUT /Groups/1'),
    fc.oneof(
      fc.record({ schemas: fc.constant([USER]), userName: fc.oneof(fc.string({ maxLength: 30 }), fc.constantFrom('user1@example.com', 'USER2@EXAMPLE.COM', '')), active: fc.constantFrom(true, false, 'False', 'yes') }, { requiredKeys: [] }),
      fc.record({ schemas: fc.constant([GROUP]), displayName: fc.oneof(fc.string({ maxLength: 30 }), fc.constantFrom('Engineering', 'finance ', 'Ops')), members: fc.array(fc.record({ value: fc.oneof(fc.constant('X'), fc.string({ maxLength: 36 })) }), { maxLength: 3 }) }, { requiredKeys: [] }),
      fc.jsonValue({ maxDepth: 3 }),
    ),
    fc.nat(20),
  ).map(([route, body, m]) => {
    const [method, path] = route.split(' ') as [string, string];
    const real = path.replace(/\/Users\/(\d)/, (_, i: string) => `/Users/${userIds[Number(i)]}`).replace(/\/Groups\/(\d)/, (_, i: string) => `/Groups/${groupIds[Number(i)]}`);
    return { method, path: real, body: JSON.stringify(realise(body, userIds[m % userIds.length]!)) };
  }),
  // raw bodies and hostile headers on any route
  fc.tuple(
    fc.constantFrom('POST /Users', 'PATCH /Groups/0', 'PUT /Users/0', 'DELETE /Users/zzz', 'GET /Users/0', 'GET /ServiceProviderConfig', 'GET /Schemas', 'POST /Bulk', 'GET /Users/..%2F..%2Fadmin', 'OPTIONS /Users'),
    fc.oneof(fc.string({ maxLength: 200 }), fc.constantFrom('{', '[]', 'null', '"x"', '{"__proto__":{"polluted":true}}', '{"constructor":{"prototype":{"polluted":true}}}', '\uFEFF{}', '{"a":'.repeat(50))),
    headerArb,
  ).map(([route, body, headers]) => {
    const [method, path] = route.split(' ') as [string, string];
    const real = path.replace('/Users/0', `/Users/${userIds[0]}`).replace('/Groups/0', `/Groups/${groupIds[0]}`);
    return { method, path: real, ...(method === 'GET' || method === 'DELETE' || method === 'OPTIONS' ? {} : { body }), headers: Object.fromEntries(Object.entries(headers).filter(([, v]) => v !== '')) };
  }),
);

/** No 5xx, except the designed 501 of what the server does not implement (/Me, /Bulk; RFC 7644 §3.11, §3.12). */
function expectNoServerFault(status: number, path: string, context: string): void {
  if (status === 501 && /^\/(Me|Bulk)(\/|\?|$)/.test(path)) return;
  expect(status, context).toBeLessThan(500);
}

describe('SCIM fuzzer', () => {
  it('in process: thousands of filters, PATCH documents, headers and bodies — never 5xx, never hung, invariant after every case', async () => {
    let cases = 0;
    await fc.assert(
      fc.asyncProperty(caseArb, async (c) => {
        const response = await send(c.method, c.path, { ...(c.body !== undefined ? { body: c.body } : {}), ...(c.headers ? { headers: c.headers } : {}) });
        cases += 1;
        expectNoServerFault(response.status, c.path, `${c.method} ${c.path} ${c.body?.slice(0, 300) ?? ''}`);
        checkInvariant(`${c.method} ${c.path}`);
        expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      }),
      { numRuns: 2_000, seed: Number(process.env.FUZZ_SEED ?? 20261125) },
    );
    expect(cases).toBe(2_000);
    // Deleted users/groups get recreated by later cases only by chance; the server is still serving.
    expect((await send('GET', '/ServiceProviderConfig')).status).toBe(200);
  }, 120_000);

  it('over a real socket: a smaller run with the same guarantees', async () => {
    const { scimBaseUrl } = await server.listen();
    try {
      await fc.assert(
        fc.asyncProperty(caseArb, async (c) => {
          const response = await fetch(`${scimBaseUrl}${c.path}`, {
            method: c.method,
            headers: { authorization: `Bearer ${token}`, ...(c.body !== undefined ? { 'content-type': 'application/scim+json' } : {}), ...c.headers },
            ...(c.body !== undefined ? { body: c.body } : {}),
            signal: AbortSignal.timeout(HANG_MS),
          });
          await response.arrayBuffer();
          expectNoServerFault(response.status, c.path, `${c.method} ${c.path}`);
          checkInvariant(`${c.method} ${c.path}`);
        }),
        { numRuns: 200, seed: 7 },
      );
    } finally {
      await server.close();
    }
  }, 60_000);

  it('bodies over the limit get 413 on every write route (with Content-Length, and chunked), state unchanged', async () => {
    const fresh = createReferenceServer({ bodyLimitBytes: 1024 });
    const { scimBaseUrl } = await fresh.listen();
    const t = fresh.info().scimToken;
    try {
      const before = JSON.stringify({ users: [...fresh.store.listUsers()].length, keys: [...fresh.store.listApiKeys()].length });
      const big = JSON.stringify({ schemas: [USER], userName: 'big@example.com', pad: 'x'.repeat(4096) });
      for (const [method, path] of [['POST', '/Users'], ['POST', '/Groups'], ['PUT', '/Users/abc'], ['PATCH', '/Groups/abc'], ['PATCH', '/Users/abc']] as const) {
        const sized = await fetch(`${scimBaseUrl}${path}`, { method, headers: { authorization: `Bearer ${t}`, 'content-type': 'application/scim+json' }, body: big });
        expect(sized.status, `${method} ${path}`).toBe(413);
        const stream = new ReadableStream<Uint8Array>({
          start(controller) {
            for (let i = 0; i < 8; i += 1) controller.enqueue(new TextEncoder().encode(big));
            controller.close();
          },
        });
        const chunked = await fetch(`${scimBaseUrl}${path}`, { method, headers: { authorization: `Bearer ${t}`, 'content-type': 'application/scim+json' }, body: stream, duplex: 'half' } as RequestInit);
        expect(chunked.status, `${method} ${path} chunked`).toBe(413);
      }
      expect(JSON.stringify({ users: [...fresh.store.listUsers()].length, keys: [...fresh.store.listApiKeys()].length })).toBe(before);
      expect(fresh.store.findUserByUserName('big@example.com')).toBeUndefined();
    } finally {
      await fresh.close();
    }
  });
});
