// Listing and discovery over a real socket: filters the IdPs send, every operator, pagination, sorting,
// projection, and the discovery endpoints.
/* eslint-disable @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-member-access -- this file asserts RFC 7643/7644 wire bodies member by member (`body.Resources[0].meta.location`), read from the socket as `any` by helpers.ts; a type per answer would restate the server's schema in the test that checks it. */
import { afterEach, beforeAll, afterAll, describe, expect, it } from 'vitest';
import { ENTERPRISE, startServer, type Running } from './helpers.js';

let run: Running;
const ids: Record<string, string> = {};
beforeAll(async () => {
  run = await startServer();
  const people = [
    { userName: 'alice@example.com', externalId: 'A1', displayName: 'Alice', title: 'CFO', emails: [{ type: 'work', value: 'alice@work.example' }, { type: 'home', value: 'alice@home.example' }], [ENTERPRISE]: { employeeNumber: '100', department: 'Finance' } },
    { userName: 'Bob@Example.com', externalId: 'B2', displayName: 'bob', emails: [{ type: 'work', value: 'bob@work.example' }], active: false },
    { userName: 'carol@example.org', externalId: 'C3', displayName: 'Carol', title: 'Engineer', [ENTERPRISE]: { employeeNumber: '300', department: 'R&D' } },
    { userName: 'dave@example.org', displayName: 'Dave', emails: [{ type: 'home', value: 'dave@home.example' }] },
  ];
  for (const p of people) ids[p.userName.toLowerCase()] = (await run.scim('POST', '/Users', p)).body.id;
  await run.scim('POST', '/Groups', { displayName: 'Finance', externalId: 'g-fin', members: [{ value: ids['alice@example.com'] }] });
  await run.scim('POST', '/Groups', { displayName: 'Engineering', members: [{ value: ids['carol@example.org'] }, { value: ids['dave@example.org'] }] });
});
afterAll(async () => {
  await run.close();
});
afterEach(() => {});

const names = async (query: string) => {
  const res = await run.scim('GET', `/Users?${query}`);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return (res.body.Resources as { userName: string }[]).map((r) => r.userName);
};
const filter = (f: string) => names(`filter=${encodeURIComponent(f)}`);

