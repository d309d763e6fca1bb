// The provisioning engine on its own (no HTTP): a memory store, records, and the engine's calls.
import { describe, expect, it } from 'vitest';
import { inspect } from 'node:util';
import { createMemoryStore } from '../../src/server/store/memory.js';
import { createProvisioningEngine, deriveKeyAccess, explainAccess } from '../../src/server/provisioning.js';
import { normalizeGroupName, type GroupRecord, type UserRecord } from '../../src/server/store/types.js';

const now = () => new Date('2026-01-01T00:00:00Z');
function setup() {
  const store = createMemoryStore();
  const engine = createProvisioningEngine(store);
  const user = (id: string, active = true): UserRecord => {
    const u: UserRecord = { id, userName: `${id}@example.com`, active, externalId: undefined, attributes: {}, version: 1, created: now(), lastModified: now() };
    store.putUser(u);
    engine.userCreated(u);
    return u;
  };
  const group = (id: string, displayName: string, members: string[]): GroupRecord => {
    const g: GroupRecord = { id, displayName, externalId: undefined, members: new Map(members.map((value) => [value, { value }])), version: 1, created: now(), lastModified: now() };
    store.putGroup(g);
    engine.membersChanged(members);
    return g;
  };
  store.putDataset({ id: 'd1', name: 'ledger', type: 'structured', created: now() });
  store.putDatasetGroup({ id: 'dg1', name: 'Finance Team', datasetIds: new Set(['d1']), created: now() });
  return { store, engine, user, group };
}

describe('provisioning engine', () => {
  it('normalizeGroupName: NFC, trim, collapse whitespace, ignore case', () => {
    expect(normalizeGroupName('  FINANCE\t team ')).toBe('finance team');
    expect(normalizeGroupName('Cafe\u0301')).toBe(normalizeGroupName('café'));
    expect(normalizeGroupName('Fin ance')).not.toBe(normalizeGroupName('Finance'));
  });

  it('member add and remove touch only that user; the reverse index answers "groups of a user"', () => {
    const { store, engine, user, group } = setup();
    user('a');
    user('b');
    group('g1', 'finance  TEAM', ['a']);
    const keyA = store.findApiKeyByUserId('a')!;
    const keyB = store.findApiKeyByUserId('b')!;
    expect([...store.materialisedAccess(keyA.id)]).toEqual(['d1']);
    expect(store.addMember('g1', { value: 'b' })).toBe(true);
    expect(store.addMember('g1', { value: 'b' })).toBe(false);
    engine.membersChanged(['b']);
    expect([...store.materialisedAccess(keyB.id)]).toEqual(['d1']);
    store.removeMember('g1', 'a');
    engine.membersChanged(['a']);
    expect(store.materialisedAccess(keyA.id).size).toBe(0);
    expect([...store.groupIdsOfUser('b')]).toEqual(['g1']);
    expect(deriveKeyAccess(store, keyB)).toEqual(new Set(['d1']));
  });

  it('an inactive user has a disabled key and no access; explainAccess says why', () => {
    const { store, engine, user, group } = setup();
    const u = user('a', false);
    group('g1', 'Finance Team', ['a']);
    const key = store.findApiKeyByUserId('a')!;
    expect(key.enabled).toBe(false);
    expect(store.materialisedAccess(key.id).size).toBe(0);
    expect(explainAccess(store, key.id, 'ledger')).toMatchObject({ allowed: false, reason: 'user_inactive' });
    engine.userChanged({ ...u, active: true });
    store.putUser({ ...u, active: true });
    engine.userChanged(store.getUser('a')!);
    expect(explainAccess(store, key.accessKeyId, 'd1')).toMatchObject({ allowed: true, via: { groupId: 'g1', datasetGroupId: 'dg1' } });
  });

  it('keys keep their public value and signing secret across changes, and never print the secret', () => {
    const { store, engine, user } = setup();
    const u = user('a');
    const key = store.findApiKeyByUserId('a')!;
    const { accessKeyId, secretSigningKey } = key;
    store.putUser({ ...u, userName: 'renamed@example.com', active: false });
    engine.userChanged(store.getUser('a')!);
    expect(store.findApiKeyByUserId('a')).toMatchObject({ name: 'renamed@example.com', enabled: false, accessKeyId, secretSigningKey });
    // eslint-disable-next-line @typescript-eslint/no-base-to-string -- redactable objects define toString at run time; printing them is what this checks
    for (const text of [JSON.stringify(key), inspect(key), String(key)]) expect(text).not.toContain(secretSigningKey);
    engine.userDeleted('a');
    expect(store.findApiKeyByAccessKeyId(accessKeyId)).toBeUndefined();
  });
});
