import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  createEntraEmulator,
  createEntraProvisioningAgent,
  type EntraAgentUser,
} from 'ubiq-idp/testing';
import {
  caughtScimAgentError as caught,
  startRecordingScimServer,
  wireOf,
  type RecordingScimServer,
} from './provisioning-agent-recorder.js';
import { expectMatchesFixture } from './provisioning-agent-fixtures.js';

const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const ADSCIM = 'http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group';
const PATCH = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const GUID = '5b50642d-79fc-4410-9e90-4c077cdd1a59';

const carol: EntraAgentUser = {
  id: '11111111-aaaa-4bbb-8ccc-000000000001',
  userPrincipalName: 'carol@contoso.com',
  givenName: 'Carol',
  surname: 'Diaz',
  employeeId: 'E100',
};
const dave: EntraAgentUser = {
  id: '11111111-aaaa-4bbb-8ccc-000000000002',
  userPrincipalName: 'dave@contoso.com',
  mailNickname: 'dave',
  givenName: 'Dave',
  surname: 'Kim',
  mail: 'dave.kim@contoso.com',
  manager: 'carol@contoso.com',
};
const engineering = { id: '22222222-aaaa-4bbb-8ccc-000000000001', displayName: 'Engineering' };

let server: RecordingScimServer;
beforeEach(async () => {
  server = await startRecordingScimServer();
});
afterEach(async () => {
  await server.close();
});

function agent(extra: Partial<Parameters<typeof createEntraProvisioningAgent>[0]> = {}) {
  return createEntraProvisioningAgent({ scimBaseUrl: server.baseUrl, token: server.token, randomGuid: () => GUID, ...extra });
}


const patch = (path: string, ...Operations: unknown[]) => ({ method: 'PATCH', path, query: {}, body: { schemas: [PATCH], Operations } });


