// Both IdPs' provisioning agents (ubiq-idp/testing), full sequences, against the reference server over a
// real socket; then the recorded fixtures replayed; access checked against the seed table after each step.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createEntraProvisioningAgent, createOktaEmulator, createEntraEmulator, createOktaProvisioningAgent } from 'ubiq-idp/testing';
import { readScimFixture, replayScimFixture } from '../testing/provisioning-agent-fixtures.js';
import { accessOf, derived, materialised, startServer, type Running } from './helpers.js';

let run: Running;
beforeEach(async () => {
  run = await startServer();
  // The "Ubiq UI" side: datasets in dataset groups named like the IdP groups.
  await run.admin('POST', '/datasets', { name: 'ledger', type: 'structured' });
  await run.admin('POST', '/datasets', { name: 'payroll', type: 'unstructured' });
  await run.admin('POST', '/datasets', { name: 'source-code', type: 'unstructured' });
  await run.admin('POST', '/datasets', { name: 'roadmap', type: 'unstructured' });
  await run.admin('POST', '/dataset-groups', { name: 'Finance', datasets: ['ledger', 'payroll'] });
  await run.admin('POST', '/dataset-groups', { name: 'Finance EU', datasets: ['ledger'] });
  await run.admin('POST', '/dataset-groups', { name: 'Engineering', datasets: ['source-code'] });
  await run.admin('POST', '/dataset-groups', { name: 'Platform Engineering', datasets: ['roadmap'] });
});
afterEach(async () => {
  expect(materialised(run.server)).toEqual(derived(run.server));
  await run.close();
});

const alice = { id: '00u1alice', login: 'alice@example.com', firstName: 'Alice', lastName: 'Smith', email: 'alice@example.com' };
const bob = { id: '00u2bob', login: 'bob@example.com', firstName: 'Bob', lastName: 'Jones', email: 'bob@example.com' };

