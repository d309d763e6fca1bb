// renderUser's groups: read through the store's unwrapped ids (one id as a string, several as a set) or,
// for a store without that method, through groupIdsOfUser; both give the same groups in the same order.
import { describe, expect, it } from 'vitest';
import { renderUser } from '../../src/server/scim/render.js';
import { createMemoryStore } from '../../src/server/store/memory.js';
import type { GroupRecord, ReferenceStore, UserRecord } from '../../src/server/store/types.js';

const T0 = new Date('2026-01-01T00:00:00Z');
const user = (id: string): UserRecord => ({ id, version: 1, created: T0, lastModified: T0, userName: `${id}@example.com`, externalId: undefined, active: true, attributes: { userName: `${id}@example.com` } });
const group = (id: string, members: string[]): GroupRecord => ({
  id,
  version: 1,
  created: T0,
  lastModified: T0,
  displayName: `Group ${id}`,
  externalId: undefined,
  members: new Map(members.map((value) => [value, { value, type: 'User' as const }])),
});

function seeded(): ReferenceStore {
  const store = createMemoryStore();
  for (const id of ['none', 'one', 'two']) store.putUser(user(id));
  store.putGroup(group('g1', ['one', 'two']));
  store.putGroup(group('g2', ['two']));
  return store;
}

const groupsOf = (store: ReferenceStore, id: string) => (renderUser(store, store.getUser(id)!, 'https://scim.test') as { groups?: { value: string; display: string }[] }).groups?.map((g) => `${g.value}:${g.display}`);

describe('renderUser groups', () => {
  it('lists no, one and several groups from the memory store (unwrapped path)', () => {
    const store = seeded();
    expect('groupIdsOfUserUnwrapped' in store).toBe(true);
    expect(groupsOf(store, 'none')).toBeUndefined();
    expect(groupsOf(store, 'one')).toEqual(['g1:Group g1']);
    expect(groupsOf(store, 'two')).toEqual(['g1:Group g1', 'g2:Group g2']);
    expect(renderUser(store, store.getUser('one')!, 'https://scim.test', false).groups).toBeUndefined();
  });

  it('gives the same answer for a store without the unwrapped method, and leaves the public set intact', () => {
    const store = seeded();
    const plain: ReferenceStore = { ...store, groupIdsOfUserUnwrapped: undefined };
    for (const id of ['none', 'one', 'two']) expect(groupsOf(plain, id)).toEqual(groupsOf(store, id));
    expect([...store.groupIdsOfUser('one')]).toEqual(['g1']);
    store.removeMember('g1', 'one');
    expect(groupsOf(store, 'one')).toBeUndefined();
    expect(groupsOf(store, 'two')).toEqual(['g1:Group g1', 'g2:Group g2']);
  });
});
