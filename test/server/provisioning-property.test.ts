// Property: after every step of a random sequence of SCIM and admin operations, the access materialised by
// the provisioning engine equals (a) the engine's derivation and (b) an independent derivation written here
// from the records alone (group member maps, not the store's reverse index; names normalised here).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createReferenceServer, type ReferenceServer } from 'ubiq-idp/server';
import { derived, materialised, patchOf } from './helpers.js';

const GROUP_NAMES = ['Finance', 'finance ', 'Sales', 'SALES  EU', 'Sales EU', 'Eng'];
const USER_NAMES = ['ann', 'ben', 'cat', 'dan', 'eve'];
const DATASETS = ['d1', 'd2', 'd3', 'd4'];

type Op =
  | { k: 'createUser'; u: number }
  | { k: 'setActive'; u: number; active: boolean; entra: boolean }
  | { k: 'renameUser'; u: number; to: number }
  | { k: 'deleteUser'; u: number }
  | { k: 'createGroup'; n: number; members: number[] }
  | { k: 'renameGroup'; g: number; n: number }
  | { k: 'deleteGroup'; g: number }
  | { k: 'addMembers'; g: number; members: number[] }
  | { k: 'removeMember'; g: number; u: number; legacy: boolean }
  | { k: 'replaceMembers'; g: number; members: number[] }
  | { k: 'createDataset'; d: number; groups: number[] }
  | { k: 'deleteDataset'; d: number }
  | { k: 'createDatasetGroup'; n: number; datasets: number[] }
  | { k: 'renameDatasetGroup'; g: number; n: number }
  | { k: 'deleteDatasetGroup'; g: number }
  | { k: 'assign'; g: number; d: number; on: boolean };

const idx = (n: number) => fc.nat({ max: n - 1 });
const some = (n: number) => fc.array(idx(n), { maxLength: 3 });
const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ k: fc.constant('createUser' as const), u: idx(USER_NAMES.length) }),
  fc.record({ k: fc.constant('setActive' as const), u: idx(8), active: fc.boolean(), entra: fc.boolean() }),
  fc.record({ k: fc.constant('renameUser' as const), u: idx(8), to: idx(USER_NAMES.length) }),
  fc.record({ k: fc.constant('deleteUser' as const), u: idx(8) }),
  fc.record({ k: fc.constant('createGroup' as const), n: idx(GROUP_NAMES.length), members: some(8) }),
  fc.record({ k: fc.constant('renameGroup' as const), g: idx(6), n: idx(GROUP_NAMES.length) }),
  fc.record({ k: fc.constant('deleteGroup' as const), g: idx(6) }),
  fc.record({ k: fc.constant('addMembers' as const), g: idx(6), members: some(8) }),
  fc.record({ k: fc.constant('removeMember' as const), g: idx(6), u: idx(8), legacy: fc.boolean() }),
  fc.record({ k: fc.constant('replaceMembers' as const), g: idx(6), members: some(8) }),
  fc.record({ k: fc.constant('createDataset' as const), d: idx(DATASETS.length), groups: some(6) }),
  fc.record({ k: fc.constant('deleteDataset' as const), d: idx(DATASETS.length) }),
  fc.record({ k: fc.constant('createDatasetGroup' as const), n: idx(GROUP_NAMES.length), datasets: some(DATASETS.length) }),
  fc.record({ k: fc.constant('renameDatasetGroup' as const), g: idx(6), n: idx(GROUP_NAMES.length) }),
  fc.record({ k: fc.constant('deleteDatasetGroup' as const), g: idx(6) }),
  fc.record({ k: fc.constant('assign' as const), g: idx(6), d: idx(DATASETS.length), on: fc.boolean() }),
);

function independent(server: ReferenceServer): Record<string, string[]> {
  const norm = (s: string) => s.normalize('NFC').trim().split(/\s+/).join(' ').toLowerCase();
  const out: Record<string, string[]> = {};
  for (const key of server.store.listApiKeys()) {
    if (!key.autoProvisioned || key.userId === undefined) continue;
    const user = server.store.getUser(key.userId);
    if (!user?.active) continue;
    const access = new Set<string>();
    for (const group of server.store.listGroups()) {
      if (!group.members.has(user.id)) continue;
      for (const dsg of server.store.listDatasetGroups()) if (norm(dsg.name) === norm(group.displayName)) for (const d of dsg.datasetIds) access.add(d);
    }
    if (access.size > 0) out[key.id] = [...access].sort();
  }
  return out;
}

