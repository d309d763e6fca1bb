// The User JSON written directly (render-json.ts) must be the same bytes as JSON.stringify of the object
// form (renderUser), for every shape a store can hold; and a list answered from an exact index lookup must
// be the list the filter would have found by testing each candidate.
import { describe, expect, it } from 'vitest';
import { createReferenceServer } from '../../src/server/index.js';
import { listResources, listResourcesJson, type ListQuery } from '../../src/server/scim/list.js';
import { renderUser } from '../../src/server/scim/render.js';
import { isoString, jsonString, renderUserJson } from '../../src/server/scim/render-json.js';
import { ENTERPRISE_SCHEMA } from '../../src/server/scim/schema.js';
import { createUsersHandlers } from '../../src/server/scim/users.js';
import { createMemoryStore } from '../../src/server/store/memory.js';
import type { GroupRecord, ReferenceStore, UserRecord } from '../../src/server/store/types.js';

const T0 = new Date('2026-03-01T12:34:56.789Z');
const T1 = new Date('2026-03-02T00:00:00.001Z');
const TRICKY = ['plain', 'quote " inside', 'back\\slash', 'tab\tnew\nline', 'nul \u0000 x', 'del \u007f', 'é ü 漢字', 'pair 😀', 'lone \ud800 high', 'lone \udfff low', '\u2028\u2029', ''];

const userOf = (over: Partial<UserRecord> & { attributes: Record<string, unknown> }): UserRecord => ({
  id: 'u-1',
  version: 3,
  created: T0,
  lastModified: T1,
  userName: 'kate@example.com',
  externalId: undefined,
  active: true,
  ...over,
});
const groupOf = (id: string, displayName: string, members: string[]): GroupRecord => ({
  id,
  version: 1,
  created: T0,
  lastModified: T0,
  displayName,
  externalId: undefined,
  members: new Map(members.map((value) => [value, { value, type: 'User' as const }])),
});

describe('renderUserJson', () => {
  const shapes: Record<string, Record<string, unknown>> = {
    empty: {},
    'userName only': { userName: 'kate@example.com' },
    typical: { userName: 'kate@example.com', externalId: '00u1', name: { givenName: 'Kate', familyName: 'K' }, displayName: 'Kate K', emails: [{ primary: true, value: 'kate@example.com', type: 'work' }], locale: 'en-US', active: true },
    'active first and equal': { active: true, userName: 'x' },
    'active stored differently': { userName: 'x', active: false },
    'active undefined': { userName: 'x', active: undefined },
    'undefined values': { userName: 'x', title: undefined, nickName: undefined },
    'enterprise extension': { userName: 'x', [ENTERPRISE_SCHEMA]: { employeeNumber: '7', manager: { value: 'm' } }, displayName: 'after the extension' },
    'enterprise extension first': { [ENTERPRISE_SCHEMA]: { department: 'R"D' }, userName: 'x', active: true },
    'enterprise extension only': { [ENTERPRISE_SCHEMA]: {} },
    'enterprise extension null': { userName: 'x', [ENTERPRISE_SCHEMA]: null },
    'enterprise extension undefined': { userName: 'x', [ENTERPRISE_SCHEMA]: undefined },
    'enterprise extension a function': { userName: 'x', [ENTERPRISE_SCHEMA]: () => 1 },
    'enterprise extension and an integer-like key': { 7: 'seven', [ENTERPRISE_SCHEMA]: { department: 'd' } },
    'stored groups key': { userName: 'x', groups: [{ value: 'stale' }] },
    'stored id/schemas/meta': { id: 'other', schemas: ['x'], meta: { version: 'W/"0"' }, userName: 'x' },
    'integer-like key': { userName: 'x', 7: 'seven' },
    ...Object.fromEntries(TRICKY.map((text, i) => [`tricky ${i}`, { userName: text, displayName: text, emails: [{ value: text, type: text }] }])),
  };
  const store = createMemoryStore();
  for (const id of ['u-1', 'u-"q"', 'u-none']) store.putUser(userOf({ id, attributes: { userName: id } }));
  store.putGroup(groupOf('g-1', 'Finance', ['u-1', 'u-"q"']));
  store.putGroup(groupOf('g-"2"', 'Quote " and \\ and \u0001 and \ud800', ['u-1']));
  store.putGroup(groupOf('g-3', 'Solo', ['u-"q"']));

  for (const [name, attributes] of Object.entries(shapes)) {
    for (const id of ['u-1', 'u-"q"', 'u-none']) {
      for (const active of [true, false]) {
        it(`${name}, user ${id}, active ${String(active)}: same bytes as JSON.stringify(renderUser)`, () => {
          for (const [created, lastModified] of [[T0, T1], [T0, T0], [new Date(T0.getTime()), T0]] as const) {
            const user = userOf({ id, active, created, lastModified, attributes });
            for (const base of ['https://scim.test/c/api/v3/scim', 'http://[::1]:8080/"odd"\\base']) {
              for (const withGroups of [true, false]) expect(renderUserJson(store, user, base, withGroups)).toBe(JSON.stringify(renderUser(store, user, base, withGroups)));
            }
          }
        });
      }
    }
  }

  it('reads groups through groupIdsOfUser for a store without the unwrapped method', () => {
    const plain: ReferenceStore = { ...store };
    delete plain.groupIdsOfUserUnwrapped;
    const user = userOf({ attributes: shapes.typical! });
    expect(renderUserJson(plain, user, 'https://scim.test')).toBe(JSON.stringify(renderUser(store, user, 'https://scim.test')));
  });
});