describe('GET /Users with filters', () => {
  it('userName eq is case-insensitive (Okta pre-create check) and the list has integer counts', async () => {
    const res = await run.scim('GET', `/Users?filter=${encodeURIComponent('userName eq "BOB@example.COM"')}&startIndex=1&count=100`);
    expect(res.body).toMatchObject({ schemas: ['urn:ietf:params:scim:api:messages:2.0:ListResponse'], totalResults: 1, startIndex: 1, itemsPerPage: 1 });
    expect(res.body.Resources[0].active).toBe(false); // deactivated users are still listed
  });

  it('Entra Test Connection: a random GUID → 200 with an empty list', async () => {
    const res = await run.scim('GET', `/Users?filter=${encodeURIComponent('userName eq "5b50642d-79fc-4410-9e90-4c077cdd1a59"')}`);
    expect(res.body).toMatchObject({ totalResults: 0, itemsPerPage: 0, Resources: [] });
  });

  it('externalId is case-exact; emails[type eq "work"].value; value-path filters', async () => {
    expect(await filter('externalId eq "A1"')).toEqual(['alice@example.com']);
    expect(await filter('externalId eq "a1"')).toEqual([]);
    expect(await filter('emails[type eq "work"].value eq "BOB@work.example"')).toEqual(['Bob@Example.com']);
    expect(await filter('emails[type eq "home" and value co "dave"]')).toEqual(['dave@example.org']);
    expect(await filter('emails[type eq "work"]')).toEqual(['alice@example.com', 'Bob@Example.com']);
    expect(await filter('emails co "home"')).toEqual(['alice@example.com', 'dave@example.org']);
    expect(await filter('emails.type eq "home"')).toEqual(['alice@example.com', 'dave@example.org']);
  });

  it('every operator, and/or/not, grouping, pr, booleans, extension attributes, meta dates', async () => {
    expect(await filter('userName sw "ALICE"')).toEqual(['alice@example.com']);
    expect(await filter('userName ew ".org"')).toEqual(['carol@example.org', 'dave@example.org']);
    expect(await filter('userName co "example.c"')).toEqual(['alice@example.com', 'Bob@Example.com']);
    expect(await filter('userName ne "alice@example.com"')).toEqual(['Bob@Example.com', 'carol@example.org', 'dave@example.org']);
    expect(await filter('displayName gt "bob"')).toEqual(['carol@example.org', 'dave@example.org']);
    expect(await filter('displayName ge "bob"')).toEqual(['Bob@Example.com', 'carol@example.org', 'dave@example.org']);
    expect(await filter('displayName lt "bob"')).toEqual(['alice@example.com']);
    expect(await filter('displayName le "Bob"')).toEqual(['alice@example.com', 'Bob@Example.com']);
    expect(await filter('title pr')).toEqual(['alice@example.com', 'carol@example.org']);
    expect(await filter('not (title pr)')).toEqual(['Bob@Example.com', 'dave@example.org']);
    expect(await filter('active eq false')).toEqual(['Bob@Example.com']);
    expect(await filter('active eq true and (title eq "cfo" or title eq "engineer")')).toEqual(['alice@example.com', 'carol@example.org']);
    expect(await filter('title eq "CFO" or userName eq "dave@example.org" and displayName eq "Dave"')).toEqual(['alice@example.com', 'dave@example.org']);
    expect(await filter(`${ENTERPRISE}:department eq "R&D"`)).toEqual(['carol@example.org']);
    expect(await filter(`${ENTERPRISE}:employeeNumber gt "150"`)).toEqual(['carol@example.org']);
    expect(await filter('urn:ietf:params:scim:schemas:core:2.0:User:userName eq "carol@example.org"')).toEqual(['carol@example.org']);
    expect(await filter('meta.created gt "2000-01-01T00:00:00Z"')).toHaveLength(4);
    expect(await filter('meta.lastModified lt "2000-01-01T00:00:00Z"')).toEqual([]);
    expect(await filter('groups.display eq "finance"')).toEqual(['alice@example.com']);
    expect(await filter('title eq null')).toEqual(['Bob@Example.com', 'dave@example.org']);
    expect(await filter('id eq "' + ids['dave@example.org'] + '"')).toEqual(['dave@example.org']);
    expect(await filter('nickName eq "x"')).toEqual([]); // defined but unassigned
    expect(await filter('favouriteColour eq "blue"')).toEqual([]); // unknown attribute: no match
  });

  it('400 invalidFilter for malformed filters and unsupported comparisons', async () => {
    for (const bad of ['userName eq', 'userName xx "a"', 'userName eq "a" and', '(userName eq "a"', 'userName eq "a")', 'emails[type eq "work"', 'userName eq "unterminated', 'active gt true', 'name eq "x"', '"a" eq userName', 'userName eq bareword', '']) {
      const res = await run.scim('GET', `/Users?filter=${encodeURIComponent(bad)}`);
      if (bad === '') {
        expect(res.status).toBe(200);
        continue;
      }
      expect(res.status, bad).toBe(400);
      expect(res.body.scimType, bad).toBe('invalidFilter');
    }
    const deep = `${'('.repeat(100)}userName eq "a"${')'.repeat(100)}`;
    expect((await run.scim('GET', `/Users?filter=${encodeURIComponent(deep)}`)).body.scimType).toBe('invalidFilter');
  });
});

