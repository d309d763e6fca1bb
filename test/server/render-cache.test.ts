// What the SCIM answers show after each change, with the JSON kept per stored attributes object and per
// group record warm (every user is read before it changes): the new values and ETag after PUT and PATCH
// (also of a nested value), the new display name in members' `groups` after a group rename, membership
// changes, and a changed base URL.
/* eslint-disable @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-return -- wire bodies read as `any` by helpers.ts */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keepsAttributesText, renderUserJson } from '../../src/server/scim/render-json.js';
import { createMemoryStore } from '../../src/server/store/memory.js';
import { startServer, type Running } from './helpers.js';

let run: Running;
beforeAll(async () => {
  run = await startServer();
});
afterAll(async () => {
  await run.close();
});

const byFilter = async (userName: string) => {
  const res = await run.scim('GET', `/Users?filter=${encodeURIComponent(`userName eq "${userName}"`)}`);
  expect(res.status).toBe(200);
  return res.body.Resources[0];
};
const patchOf = (...ops: unknown[]) => ({ schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: ops });

describe('user JSON after changes', () => {
  it('PATCH and PUT show at once in filtered lists and GET by id, with a new ETag', async () => {
    const created = await run.scim('POST', '/Users', { userName: 'cache@example.com', displayName: 'Before', emails: [{ type: 'work', value: 'w@example.com', primary: true }] });
    const id: string = created.body.id;
    expect((await byFilter('cache@example.com')).displayName).toBe('Before');
    expect((await run.scim('GET', `/Users/${id}`)).body.displayName).toBe('Before');

    await run.scim('PATCH', `/Users/${id}`, patchOf({ op: 'replace', path: 'displayName', value: 'After patch' }));
    let listed = await byFilter('cache@example.com');
    expect(listed.displayName).toBe('After patch');
    expect(listed.meta.version).toBe('W/"2"');
    const got = await run.scim('GET', `/Users/${id}`);
    expect(got.body.displayName).toBe('After patch');
    expect(got.headers.get('etag')).toBe('W/"2"');

    await run.scim('PATCH', `/Users/${id}`, patchOf({ op: 'replace', path: 'emails[type eq "work"].value', value: 'nested@example.com' }));
    expect((await byFilter('cache@example.com')).emails[0].value).toBe('nested@example.com');

    await run.scim('PUT', `/Users/${id}`, { userName: 'cache@example.com', displayName: 'After put', active: false });
    listed = await byFilter('cache@example.com');
    expect(listed).toMatchObject({ displayName: 'After put', active: false, meta: { version: 'W/"4"' } });
    expect(listed.emails).toBeUndefined();
    expect((await run.scim('GET', `/Users/${id}`)).body.displayName).toBe('After put');

    await run.scim('DELETE', `/Users/${id}`);
    expect((await run.scim('GET', `/Users?filter=${encodeURIComponent('userName eq "cache@example.com"')}`)).body.totalResults).toBe(0);
    const again = await run.scim('POST', '/Users', { userName: 'cache@example.com', displayName: 'Recreated' });
    expect(await byFilter('cache@example.com')).toMatchObject({ id: again.body.id, displayName: 'Recreated', meta: { version: 'W/"1"' } });
  });

  it('keeps the text of users read, not of users only created or changed', async () => {
    const attributesOf = (id: string) => run.server.store.getUser(id)!.attributes;
    const id: string = (await run.scim('POST', '/Users', { userName: 'kept@example.com' })).body.id;
    expect(keepsAttributesText(attributesOf(id))).toBe(false);
    await byFilter('kept@example.com');
    expect(keepsAttributesText(attributesOf(id))).toBe(true);
    await run.scim('PATCH', `/Users/${id}`, patchOf({ op: 'replace', path: 'displayName', value: 'Changed' }));
    expect(keepsAttributesText(attributesOf(id))).toBe(false);
    await run.scim('GET', `/Users/${id}`);
    expect(keepsAttributesText(attributesOf(id))).toBe(true);
    await run.scim('PUT', `/Users/${id}`, { userName: 'kept@example.com' });
    expect(keepsAttributesText(attributesOf(id))).toBe(false);
    await run.scim('POST', '/Users/.search', { schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'], filter: 'userName eq "kept@example.com"' });
    expect(keepsAttributesText(attributesOf(id))).toBe(true);
  });

  it('a PATCH of the enterprise extension shows at once', async () => {
    const ext = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
    const id: string = (await run.scim('POST', '/Users', { userName: 'ext@example.com', [ext]: { department: 'Before' } })).body.id;
    expect((await byFilter('ext@example.com'))[ext]).toEqual({ department: 'Before' });
    await run.scim('PATCH', `/Users/${id}`, patchOf({ op: 'replace', path: `${ext}:department`, value: 'After' }));
    const listed = await byFilter('ext@example.com');
    expect(listed.schemas).toEqual(['urn:ietf:params:scim:schemas:core:2.0:User', ext]);
    expect(listed[ext]).toEqual({ department: 'After' });
    await run.scim('PATCH', `/Users/${id}`, patchOf({ op: 'remove', path: ext }));
    const removed = await byFilter('ext@example.com');
    expect(removed.schemas).toEqual(['urn:ietf:params:scim:schemas:core:2.0:User']);
    expect(removed[ext]).toBeUndefined();
  });

  it("members' groups show a group rename and membership changes", async () => {
    const user = (await run.scim('POST', '/Users', { userName: 'member@example.com' })).body;
    const group = (await run.scim('POST', '/Groups', { displayName: 'Old name', members: [{ value: user.id }] })).body;
    expect((await byFilter('member@example.com')).groups).toEqual([expect.objectContaining({ value: group.id, display: 'Old name' })]);

    await run.scim('PATCH', `/Groups/${group.id}`, patchOf({ op: 'replace', path: 'displayName', value: 'New "quoted" name' }));
    expect((await byFilter('member@example.com')).groups).toEqual([expect.objectContaining({ value: group.id, display: 'New "quoted" name' })]);
    expect((await run.scim('GET', `/Users/${user.id}`)).body.groups[0].display).toBe('New "quoted" name');

    await run.scim('PUT', `/Groups/${group.id}`, { displayName: 'Put name', members: [{ value: user.id }] });
    expect((await byFilter('member@example.com')).groups[0].display).toBe('Put name');

    const second = (await run.scim('POST', '/Groups', { displayName: 'Second' })).body;
    await run.scim('PATCH', `/Groups/${second.id}`, patchOf({ op: 'add', path: 'members', value: [{ value: user.id }] }));
    expect((await byFilter('member@example.com')).groups.map((g: { display: string }) => g.display)).toEqual(['Put name', 'Second']);
    await run.scim('PATCH', `/Groups/${group.id}`, patchOf({ op: 'remove', path: `members[value eq "${user.id}"]` }));
    expect((await byFilter('member@example.com')).groups.map((g: { display: string }) => g.display)).toEqual(['Second']);
    await run.scim('DELETE', `/Groups/${second.id}`);
    expect((await byFilter('member@example.com')).groups).toBeUndefined();
  });
});

describe('renderUserJson keeps nothing across base URLs or in-place renames', () => {
  it('writes the base URL and display name it is given', () => {
    const store = createMemoryStore();
    const t = new Date('2026-01-01T00:00:00Z');
    const user = { id: 'u', version: 1, created: t, lastModified: t, userName: 'u@example.com', externalId: undefined, active: true, attributes: { userName: 'u@example.com' } };
    store.putUser(user);
    const group = { id: 'g', version: 1, created: t, lastModified: t, displayName: 'First', externalId: undefined, members: new Map([['u', { value: 'u' }]]) };
    store.putGroup(group);
    const groupsOf = (base: string) => (JSON.parse(renderUserJson(store, user, base)) as { groups: { $ref: string; display: string }[]; meta: { location: string } });
    expect(groupsOf('https://a.test/scim')).toMatchObject({ groups: [{ $ref: 'https://a.test/scim/Groups/g', display: 'First' }], meta: { location: 'https://a.test/scim/Users/u' } });
    expect(groupsOf('https://b.test/scim')).toMatchObject({ groups: [{ $ref: 'https://b.test/scim/Groups/g', display: 'First' }], meta: { location: 'https://b.test/scim/Users/u' } });
    group.displayName = 'Renamed in place';
    expect(groupsOf('https://b.test/scim').groups[0]!.display).toBe('Renamed in place');
  });
});