describe('isoString and jsonString', () => {
  it('isoString equals toISOString (leap days, century years, the 1970 and 9999 edges, and outside them)', () => {
    const fixed = [0, 1, 951_782_400_000 /* 2000-02-29 */, 4_107_542_399_999 /* 2100-02-28T23:59:59.999 */, 4_107_542_400_000, 253_402_300_799_999, 253_402_300_800_000, -1, -62_198_755_200_000, 8.64e15];
    let seed = 42;
    const random = Array.from({ length: 20_000 }, () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return Math.floor((seed / 2 ** 31) * 253_402_300_800_000);
    });
    for (const t of [...fixed, ...random]) expect(isoString(new Date(t)), String(t)).toBe(new Date(t).toISOString());
    expect(() => isoString(new Date(Number.NaN))).toThrow(RangeError);
  });

  it('jsonString equals JSON.stringify for every tricky string and each code unit below 0x80 and of the surrogates', () => {
    const units = [...Array.from({ length: 0x80 }, (_, c) => String.fromCharCode(c)), '\ud7ff', '\ud800', '\udbff', '\udc00', '\udfff', '\ue000'];
    for (const text of [...TRICKY, ...units, ...units.map((u) => `a${u}b`)]) expect(jsonString(text)).toBe(JSON.stringify(text));
  });
});

describe('lists answered from an exact index lookup', () => {
  function server() {
    const ref = createReferenceServer();
    const source = createUsersHandlers(ref.context).source;
    const put = (user: UserRecord) => {
      ref.store.putUser(user);
      ref.engine.userCreated(user);
    };
    put(userOf({ id: 'a', userName: 'Kate@Example.com', externalId: 'X1', attributes: { userName: 'Kate@Example.com', externalId: 'X1', active: true } }));
    put(userOf({ id: 'b', userName: 'bob@example.com', externalId: 'X1', attributes: { userName: 'bob@example.com', externalId: 'X1', active: true } }));
    // Written past the SCIM handlers: the record's userName and externalId disagree with its attributes.
    put(userOf({ id: 'c', userName: 'record@example.com', externalId: 'R1', attributes: { userName: 'attributes@example.com', externalId: 'A1', active: true } }));
    ref.store.putGroup(groupOf('g', 'Finance', ['a']));
    return { ref, source };
  }
  const ids = (body: unknown) => (body as { Resources: { id: string }[] }).Resources.map((r) => r.id);

  it('gives the records, totals and bytes the filtered scan gives', () => {
    const { source } = server();
    const queries: ListQuery[] = [
      { filter: 'userName eq "kate@example.com"' },
      { filter: 'USERNAME eq "KATE@EXAMPLE.COM"' },
      { filter: 'userName eq "\u212Aate@example.com"' },
      { filter: 'userName eq "nobody@example.com"' },
      { filter: 'externalId eq "X1"' },
      { filter: 'externalId eq "x1"' },
      { filter: 'id eq "b"' },
      { filter: 'id eq "B"' },
      { filter: 'externalId eq "X1"', startIndex: '2', count: '1' },
      { filter: 'externalId eq "X1"', count: '0' },
      { filter: 'externalId eq "X1"', sortBy: 'userName', sortOrder: 'descending' },
      { filter: 'userName eq "kate@example.com"', attributes: 'userName,groups' },
      { filter: 'userName eq "kate@example.com"', excludedAttributes: 'groups' },
      { filter: 'userName eq "kate@example.com" and active eq true' },
      {},
      { startIndex: '2', count: '2' },
    ];
    for (const query of queries) {
      const text = listResourcesJson(source, query);
      expect(text, JSON.stringify(query)).toBe(JSON.stringify(listResources(source, query)));
      // The scan: the same filter with the exact lookup taken away.
      expect(JSON.parse(text), JSON.stringify(query)).toEqual(listResources({ ...source, exactLookup: undefined }, query));
    }
    expect(ids(JSON.parse(listResourcesJson(source, { filter: 'userName eq "KATE@example.com"' })))).toEqual(['a']);
    expect(ids(JSON.parse(listResourcesJson(source, { filter: 'externalId eq "X1"' })))).toEqual(['a', 'b']);
  });

  it('falls back to testing the attributes when a record disagrees with them', () => {
    const { source } = server();
    const scan = (query: ListQuery) => ids(listResources({ ...source, exactLookup: undefined }, query));
    for (const filter of ['userName eq "record@example.com"', 'userName eq "attributes@example.com"', 'externalId eq "R1"', 'externalId eq "A1"']) {
      expect(ids(JSON.parse(listResourcesJson(source, { filter }))), filter).toEqual(scan({ filter }));
    }
    // What the client sees is the attributes: the record's userName finds nothing through the filter.
    expect(ids(JSON.parse(listResourcesJson(source, { filter: 'userName eq "record@example.com"' })))).toEqual([]);
    expect(ids(JSON.parse(listResourcesJson(source, { filter: 'externalId eq "R1"' })))).toEqual([]);
  });
});
