import { ScimAgentError } from './provisioning-agent-errors.js';
import {
  createScimHttp,
  createScimIdRegistry,
  randomGuid,
  type ScimAgentCommonOptions,
  type ScimAgentRequest,
  type ScimResource,
  type ScimSendOptions,
} from './provisioning-agent-http.js';

const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';
// Entra still lists this schema on group creation (Microsoft's SCIM tutorial, "Create Group").
const ADSCIM_GROUP_SCHEMA = 'http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group';
const PATCH_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const WORK_EMAIL = 'emails[type eq "work"].value';

/** An Entra user with the attributes the default SCIM attribute mappings read. */
export interface EntraAgentUser {
  /** objectId. */
  id: string;
  /** → `userName` (the default matching attribute). */
  userPrincipalName: string;
  /** → `externalId` (default mapping); defaults to the part of the UPN before `@`. */
  mailNickname?: string;
  givenName: string;
  surname: string;
  /** Defaults to "givenName surname". */
  displayName?: string;
  /** → `emails[type eq "work"].value`; defaults to the UPN. */
  mail?: string;
  /** → `title`. */
  jobTitle?: string;
  /** → enterprise `department`. */
  department?: string;
  /** → enterprise `employeeNumber`. */
  employeeId?: string;
  /** UPN of the manager; sent as the enterprise `manager`, a plain string holding the manager's SCIM id. */
  manager?: string;
}

/** An Entra group: `objectId` → `externalId`, `displayName` → `displayName`. */
export interface EntraAgentGroup {
  id: string;
  displayName: string;
}

/**
 * The part of an Entra directory the agent reads when a method is given a UPN or group name: the Entra
 * emulator (`createEntraEmulator`) fits as it is. Without `getGroup`, groups must be passed as objects.
 */
export interface EntraAgentEmulator {
  getUser(upnOrId: string):
    | (Partial<Omit<EntraAgentUser, 'id' | 'userPrincipalName'>> & { id: string; userPrincipalName: string; groups: readonly string[] })
    | undefined;
  getGroup?(nameOrId: string): EntraAgentGroup | undefined;
}

/**
 * How Entra shapes PATCH requests. `default` is what a new non-gallery SCIM app sends today: `op` values
 * `Add`/`Replace`/`Remove`, one operation per attribute, `active` as the string `"False"`/`"True"`, and
 * member removal as `Remove` with `path: "members"` and a value array. `aadOptscim062020` is the
 * behaviour behind that Tenant URL flag (Microsoft: "Known issues and resolutions with SCIM 2.0 protocol
 * compliance"): lower-case ops, booleans, one path-less `replace` whose value has keys like
 * `name.givenName` and extension URNs, and removal by `members[value eq "…"]`.
 */
export type EntraPatchDialect = 'default' | 'aadOptscim062020';

/** Options of {@link createEntraProvisioningAgent}. */
export interface EntraProvisioningAgentOptions extends ScimAgentCommonOptions {
  /** Users and groups to resolve UPNs and group names against (e.g. the Entra emulator). */
  emulator?: EntraAgentEmulator;
  /** Default `default`. */
  patchDialect?: EntraPatchDialect;
  /** Makes the random GUID of Test Connection (default `crypto.randomUUID`). */
  randomGuid?: () => string;
}

export type EntraUserRef = EntraAgentUser | string;
export type EntraGroupRef = EntraAgentGroup | string;

/**
 * Drives a SCIM base URL exactly the way the Microsoft Entra provisioning service does, following
 * Microsoft's "Tutorial: Develop and plan provisioning for a SCIM endpoint" and "Known issues and
 * resolutions with SCIM 2.0 protocol compliance".
 */
