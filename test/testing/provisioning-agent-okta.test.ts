import { inspect } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  createOktaEmulator,
  createOktaProvisioningAgent,
  type OktaAgentUser,
} from 'ubiq-idp/testing';
import {
  caughtScimAgentError as caught,
  startRecordingScimServer,
  wireOf,
  type RecordingScimServer,
} from './provisioning-agent-recorder.js';
import { expectMatchesFixture } from './provisioning-agent-fixtures.js';

const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const PATCH = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

const alice: OktaAgentUser = { id: '00u1alice', login: 'alice@example.com', firstName: 'Alice', lastName: 'Smith', email: 'alice@example.com' };
const bob: OktaAgentUser = { id: '00u2bob', login: 'bob@example.com', firstName: 'Bob', lastName: 'Jones', email: 'bob@example.com' };

let server: RecordingScimServer;
beforeEach(async () => {
  server = await startRecordingScimServer();
});
afterEach(async () => {
  await server.close();
});

function agent(extra: Partial<Parameters<typeof createOktaProvisioningAgent>[0]> = {}) {
  return createOktaProvisioningAgent({ scimBaseUrl: server.baseUrl, token: server.token, password: () => 'pl4ceh0lder', ...extra });
}



describe('Okta provisioning agent: request sequences', () => {
  it('replays the whole Okta lifecycle exactly as Okta sends it', async () => {
    const okta = agent();
    await okta.testApiCredentials();
    expect(await okta.assignUser(alice)).toEqual({ scimId: 'u1', linked: false });
    expect(await okta.assignUser(bob)).toEqual({ scimId: 'u2', linked: false });
    await okta.updateProfile({ ...alice, lastName: 'Smith-Jones' });
    expect(await okta.pushGroup({ name: 'Finance' }, [alice])).toEqual({ scimGroupId: 'g1', linked: false, memberIds: ['u1'] });
    await okta.updateGroupMembers('Finance', { add: [bob], remove: [alice] });
    await okta.replaceGroupMembers('Finance', [alice, bob]);
    await okta.renameGroup('Finance', 'Finance EU');
    await okta.deactivateUser(bob);
    await okta.reactivateUser(bob);
    await okta.unassignUser(alice);
    expect(await okta.deleteGroup('Finance EU')).toEqual({ scimGroupId: 'g1' });

    const aliceCreate = {
      schemas: [USER],
      userName: 'alice@example.com',
      name: { givenName: 'Alice', familyName: 'Smith' },
      emails: [{ primary: true, value: 'alice@example.com', type: 'work' }],
      displayName: 'Alice Smith',
      locale: 'en-US',
      externalId: '00u1alice',
      groups: [],
      password: 'pl4ceh0lder',
      active: true,
    };
    const expected = [
      { method: 'GET', path: '/Users', query: { startIndex: '1', count: '2' } },
      { method: 'GET', path: '/Users', query: { filter: 'userName eq "alice@example.com"', startIndex: '1', count: '100' } },
      { method: 'POST', path: '/Users', query: {}, body: aliceCreate },
      { method: 'GET', path: '/Users', query: { filter: 'userName eq "bob@example.com"', startIndex: '1', count: '100' } },
      {
        method: 'POST',
        path: '/Users',
        query: {},
        body: {
          ...aliceCreate,
          userName: 'bob@example.com',
          name: { givenName: 'Bob', familyName: 'Jones' },
          emails: [{ primary: true, value: 'bob@example.com', type: 'work' }],
          displayName: 'Bob Jones',
          externalId: '00u2bob',
        },
      },
      { method: 'GET', path: '/Users/u1', query: {} },
      {
        method: 'PUT',
        path: '/Users/u1',
        query: {},
        body: {
          ...aliceCreate,
          password: undefined,
          id: 'u1',
          meta: { resourceType: 'User' },
          name: { givenName: 'Alice', familyName: 'Smith-Jones' },
          displayName: 'Alice Smith-Jones',
        },
      },
      { method: 'GET', path: '/Groups', query: { filter: 'displayName eq "Finance"', startIndex: '1', count: '100' } },
      { method: 'POST', path: '/Groups', query: {}, body: { schemas: [GROUP], displayName: 'Finance', members: [] } },
      {
        method: 'PATCH',
        path: '/Groups/g1',
        query: {},
        body: { schemas: [PATCH], Operations: [{ op: 'add', path: 'members', value: [{ value: 'u1', display: 'alice@example.com' }] }] },
      },
      {
        method: 'PATCH',
        path: '/Groups/g1',
        query: {},
        body: {
          schemas: [PATCH],
          Operations: [
            { op: 'remove', path: 'members[value eq "u1"]' },
            { op: 'add', path: 'members', value: [{ value: 'u2', display: 'bob@example.com' }] },
          ],
        },
      },
      {
        method: 'PATCH',
        path: '/Groups/g1',
        query: {},
        body: {
          schemas: [PATCH],
          Operations: [
            {
              op: 'replace',
              path: 'members',
              value: [
                { value: 'u1', display: 'alice@example.com' },
                { value: 'u2', display: 'bob@example.com' },
              ],
            },
          ],
        },
      },
      {
        method: 'PATCH',
        path: '/Groups/g1',
        query: {},
        body: { schemas: [PATCH], Operations: [{ op: 'replace', value: { id: 'g1', displayName: 'Finance EU' } }] },
      },
      { method: 'PATCH', path: '/Users/u2', query: {}, body: { schemas: [PATCH], Operations: [{ op: 'replace', value: { active: false } }] } },
      { method: 'PATCH', path: '/Users/u2', query: {}, body: { schemas: [PATCH], Operations: [{ op: 'replace', value: { active: true } }] } },
      { method: 'PATCH', path: '/Users/u1', query: {}, body: { schemas: [PATCH], Operations: [{ op: 'replace', value: { active: false } }] } },
      { method: 'DELETE', path: '/Groups/g1', query: {} },
    ];
    // The recording server strips nothing but `password` from what it stores, so the PUT has no password.
    const put = expected[6]!.body as Record<string, unknown>;
    delete put.password;
    expect(wireOf(server)).toEqual(expected);
    // The agent's own log matches what arrived, plus the status of each answer.
    expect(okta.requests.map(({ status: _s, ...r }) => r)).toEqual(wireOf(server));
    expect(okta.requests.map((r) => r.status)).toEqual([200, 200, 201, 200, 201, 200, 200, 200, 201, 204, 204, 204, 204, 200, 200, 200, 204]);
    // Okta never deletes users: both are still there, alice inactive.
    expect(server.users.get('u1')?.active).toBe(false);
    expect(server.users.get('u2')?.active).toBe(true);
    expectMatchesFixture('okta-lifecycle', {
      description:
        'Okta (OIN SCIM 2.0 Test App): Test API Credentials; assign alice and bob; update alice; push Finance with alice; swap members; replace members; rename to "Finance EU"; deactivate+reactivate bob; unassign alice; delete the pushed group.',
      agent: 'okta',
      requests: okta.requests,
    });
  });

  it('sends the headers and query encoding of Okta SCIM Client 1.0.0', async () => {
    await agent().assignUser(alice);
    const [find, create] = server.requests;
    expect(find?.headers).toMatchObject({
      authorization: `Bearer ${server.token}`,
      'user-agent': 'Okta SCIM Client 1.0.0',
      accept: 'application/scim+json',
      'content-type': undefined,
      'raw-query': '?filter=userName%20eq%20%22alice%40example.com%22&startIndex=1&count=100',
    });
    expect(create?.headers['content-type']).toBe('application/scim+json; charset=utf-8');
    const overridden = agent({ contentType: 'application/json' });
    await overridden.assignUser(bob);
    expect(server.requests.at(-1)?.headers['content-type']).toBe('application/json');
  });

  it('links to an existing user (found by the filter) with GET + full PUT instead of creating it', async () => {
    server.users.set('u9', { schemas: [USER], id: 'u9', userName: 'ALICE@example.com', active: false, title: 'kept' });
    expect(await agent().assignUser(alice)).toEqual({ scimId: 'u9', linked: true });
    expect(wireOf(server).map((r) => `${r.method} ${r.path}`)).toEqual(['GET /Users', 'GET /Users/u9', 'PUT /Users/u9']);
    const put = server.requests[2]?.body as Record<string, unknown>;
    // The fetched object comes back whole, with Okta's profile and active:true merged over it.
    expect(put).toMatchObject({ id: 'u9', title: 'kept', userName: 'alice@example.com', active: true, externalId: '00u1alice' });
    expect(put).not.toHaveProperty('password');
  });

  it('treats a 404 SCIM error on the userName filter as "not found", as Okta documents', async () => {
    server.override((r) => r.method === 'GET', { status: 404, body: { schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], status: 404 } });
    expect(await agent().assignUser(alice)).toEqual({ scimId: 'u1', linked: false });
  });

  it('deactivates with a GET + PUT active:false when asked to behave like an AIW app', async () => {
    const okta = agent();
    await okta.assignUser(alice);
    await okta.deactivateUser(alice, { via: 'put' });
    expect(wireOf(server).slice(2).map((r) => `${r.method} ${r.path}`)).toEqual(['GET /Users/u1', 'PUT /Users/u1']);
    expect(server.requests[3]?.body).toMatchObject({ active: false, userName: 'alice@example.com' });
  });

  it('unlinks a pushed group without a request when told to leave it in the app', async () => {
    const okta = agent();
    await okta.pushGroup('Finance');
    const before = server.requests.length;
    await okta.unpushGroup('Finance', { deleteInApp: false });
    expect(server.requests.length).toBe(before);
    expect(okta.scimGroupIdOf('Finance')).toBeUndefined();
  });

  it('links to an existing group with the same displayName instead of creating it', async () => {
    server.groups.set('g7', { id: 'g7', displayName: 'Finance' });
    const okta = agent();
    await okta.assignUser(alice);
    expect(await okta.pushGroup('Finance', [alice])).toEqual({ scimGroupId: 'g7', linked: true, memberIds: ['u1'] });
    expect(wireOf(server).filter((r) => r.method === 'POST' && r.path === '/Groups')).toEqual([]);
  });
});