describe('Okta provisioning agent against the reference server', () => {
  it('runs the whole Okta lifecycle and access follows the seed table', async () => {
    const okta = createOktaProvisioningAgent({ scimBaseUrl: run.scimBaseUrl, token: run.server.info().scimToken });
    expect(await okta.testApiCredentials()).toEqual({ totalResults: 0 });
    const a = await okta.assignUser(alice);
    expect(a.linked).toBe(false);
    await okta.assignUser(bob);
    // user created → key created, named after the user, no access yet (group created → nothing).
    const keys = run.server.store.listApiKeys();
    expect([...keys].map((k) => [k.name, k.enabled, k.autoProvisioned])).toEqual([
      ['alice@example.com', true, true],
      ['bob@example.com', true, true],
    ]);
    // Re-assigning finds the user through the case-insensitive filter and links.
    expect((await okta.assignUser({ ...alice, login: 'ALICE@example.com' })).linked).toBe(true);

    await okta.updateProfile({ ...alice, lastName: 'Smith-Jones' });
    expect(run.server.store.getUser(a.scimId)?.attributes.name).toEqual({ givenName: 'Alice', familyName: 'Smith-Jones' });

    const pushed = await okta.pushGroup({ name: 'Finance' }, [alice]);
    expect(pushed.linked).toBe(false);
    expect(accessOf(run.server, 'alice@example.com')).toEqual(['ledger', 'payroll']);
    expect(accessOf(run.server, 'bob@example.com')).toEqual([]);

    await okta.updateGroupMembers({ name: 'Finance' }, { add: [bob], remove: [alice] });
    expect(accessOf(run.server, 'alice@example.com')).toEqual([]);
    expect(accessOf(run.server, 'bob@example.com')).toEqual(['ledger', 'payroll']);

    await okta.replaceGroupMembers({ name: 'Finance' }, [alice, bob]);
    expect(accessOf(run.server, 'alice@example.com')).toEqual(['ledger', 'payroll']);

    // Rename: access of the old matching dataset group removed, the new one granted.
    await okta.renameGroup({ name: 'Finance' }, 'Finance EU');
    expect(accessOf(run.server, 'alice@example.com')).toEqual(['ledger']);

    await okta.deactivateUser(bob);
    const bobKey = run.server.store.findApiKeyByUserId(okta.scimIdOf(bob)!)!;
    expect(bobKey.enabled).toBe(false);
    expect(accessOf(run.server, 'bob@example.com')).toEqual([]);
    // A deactivated user is still returned by GET with active:false.
    const got = await run.scim('GET', `/Users/${okta.scimIdOf(bob)}`);
    expect((got.body as { active: boolean }).active).toBe(false);
    await okta.reactivateUser(bob);
    expect(run.server.store.findApiKeyByUserId(okta.scimIdOf(bob)!)!.enabled).toBe(true);
    expect(accessOf(run.server, 'bob@example.com')).toEqual(['ledger']);
    await okta.deactivateUser(bob, { via: 'put' });
    expect(run.server.store.findApiKeyByUserId(okta.scimIdOf(bob)!)!.enabled).toBe(false);

    await okta.unassignUser(alice);
    expect(run.server.store.getUser(a.scimId)?.active).toBe(false);

    await okta.deleteGroup({ name: 'Finance EU' });
    expect(run.server.store.countGroups()).toBe(0);
    expect(materialised(run.server)).toEqual({});
    // Keys stay: Okta never deletes users.
    expect(run.server.store.findApiKeyByUserId(a.scimId)).toMatchObject({ enabled: false, name: 'alice@example.com' });
    expect(run.server.store.findApiKeyByUserId(okta.scimIdOf(bob)!)?.accessKeyId).toBe(bobKey.accessKeyId);
  });

  it('"Okta assigns alice and pushes group Finance" from the Okta emulator; application/json bodies accepted', async () => {
    const emulator = createOktaEmulator({
      users: [
        { id: '00u1alice', login: 'alice@example.com', password: 'pw-alice-1', groups: ['Finance'], profile: { firstName: 'Alice', lastName: 'Smith' } },
        { id: '00u2bob', login: 'bob@example.com', password: 'pw-bob-1', groups: ['Finance'] },
      ],
    });
    const okta = createOktaProvisioningAgent({ scimBaseUrl: run.scimBaseUrl, token: run.server.info().scimToken, emulator, contentType: 'application/json' });
    await okta.assignUser('alice@example.com');
    await okta.pushGroup('Finance');
    expect(accessOf(run.server, 'alice@example.com')).toEqual(['ledger', 'payroll']);
    expect(run.server.store.findUserByUserName('bob@example.com')).toBeUndefined();
    await emulator.close();
  });

  it('a wrong token makes the agent fail with its unauthorized error', async () => {
    const okta = createOktaProvisioningAgent({ scimBaseUrl: run.scimBaseUrl, token: 'not-the-token-at-all' });
    await expect(okta.testApiCredentials()).rejects.toMatchObject({ status: 401 });
  });
});