describe('Entra provisioning agent: request sequences', () => {
  it('replays Test Connection, user and group lifecycles with the default PATCH quirks', async () => {
    const entra = agent();
    expect(await entra.testConnection()).toEqual({ guid: GUID });
    await entra.discoverSchemas();
    expect(await entra.provisionUser(carol)).toEqual({ scimId: 'u1', linked: false });
    expect(await entra.provisionUser(dave)).toEqual({ scimId: 'u2', linked: false });
    const update = await entra.updateUser({ ...dave, surname: 'Kim-Lee', jobTitle: 'Engineer', department: 'R&D' });
    expect(update.changed).toEqual([
      'displayName',
      'title',
      'name.familyName',
      'name.formatted',
      `${ENTERPRISE}:department`,
    ]);
    await entra.disableUser(carol);
    await entra.enableUser(carol);
    expect(await entra.provisionGroup(engineering, [carol, dave])).toEqual({ scimGroupId: 'g1', linked: false, memberIds: ['u1', 'u2'] });
    await entra.removeMembers(engineering, [dave]);
    await entra.removeMembers(engineering, [carol], { shape: 'filter' });
    await entra.addMembers(engineering, [dave]);
    await entra.renameGroup(engineering, 'Platform Engineering');
    await entra.deleteGroup('Platform Engineering');
    await entra.deleteUser(dave);

    expect(wireOf(server)).toEqual([
      { method: 'GET', path: '/Users', query: { filter: `userName eq "${GUID}"` } },
      { method: 'GET', path: '/Groups', query: { excludedAttributes: 'members', filter: `displayName eq "${GUID}"` } },
      { method: 'GET', path: '/Schemas', query: {} },
      { method: 'GET', path: '/Users', query: { filter: 'userName eq "carol@contoso.com"' } },
      {
        method: 'POST',
        path: '/Users',
        query: {},
        body: {
          schemas: [USER, ENTERPRISE],
          externalId: 'carol',
          userName: 'carol@contoso.com',
          active: true,
          displayName: 'Carol Diaz',
          emails: [{ primary: true, type: 'work', value: 'carol@contoso.com' }],
          meta: { resourceType: 'User' },
          name: { formatted: 'Carol Diaz', familyName: 'Diaz', givenName: 'Carol' },
          roles: [],
          [ENTERPRISE]: { employeeNumber: 'E100' },
        },
      },
      { method: 'GET', path: '/Users', query: { filter: 'userName eq "dave@contoso.com"' } },
      {
        method: 'POST',
        path: '/Users',
        query: {},
        body: {
          schemas: [USER, ENTERPRISE],
          externalId: 'dave',
          userName: 'dave@contoso.com',
          active: true,
          displayName: 'Dave Kim',
          emails: [{ primary: true, type: 'work', value: 'dave.kim@contoso.com' }],
          meta: { resourceType: 'User' },
          name: { formatted: 'Dave Kim', familyName: 'Kim', givenName: 'Dave' },
          roles: [],
        },
      },
      patch('/Users/u2', { op: 'Add', path: `${ENTERPRISE}:manager`, value: 'u1' }),
      { method: 'GET', path: '/Users/u2', query: {} },
      patch(
        '/Users/u2',
        { op: 'Replace', path: 'displayName', value: 'Dave Kim-Lee' },
        { op: 'Add', path: 'title', value: 'Engineer' },
        { op: 'Replace', path: 'name.familyName', value: 'Kim-Lee' },
        { op: 'Replace', path: 'name.formatted', value: 'Dave Kim-Lee' },
        { op: 'Add', path: `${ENTERPRISE}:department`, value: 'R&D' },
      ),
      patch('/Users/u1', { op: 'Replace', path: 'active', value: 'False' }),
      patch('/Users/u1', { op: 'Replace', path: 'active', value: 'True' }),
      { method: 'GET', path: '/Groups', query: { excludedAttributes: 'members', filter: 'displayName eq "Engineering"' } },
      {
        method: 'POST',
        path: '/Groups',
        query: {},
        body: { schemas: [GROUP, ADSCIM], externalId: engineering.id, displayName: 'Engineering', meta: { resourceType: 'Group' } },
      },
      patch('/Groups/g1', { op: 'Add', path: 'members', value: [{ value: 'u1' }, { value: 'u2' }] }),
      patch('/Groups/g1', { op: 'Remove', path: 'members', value: [{ value: 'u2' }] }),
      patch('/Groups/g1', { op: 'Remove', path: 'members[value eq "u1"]' }),
      patch('/Groups/g1', { op: 'Add', path: 'members', value: [{ value: 'u2' }] }),
      patch('/Groups/g1', { op: 'Replace', path: 'displayName', value: 'Platform Engineering' }),
      { method: 'DELETE', path: '/Groups/g1', query: {} },
      { method: 'DELETE', path: '/Users/u2', query: {} },
    ]);
    expect(server.users.has('u2')).toBe(false);
    expect(server.users.get('u1')?.active).toBe(true);
    expectMatchesFixture('entra-default-lifecycle', {
      description:
        'Entra (non-gallery SCIM app, default behaviour): Test Connection; schema discovery; provision carol and dave (manager carol); update dave; disable+enable carol; provision Engineering with both; remove dave (legacy shape) and carol (filter shape); add dave; rename to "Platform Engineering"; delete the group; delete dave.',
      agent: 'entra',
      requests: entra.requests,
    });
  });

  it('sends the aadOptscim062020 shapes: lower-case ops, booleans, one path-less multi-attribute replace', async () => {
    const entra = agent({ patchDialect: 'aadOptscim062020' });
    await entra.provisionUser(carol);
    await entra.provisionUser(dave);
    await entra.updateUser({ ...dave, givenName: 'David', mail: 'david.kim@contoso.com', employeeId: 'E200', manager: undefined });
    await entra.disableUser(dave);
    await entra.provisionGroup(engineering, [carol, dave]);
    await entra.removeMembers(engineering, [carol, dave]);

    const patches = wireOf(server).filter((r) => r.method === 'PATCH');
    expect(patches).toEqual([
      patch('/Users/u2', { op: 'add', path: `${ENTERPRISE}:manager`, value: 'u1' }),
      patch(
        '/Users/u2',
        { op: 'replace', path: 'emails[type eq "work"].value', value: 'david.kim@contoso.com' },
        { op: 'add', path: `${ENTERPRISE}:employeeNumber`, value: 'E200' },
        {
          op: 'replace',
          value: { displayName: 'David Kim', 'name.givenName': 'David', 'name.formatted': 'David Kim' },
        },
      ),
      patch('/Users/u2', { op: 'replace', path: 'active', value: false }),
      patch('/Groups/g1', { op: 'add', path: 'members', value: [{ value: 'u1' }, { value: 'u2' }] }),
      patch('/Groups/g1', { op: 'remove', path: 'members[value eq "u1"]' }, { op: 'remove', path: 'members[value eq "u2"]' }),
    ]);
    expect(server.groups.get('g1')?.members).toEqual([]);
    expectMatchesFixture('entra-aadoptscim062020', {
      description:
        'Entra with the aadOptscim062020 Tenant URL flag: provision carol and dave; update dave (e-mail path op, add, path-less multi-attribute replace); disable dave; provision Engineering; remove both members by filter.',
      agent: 'entra',
      requests: entra.requests,
    });
  });

  it('sends the manager as a plain string inside the path-less replace when it changes', async () => {
    const entra = agent({ patchDialect: 'aadOptscim062020' });
    const erin: EntraAgentUser = { id: '3', userPrincipalName: 'erin@contoso.com', givenName: 'Erin', surname: 'Wu' };
    await entra.provisionUser(carol);
    await entra.provisionUser(erin);
    await entra.provisionUser({ ...dave, manager: 'erin@contoso.com' });
    await entra.updateUser(dave);
    expect(server.requests.at(-1)?.body).toEqual({
      schemas: [PATCH],
      Operations: [{ op: 'replace', value: { [`${ENTERPRISE}:manager`]: 'u1' } }],
    });
  });

  it('sends headers like the Entra provisioning service', async () => {
    await agent().provisionUser(carol);
    expect(server.requests[0]?.headers).toMatchObject({
      authorization: `Bearer ${server.token}`,
      'user-agent': 'Microsoft Azure AD SCIM provisioning 1.0.0',
      accept: 'application/scim+json',
      'raw-query': '?filter=userName%20eq%20%22carol%40contoso.com%22',
    });
    expect(server.requests[1]?.headers['content-type']).toBe('application/scim+json');
  });

  it('links to an existing user and patches only what differs; nothing when all matches', async () => {
    server.users.set('u7', {
      schemas: [USER],
      id: 'u7',
      userName: 'Carol@Contoso.com',
      externalId: 'carol',
      displayName: 'Carol Diaz',
      name: { givenName: 'Carol', familyName: 'Diaz', formatted: 'Carol Diaz' },
      emails: [{ type: 'work', value: 'carol@contoso.com', primary: true }],
      [ENTERPRISE]: { employeeNumber: 'E1' },
    });
    const entra = agent();
    expect(await entra.provisionUser(carol)).toEqual({ scimId: 'u7', linked: true });
    expect(wireOf(server).slice(1)).toEqual([
      patch(
        '/Users/u7',
        { op: 'Replace', path: 'userName', value: 'carol@contoso.com' },
        { op: 'Replace', path: `${ENTERPRISE}:employeeNumber`, value: 'E100' },
      ),
    ]);
    expect(await entra.updateUser(carol)).toEqual({ scimId: 'u7', changed: [] });
    expect(wireOf(server).at(-1)).toEqual({ method: 'GET', path: '/Users/u7', query: {} });
  });

  it('accepts 200 with the resource for a group PATCH as well as 204', async () => {
    const entra = agent();
    await entra.provisionUser(carol);
    await entra.provisionGroup(engineering);
    server.override((r) => r.method === 'PATCH', { status: 200, body: { id: 'g1', displayName: 'Engineering' } });
    await expect(entra.addMembers(engineering, [carol])).resolves.toEqual({ scimGroupId: 'g1' });
  });
});

