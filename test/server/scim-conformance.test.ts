// RFC 7643/7644 points that SCIM conformance tools (Okta's and Entra's validators, scim2-tester) check and
// that an earlier version got wrong: unresolvable PATCH paths, extension URNs and unqualified extension
// names, `remove active`, primary-aware sorting, If-None-Match, POST .search, one primary, 501 and 403.
/* eslint-disable @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-member-access -- this file asserts RFC 7643/7644 wire bodies member by member (`body.Resources[0].meta.location`), read from the socket as `any` by helpers.ts; a type per answer would restate the server's schema in the test that checks it. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ENTERPRISE, GROUP_SCHEMA, USER_SCHEMA, patchOf, startServer, type Running } from './helpers.js';

let run: Running;
beforeEach(async () => {
  run = await startServer({ bodyLimitBytes: 64 * 1024 });
});
afterEach(async () => {
  await run.close();
});

type Answer = Awaited<ReturnType<Running['scim']>>;

function expectScimError(res: Answer, status: number, scimType?: string) {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  expect(res.body.schemas).toEqual(['urn:ietf:params:scim:api:messages:2.0:Error']);
  expect(res.body.status).toBe(String(status));
  if (scimType) expect(res.body.scimType).toBe(scimType);
}

async function user(userName: string, extra: Record<string, unknown> = {}): Promise<string> {
  const res = await run.scim('POST', '/Users', { schemas: [USER_SCHEMA], userName, active: true, ...extra });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.id as string;
}

describe('PATCH paths the server cannot resolve are refused, never dropped', () => {
  it.each([
    ['a misspelt attribute', 'displayNme'],
    ['an unknown sub-attribute', 'name.givenNme'],
    ['an unknown sub-attribute through a filter', 'emails[type eq "work"].valu'],
    ['an unknown extension attribute', `${ENTERPRISE}:employeeNumbr`],
    ['an attribute of no schema', 'urn:example:params:scim:schemas:extension:acme:2.0:User:badge'],
  ])('%s: 400 invalidPath and nothing changes', async (_name, path) => {
    const id = await user('pat@example.com', { displayName: 'Pat', emails: [{ value: 'pat@example.com', type: 'work' }] });
    const before = await run.scim('GET', `/Users/${id}`);
    const res = await run.scim('PATCH', `/Users/${id}`, patchOf({ op: 'replace', path, value: 'x' }));
    expectScimError(res, 400, 'invalidPath');
    const after = await run.scim('GET', `/Users/${id}`);
    expect(after.body).toEqual(before.body);
  });

  it('a misspelt key in the value of a path-less replace: 400 invalidPath', async () => {
    const id = await user('pat@example.com');
    expectScimError(await run.scim('PATCH', `/Users/${id}`, patchOf({ op: 'replace', value: { dispalyName: 'Pat' } })), 400, 'invalidPath');
  });

  it('remove active is refused with the reason (replace it with false to deactivate)', async () => {
    const id = await user('pat@example.com');
    const res = await run.scim('PATCH', `/Users/${id}`, patchOf({ op: 'remove', path: 'active' }));
    expectScimError(res, 400, 'mutability');
    expect(res.body.detail).toMatch(/replace it with false/);
    expect((await run.scim('GET', `/Users/${id}`)).body.active).toBe(true);
  });
});

describe('extension attributes', () => {
  it('the bare enterprise URN as a PATCH path means the extension object (add, replace, remove)', async () => {
    const id = await user('pat@example.com', { [ENTERPRISE]: { department: 'Ops', costCenter: 'C1' } });
    let res = await run.scim('PATCH', `/Users/${id}`, patchOf({ op: 'replace', path: ENTERPRISE, value: { department: 'Finance', manager: { value: 'boss' } } }));
    expect(res.status).toBe(200);
    // Sub-attributes not named in the value are left unchanged (RFC 7644 §3.5.2.3).
    expect(res.body[ENTERPRISE]).toEqual({ department: 'Finance', costCenter: 'C1', manager: { value: 'boss' } });
    res = await run.scim('PATCH', `/Users/${id}`, patchOf({ op: 'add', path: ENTERPRISE.toLowerCase(), value: { employeeNumber: 'E7' } }));
    expect(res.body[ENTERPRISE].employeeNumber).toBe('E7');
    expectScimError(await run.scim('PATCH', `/Users/${id}`, patchOf({ op: 'replace', path: ENTERPRISE, value: 'not an object' })), 400, 'invalidValue');
    res = await run.scim('PATCH', `/Users/${id}`, patchOf({ op: 'remove', path: ENTERPRISE }));
    expect(res.status).toBe(200);
    expect(res.body[ENTERPRISE]).toBeUndefined();
  });

  it('an unqualified name that only the enterprise extension has resolves to it: PATCH path "manager" (Entra), filter, attributes', async () => {
    const carol = await user('carol@example.com');
    const dave = await user('dave@example.com');
    let res = await run.scim('PATCH', `/Users/${dave}`, patchOf({ op: 'Add', path: 'manager', value: carol }));
    expect(res.status).toBe(200);
    expect(res.body[ENTERPRISE]).toEqual({ manager: { value: carol } });
    res = await run.scim('PATCH', `/Users/${dave}`, patchOf({ op: 'replace', path: 'employeeNumber', value: 'E9' }));
    expect(res.body[ENTERPRISE].employeeNumber).toBe('E9');
    // Entra's legacy query: filter=userName eq "…" and manager eq "…"
    res = await run.scim('GET', `/Users?filter=${encodeURIComponent(`userName eq "dave@example.com" and manager eq "${carol}"`)}`);
    expect(res.body.totalResults).toBe(1);
    expect(res.body.Resources[0].id).toBe(dave);
    res = await run.scim('GET', `/Users?filter=${encodeURIComponent('manager eq "nobody"')}`);
    expect(res.body.totalResults).toBe(0);
    res = await run.scim('GET', `/Users/${dave}?attributes=employeeNumber`);
    expect(res.body[ENTERPRISE]).toEqual({ employeeNumber: 'E9' });
    expect(res.body.userName).toBeUndefined();
  });
});

describe('sorting (RFC 7644 §3.4.2.3)', () => {
  it('a multi-valued attribute sorts by its primary value, else its first; unassigned last ascending and first descending', async () => {
    await user('b@example.com', { emails: [{ value: 'zz@example.com' }, { value: 'aa@example.com', primary: true }] });
    await user('c@example.com', { emails: [{ value: 'mm@example.com' }, { value: 'bb@example.com' }] });
    await user('a@example.com');
    const order = async (sortOrder: string) =>
      ((await run.scim('GET', `/Users?sortBy=emails.value&sortOrder=${sortOrder}`)).body.Resources as Array<{ userName: string }>).map((r) => r.userName);
    expect(await order('ascending')).toEqual(['b@example.com', 'c@example.com', 'a@example.com']);
    expect(await order('descending')).toEqual(['a@example.com', 'c@example.com', 'b@example.com']);
    // `emails` alone sorts by the value sub-attribute too.
    expect(((await run.scim('GET', '/Users?sortBy=emails')).body.Resources as Array<{ userName: string }>).map((r) => r.userName)).toEqual([
      'b@example.com',
      'c@example.com',
      'a@example.com',
    ]);
  });
});

describe('ETags', () => {
  it('If-None-Match with the current ETag answers 304 without a body; an old one answers 200', async () => {
    const id = await user('pat@example.com');
    const first = await run.scim('GET', `/Users/${id}`);
    const etag = first.headers.get('etag')!;
    const cached = await run.scim('GET', `/Users/${id}`, undefined, { 'if-none-match': etag });
    expect(cached.status).toBe(304);
    expect(cached.body).toBeUndefined();
    expect(cached.headers.get('etag')).toBe(etag);
    expect((await run.scim('GET', `/Users/${id}`, undefined, { 'if-none-match': '*' })).status).toBe(304);
    await run.scim('PATCH', `/Users/${id}`, patchOf({ op: 'replace', path: 'displayName', value: 'New' }));
    const changed = await run.scim('GET', `/Users/${id}`, undefined, { 'if-none-match': etag });
    expect(changed.status).toBe(200);
    expect(changed.body.displayName).toBe('New');
    const group = await run.scim('POST', '/Groups', { schemas: [GROUP_SCHEMA], displayName: 'Finance' });
    expect((await run.scim('GET', `/Groups/${group.body.id}`, undefined, { 'if-none-match': group.headers.get('etag')! })).status).toBe(304);
  });
});

describe('POST .search (RFC 7644 §3.4.3)', () => {
  const SEARCH = 'urn:ietf:params:scim:api:messages:2.0:SearchRequest';
  it('on /Users and /Groups: the same engine as GET (filter, attributes, sort, paging)', async () => {
    await user('b@example.com', { displayName: 'B' });
    await user('a@example.com', { displayName: 'A' });
    await run.scim('POST', '/Groups', { schemas: [GROUP_SCHEMA], displayName: 'Finance' });
    const res = await run.scim('POST', '/Users/.search', { schemas: [SEARCH], filter: 'userName ew "example.com"', attributes: ['userName'], sortBy: 'userName', startIndex: 1, count: 1 });
    expect(res.status).toBe(200);
    expect(res.body.totalResults).toBe(2);
    expect(res.body.Resources).toEqual([{ id: expect.any(String), userName: 'a@example.com', schemas: expect.any(Array) }]);
    const groups = await run.scim('POST', '/Groups/.search', { schemas: [SEARCH], filter: 'displayName eq "finance"' });
    expect(groups.body.totalResults).toBe(1);
    expectScimError(await run.scim('POST', '/Users/.search', { schemas: ['urn:wrong'], filter: 'userName pr' }), 400, 'invalidSyntax');
    expectScimError(await run.scim('POST', '/Users/.search', { schemas: [SEARCH], filter: 'userName eq' }), 400, 'invalidFilter');
  });

  it('on the root: every resource type, paged as one list', async () => {
    await user('a@example.com');
    await user('b@example.com');
    await run.scim('POST', '/Groups', { schemas: [GROUP_SCHEMA], displayName: 'Finance' });
    const all = await run.scim('POST', '/.search', { schemas: [SEARCH] });
    expect(all.status).toBe(200);
    expect(all.body.totalResults).toBe(3);
    const page = await run.scim('POST', '/.search', { schemas: [SEARCH], startIndex: 2, count: 2 });
    expect(page.body.totalResults).toBe(3);
    expect(page.body.itemsPerPage).toBe(2);
    expect(page.body.Resources.map((r: { userName?: string; displayName?: string }) => r.userName ?? r.displayName)).toEqual(['b@example.com', 'Finance']);
    const filtered = await run.scim('POST', '/.search', { schemas: [SEARCH], filter: 'displayName eq "Finance"' });
    expect(filtered.body.totalResults).toBe(1);
  });
});

describe('one primary value per multi-valued attribute (RFC 7643 §2.4)', () => {
  const two = [
    { value: 'a@example.com', primary: true },
    { value: 'b@example.com', primary: true },
  ];
  it('POST, PUT and a PATCH replace with two primary values: 400 invalidValue', async () => {
    expectScimError(await run.scim('POST', '/Users', { schemas: [USER_SCHEMA], userName: 'pat@example.com', emails: two }), 400, 'invalidValue');
    const id = await user('pat@example.com');
    expectScimError(await run.scim('PUT', `/Users/${id}`, { schemas: [USER_SCHEMA], userName: 'pat@example.com', emails: two }), 400, 'invalidValue');
    expectScimError(await run.scim('PATCH', `/Users/${id}`, patchOf({ op: 'replace', path: 'emails', value: two })), 400, 'invalidValue');
  });

  it('PATCH making another value primary clears the old primary instead (add, and through a filter)', async () => {
    const id = await user('pat@example.com', { emails: [{ value: 'a@example.com', type: 'work', primary: true }, { value: 'b@example.com', type: 'home' }] });
    let res = await run.scim('PATCH', `/Users/${id}`, patchOf({ op: 'replace', path: 'emails[type eq "home"].primary', value: true }));
    expect(res.status).toBe(200);
    expect(res.body.emails).toEqual([
      { value: 'a@example.com', type: 'work', primary: false },
      { value: 'b@example.com', type: 'home', primary: true },
    ]);
    res = await run.scim('PATCH', `/Users/${id}`, patchOf({ op: 'add', path: 'emails', value: [{ value: 'c@example.com', primary: true }] }));
    expect(res.body.emails.filter((e: { primary?: boolean }) => e.primary === true)).toEqual([{ value: 'c@example.com', primary: true }]);
  });
});

describe('what is not supported says so', () => {
  it('/Me and /Bulk: 501 with a SCIM error body', async () => {
    for (const [method, path] of [
      ['GET', '/Me'],
      ['PATCH', '/Me'],
      ['POST', '/Bulk'],
    ] as const) {
      expectScimError(await run.scim(method, path, method === 'GET' ? undefined : {}), 501);
    }
  });

  it('a filter on a discovery endpoint: 403', async () => {
    for (const path of ['/ServiceProviderConfig', '/ResourceTypes', '/Schemas', `/Schemas/${USER_SCHEMA}`, '/ResourceTypes/User']) {
      expectScimError(await run.scim('GET', `${path}?filter=${encodeURIComponent('id eq "x"')}`), 403);
      expect((await run.scim('GET', path)).status).toBe(200);
    }
  });

  it('the SCIM token is still required on the new routes', async () => {
    for (const [method, path] of [
      ['GET', '/Me'],
      ['POST', '/.search'],
      ['POST', '/Users/.search'],
    ] as const) {
      const res = await fetch(`${run.scimBaseUrl}${path}`, { method });
      expect(res.status).toBe(401);
    }
  });
});
