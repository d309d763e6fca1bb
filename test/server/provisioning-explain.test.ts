// The access decision and the engine's recompute calls on a memory store (no HTTP): every "why not" of
// explainAccess / explainDatasetAccess, keyAccess for manual and auto-provisioned keys, deriveAllAccess, and
// the engine rows that the table and property suites reach only through SCIM.
import { describe, expect, it } from 'vitest';
import { createMemoryStore } from '../../src/server/store/memory.js';
import { createApiKeyRecord } from '../../src/server/store/api-key.js';
import {
  createProvisioningEngine,
  deriveAllAccess,
  deriveKeyAccess,
  explainAccess,
  explainDatasetAccess,
  keyAccess,
  keyNameFor,
} from '../../src/server/provisioning.js';
import type { GroupRecord, UserRecord } from '../../src/server/store/types.js';

const created = new Date('2026-01-01T00:00:00Z');

function setup() {
  const store = createMemoryStore();
  const engine = createProvisioningEngine(store);
  const user = (id: string, active = true): UserRecord => {
    const u: UserRecord = { id, userName: `${id}@example.com`, active, externalId: undefined, attributes: {}, version: 1, created, lastModified: created };
    store.putUser(u);
    engine.userCreated(u);
    return u;
  };
  const group = (id: string, displayName: string, members: string[]): GroupRecord => {
    const g: GroupRecord = { id, displayName, externalId: undefined, members: new Map(members.map((value) => [value, { value }])), version: 1, created, lastModified: created };
    store.putGroup(g);
    engine.membersChanged(members);
    return g;
  };
  store.putDataset({ id: 'd1', name: 'ledger', type: 'structured', created });
  store.putDataset({ id: 'd2', name: 'payroll', type: 'structured', created });
  store.putDatasetGroup({ id: 'dg1', name: 'Finance Team', datasetIds: new Set(['d1']), created });
  const manual = (enabled: boolean, grants: string[]) => {
    const key = createApiKeyRecord({ name: 'batch job', enabled, autoProvisioned: false, userId: undefined, manualDatasetIds: new Set(grants), created });
    store.putApiKey(key);
    return key;
  };
  const keyOf = (userId: string) => {
    const key = store.findApiKeyByUserId(userId);
    if (!key) throw new Error(`no key for ${userId}`);
    return key;
  };
  return { store, engine, user, group, manual, keyOf };
}

describe('explainAccess', () => {
  it('unknown key or dataset: says which reference was not found', () => {
    const { store, user, keyOf } = setup();
    user('a');
    expect(explainAccess(store, 'nope', 'd1')).toEqual({ allowed: false, reason: 'key_not_found', message: 'No API key "nope".' });
    expect(explainAccess(store, keyOf('a').id, 'nothing')).toEqual({ allowed: false, reason: 'dataset_not_found', message: 'No dataset "nothing".' });
  });

  it('takes the key by id or public value and the dataset by id or name', () => {
    const { store, user, group, keyOf } = setup();
    user('a');
    group('g1', 'finance team', ['a']);
    const key = keyOf('a');
    for (const k of [key.id, key.accessKeyId]) for (const d of ['d1', 'ledger']) expect(explainAccess(store, k, d)).toMatchObject({ allowed: true, reason: 'group_membership' });
  });
});