describe('Entra provisioning agent: failures', () => {
  it('fails Test Connection when the server ignores the filter and returns users', async () => {
    server.users.set('u1', { id: 'u1', userName: 'someone@contoso.com' });
    server.override((r) => r.path === '/Users', {
      status: 200,
      body: { totalResults: 1, Resources: [{ id: 'u1', userName: 'someone@contoso.com' }] },
    });
    const error = await caught(agent().testConnection());
    expect(error).toMatchObject({ code: 'SCIM_AGENT_UNEXPECTED_RESPONSE', path: '/Users', status: 200 });
    expect(error.message).toMatch(/empty ListResponse/);
  });

  it('maps 401 on Test Connection to the Secret Token step', async () => {
    const error = await caught(createEntraProvisioningAgent({ scimBaseUrl: server.baseUrl, token: 'not-the-token' }).testConnection());
    expect(error).toMatchObject({ status: 401, agent: 'entra' });
    expect(error.hint).toMatch(/Secret Token/);
  });

  it('maps 404 to the Tenant URL step', async () => {
    const error = await caught(agent({ scimBaseUrl: `${server.baseUrl}/wrong` }).testConnection());
    expect(error.status).toBe(404);
    expect(error.hint).toMatch(/Tenant URL/);
  });

  it('throws on a 500 answer to a PATCH and records the status', async () => {
    const entra = agent();
    await entra.provisionUser(carol);
    server.override((r) => r.method === 'PATCH', { status: 500, body: 'boom' });
    const error = await caught(entra.disableUser(carol));
    expect(error).toMatchObject({ status: 500, method: 'PATCH', path: '/Users/u1', detail: 'boom' });
    expect(entra.requests.at(-1)?.status).toBe(500);
  });

  it('refuses to add a member that was never provisioned, before sending anything', async () => {
    const entra = agent();
    await entra.provisionGroup(engineering);
    const before = server.requests.length;
    const error = await caught(entra.addMembers(engineering, [dave]));
    expect(error.code).toBe('SCIM_AGENT_NOT_PROVISIONED');
    expect(server.requests.length).toBe(before);
  });
});