describe('Okta provisioning agent: failures', () => {
  it('fails loudly when POST /Users answers 201 with an empty body ("Create new user returned empty user")', async () => {
    server.override((r) => r.method === 'POST', { status: 201 });
    const error = await caught(agent().assignUser(alice));
    expect(error).toMatchObject({ code: 'SCIM_AGENT_UNEXPECTED_RESPONSE', agent: 'okta', method: 'POST', path: '/Users', status: 201 });
    expect(error.message).toContain('"id"');
  });

  it('stops on 409 like Okta, with a hint about case-insensitive userName matching, and never leaks the token', async () => {
    server.override((r) => r.method === 'POST', {
      status: 409,
      body: { schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], status: '409', detail: `User exists (token ${server.token})` },
    });
    const error = await caught(agent().assignUser(alice));
    expect(error).toMatchObject({ code: 'SCIM_AGENT_UNEXPECTED_RESPONSE', status: 409, method: 'POST', path: '/Users' });
    expect(error.hint).toMatch(/case-insensitive/);
    for (const text of [error.message, error.hint ?? '', error.detail ?? '', JSON.stringify(error), inspect(error)]) {
      expect(text).not.toContain(server.token);
    }
  });

  it('maps a 401 to the Configure API Integration step', async () => {
    const okta = createOktaProvisioningAgent({ scimBaseUrl: server.baseUrl, token: 'wrong-token-123' });
    const error = await caught(okta.testApiCredentials());
    expect(error).toMatchObject({ status: 401, path: '/Users', code: 'SCIM_AGENT_UNEXPECTED_RESPONSE' });
    expect(error.hint).toMatch(/OAuth Bearer Token/);
    expect(error.message).not.toContain('wrong-token-123');
  });

  it('rejects a list response whose totalResults is a string', async () => {
    server.override(() => true, { status: 200, body: { totalResults: '0', Resources: [] } });
    const error = await caught(agent().testApiCredentials());
    expect(error.message).toMatch(/ListResponse/);
  });

  it('reports a refused connection as SCIM_AGENT_REQUEST_FAILED without a status', async () => {
    const url = server.baseUrl;
    await server.close();
    const error = await caught(createOktaProvisioningAgent({ scimBaseUrl: url, token: 'secret-token-abc' }).testApiCredentials());
    expect(error).toMatchObject({ code: 'SCIM_AGENT_REQUEST_FAILED', status: undefined, method: 'GET', path: '/Users' });
    server = await startRecordingScimServer();
  });

  it('honours the caller abort signal', async () => {
    const controller = new AbortController();
    controller.abort();
    const error = await caught(agent({ signal: controller.signal }).testApiCredentials());
    expect(error.code).toBe('SCIM_AGENT_REQUEST_FAILED');
    expect(server.requests).toEqual([]);
  });

  it('gives up after timeoutMs when the server never answers', async () => {
    const hanging = agent({
      timeoutMs: 20,
      fetch: (_url, init) =>
        new Promise<Response>((_resolve, reject) => init.signal?.addEventListener('abort', () => reject(init.signal?.reason))),
    });
    const error = await caught(hanging.testApiCredentials());
    expect(error).toMatchObject({ code: 'SCIM_AGENT_REQUEST_FAILED', path: '/Users' });
    expect(error.message).toMatch(/TimeoutError/);
    expect(hanging.requests[0]?.status).toBeUndefined();
  });

  it('refuses to push a member that is not assigned, before sending anything', async () => {
    const error = await caught(agent().pushGroup('Finance', [alice]));
    expect(error.code).toBe('SCIM_AGENT_NOT_PROVISIONED');
    expect(error.hint).toMatch(/Assignments/);
    expect(server.requests).toEqual([]);
  });

  it('uses an injected fetch', async () => {
    const seen: string[] = [];
    const okta = agent({
      fetch: async (url, init) => {
        seen.push(`${init.method} ${url}`);
        return fetch(url, init);
      },
    });
    await okta.testApiCredentials();
    expect(seen).toEqual([`GET ${server.baseUrl}/Users?startIndex=1&count=2`]);
  });
});