export interface EntraProvisioningAgent {
  readonly requests: readonly ScimAgentRequest[];
  /**
   * Provisioning → Test Connection: queries a user (and a group) that does not exist, by a random GUID,
   * and requires 200 with an empty ListResponse.
   */
  testConnection(): Promise<{ guid: string }>;
  /** Schema discovery (`GET /Schemas`), which Entra sends when the provisioning configuration is saved. */
  discoverSchemas(): Promise<{ totalResults: number }>;
  /**
   * Provision a user: query by `userName`; create with `POST /Users` when absent (link and update when
   * present); then set the manager, if any, with a PATCH.
   */
  provisionUser(user: EntraUserRef): Promise<{ scimId: string; linked: boolean }>;
  /**
   * Attribute change: `GET /Users/{id}`, then one PATCH with an operation for every mapped attribute whose
   * value differs (`Add` when the target lacks it). Sends nothing else when nothing differs.
   */
  updateUser(user: EntraUserRef): Promise<{ scimId: string; changed: string[] }>;
  /** Soft delete / disable: PATCH Replace `active` → `"False"` (`false` with the flag). */
  disableUser(user: EntraUserRef): Promise<{ scimId: string }>;
  /** Restore: PATCH Replace `active` → `"True"` (`true` with the flag). */
  enableUser(user: EntraUserRef): Promise<{ scimId: string }>;
  /** Hard delete: `DELETE /Users/{id}` → 204. */
  deleteUser(user: EntraUserRef): Promise<{ scimId: string }>;
  /**
   * Provision a group: query `excludedAttributes=members&filter=displayName eq "…"`, `POST /Groups` with no
   * members when absent, then PATCH Add the members. Without `members`, the members are the users this
   * agent provisioned that belong to the group in the emulator.
   */
  provisionGroup(
    group: EntraGroupRef,
    members?: readonly EntraUserRef[],
  ): Promise<{ scimGroupId: string; linked: boolean; memberIds: string[] }>;
  /** PATCH Add `members` with `[{value}]`. Expects 204 (200 also accepted). */
  addMembers(group: EntraGroupRef, users: readonly EntraUserRef[]): Promise<{ scimGroupId: string }>;
  /**
   * Remove members. `legacy` (the default dialect): one `Remove` with `path: "members"` and a value array;
   * `filter` (the flag): one `remove` per member with `path: 'members[value eq "…"]'`.
   */
  removeMembers(
    group: EntraGroupRef,
    users: readonly EntraUserRef[],
    options?: { shape?: 'legacy' | 'filter' },
  ): Promise<{ scimGroupId: string }>;
  /** PATCH Replace `displayName`. */
  renameGroup(group: EntraGroupRef, newName: string): Promise<{ scimGroupId: string }>;
  /** `DELETE /Groups/{id}` → 204. */
  deleteGroup(group: EntraGroupRef): Promise<{ scimGroupId: string }>;
  scimIdOf(ref: EntraUserRef): string | undefined;
  scimGroupIdOf(ref: EntraGroupRef): string | undefined;
}

const ENTRA_HINTS = {
  unauthorized:
    'In Entra: Enterprise application → Provisioning → Admin Credentials: "Secret Token" must be the Ubiq SCIM Secret Token from the Ubiq IDP Integration screen; then click Test Connection.',
  notFound:
    'In Entra: Provisioning → Admin Credentials: "Tenant URL" must be the Ubiq SCIM URL from the Ubiq IDP Integration screen; or the object was deleted in Ubiq.',
  conflict:
    'The object already exists in Ubiq but the userName/displayName query did not find it: the server must match userName case-insensitively and keep group displayNames unique.',
  other: 'See the Provisioning steps of the Entra IDP Integration document.',
};

type Op = { op: string; path?: string; value?: unknown };

/**
 * Create a Microsoft Entra-like SCIM provisioning agent.
 *
 * @example
 * ```ts
 * const entra = createEntraProvisioningAgent({ scimBaseUrl, token });
 * await entra.testConnection();
 * await entra.provisionUser({ id: 'f1…', userPrincipalName: 'bob@contoso.com', givenName: 'Bob', surname: 'Lee' });
 * await entra.disableUser('bob@contoso.com'); // PATCH {"op":"Replace","path":"active","value":"False"}
 * ```
 */