describe('Entra provisioning agent against the reference server', () => {
  it.each(['default', 'aadOptscim062020'] as const)('runs the whole Entra lifecycle (%s dialect)', async (patchDialect) => {
    const entra = createEntraProvisioningAgent({ scimBaseUrl: run.scimBaseUrl, token: run.server.info().scimToken, patchDialect });
    await entra.testConnection();
    expect((await entra.discoverSchemas()).totalResults).toBeGreaterThanOrEqual(3);
    const carol = { id: 'c-1', userPrincipalName: 'carol@contoso.com', givenName: 'Carol', surname: 'Diaz', employeeId: 'E100' };
    const dave = { id: 'd-1', userPrincipalName: 'dave@contoso.com', givenName: 'Dave', surname: 'Kim', mail: 'dave.kim@contoso.com', manager: 'carol@contoso.com' };
    await entra.provisionUser(carol);
    const d = await entra.provisionUser(dave);
    const daveRecord = run.server.store.getUser(d.scimId)!;
    expect(daveRecord.attributes['urn:ietf:params:scim:schemas:extension:enterprise:2.0:User']).toEqual({ manager: { value: entra.scimIdOf(carol) } });

    const changed = await entra.updateUser({ ...dave, givenName: 'David', surname: 'Kim-Lee', jobTitle: 'Engineer', department: 'R&D', mail: 'david.kim@contoso.com' });
    expect(changed.changed.length).toBeGreaterThan(0);
    const after = (await run.scim('GET', `/Users/${d.scimId}`)).body as {
      name: { givenName: string };
      emails: unknown;
      'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User': { department: string };
    };
    expect(after.name.givenName).toBe('David');
    expect(after.emails).toEqual([{ primary: true, type: 'work', value: 'david.kim@contoso.com' }]);
    expect(after['urn:ietf:params:scim:schemas:extension:enterprise:2.0:User'].department).toBe('R&D');
    // Nothing differs any more: Entra sends nothing.
    expect((await entra.updateUser({ ...dave, givenName: 'David', surname: 'Kim-Lee', jobTitle: 'Engineer', department: 'R&D', mail: 'david.kim@contoso.com' })).changed).toEqual([]);

    const group = { id: 'grp-eng', displayName: 'Engineering' };
    await entra.provisionGroup(group, [carol, dave]);
    expect(accessOf(run.server, 'carol@contoso.com')).toEqual(['source-code']);
    expect(accessOf(run.server, 'dave@contoso.com')).toEqual(['source-code']);

    await entra.disableUser(carol);
    expect(run.server.store.findUserByUserName('carol@contoso.com')?.active).toBe(false);
    expect(accessOf(run.server, 'carol@contoso.com')).toEqual([]);
    await entra.enableUser(carol);
    expect(accessOf(run.server, 'carol@contoso.com')).toEqual(['source-code']);

    await entra.removeMembers(group, [dave], { shape: 'legacy' });
    expect(accessOf(run.server, 'dave@contoso.com')).toEqual([]);
    await entra.removeMembers(group, [carol], { shape: 'filter' });
    expect(accessOf(run.server, 'carol@contoso.com')).toEqual([]);
    await entra.addMembers(group, [carol, carol]);
    expect(run.server.store.getGroup(entra.scimGroupIdOf(group)!)?.members.size).toBe(1);

    await entra.renameGroup(group, 'Platform Engineering');
    expect(accessOf(run.server, 'carol@contoso.com')).toEqual(['roadmap']);

    await entra.deleteGroup({ ...group, displayName: 'Platform Engineering' });
    expect(accessOf(run.server, 'carol@contoso.com')).toEqual([]);
    await entra.deleteUser(dave);
    expect(run.server.store.getUser(d.scimId)).toBeUndefined();
    expect(run.server.store.findApiKeyByUserId(d.scimId)).toBeUndefined();
  });

  it('"Entra provisions carol and the group Engineering" from the Entra emulator', async () => {
    const emulator = createEntraEmulator({
      users: [
        { userPrincipalName: 'carol@contoso.com', password: 'pw-carol-1', givenName: 'Carol', surname: 'Diaz', groups: ['Engineering'] },
        { userPrincipalName: 'erin@contoso.com', password: 'pw-erin-1', groups: ['Sales'] },
      ],
    });
    const entra = createEntraProvisioningAgent({ scimBaseUrl: run.scimBaseUrl, token: run.server.info().scimToken, emulator });
    await entra.provisionUser('carol@contoso.com');
    await entra.provisionUser('erin@contoso.com');
    await entra.provisionGroup('Engineering');
    expect(accessOf(run.server, 'carol@contoso.com')).toEqual(['source-code']);
    expect(accessOf(run.server, 'erin@contoso.com')).toEqual([]);
    await emulator.close();
  });
});

describe('recorded SCIM fixtures replay against the reference server', () => {
  it.each(['okta-lifecycle', 'entra-default-lifecycle', 'entra-aadoptscim062020'])('%s: every answer is one the IdP accepts', async (name) => {
    const fixture = readScimFixture(name);
    const results = await replayScimFixture(fixture, { scimBaseUrl: run.scimBaseUrl, token: run.server.info().scimToken });
    expect(results.filter((r) => !r.ok)).toEqual([]);
    expect(results.map((r) => r.status)).toEqual(fixture.requests.map((r) => r.status));
  });
});