describe('explainDatasetAccess', () => {
  it('manual keys: disabled, granted, not granted (by key and dataset name)', () => {
    const { store, manual } = setup();
    const ledger = store.getDataset('d1')!;
    const payroll = store.getDataset('d2')!;
    expect(explainDatasetAccess(store, manual(false, ['d1']), ledger)).toEqual({ allowed: false, reason: 'key_disabled', message: 'API key "batch job" is disabled.' });
    const key = manual(true, ['d1']);
    expect(explainDatasetAccess(store, key, ledger)).toEqual({ allowed: true, reason: 'manual_grant', message: 'API key "batch job" was granted dataset "ledger".' });
    expect(explainDatasetAccess(store, key, payroll)).toEqual({ allowed: false, reason: 'not_granted', message: 'API key "batch job" was not granted dataset "payroll".' });
  });

  it('auto-provisioned key whose user is gone, or has no user id: user_not_found', () => {
    const { store, user, keyOf } = setup();
    user('a');
    const key = keyOf('a');
    store.deleteUser('a');
    const ledger = store.getDataset('d1')!;
    expect(explainDatasetAccess(store, key, ledger)).toEqual({ allowed: false, reason: 'user_not_found', message: 'The SCIM user of API key "a@example.com" no longer exists.' });
    const orphan = createApiKeyRecord({ name: 'orphan', enabled: true, autoProvisioned: true, userId: undefined, created });
    expect(explainDatasetAccess(store, orphan, ledger)).toMatchObject({ allowed: false, reason: 'user_not_found' });
  });

  it('inactive user, or an active user whose key is disabled: user_inactive', () => {
    const { store, user, group, keyOf } = setup();
    user('a', false);
    group('g1', 'Finance Team', ['a']);
    const ledger = store.getDataset('d1')!;
    expect(explainDatasetAccess(store, keyOf('a'), ledger)).toEqual({
      allowed: false,
      reason: 'user_inactive',
      message: 'SCIM user "a@example.com" is deactivated (active: false), so API key "a@example.com" is disabled.',
    });
    user('b');
    group('g2', 'Finance Team', ['b']);
    const key = keyOf('b');
    expect(explainDatasetAccess(store, key, ledger)).toMatchObject({ allowed: true });
    key.enabled = false;
    expect(explainDatasetAccess(store, key, ledger)).toMatchObject({ allowed: false, reason: 'user_inactive' });
  });

  it('no group, no matching dataset group, dataset not in the matching one, allowed with the path', () => {
    const { store, user, group, keyOf } = setup();
    user('a');
    const key = keyOf('a');
    const ledger = store.getDataset('d1')!;
    const payroll = store.getDataset('d2')!;
    expect(explainDatasetAccess(store, key, ledger)).toMatchObject({ allowed: false, reason: 'no_group_membership' });
    expect(explainDatasetAccess(store, key, ledger).message).toContain('"a@example.com" is not a member of any SCIM group');

    group('g0', 'Sales', ['a']);
    group('g9', 'Support', ['a']);
    expect(explainDatasetAccess(store, key, ledger)).toEqual({
      allowed: false,
      reason: 'no_matching_dataset_group',
      message: 'No dataset group is named like the user\'s SCIM groups ("Sales", "Support"); create a dataset group with one of those names.',
    });

    group('g1', ' finance  TEAM ', ['a']);
    expect(explainDatasetAccess(store, key, payroll)).toEqual({
      allowed: false,
      reason: 'dataset_not_in_matching_dataset_group',
      message: 'Dataset "payroll" is not in the dataset groups matching the user\'s SCIM groups ("Sales", "Support", " finance  TEAM "); assign it to one of them.',
    });
    expect(explainDatasetAccess(store, key, ledger)).toEqual({
      allowed: true,
      reason: 'group_membership',
      message: 'SCIM user "a@example.com" is in group " finance  TEAM ", whose dataset group "Finance Team" contains dataset "ledger".',
      via: { groupId: 'g1', groupDisplayName: ' finance  TEAM ', datasetGroupId: 'dg1', datasetGroupName: 'Finance Team' },
    });
  });

  it('a later matching group grants even when an earlier matching one lacks the dataset', () => {
    const { store, user, group, keyOf } = setup();
    store.putDatasetGroup({ id: 'dg2', name: 'Payroll', datasetIds: new Set(['d2']), created });
    user('a');
    group('g1', 'Finance Team', ['a']);
    group('g2', 'Payroll', ['a']);
    expect(explainDatasetAccess(store, keyOf('a'), store.getDataset('d2')!)).toMatchObject({ allowed: true, via: { groupId: 'g2', datasetGroupId: 'dg2' } });
  });
});

