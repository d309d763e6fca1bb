// The seed documents' auto-provisioning table, one test per row, driven through SCIM and the admin API
// over a real socket. After every test, the materialised access equals the derived function.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { accessOf, derived, materialised, patchOf, startServer, type Running } from './helpers.js';

let run: Running;
beforeEach(async () => {
  run = await startServer();
  await run.admin('POST', '/datasets', { name: 'ledger' });
  await run.admin('POST', '/datasets', { name: 'payroll' });
  await run.admin('POST', '/dataset-groups', { name: 'Finance', datasets: ['ledger'] });
});
afterEach(async () => {
  expect(materialised(run.server)).toEqual(derived(run.server));
  await run.close();
});

const keyOf = (userName: string) => {
  const user = run.server.store.findUserByUserName(userName);
  return user ? run.server.store.findApiKeyByUserId(user.id) : undefined;
};
const createUser = async (userName: string) => ((await run.scim('POST', '/Users', { userName, name: { givenName: 'A', familyName: 'B' } })).body as { id: string }).id;
const createGroup = async (displayName: string, members: string[] = []) =>
  ((await run.scim('POST', '/Groups', { displayName, members: members.map((value) => ({ value })) })).body as { id: string }).id;

describe('auto-provisioning table (seed documents)', () => {
  it('IDP user is created → an API key named after the user, enabled, auto-provisioned, with stable public/signing values', async () => {
    await createUser('alice@example.com');
    const key = keyOf('alice@example.com')!;
    expect(key).toMatchObject({ name: 'alice@example.com', enabled: true, autoProvisioned: true });
    expect(key.accessKeyId).toMatch(/^[\w-]{32}$/);
    expect(key.secretSigningKey).toMatch(/^[\w-]{43}$/);
    expect(JSON.stringify(key)).not.toContain(key.secretSigningKey);
    const listed = await run.admin('GET', '/api-keys');
    expect((listed.body as { apiKeys: unknown }).apiKeys).toEqual([expect.objectContaining({ name: 'alice@example.com', autoProvisioned: true, enabled: true, access: [] })]);
    expect(JSON.stringify(listed.body)).not.toContain(key.secretSigningKey);
  });

  it('IDP user field change → the auto-provisioned key is renamed; its public and signing values stay', async () => {
    const id = await createUser('alice@example.com');
    const before = { ...keyOf('alice@example.com')! };
    await run.scim('PATCH', `/Users/${id}`, patchOf({ op: 'replace', path: 'userName', value: 'alice.smith@example.com' }));
    const after = keyOf('alice.smith@example.com')!;
    expect(after.name).toBe('alice.smith@example.com');
    expect([after.id, after.accessKeyId, after.secretSigningKey]).toEqual([before.id, before.accessKeyId, before.secretSigningKey]);
  });

  it('IDP user active field changed → key disabled and enabled (access follows)', async () => {
    const id = await createUser('alice@example.com');
    await createGroup('Finance', [id]);
    expect(accessOf(run.server, 'alice@example.com')).toEqual(['ledger']);
    await run.scim('PATCH', `/Users/${id}`, patchOf({ op: 'Replace', path: 'active', value: 'False' }));
    expect(keyOf('alice@example.com')!.enabled).toBe(false);
    expect(accessOf(run.server, 'alice@example.com')).toEqual([]);
    const why = await run.admin('GET', `/access?apiKey=${keyOf('alice@example.com')!.id}&dataset=ledger`);
    expect(why.body).toMatchObject({ allowed: false, reason: 'user_inactive' });
    await run.scim('PATCH', `/Users/${id}`, patchOf({ op: 'replace', value: { active: true } }));
    expect(keyOf('alice@example.com')!.enabled).toBe(true);
    expect(accessOf(run.server, 'alice@example.com')).toEqual(['ledger']);
  });

  it('IDP user is deleted → its API key is deleted', async () => {
    const id = await createUser('alice@example.com');
    const keyId = keyOf('alice@example.com')!.id;
    await run.scim('DELETE', `/Users/${id}`);
    expect(run.server.store.getApiKey(keyId)).toBeUndefined();
    expect((await run.admin('GET', `/api-keys/${keyId}`)).status).toBe(404);
  });

  it('IDP group created → nothing by itself (no key, no access)', async () => {
    const id = await createUser('alice@example.com');
    const keysBefore = [...run.server.store.listApiKeys()].length;
    await createGroup('Finance');
    expect([...run.server.store.listApiKeys()].length).toBe(keysBefore);
    expect(accessOf(run.server, 'alice@example.com')).toEqual([]);
    expect(id).toBeTruthy();
  });

  it('IDP group members are changed → the user key gets (and loses) the datasets of the matching dataset group', async () => {
    const alice = await createUser('alice@example.com');
    const bob = await createUser('bob@example.com');
    const g = await createGroup('  finance ');
    await run.scim('PATCH', `/Groups/${g}`, patchOf({ op: 'add', path: 'members', value: [{ value: alice }, { value: bob }] }));
    expect(accessOf(run.server, 'alice@example.com')).toEqual(['ledger']);
    expect(accessOf(run.server, 'bob@example.com')).toEqual(['ledger']);
    await run.scim('PATCH', `/Groups/${g}`, patchOf({ op: 'remove', path: `members[value eq "${bob}"]` }));
    expect(accessOf(run.server, 'bob@example.com')).toEqual([]);
    expect(accessOf(run.server, 'alice@example.com')).toEqual(['ledger']);
  });

  it('IDP group display_name changed → access of the old matching dataset group removed, the new one granted', async () => {
    await run.admin('POST', '/dataset-groups', { name: 'Payroll Team', datasets: ['payroll'] });
    const alice = await createUser('alice@example.com');
    const g = await createGroup('Finance', [alice]);
    await run.scim('PATCH', `/Groups/${g}`, patchOf({ op: 'replace', value: { id: g, displayName: 'Payroll  team' } }));
    expect(accessOf(run.server, 'alice@example.com')).toEqual(['payroll']);
    await run.scim('PATCH', `/Groups/${g}`, patchOf({ op: 'Replace', path: 'displayName', value: 'Unmatched' }));
    expect(accessOf(run.server, 'alice@example.com')).toEqual([]);
  });

  it('IDP group deleted → all corresponding key access to the matching dataset group is removed', async () => {
    const alice = await createUser('alice@example.com');
    const g = await createGroup('Finance', [alice]);
    await run.scim('DELETE', `/Groups/${g}`);
    expect(accessOf(run.server, 'alice@example.com')).toEqual([]);
    expect(keyOf('alice@example.com')!.enabled).toBe(true); // the key itself stays
  });

  it('Dataset creation (in Ubiq UI) → access provisioned when the dataset is in a matching dataset group', async () => {
    const alice = await createUser('alice@example.com');
    await createGroup('Finance', [alice]);
    const created = await run.admin('POST', '/datasets', { name: 'forecast', type: 'structured', datasetGroups: ['FINANCE'] });
    expect(created.status).toBe(201);
    expect(accessOf(run.server, 'alice@example.com')).toEqual(['forecast', 'ledger']);
    await run.admin('POST', '/datasets', { name: 'loose' });
    expect(accessOf(run.server, 'alice@example.com')).toEqual(['forecast', 'ledger']);
  });

  it('Dataset → Dataset Group assignment (in Ubiq UI) → access provisioned to the keys of the matching group', async () => {
    const alice = await createUser('alice@example.com');
    await createGroup('Finance', [alice]);
    const fin = ((await run.admin('GET', '/dataset-groups/Finance')).body as { id: string }).id;
    await run.admin('PUT', `/dataset-groups/${fin}/datasets/payroll`);
    expect(accessOf(run.server, 'alice@example.com')).toEqual(['ledger', 'payroll']);
    const why = await run.admin('GET', `/access?apiKey=${keyOf('alice@example.com')!.accessKeyId}&dataset=payroll`);
    expect(why.body).toMatchObject({ allowed: true, reason: 'group_membership', via: { groupDisplayName: 'Finance', datasetGroupName: 'Finance' } });
    await run.admin('DELETE', `/dataset-groups/${fin}/datasets/payroll`);
    expect(accessOf(run.server, 'alice@example.com')).toEqual(['ledger']);
  });

  it('Note: editing an auto-provisioned API key in the UI is refused (409 with a clear message)', async () => {
    await createUser('alice@example.com');
    const key = keyOf('alice@example.com')!;
    for (const [method, body] of [['PATCH', { enabled: false }], ['PATCH', { name: 'x' }], ['DELETE', undefined]] as const) {
      const res = await run.admin(method, `/api-keys/${key.id}`, body);
      expect(res.status).toBe(409);
      expect(res.body).toMatchObject({ code: 'api_key_auto_provisioned' });
      expect((res.body as { message: string }).message).toContain('auto-provisioned');
    }
    expect(keyOf('alice@example.com')).toMatchObject({ enabled: true, name: 'alice@example.com' });
  });
});