export function createEntraProvisioningAgent(options: EntraProvisioningAgentOptions): EntraProvisioningAgent {
  const http = createScimHttp({
    ...options,
    agent: 'entra',
    contentType: 'application/scim+json',
    headers: { 'User-Agent': 'Microsoft Azure AD SCIM provisioning 1.0.0', Accept: 'application/scim+json' },
    hints: ENTRA_HINTS,
  });
  const flag = (options.patchDialect ?? 'default') === 'aadOptscim062020';
  const makeGuid = options.randomGuid ?? randomGuid;
  const userIds = createScimIdRegistry(
    'entra',
    'user',
    'has not been provisioned',
    'Assign the user to the enterprise application (Users & Groups → + Add user/group) and provision it first.',
  );
  const groupIds = createScimIdRegistry(
    'entra',
    'group',
    'has not been provisioned',
    'Assign the group to the enterprise application (Users & Groups → + Add user/group) and provision it first.',
  );
  const op = (name: 'Add' | 'Replace' | 'Remove') => (flag ? name.toLowerCase() : name);
  const bool = (value: boolean) => (flag ? value : value ? 'True' : 'False');

  const unknown = (message: string, hint: string) =>
    new ScimAgentError('SCIM_AGENT_UNKNOWN_DIRECTORY_OBJECT', `Entra provisioning agent: ${message}`, { agent: 'entra', hint });

  function resolveUser(ref: EntraUserRef): EntraAgentUser {
    if (typeof ref !== 'string') return ref;
    const found = options.emulator?.getUser(ref);
    if (found) {
      const { groups: _groups, ...user } = found;
      const [local = user.userPrincipalName] = user.userPrincipalName.split('@');
      // Empty strings mean "not set" in Entra; the SCIM mappings skip them.
      return { ...user, givenName: user.givenName || local, surname: user.surname || '' };
    }
    throw unknown(
      `no Entra user "${ref}"${options.emulator ? ' in the emulator' : ' (no emulator given: pass a user object)'}`,
      'Create the user in the Entra emulator first (addUser), or pass the user object.',
    );
  }
  function resolveGroup(ref: EntraGroupRef): EntraAgentGroup {
    if (typeof ref !== 'string') return ref;
    const found = options.emulator?.getGroup?.(ref);
    if (found) return found;
    throw unknown(
      `no Entra group "${ref}"${options.emulator?.getGroup ? ' in the emulator' : ' (the emulator cannot look groups up: pass { id, displayName })'}`,
      'Pass the group object returned by the emulator\'s addGroup(), or create the group in the emulator first.',
    );
  }
  /** Entra provisions the members of an assigned group that are in scope: the provisioned users in it. */
  function provisionedMembersOf(group: EntraAgentGroup): string[] {
    const emulator = options.emulator;
    if (emulator === undefined) return [];
    const wanted = group.id.toLowerCase();
    return [...provisioned.keys()].filter((id) => emulator.getUser(id)?.groups.some((g) => g.toLowerCase() === wanted));
  }
  const upnOf = (ref: EntraUserRef) => (typeof ref === 'string' ? ref : ref.userPrincipalName);
  const groupNameOf = (ref: EntraGroupRef) => (typeof ref === 'string' ? ref : ref.displayName);

  // Entra keys a provisioned user by objectId, so a changed UPN still finds it; a bare UPN works too.
  const requireUserId = (ref: EntraUserRef) =>
    (typeof ref === 'string' ? undefined : userIds.get(ref.id)) ?? userIds.require(upnOf(ref));
  // objectId → SCIM id of the users provisioned and not deleted, in provisioning order.
  const provisioned = new Map<string, string>();
  const remember = (user: EntraAgentUser, scimId: string) => {
    provisioned.set(user.id, scimId);
    userIds.set(user.id, scimId);
    userIds.set(user.userPrincipalName, scimId);
  };
  const requireGroupId = (ref: EntraGroupRef) => groupIds.require(groupNameOf(ref));

  /** The default attribute mappings of a non-gallery SCIM app, as SCIM path → value. */
  function mapped(user: EntraAgentUser): Array<[string, string | undefined]> {
    const entries: Array<[string, string | undefined]> = [
      ['userName', user.userPrincipalName],
      ['displayName', user.displayName ?? `${user.givenName} ${user.surname}`.trim()],
      ['title', user.jobTitle],
      [WORK_EMAIL, user.mail ?? user.userPrincipalName],
      ['name.givenName', user.givenName],
      ['name.familyName', user.surname],
      ['name.formatted', `${user.givenName} ${user.surname}`.trim()],
      ['externalId', user.mailNickname ?? user.userPrincipalName.split('@')[0]],
      [`${ENTERPRISE}:employeeNumber`, user.employeeId],
      [`${ENTERPRISE}:department`, user.department],
      [`${ENTERPRISE}:manager`, user.manager === undefined ? undefined : requireUserId(user.manager)],
    ];
    // Entra sends no value for an empty source attribute.
    return entries.map(([path, value]) => [path, value === '' ? undefined : value]);
  }

  async function patch(kind: 'Users' | 'Groups', id: string, operations: Op[], action: string) {
    await http.send({
      method: 'PATCH',
      path: `/${kind}/${encodeURIComponent(id)}`,
      body: { schemas: [PATCH_SCHEMA], Operations: operations },
      // Microsoft: group PATCH should answer 204; 200 with the resource also works. Users get 200.
      expect: [200, 204],
      action,
    });
  }

  /** The operations Entra sends for the attributes that differ from the target's current values. */
  function updateOperations(changes: Array<{ path: string; value: string; present: boolean }>): Op[] {
    if (!flag) return changes.map((c) => ({ op: c.present ? 'Replace' : 'Add', path: c.path, value: c.value }));
    const ops: Op[] = [];
    const multi: Record<string, string> = {};
    for (const c of changes) {
      if (!c.present) ops.push({ op: 'add', path: c.path, value: c.value });
      // The flag keeps the e-mail value path as its own operation and folds the rest into one path-less replace.
      else if (c.path === WORK_EMAIL) ops.push({ op: 'replace', path: c.path, value: c.value });
      else multi[c.path] = c.value;
    }
    if (Object.keys(multi).length > 0) ops.push({ op: 'replace', value: multi });
    return ops;
  }

  async function setActive(ref: EntraUserRef, active: boolean, action: string) {
    const scimId = requireUserId(ref);
    await patch('Users', scimId, [{ op: op('Replace'), path: 'active', value: bool(active) }], action);
    return { scimId };
  }

  async function diffAndPatch(user: EntraAgentUser, scimId: string, current: ScimResource, action: string) {
    const changes: Array<{ path: string; value: string; present: boolean }> = [];
    for (const [path, value] of mapped(user)) {
      if (value === undefined || path === 'userName') continue;
      const target = readPath(current, path);
      if (target !== value) changes.push({ path, value, present: target !== undefined });
    }
    // userName is the matching attribute; a changed UPN is sent like any other attribute.
    const currentUserName = readPath(current, 'userName');
    if (currentUserName !== user.userPrincipalName) {
      changes.unshift({ path: 'userName', value: user.userPrincipalName, present: currentUserName !== undefined });
    }
    if (changes.length > 0) await patch('Users', scimId, updateOperations(changes), action);
    return changes.map((c) => c.path);
  }

  return {
    get requests() {
      return http.requests;
    },

    async testConnection() {
      const guid = makeGuid();
      const action = 'Test Connection';
      const queries: ScimSendOptions[] = [
        { method: 'GET', path: '/Users', query: { filter: `userName eq "${guid}"` }, expect: [200], action },
        {
          method: 'GET',
          path: '/Groups',
          query: { excludedAttributes: 'members', filter: `displayName eq "${guid}"` },
          expect: [200],
          action,
        },
      ];
      for (const send of queries) {
        const list = http.list(await http.send(send), send);
        if (list.totalResults !== 0 || (list.Resources?.length ?? 0) !== 0) {
          throw new ScimAgentError(
            'SCIM_AGENT_UNEXPECTED_RESPONSE',
            `Entra provisioning agent: Test Connection: GET ${send.path} for a random GUID returned ${list.totalResults} results; Entra expects 200 with an empty ListResponse`,
            {
              agent: 'entra',
              method: 'GET',
              path: send.path,
              status: 200,
              hint: 'The SCIM server must apply the filter (userName eq / displayName eq) instead of listing everything.',
            },
          );
        }
      }
      return { guid };
    },

    async discoverSchemas() {
      const send: ScimSendOptions = { method: 'GET', path: '/Schemas', expect: [200], action: 'schema discovery' };
      const exchange = await http.send(send);
      const totalResults = (exchange.body as { totalResults?: unknown } | undefined)?.totalResults;
      if (typeof totalResults !== 'number' || !Array.isArray((exchange.body as { Resources?: unknown }).Resources)) {
        throw new ScimAgentError('SCIM_AGENT_UNEXPECTED_RESPONSE', 'Entra provisioning agent: GET /Schemas did not return a ListResponse', {
          agent: 'entra',
          method: 'GET',
          path: '/Schemas',
          status: exchange.status,
          hint: ENTRA_HINTS.other,
        });
      }
      return { totalResults };
    },

    async provisionUser(ref) {
      const user = resolveUser(ref);
      const action = `provision user ${user.userPrincipalName}`;
      const find: ScimSendOptions = {
        method: 'GET',
        path: '/Users',
        query: { filter: `userName eq "${user.userPrincipalName}"` },
        expect: [200],
        action,
      };
      const existing = http.list(await http.send(find), find).Resources?.[0];
      if (existing) {
        remember(user, existing.id);
        await diffAndPatch(user, existing.id, existing, action);
        return { scimId: existing.id, linked: true };
      }
      const values = new Map(mapped({ ...user, manager: undefined }));
      const enterprise: Record<string, string> = {};
      for (const key of ['employeeNumber', 'department'] as const) {
        const value = values.get(`${ENTERPRISE}:${key}`);
        if (value !== undefined) enterprise[key] = value;
      }
      const body: Record<string, unknown> = {
        schemas: [USER_SCHEMA, ENTERPRISE],
        externalId: values.get('externalId'),
        userName: user.userPrincipalName,
        active: true,
        displayName: values.get('displayName'),
        emails: [{ primary: true, type: 'work', value: values.get(WORK_EMAIL) }],
        meta: { resourceType: 'User' },
        name: {
          formatted: values.get('name.formatted'),
          familyName: values.get('name.familyName'),
          givenName: values.get('name.givenName'),
        },
        roles: [],
      };
      if (user.jobTitle !== undefined) body.title = user.jobTitle;
      if (Object.keys(enterprise).length > 0) body[ENTERPRISE] = enterprise;
      const create: ScimSendOptions = { method: 'POST', path: '/Users', body, expect: [201], action };
      const created = http.resource(await http.send(create), create);
      remember(user, created.id);
      // Manager is a reference: Entra sets it after the user exists, as its own PATCH.
      if (user.manager !== undefined) {
        await patch('Users', created.id, [{ op: op('Add'), path: `${ENTERPRISE}:manager`, value: requireUserId(user.manager) }], action);
      }
      return { scimId: created.id, linked: false };
    },

    async updateUser(ref) {
      const user = resolveUser(ref);
      const scimId = requireUserId(user);
      const action = `update user ${user.userPrincipalName}`;
      const get: ScimSendOptions = { method: 'GET', path: `/Users/${encodeURIComponent(scimId)}`, expect: [200], action };
      const current = http.resource(await http.send(get), get);
      const changed = await diffAndPatch(user, scimId, current, action);
      remember(user, scimId);
      return { scimId, changed };
    },

    disableUser(ref) {
      return setActive(ref, false, `disable user ${upnOf(ref)}`);
    },

    enableUser(ref) {
      return setActive(ref, true, `enable user ${upnOf(ref)}`);
    },

    async deleteUser(ref) {
      const scimId = requireUserId(ref);
      await http.send({ method: 'DELETE', path: `/Users/${encodeURIComponent(scimId)}`, expect: [204], action: `delete user ${upnOf(ref)}` });
      userIds.forget(scimId);
      for (const [objectId, id] of provisioned) if (id === scimId) provisioned.delete(objectId);
      return { scimId };
    },

    async provisionGroup(ref, members) {
      const group = resolveGroup(ref);
      const action = `provision group ${group.displayName}`;
      const memberIds = (members ?? provisionedMembersOf(group)).map(requireUserId);
      const find: ScimSendOptions = {
        method: 'GET',
        path: '/Groups',
        query: { excludedAttributes: 'members', filter: `displayName eq "${group.displayName}"` },
        expect: [200],
        action,
      };
      const existing = http.list(await http.send(find), find).Resources?.[0];
      let scimGroupId: string;
      if (existing) {
        scimGroupId = existing.id;
      } else {
        const create: ScimSendOptions = {
          method: 'POST',
          path: '/Groups',
          body: {
            schemas: [GROUP_SCHEMA, ADSCIM_GROUP_SCHEMA],
            externalId: group.id,
            displayName: group.displayName,
            meta: { resourceType: 'Group' },
          },
          expect: [201],
          action,
        };
        scimGroupId = http.resource(await http.send(create), create).id;
      }
      groupIds.set(groupNameOf(group), scimGroupId);
      if (memberIds.length > 0) {
        await patch('Groups', scimGroupId, [{ op: op('Add'), path: 'members', value: memberIds.map((value) => ({ value })) }], action);
      }
      return { scimGroupId, linked: existing !== undefined, memberIds };
    },

    async addMembers(ref, users) {
      const scimGroupId = requireGroupId(ref);
      const value = users.map((u) => ({ value: requireUserId(u) }));
      await patch('Groups', scimGroupId, [{ op: op('Add'), path: 'members', value }], `add members to ${groupNameOf(ref)}`);
      return { scimGroupId };
    },

    async removeMembers(ref, users, opts) {
      const scimGroupId = requireGroupId(ref);
      const ids = users.map(requireUserId);
      const shape = opts?.shape ?? (flag ? 'filter' : 'legacy');
      const operations: Op[] =
        shape === 'legacy'
          ? [{ op: op('Remove'), path: 'members', value: ids.map((value) => ({ value })) }]
          : ids.map((id) => ({ op: op('Remove'), path: `members[value eq "${id}"]` }));
      await patch('Groups', scimGroupId, operations, `remove members from ${groupNameOf(ref)}`);
      return { scimGroupId };
    },

    async renameGroup(ref, newName) {
      const scimGroupId = requireGroupId(ref);
      await patch('Groups', scimGroupId, [{ op: op('Replace'), path: 'displayName', value: newName }], `rename group ${groupNameOf(ref)}`);
      groupIds.delete(groupNameOf(ref));
      groupIds.set(newName, scimGroupId);
      return { scimGroupId };
    },

    async deleteGroup(ref) {
      const scimGroupId = requireGroupId(ref);
      await http.send({ method: 'DELETE', path: `/Groups/${encodeURIComponent(scimGroupId)}`, expect: [204], action: `delete group ${groupNameOf(ref)}` });
      groupIds.delete(groupNameOf(ref));
      return { scimGroupId };
    },

    scimIdOf(ref) {
      return (typeof ref === 'string' ? undefined : userIds.get(ref.id)) ?? userIds.get(upnOf(ref));
    },
    scimGroupIdOf(ref) {
      return groupIds.get(groupNameOf(ref));
    },
  };
}

/** Reads the handful of attribute paths the default mappings use from a SCIM user resource. */
function readPath(resource: ScimResource, path: string): string | undefined {
  const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
  const obj = (v: unknown) => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined);
  if (path === WORK_EMAIL) {
    const emails = Array.isArray(resource.emails) ? resource.emails : [];
    const work = emails.map(obj).find((e) => e?.type === 'work');
    return str(work?.value);
  }
  if (path.startsWith(`${ENTERPRISE}:`)) {
    const value = obj(resource[ENTERPRISE])?.[path.slice(ENTERPRISE.length + 1)];
    // RFC 7643 makes manager a complex {value}; Entra sends it as a plain string. Compare either.
    return str(value) ?? str(obj(value)?.value);
  }
  const [head, tail] = path.split('.', 2) as [string, string | undefined];
  return tail === undefined ? str(resource[head]) : str(obj(resource[head])?.[tail]);
}