describe('keyAccess and derived access', () => {
  it('disabled keys have none; manual keys have their grants; auto-provisioned keys their materialised access', () => {
    const { store, user, group, manual, keyOf } = setup();
    expect([...keyAccess(store, manual(true, ['d2']))]).toEqual(['d2']);
    expect(keyAccess(store, manual(false, ['d2'])).size).toBe(0);
    user('a');
    group('g1', 'Finance Team', ['a']);
    const key = keyOf('a');
    expect([...keyAccess(store, key)]).toEqual(['d1']);
    key.enabled = false;
    expect(keyAccess(store, key).size).toBe(0);
  });

  it('deriveKeyAccess: nothing for manual keys, keys without a user, or an inactive user; deriveAllAccess omits empty keys', () => {
    const { store, user, group, manual, keyOf } = setup();
    const m = manual(true, ['d1']);
    expect(deriveKeyAccess(store, m).size).toBe(0);
    expect(deriveKeyAccess(store, createApiKeyRecord({ name: 'x', enabled: true, autoProvisioned: true, userId: undefined, created })).size).toBe(0);
    user('a');
    user('b', false);
    user('c');
    group('g1', 'Finance Team', ['a', 'b']);
    // A manual key that names a user still derives nothing: only auto-provisioned keys follow groups.
    expect(deriveKeyAccess(store, createApiKeyRecord({ name: 'y', enabled: true, autoProvisioned: false, userId: 'a', created })).size).toBe(0);
    expect(deriveKeyAccess(store, keyOf('b')).size).toBe(0);
    const all = deriveAllAccess(store);
    expect([...all.keys()]).toEqual([keyOf('a').id]);
    expect([...all.get(keyOf('a').id)!]).toEqual(['d1']);
  });
});

describe('provisioning engine rows', () => {
  it('userCreated: a key named after the user, enabled as the user is, sharing its creation date', () => {
    const { user, keyOf } = setup();
    const u = user('a', false);
    expect(keyNameFor(u)).toBe('a@example.com');
    const key = keyOf('a');
    expect(key).toMatchObject({ name: 'a@example.com', enabled: false, autoProvisioned: true, userId: 'a' });
    expect(key.created).toBe(u.created);
  });

  it('userChanged / userDeleted for a user without a key do nothing; userDeleted removes only that key', () => {
    const { store, engine, user, keyOf } = setup();
    user('a');
    user('b');
    const stranger: UserRecord = { id: 'z', userName: 'z@example.com', active: true, externalId: undefined, attributes: {}, version: 1, created, lastModified: created };
    expect(() => engine.userChanged(stranger)).not.toThrow();
    expect(() => engine.membersChanged(['z'])).not.toThrow();
    expect(() => engine.recomputeUser('z')).not.toThrow();
    engine.userDeleted('z');
    const b = keyOf('b').id;
    engine.userDeleted('a');
    expect(store.findApiKeyByUserId('a')).toBeUndefined();
    expect(store.getApiKey(b)).toBeDefined();
  });

  it('usersOfGroupsNamed recomputes the members of the named groups (once each); unknown names are skipped', () => {
    const { store, engine, user, group, keyOf } = setup();
    user('a');
    user('b');
    user('c');
    group('g1', 'Payroll', ['b', 'a']);
    group('g2', 'Other', ['b']);
    group('g3', 'Bystanders', ['c']);
    store.putDatasetGroup({ id: 'dg2', name: 'payroll', datasetIds: new Set(['d2']), created });
    store.putDatasetGroup({ id: 'dg3', name: 'Bystanders', datasetIds: new Set(['d1']), created });
    expect(store.materialisedAccess(keyOf('a').id).size).toBe(0);
    // b is in both groups: recomputed once, and the members after it in the second group still are.
    engine.usersOfGroupsNamed(['no such group', 'Other', 'payroll']);
    expect([...store.materialisedAccess(keyOf('a').id)]).toEqual(['d2']);
    expect([...store.materialisedAccess(keyOf('b').id)]).toEqual(['d2']);
    // Not named: left as it was until recomputed.
    expect(store.materialisedAccess(keyOf('c').id).size).toBe(0);
    engine.recomputeUser('c');
    expect([...store.materialisedAccess(keyOf('c').id)]).toEqual(['d1']);
  });

  it('recomputeAll brings every auto-provisioned key up to date and leaves manual keys alone', () => {
    const { store, engine, user, group, manual, keyOf } = setup();
    user('a');
    user('b');
    group('g1', 'Reports', ['a', 'b']);
    const m = manual(true, ['d1']);
    store.putDatasetGroup({ id: 'dg2', name: 'reports', datasetIds: new Set(['d1', 'd2']), created });
    engine.recomputeAll();
    for (const id of ['a', 'b']) expect([...store.materialisedAccess(keyOf(id).id)].sort()).toEqual(['d1', 'd2']);
    expect(store.materialisedAccess(m.id).size).toBe(0);
    expect([...keyAccess(store, m)]).toEqual(['d1']);
  });
});