describe('Entra provisioning agent: users and groups from the Entra emulator', () => {
  function emulator() {
    return createEntraEmulator({
      users: [
        { userPrincipalName: 'carol@contoso.com', password: 'pw-carol-1', givenName: 'Carol', surname: 'Diaz', groups: ['Engineering'] },
        { userPrincipalName: 'dave@contoso.com', password: 'pw-dave-1', groups: ['Engineering'] },
        { userPrincipalName: 'erin@contoso.com', password: 'pw-erin-1', groups: ['Sales'] },
      ],
    });
  }

  it('"Entra provisions carol and dave and the group Engineering": payloads and members come from the emulator', async () => {
    const entraEmulator = emulator();
    const entra = agent({ emulator: entraEmulator });
    await entra.provisionUser('carol@contoso.com');
    await entra.provisionUser('dave@contoso.com');
    await entra.provisionUser('erin@contoso.com');
    const result = await entra.provisionGroup('Engineering');
    expect(result).toEqual({ scimGroupId: 'g1', linked: false, memberIds: ['u1', 'u2'] });
    expect(server.requests[1]?.body).toMatchObject({
      userName: 'carol@contoso.com',
      externalId: 'carol',
      name: { givenName: 'Carol', familyName: 'Diaz', formatted: 'Carol Diaz' },
    });
    // dave has no surname: Entra sends no familyName rather than an empty one.
    expect((server.requests[3]?.body as { name: Record<string, unknown> }).name).toEqual({ formatted: 'dave', givenName: 'dave' });
    expect(server.requests.at(-2)?.body).toMatchObject({ externalId: entraEmulator.getGroup('Engineering')?.id, displayName: 'Engineering' });
    expect(server.requests.at(-1)?.body).toMatchObject({ Operations: [{ op: 'Add', path: 'members', value: [{ value: 'u1' }, { value: 'u2' }] }] });
  });

  it('throws SCIM_AGENT_UNKNOWN_DIRECTORY_OBJECT for an unknown group', async () => {
    const error = await caught(agent({ emulator: emulator() }).provisionGroup('Nope'));
    expect(error.code).toBe('SCIM_AGENT_UNKNOWN_DIRECTORY_OBJECT');
    expect(server.requests).toEqual([]);
  });
});

describe('Entra provisioning agent: identity of provisioned users', () => {
  it('finds a user by objectId after its UPN changed, and forgets every key on delete', async () => {
    const entra = agent();
    await entra.provisionUser(carol);
    const renamed = { ...carol, userPrincipalName: 'carol.diaz@contoso.com' };
    expect(await entra.updateUser(renamed)).toEqual({ scimId: 'u1', changed: ['userName', 'emails[type eq "work"].value', 'externalId'] });
    expect(entra.scimIdOf('carol.diaz@contoso.com')).toBe('u1');
    await entra.deleteUser('carol.diaz@contoso.com');
    expect(entra.scimIdOf(carol)).toBeUndefined();
    expect(entra.scimIdOf('carol@contoso.com')).toBeUndefined();
  });
});