async function apply(server: ReferenceServer, op: Op): Promise<number> {
  const info = server.info();
  const call = async (base: string, token: string, method: string, path: string, body?: unknown) => {
    const res = await server.fetch(
      new Request(`${base}${path}`, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) }),
    );
    await res.arrayBuffer();
    return res.status;
  };
  const scim = (method: string, path: string, body?: unknown) => call(info.scimBaseUrl, info.scimToken, method, path, body);
  const admin = (method: string, path: string, body?: unknown) => call(info.adminBaseUrl, info.adminToken, method, path, body);
  const users = [...server.store.listUsers()].map((u) => u.id);
  const groups = [...server.store.listGroups()].map((g) => g.id);
  const dsgs = [...server.store.listDatasetGroups()].map((g) => g.id);
  // Index past the end = an id that does not exist (exercises the 404/400 paths too).
  const user = (i: number) => users[i] ?? `missing-user-${i}`;
  const group = (i: number) => groups[i] ?? `missing-group-${i}`;
  const dsg = (i: number) => dsgs[i] ?? `missing-dsg-${i}`;
  const members = (list: number[]) => list.map((i) => ({ value: user(i) }));
  switch (op.k) {
    case 'createUser': return scim('POST', '/Users', { userName: `${USER_NAMES[op.u]}@example.com` });
    case 'setActive':
      return op.entra
        ? scim('PATCH', `/Users/${user(op.u)}`, patchOf({ op: 'Replace', path: 'active', value: op.active ? 'True' : 'False' }))
        : scim('PATCH', `/Users/${user(op.u)}`, patchOf({ op: 'replace', value: { active: op.active } }));
    case 'renameUser': return scim('PATCH', `/Users/${user(op.u)}`, patchOf({ op: 'replace', path: 'userName', value: `${USER_NAMES[op.to]}@example.com` }));
    case 'deleteUser': return scim('DELETE', `/Users/${user(op.u)}`);
    case 'createGroup': return scim('POST', '/Groups', { displayName: GROUP_NAMES[op.n], members: members(op.members) });
    case 'renameGroup': return scim('PATCH', `/Groups/${group(op.g)}`, patchOf({ op: 'replace', value: { id: group(op.g), displayName: GROUP_NAMES[op.n] } }));
    case 'deleteGroup': return scim('DELETE', `/Groups/${group(op.g)}`);
    case 'addMembers': return scim('PATCH', `/Groups/${group(op.g)}`, patchOf({ op: 'Add', path: 'members', value: members(op.members) }));
    case 'removeMember':
      return op.legacy
        ? scim('PATCH', `/Groups/${group(op.g)}`, patchOf({ op: 'Remove', path: 'members', value: [{ value: user(op.u) }] }))
        : scim('PATCH', `/Groups/${group(op.g)}`, patchOf({ op: 'remove', path: `members[value eq "${user(op.u)}"]` }));
    case 'replaceMembers': return scim('PATCH', `/Groups/${group(op.g)}`, patchOf({ op: 'replace', path: 'members', value: members(op.members) }));
    case 'createDataset': return admin('POST', '/datasets', { name: DATASETS[op.d], datasetGroups: op.groups.map(dsg) });
    case 'deleteDataset': return admin('DELETE', `/datasets/${DATASETS[op.d]}`);
    case 'createDatasetGroup': return admin('POST', '/dataset-groups', { name: GROUP_NAMES[op.n], datasets: op.datasets.map((d) => DATASETS[d]!).filter((n) => server.store.findDatasetByName(n)) });
    case 'renameDatasetGroup': return admin('PATCH', `/dataset-groups/${dsg(op.g)}`, { name: GROUP_NAMES[op.n] });
    case 'deleteDatasetGroup': return admin('DELETE', `/dataset-groups/${dsg(op.g)}`);
    case 'assign': return admin(op.on ? 'PUT' : 'DELETE', `/dataset-groups/${dsg(op.g)}/datasets/${DATASETS[op.d]}`);
  }
}

const SEED: Op[] = [
  { k: 'createUser', u: 0 },
  { k: 'createUser', u: 1 },
  { k: 'createUser', u: 2 },
  { k: 'createDataset', d: 0, groups: [] },
  { k: 'createDataset', d: 1, groups: [] },
  { k: 'createDataset', d: 2, groups: [] },
  { k: 'createDatasetGroup', n: 0, datasets: [0, 1] },
  { k: 'createDatasetGroup', n: 2, datasets: [2] },
  { k: 'createGroup', n: 0, members: [0, 1] },
  { k: 'createGroup', n: 2, members: [1, 2] },
];

describe('provisioning engine property', () => {
  it('materialised access == derived access == independent derivation after every operation', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 25 }), async (ops) => {
        const server = createReferenceServer();
        // Start from a populated state so that most random operations change someone's access.
        for (const op of SEED) expect(await apply(server, op)).toBeLessThan(300);
        expect(Object.keys(materialised(server))).toHaveLength(3);
        for (const op of ops) {
          const status = await apply(server, op);
          expect(status).toBeLessThan(500);
          const m = materialised(server);
          expect(m).toEqual(derived(server));
          expect(m).toEqual(independent(server));
          // Keys exist exactly for users, and are enabled exactly when the user is active.
          for (const u of server.store.listUsers()) expect(server.store.findApiKeyByUserId(u.id)?.enabled).toBe(u.active);
          expect([...server.store.listApiKeys()].filter((k) => k.autoProvisioned)).toHaveLength(server.store.countUsers());
        }
        await server.close();
      }),
      { numRuns: 50 },
    );
  });
});