describe('pagination, sorting, projection', () => {
  it('startIndex/count page in a stable order; totalResults counts all matches', async () => {
    const all = await names('');
    expect(all).toEqual(['alice@example.com', 'Bob@Example.com', 'carol@example.org', 'dave@example.org']);
    const page = await run.scim('GET', '/Users?startIndex=2&count=2');
    expect(page.body).toMatchObject({ totalResults: 4, startIndex: 2, itemsPerPage: 2 });
    expect(page.body.Resources.map((r: { userName: string }) => r.userName)).toEqual(all.slice(1, 3));
    const filtered = await run.scim('GET', `/Users?filter=${encodeURIComponent('userName ew ".org"')}&startIndex=2&count=1`);
    expect(filtered.body).toMatchObject({ totalResults: 2, startIndex: 2, itemsPerPage: 1, Resources: [{ userName: 'dave@example.org' }] });
    const middle = await run.scim('GET', `/Users?filter=${encodeURIComponent('userName co "@"')}&startIndex=2&count=2`);
    expect((middle.body.Resources as { userName: string }[]).map((r) => r.userName)).toEqual(['Bob@Example.com', 'carol@example.org']);
    expect((await run.scim('GET', '/Users?count=0')).body).toMatchObject({ totalResults: 4, itemsPerPage: 0, Resources: [] });
    expect((await run.scim('GET', '/Users?startIndex=0&count=-3')).body).toMatchObject({ startIndex: 1, itemsPerPage: 0 });
    expect((await run.scim('GET', '/Users?startIndex=99')).body).toMatchObject({ totalResults: 4, itemsPerPage: 0 });
    expect((await run.scim('GET', '/Users?count=abc')).body.scimType).toBe('invalidValue');
  });

  it('sortBy/sortOrder (case-insensitive for userName; unassigned last)', async () => {
    expect(await names('sortBy=userName')).toEqual(['alice@example.com', 'Bob@Example.com', 'carol@example.org', 'dave@example.org']);
    expect(await names('sortBy=userName&sortOrder=descending')).toEqual(['dave@example.org', 'carol@example.org', 'Bob@Example.com', 'alice@example.com']);
    expect(await names('sortBy=title')).toEqual(['alice@example.com', 'carol@example.org', 'Bob@Example.com', 'dave@example.org']);
    expect((await run.scim('GET', '/Users?sortBy=nonsense')).body.scimType).toBe('invalidValue');
    expect((await run.scim('GET', '/Users?sortOrder=sideways')).body.scimType).toBe('invalidValue');
  });

  it('attributes / excludedAttributes on lists; Entra groups query with excludedAttributes=members', async () => {
    const res = await run.scim('GET', '/Users?attributes=userName&count=1');
    expect(res.body.Resources[0]).toEqual({ schemas: expect.any(Array), id: ids['alice@example.com'], userName: 'alice@example.com' });
    const groups = await run.scim('GET', `/Groups?excludedAttributes=members&filter=${encodeURIComponent('displayName eq "FINANCE"')}`);
    expect(groups.body.totalResults).toBe(1);
    expect(groups.body.Resources[0].members).toBeUndefined();
    expect(groups.body.Resources[0].displayName).toBe('Finance');
    const withMembers = await run.scim('GET', `/Groups?filter=${encodeURIComponent(`members[value eq "${ids['dave@example.org']}"]`)}`);
    expect(withMembers.body.Resources.map((g: { displayName: string }) => g.displayName)).toEqual(['Engineering']);
    expect((await run.scim('GET', `/Groups?filter=${encodeURIComponent('externalId eq "g-fin"')}`)).body.totalResults).toBe(1);
  });
});

describe('discovery', () => {
  it('/ServiceProviderConfig advertises patch, filter, sort, etag and bearer auth', async () => {
    const res = await run.scim('GET', '/ServiceProviderConfig');
    expect(res.body).toMatchObject({ patch: { supported: true }, filter: { supported: true, maxResults: 1000 }, sort: { supported: true }, etag: { supported: true }, bulk: { supported: false } });
    expect(res.body.authenticationSchemes[0].type).toBe('oauthbearertoken');
  });

  it('/ResourceTypes and /Schemas (list and by id); unknown ids 404', async () => {
    const types = await run.scim('GET', '/ResourceTypes');
    expect(types.body.Resources.map((t: { id: string }) => t.id)).toEqual(['User', 'Group']);
    expect((await run.scim('GET', '/ResourceTypes/User')).body.schemaExtensions).toEqual([{ schema: ENTERPRISE, required: false }]);
    const schemas = await run.scim('GET', '/Schemas');
    expect(schemas.body.totalResults).toBe(3);
    const user = await run.scim('GET', '/Schemas/urn:ietf:params:scim:schemas:core:2.0:User');
    const userName = user.body.attributes.find((a: { name: string }) => a.name === 'userName');
    expect(userName).toMatchObject({ caseExact: false, uniqueness: 'server', required: true });
    expect((await run.scim('GET', '/Schemas/urn:nope')).status).toBe(404);
    expect((await run.scim('GET', '/ResourceTypes/Widget')).status).toBe(404);
  });
});
