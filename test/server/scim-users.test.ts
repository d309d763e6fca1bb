// /Users over a real socket: every method, the IdPs' shapes, and every error with its status and scimType.
/* eslint-disable @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-member-access -- this file asserts RFC 7643/7644 wire bodies member by member (`body.Resources[0].meta.location`), read from the socket as `any` by helpers.ts; a type per answer would restate the server's schema in the test that checks it. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ENTERPRISE, USER_SCHEMA, patchOf, startServer, type Running } from './helpers.js';

let run: Running;
beforeEach(async () => {
  run = await startServer({ bodyLimitBytes: 64 * 1024 });
});
afterEach(async () => {
  await run.close();
});

const alice = {
  schemas: [USER_SCHEMA, ENTERPRISE],
  userName: 'Alice@Example.com',
  externalId: '00u1',
  name: { givenName: 'Alice', familyName: 'Smith' },
  emails: [{ primary: true, value: 'alice@example.com', type: 'work' }],
  displayName: 'Alice Smith',
  password: 'pl4ceh0lder',
  groups: [],
  active: true,
  [ENTERPRISE]: { employeeNumber: 'E1', manager: 'boss-id' },
};

async function create(body: Record<string, unknown> = alice) {
  const res = await run.scim('POST', '/Users', body);
  expect(res.status).toBe(201);
  return res;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests assert on the JSON wire shape of any answer
function expectScimError(res: { status: number; body: any; headers: Headers }, status: number, scimType?: string) {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/^application\/scim\+json/);
  expect(res.body.schemas).toEqual(['urn:ietf:params:scim:api:messages:2.0:Error']);
  expect(res.body.status).toBe(String(status));
  if (scimType) expect(res.body.scimType).toBe(scimType);
  else expect(res.body.scimType).toBeUndefined();
  expect(typeof res.body.detail).toBe('string');
}

describe('POST /Users', () => {
  it('creates: 201, Location, ETag, scim+json body; password never returned; Entra manager string becomes {value}', async () => {
    const res = await create();
    expect(res.headers.get('content-type')).toMatch(/^application\/scim\+json/);
    expect(res.headers.get('location')).toBe(`${run.scimBaseUrl}/Users/${res.body.id}`);
    expect(res.headers.get('etag')).toBe('W/"1"');
    expect(res.body).toMatchObject({
      schemas: [USER_SCHEMA, ENTERPRISE],
      userName: 'Alice@Example.com',
      active: true,
      [ENTERPRISE]: { employeeNumber: 'E1', manager: { value: 'boss-id' } },
      meta: { resourceType: 'User', version: 'W/"1"', location: res.headers.get('location') },
    });
    expect(JSON.stringify(res.body)).not.toContain('pl4ceh0lder');
    expect(res.body.groups).toBeUndefined();
  });

  it('409 uniqueness on a userName differing only in case', async () => {
    await create();
    expectScimError(await run.scim('POST', '/Users', { ...alice, userName: 'alice@EXAMPLE.com' }), 409, 'uniqueness');
  });

  it('400 invalidValue without userName or with a wrong type; "False" strings become booleans', async () => {
    expectScimError(await run.scim('POST', '/Users', { schemas: [USER_SCHEMA] }), 400, 'invalidValue');
    expectScimError(await run.scim('POST', '/Users', { userName: 'x@example.com', emails: 'x@example.com' }), 400, 'invalidValue');
    expectScimError(await run.scim('POST', '/Users', { userName: 'x@example.com', active: 'maybe' }), 400, 'invalidValue');
    expectScimError(await run.scim('POST', '/Users', { userName: 'x@example.com', name: { givenName: 5 } }), 400, 'invalidValue');
    const res = await run.scim('POST', '/Users', { userName: 'x@example.com', active: 'False' });
    expect(res.body.active).toBe(false);
  });

  it('400 invalidSyntax for bad JSON, an array body, an empty body; 415 for a form body; 413 over the limit', async () => {
    expectScimError(await run.scim('POST', '/Users', '{"userName":'), 400, 'invalidSyntax');
    expectScimError(await run.scim('POST', '/Users', '[]'), 400, 'invalidSyntax');
    expectScimError(await run.scim('POST', '/Users', ''), 400, 'invalidSyntax');
    expectScimError(await run.scim('POST', '/Users', 'userName=x', { 'content-type': 'application/x-www-form-urlencoded' }), 415);
    expectScimError(await run.scim('POST', '/Users', { userName: 'big@example.com', displayName: 'x'.repeat(70 * 1024) }), 413);
    // Without Content-Length (chunked), the limit still holds.
    const chunked = await fetch(`${run.scimBaseUrl}/Users`, {
      method: 'POST',
      headers: { authorization: `Bearer ${run.server.info().scimToken}`, 'content-type': 'application/json' },
      body: new ReadableStream({
        start(controller) {
          for (let i = 0; i < 80; i++) controller.enqueue(new TextEncoder().encode('x'.repeat(1024)));
          controller.close();
        },
      }),
      duplex: 'half',
    } as RequestInit);
    expect(chunked.status).toBe(413);
    // In process nothing enforces Content-Length: a body larger than it declares is still measured.
    const understated = await run.server.fetch(
      new Request(`${run.scimBaseUrl}/Users`, {
        method: 'POST',
        headers: { authorization: `Bearer ${run.server.info().scimToken}`, 'content-type': 'application/json', 'content-length': '40' },
        body: JSON.stringify({ userName: 'understated@example.com', displayName: 'x'.repeat(70 * 1024) }),
      }),
    );
    expect(understated.status).toBe(413);
    expect(run.server.store.countUsers()).toBe(0);
  });

  it('accepts application/json and ignores unknown attributes and schemas', async () => {
    const res = await run.scim('POST', '/Users', { userName: 'y@example.com', favouriteColour: 'blue', 'urn:example:custom': { a: 1 } }, { 'content-type': 'application/json' });
    expect(res.status).toBe(201);
    expect(res.body.favouriteColour).toBeUndefined();
  });
});

describe('GET /Users/{id}, PUT, PATCH, DELETE', () => {
  it('GET returns the user with ETag; 404 for an unknown id', async () => {
    const { body } = await create();
    const got = await run.scim('GET', `/Users/${body.id}`);
    expect(got.status).toBe(200);
    expect(got.headers.get('etag')).toBe('W/"1"');
    expect(got.body).toEqual(body);
    expectScimError(await run.scim('GET', '/Users/nope'), 404);
  });

  it('GET honours attributes and excludedAttributes (id and schemas always returned)', async () => {
    const { body } = await create();
    const some = await run.scim('GET', `/Users/${body.id}?attributes=userName,name.givenName,${ENTERPRISE}:employeeNumber`);
    expect(some.body).toEqual({ schemas: body.schemas, id: body.id, userName: 'Alice@Example.com', name: { givenName: 'Alice' }, [ENTERPRISE]: { employeeNumber: 'E1' } });
    const fewer = await run.scim('GET', `/Users/${body.id}?excludedAttributes=emails,meta,id`);
    expect(fewer.body.emails).toBeUndefined();
    expect(fewer.body.meta).toBeUndefined();
    expect(fewer.body.id).toBe(body.id);
  });

  it('PUT replaces the user (Okta: GET then full PUT) and bumps the version; misspelled attributes → 200', async () => {
    const { body } = await create();
    const put = await run.scim('PUT', `/Users/${body.id}`, { ...body, name: { givenName: 'Alice', familyName: 'Smith-Jones' }, nickNmae: 'Al' });
    expect(put.status).toBe(200);
    expect(put.body.name).toEqual({ givenName: 'Alice', familyName: 'Smith-Jones' });
    expect(put.body.meta.version).toBe('W/"2"');
    expect(put.body.nickNmae).toBeUndefined();
    expectScimError(await run.scim('PUT', '/Users/nope', body), 404);
    expectScimError(await run.scim('PUT', `/Users/${body.id}`, { ...body, id: 'other' }), 400, 'mutability');
  });

  it('PUT to another user\'s userName → 409', async () => {
    await create();
    const bob = await create({ userName: 'bob@example.com' });
    expectScimError(await run.scim('PUT', `/Users/${bob.body.id}`, { userName: 'ALICE@example.com' }), 409, 'uniqueness');
  });

  it('If-Match: matching version succeeds, a stale one → 412 and nothing changes', async () => {
    const { body } = await create();
    const ok = await run.scim('PATCH', `/Users/${body.id}`, patchOf({ op: 'replace', path: 'displayName', value: 'A' }), { 'if-match': 'W/"1"' });
    expect(ok.status).toBe(200);
    expectScimError(await run.scim('PATCH', `/Users/${body.id}`, patchOf({ op: 'replace', path: 'displayName', value: 'B' }), { 'if-match': 'W/"1"' }), 412);
    // Without If-Match, writes are unconditional.
    expect((await run.scim('PUT', `/Users/${body.id}`, { userName: 'z@example.com', displayName: 'Z' })).body.meta.version).toBe('W/"3"');
    expect((await run.scim('GET', `/Users/${body.id}`)).body.displayName).not.toBe('B');
    expectScimError(await run.scim('DELETE', `/Users/${body.id}`, undefined, { 'if-match': 'W/"1"' }), 412);
    expect((await run.scim('DELETE', `/Users/${body.id}`, undefined, { 'if-match': '*' })).status).toBe(204);
  });

  it('PATCH: Okta path-less deactivate, Entra "Replace"/"False", dotted keys, extension URNs, value paths, remove', async () => {
    const { body } = await create();
    const id = body.id as string;
    let res = await run.scim('PATCH', `/Users/${id}`, patchOf({ op: 'replace', value: { active: false } }));
    expect(res.status).toBe(200);
    expect(res.body.active).toBe(false);
    res = await run.scim('PATCH', `/Users/${id}`, patchOf({ op: 'Replace', path: 'active', value: 'True' }));
    expect(res.body.active).toBe(true);
    res = await run.scim(
      'PATCH',
      `/Users/${id}`,
      patchOf(
        { op: 'replace', value: { 'name.givenName': 'Alicia', [`${ENTERPRISE}:department`]: 'Finance', displayName: 'Alicia Smith' } },
        { op: 'Add', path: 'title', value: 'CFO' },
        { op: 'replace', path: 'emails[type eq "work"].value', value: 'alicia@example.com' },
        { op: 'add', path: 'phoneNumbers[type eq "mobile"].value', value: '+1 555' },
        { op: 'Add', path: `${ENTERPRISE}:manager`, value: 'new-boss' },
      ),
    );
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      name: { givenName: 'Alicia', familyName: 'Smith' },
      displayName: 'Alicia Smith',
      title: 'CFO',
      emails: [{ primary: true, value: 'alicia@example.com', type: 'work' }],
      phoneNumbers: [{ type: 'mobile', value: '+1 555' }],
      [ENTERPRISE]: { employeeNumber: 'E1', department: 'Finance', manager: { value: 'new-boss' } },
    });
    res = await run.scim('PATCH', `/Users/${id}`, patchOf({ op: 'replace', value: { 'emails[type eq "work"].value': 'alicia.s@example.com' } }));
    expect(res.body.emails).toEqual([{ primary: true, value: 'alicia.s@example.com', type: 'work' }]);
    await run.scim('PATCH', `/Users/${id}`, patchOf({ op: 'replace', path: 'emails[type eq "work"].value', value: 'alicia@example.com' }));
    res = await run.scim('PATCH', `/Users/${id}`, patchOf({ op: 'remove', path: 'title' }, { op: 'remove', path: 'phoneNumbers[type eq "mobile"]' }, { op: 'add', path: 'emails', value: [{ value: 'alicia@example.com', type: 'work' }] }));
    expect(res.body.title).toBeUndefined();
    expect(res.body.phoneNumbers).toEqual([]);
    expect(res.body.emails).toHaveLength(1); // re-adding the same value does not duplicate it
  });

  it('PATCH errors: invalidSyntax, invalidPath, invalidFilter-in-path, noTarget, mutability, invalidValue, 404', async () => {
    const { body } = await create();
    const id = body.id as string;
    expectScimError(await run.scim('PATCH', `/Users/${id}`, { Operations: [] }), 400, 'invalidSyntax');
    expectScimError(await run.scim('PATCH', `/Users/${id}`, patchOf({ op: 'merge', path: 'title', value: 'x' })), 400, 'invalidSyntax');
    expectScimError(await run.scim('PATCH', `/Users/${id}`, { schemas: ['urn:wrong'], Operations: [{ op: 'add', path: 'title', value: 'x' }] }), 400, 'invalidSyntax');
    expectScimError(await run.scim('PATCH', `/Users/${id}`, patchOf({ op: 'add', path: 'emails[type eq', value: 'x' })), 400, 'invalidPath');
    expectScimError(await run.scim('PATCH', `/Users/${id}`, patchOf({ op: 'remove' })), 400, 'noTarget');
    expectScimError(await run.scim('PATCH', `/Users/${id}`, patchOf({ op: 'replace', path: 'emails[type eq "home" or type eq "other"].value', value: 'x' })), 400, 'noTarget');
    expectScimError(await run.scim('PATCH', `/Users/${id}`, patchOf({ op: 'replace', path: 'id', value: 'x' })), 400, 'mutability');
    expectScimError(await run.scim('PATCH', `/Users/${id}`, patchOf({ op: 'replace', path: 'active', value: 'perhaps' })), 400, 'invalidValue');
    expectScimError(await run.scim('PATCH', `/Users/${id}`, patchOf({ op: 'replace', path: 'userName', value: '' })), 400, 'invalidValue');
    expectScimError(await run.scim('PATCH', `/Users/${id}`, patchOf({ op: 'add', path: 'title' })), 400, 'invalidValue');
    expectScimError(await run.scim('PATCH', '/Users/nope', patchOf({ op: 'add', path: 'title', value: 'x' })), 404);
    // A failed multi-operation PATCH changes nothing.
    expectScimError(await run.scim('PATCH', `/Users/${id}`, patchOf({ op: 'add', path: 'title', value: 'x' }, { op: 'replace', path: 'active', value: 'perhaps' })), 400, 'invalidValue');
    const after = await run.scim('GET', `/Users/${id}`);
    expect(after.body.title).toBeUndefined();
    expect(after.body.meta.version).toBe('W/"1"');
  });

  it('the userName index follows every change: PATCH, rename, delete (uniqueness and `userName eq` stay right)', async () => {
    const { body } = await create();
    const byName = async (userName: string) => (await run.scim('GET', `/Users?filter=${encodeURIComponent(`userName eq "${userName}"`)}`)).body.Resources as { id: string; displayName?: string }[];
    await run.scim('PATCH', `/Users/${body.id}`, patchOf({ op: 'replace', path: 'displayName', value: 'Alice Jones' }));
    expect(await byName('alice@example.com')).toMatchObject([{ id: body.id, displayName: 'Alice Jones' }]);
    expect((await run.scim('PUT', `/Users/${body.id}`, { userName: 'Alice.Jones@example.com', displayName: 'Alice Jones' })).status).toBe(200);
    expect(await byName('ALICE@example.com')).toEqual([]);
    expect(await byName('alice.jones@EXAMPLE.com')).toMatchObject([{ id: body.id }]);
    expectScimError(await run.scim('POST', '/Users', { userName: 'alice.jones@example.com' }), 409, 'uniqueness');
    const reused = await create({ userName: 'alice@example.com' });
    expect((await run.scim('DELETE', `/Users/${body.id}`)).status).toBe(204);
    expect(await byName('alice.jones@example.com')).toEqual([]);
    await create({ userName: 'Alice.Jones@example.com' });
    expect(await byName('alice@example.com')).toMatchObject([{ id: reused.body.id }]);
  });

  it('DELETE → 204, then 404; the user leaves its groups', async () => {
    const { body } = await create();
    const group = await run.scim('POST', '/Groups', { displayName: 'Finance', members: [{ value: body.id }] });
    expect((await run.scim('DELETE', `/Users/${body.id}`)).status).toBe(204);
    expectScimError(await run.scim('GET', `/Users/${body.id}`), 404);
    expectScimError(await run.scim('DELETE', `/Users/${body.id}`), 404);
    const g = await run.scim('GET', `/Groups/${group.body.id}`);
    expect(g.body.members).toEqual([]);
    expect(g.body.meta.version).toBe('W/"2"');
  });

  it('a user shows its groups (read-only: sending groups changes nothing)', async () => {
    const { body } = await create();
    const group = await run.scim('POST', '/Groups', { displayName: 'Finance', members: [{ value: body.id }] });
    const got = await run.scim('GET', `/Users/${body.id}`);
    expect(got.body.groups).toEqual([{ value: group.body.id, $ref: `${run.scimBaseUrl}/Groups/${group.body.id}`, display: 'Finance', type: 'direct' }]);
    const put = await run.scim('PUT', `/Users/${body.id}`, { ...got.body, groups: [] });
    expect(put.body.groups).toHaveLength(1);
  });
});

describe('authentication', () => {
  it('401 with a SCIM error body and WWW-Authenticate: Bearer for a missing or wrong token; discovery too', async () => {
    const headerSets: Record<string, string>[] = [{}, { authorization: 'Bearer wrong' }, { authorization: `Basic ${run.server.info().scimToken}` }, { authorization: 'Bearer' }];
    for (const headers of headerSets) {
      const res = await fetch(`${run.scimBaseUrl}/Users`, { headers });
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
      const body = (await res.json()) as Record<string, unknown>;
      expect(body).toMatchObject({ schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], status: '401' });
      expect(JSON.stringify(body)).not.toContain(run.server.info().scimToken);
    }
    expect((await fetch(`${run.scimBaseUrl}/Schemas`)).status).toBe(401);
    expect((await run.scim('GET', '/Users', undefined, { authorization: `bearer ${run.server.info().scimToken}` })).status).toBe(200);
  });

  it('unknown customer ids and endpoints → 404 SCIM errors', async () => {
    const other = run.scimBaseUrl.replace(run.server.info().customerId, '00000000-0000-4000-8000-000000000000');
    const res = await fetch(`${other}/Users`, { headers: { authorization: `Bearer ${run.server.info().scimToken}` } });
    expect(res.status).toBe(404);
    expectScimError(await run.scim('GET', '/Widgets'), 404);
  });
});
