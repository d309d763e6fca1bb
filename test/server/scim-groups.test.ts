// /Groups over a real socket: create, read, rename, membership in every shape the IdPs send, errors, and
// 200 concurrent membership PATCHes on one group losing nothing.
/* eslint-disable @typescript-eslint/no-unsafe-argument, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-member-access -- this file asserts RFC 7643/7644 wire bodies member by member (`body.Resources[0].meta.location`), read from the socket as `any` by helpers.ts; a type per answer would restate the server's schema in the test that checks it. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GROUP_SCHEMA, patchOf, startServer, type Running } from './helpers.js';

let run: Running;
let users: string[];
beforeEach(async () => {
  run = await startServer();
  users = [];
  for (const name of ['ann', 'ben', 'cat']) users.push((await run.scim('POST', '/Users', { userName: `${name}@example.com` })).body.id);
});
afterEach(async () => {
  await run.close();
});

const memberIds = async (id: string) => ((await run.scim('GET', `/Groups/${id}`)).body.members as { value: string }[]).map((m) => m.value);

describe('Groups', () => {
  it('POST {displayName, members: []} → 201 with Location; GET; Entra extra schema accepted', async () => {
    const res = await run.scim('POST', '/Groups', { schemas: [GROUP_SCHEMA, 'http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group'], displayName: 'Finance', externalId: 'ext-1', members: [] });
    expect(res.status).toBe(201);
    expect(res.headers.get('location')).toBe(`${run.scimBaseUrl}/Groups/${res.body.id}`);
    expect(res.body).toMatchObject({ schemas: [GROUP_SCHEMA], displayName: 'Finance', externalId: 'ext-1', members: [], meta: { resourceType: 'Group', version: 'W/"1"' } });
    expect((await run.scim('GET', `/Groups/${res.body.id}`)).body).toEqual(res.body);
  });

  it('displayName is unique ignoring case and whitespace (409), required (400); unknown members 400', async () => {
    await run.scim('POST', '/Groups', { displayName: 'Finance' });
    const dup = await run.scim('POST', '/Groups', { displayName: '  FINANCE ' });
    expect(dup.status).toBe(409);
    expect(dup.body.scimType).toBe('uniqueness');
    expect((await run.scim('POST', '/Groups', { members: [] })).body.scimType).toBe('invalidValue');
    const bad = await run.scim('POST', '/Groups', { displayName: 'X', members: [{ value: 'nobody' }] });
    expect(bad.status).toBe(400);
    expect(bad.body.scimType).toBe('invalidValue');
    expect(run.server.store.countGroups()).toBe(1);
  });

  it('PATCH members: add (re-add does not duplicate), remove by value path, legacy Remove with value, replace all; answers 204 with ETag', async () => {
    const g = (await run.scim('POST', '/Groups', { displayName: 'Finance', members: [] })).body.id as string;
    const res = await run.scim('PATCH', `/Groups/${g}`, patchOf({ op: 'add', path: 'members', value: [{ value: users[0], display: 'ann' }, { value: users[1] }] }));
    expect(res.status).toBe(204);
    expect(res.headers.get('etag')).toBe('W/"2"');
    await run.scim('PATCH', `/Groups/${g}`, patchOf({ op: 'Add', path: 'members', value: [{ value: users[0] }] }));
    expect(await memberIds(g)).toEqual([users[0], users[1]]);
    await run.scim('PATCH', `/Groups/${g}`, patchOf({ op: 'remove', path: `members[value eq "${users[0]}"]` }, { op: 'add', path: 'members', value: [{ value: users[2] }] }));
    expect(await memberIds(g)).toEqual([users[1], users[2]]);
    await run.scim('PATCH', `/Groups/${g}`, patchOf({ op: 'Remove', path: 'members', value: [{ value: users[1] }] }));
    expect(await memberIds(g)).toEqual([users[2]]);
    await run.scim('PATCH', `/Groups/${g}`, patchOf({ op: 'replace', path: 'members', value: [{ value: users[0] }, { value: users[1] }] }));
    expect(await memberIds(g)).toEqual([users[0], users[1]]);
    await run.scim('PATCH', `/Groups/${g}`, patchOf({ op: 'remove', path: 'members[value eq "not-a-member"]' }));
    await run.scim('PATCH', `/Groups/${g}`, patchOf({ op: 'replace', value: { members: [{ value: users[2] }] } }));
    expect(await memberIds(g)).toEqual([users[2]]);
    await run.scim('PATCH', `/Groups/${g}`, patchOf({ op: 'remove', path: 'members[display eq "CAT@example.com"]' }));
    expect(await memberIds(g)).toEqual([]);
    await run.scim('PATCH', `/Groups/${g}`, patchOf({ op: 'add', path: 'members', value: [{ value: users[2] }] }, { op: 'remove', path: 'members' }));
    expect(await memberIds(g)).toEqual([]);
  });

  it('PATCH rename: Okta path-less {id, displayName}, Entra Replace displayName; 200 with the resource when attributes are asked for', async () => {
    const g = (await run.scim('POST', '/Groups', { displayName: 'Finance', members: [{ value: users[0] }] })).body.id as string;
    expect((await run.scim('PATCH', `/Groups/${g}`, patchOf({ op: 'replace', value: { id: g, displayName: 'Finance EU' } }))).status).toBe(204);
    expect((await run.scim('GET', `/Groups/${g}`)).body.displayName).toBe('Finance EU');
    const res = await run.scim('PATCH', `/Groups/${g}?excludedAttributes=members`, patchOf({ op: 'Replace', path: 'displayName', value: 'Finance US' }));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: g, displayName: 'Finance US' });
    expect(res.body.members).toBeUndefined();
    await run.scim('POST', '/Groups', { displayName: 'Sales' });
    const clash = await run.scim('PATCH', `/Groups/${g}`, patchOf({ op: 'replace', path: 'displayName', value: 'sales' }));
    expect(clash.status).toBe(409);
  });

  it('PATCH errors leave the group untouched: unknown member, member sub-attribute replace, bad path, 404, 412', async () => {
    const g = (await run.scim('POST', '/Groups', { displayName: 'Finance', members: [{ value: users[0] }] })).body.id as string;
    const bad = await run.scim('PATCH', `/Groups/${g}`, patchOf({ op: 'replace', path: 'displayName', value: 'Renamed' }, { op: 'add', path: 'members', value: [{ value: users[1] }, { value: 'ghost' }] }));
    expect(bad.status).toBe(400);
    expect(bad.body.scimType).toBe('invalidValue');
    const after = await run.scim('GET', `/Groups/${g}`);
    expect(after.body.displayName).toBe('Finance');
    expect(after.body.members.map((m: { value: string }) => m.value)).toEqual([users[0]]);
    expect(after.body.meta.version).toBe('W/"1"');
    expect((await run.scim('PATCH', `/Groups/${g}`, patchOf({ op: 'replace', path: `members[value eq "${users[0]}"].value`, value: 'x' }))).body.scimType).toBe('mutability');
    expect((await run.scim('PATCH', `/Groups/${g}`, patchOf({ op: 'remove', path: 'members[value eq ]' }))).body.scimType).toBe('invalidPath');
    expect((await run.scim('PATCH', '/Groups/nope', patchOf({ op: 'remove', path: 'members' }))).status).toBe(404);
    expect((await run.scim('PATCH', `/Groups/${g}`, patchOf({ op: 'remove', path: 'members' }), { 'if-match': 'W/"7"' })).status).toBe(412);
  });

  it('PUT replaces displayName and members; DELETE → 204 then 404', async () => {
    const g = (await run.scim('POST', '/Groups', { displayName: 'Finance', members: [{ value: users[0] }] })).body.id as string;
    const put = await run.scim('PUT', `/Groups/${g}`, { displayName: 'Finance', members: [{ value: users[1] }, { value: users[1] }] });
    expect(put.status).toBe(200);
    expect(put.body.members.map((m: { value: string }) => m.value)).toEqual([users[1]]);
    expect(run.server.store.groupIdsOfUser(users[0]!).size).toBe(0);
    expect((await run.scim('DELETE', `/Groups/${g}`)).status).toBe(204);
    expect((await run.scim('GET', `/Groups/${g}`)).status).toBe(404);
    expect((await run.scim('DELETE', `/Groups/${g}`)).status).toBe(404);
    expect(run.server.store.groupIdsOfUser(users[1]!).size).toBe(0);
  });

  it('200 concurrent membership PATCHes from separate connections on one group: every member lands, none twice', async () => {
    // 200 users created in process (fast), then 200 PATCHes over the socket at once.
    const created = await Promise.all(
      Array.from({ length: 200 }, (_, i) => run.server.fetch(new Request(`${run.scimBaseUrl}/Users`, {
        method: 'POST',
        headers: { authorization: `Bearer ${run.server.info().scimToken}`, 'content-type': 'application/scim+json' },
        body: JSON.stringify({ userName: `member${i}@example.com` }),
      })).then(async (r) => ((await r.json()) as { id: string }).id)),
    );
    const g = (await run.scim('POST', '/Groups', { displayName: 'Crowd', members: [] })).body.id as string;
    const results = await Promise.all(
      created.map((id, i) =>
        run.scim('PATCH', `/Groups/${g}`, patchOf({ op: i % 2 ? 'Add' : 'add', path: 'members', value: [{ value: id }, { value: created[0] }] }), { connection: 'close' }),
      ),
    );
    expect(results.map((r) => r.status)).toEqual(created.map(() => 204));
    const members = await memberIds(g);
    expect(new Set(members)).toEqual(new Set(created));
    expect(members).toHaveLength(200);
    expect((await run.scim('GET', `/Groups/${g}`)).body.meta.version).toBe('W/"201"');
  });
});