describe('Okta provisioning agent: users and groups from the Okta emulator', () => {
  function emulator() {
    const okta = createOktaEmulator({
      users: [
        { id: '00u1alice', login: 'alice@example.com', password: 'pw-alice-1', groups: ['Finance'], profile: { firstName: 'Alice', lastName: 'Smith' } },
        { id: '00u2bob', login: 'bob@example.com', password: 'pw-bob-1', groups: ['Finance'], profile: { firstName: 'Bob', lastName: 'Jones' } },
        { id: '00u3carl', login: 'carl@example.com', password: 'pw-carl-1', groups: ['Sales'] },
      ],
    });
    const finance = okta.getUser('alice@example.com')?.groups[0];
    return { okta, finance: { id: finance ?? '', name: 'Finance' } };
  }

  it('"Okta assigns alice and pushes group Finance": payloads come from the emulator, members are the assigned ones', async () => {
    const { okta, finance } = emulator();
    const agentWithEmulator = agent({ emulator: okta });
    await agentWithEmulator.assignUser('alice@example.com');
    await agentWithEmulator.assignUser('carl@example.com');
    // bob is in Finance but not assigned to the app, so Okta does not push him.
    expect(await agentWithEmulator.pushGroup(finance)).toEqual({ scimGroupId: 'g1', linked: false, memberIds: ['u1'] });
    expect(server.requests[1]?.body).toMatchObject({
      userName: 'alice@example.com',
      externalId: '00u1alice',
      name: { givenName: 'Alice', familyName: 'Smith' },
      emails: [{ primary: true, value: 'alice@example.com', type: 'work' }],
    });
    // No profile in the emulator: Okta's defaults (login as e-mail, its local part as first name).
    expect(server.requests[3]?.body).toMatchObject({ userName: 'carl@example.com', name: { givenName: 'carl' }, emails: [{ value: 'carl@example.com' }] });
    expect(server.requests.at(-1)?.body).toMatchObject({ Operations: [{ op: 'add', path: 'members', value: [{ value: 'u1', display: 'alice@example.com' }] }] });
  });

  it('stops pushing an unassigned user with the group', async () => {
    const { okta, finance } = emulator();
    const agentWithEmulator = agent({ emulator: okta });
    await agentWithEmulator.assignUser('alice@example.com');
    await agentWithEmulator.assignUser('bob@example.com');
    await agentWithEmulator.unassignUser('alice@example.com');
    expect((await agentWithEmulator.pushGroup(finance)).memberIds).toEqual(['u2']);
  });

  it('resolves a group given by name through the emulator', async () => {
    const { okta } = emulator();
    const agentWithEmulator = agent({ emulator: okta });
    await agentWithEmulator.assignUser('alice@example.com');
    expect(await agentWithEmulator.pushGroup('Finance')).toEqual({ scimGroupId: 'g1', linked: false, memberIds: ['u1'] });
  });

  it('pushes a group given by name with no members when the directory cannot look groups up', async () => {
    const { okta } = emulator();
    const agentWithEmulator = agent({ emulator: { getUser: (login) => okta.getUser(login) } });
    await agentWithEmulator.assignUser('alice@example.com');
    expect(await agentWithEmulator.pushGroup('Finance')).toEqual({ scimGroupId: 'g1', linked: false, memberIds: [] });
  });

  it('throws SCIM_AGENT_UNKNOWN_DIRECTORY_OBJECT for a login the emulator does not know, before sending anything', async () => {
    const error = await caught(agent({ emulator: emulator().okta }).assignUser('mallory@example.com'));
    expect(error.code).toBe('SCIM_AGENT_UNKNOWN_DIRECTORY_OBJECT');
    expect(server.requests).toEqual([]);
  });
});

describe('Okta provisioning agent: identity of assigned users', () => {
  it('finds a user by Okta id after its login changed', async () => {
    const okta = agent();
    await okta.assignUser(alice);
    const renamed = { ...alice, login: 'alice.smith@example.com' };
    expect(await okta.updateProfile(renamed)).toEqual({ scimId: 'u1' });
    expect(server.requests.at(-1)?.body).toMatchObject({ userName: 'alice.smith@example.com' });
    expect(okta.scimIdOf('alice.smith@example.com')).toBe('u1');
  });
});
