import { randomBytes } from 'node:crypto';
import { ScimAgentError } from './provisioning-agent-errors.js';
import {
  createScimHttp,
  createScimIdRegistry,
  type ScimAgentCommonOptions,
  type ScimAgentRequest,
  type ScimResource,
  type ScimSendOptions,
} from './provisioning-agent-http.js';

const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const PATCH_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

/** An Okta user as the SCIM app sees it (the app user profile Okta maps to SCIM). */
export interface OktaAgentUser {
  /** Okta's user id (`00u…`); Okta sends it as `externalId`. */
  id: string;
  /** The Okta username (login); Okta sends it as `userName`. */
  login: string;
  firstName: string;
  lastName: string;
  email: string;
  /** Defaults to "firstName lastName". */
  displayName?: string;
  /** Defaults to `en-US`. */
  locale?: string;
}

/** An Okta group as pushed by Push Groups. */
export interface OktaAgentGroup {
  /** The group's name in Okta; becomes the SCIM `displayName`. */
  name: string;
  /** Okta's group id (`00g…`), informational. */
  id?: string;
}

/**
 * The part of an Okta directory the agent reads when a method is given a login or group name: the Okta
 * emulator (`createOktaEmulator`) fits as it is. `getGroup` is optional; without it a group name is used
 * as is and a pushed group's members must be given explicitly.
 */
export interface OktaAgentEmulator {
  getUser(loginOrId: string):
    | { id: string; login: string; groups: readonly string[]; profile: { firstName?: string; lastName?: string; email?: string } }
    | undefined;
  getGroup?(nameOrId: string): { id: string; name: string } | undefined;
}

/** Options of {@link createOktaProvisioningAgent}. */
export interface OktaProvisioningAgentOptions extends ScimAgentCommonOptions {
  /** Users and groups to resolve logins and group names against (e.g. the Okta emulator). */
  emulator?: OktaAgentEmulator;
  /**
   * Content-Type of request bodies. Okta's SCIM 2.0 client sends `application/scim+json; charset=utf-8`
   * (Okta's guide: "Okta sends application/scim+json as the Content-Type"; captured traffic agrees);
   * set `application/json` to check a server also accepts that.
   */
  contentType?: string;
  /** Generates the placeholder `password` Okta puts in every create request (default: 8 random chars). */
  password?: () => string;
}

export type OktaUserRef = OktaAgentUser | string;
export type OktaGroupRef = OktaAgentGroup | string;

/** What {@link OktaProvisioningAgent.assignUser} learned. */
export interface OktaAssignResult {
  /** The SCIM server's id for the user. */
  scimId: string;
  /** True when the filter found an existing user that Okta linked to (and updated) instead of creating. */
  linked: boolean;
}

/** What {@link OktaProvisioningAgent.pushGroup} learned. */
export interface OktaPushResult {
  scimGroupId: string;
  /** True when a group with that displayName already existed and was linked instead of created. */
  linked: boolean;
  /** SCIM ids of the members sent. */
  memberIds: string[];
}

/**
 * Drives a SCIM base URL exactly the way Okta's provisioning ("SCIM 2.0 Test App (OAuth Bearer Token)",
 * an OIN app, so PATCH for (de)activation and groups, PUT for profile updates) does, following Okta's
 * "SCIM 2.0 Protocol Reference".
 */
export interface OktaProvisioningAgent {
  /** Every request sent so far, in order. */
  readonly requests: readonly ScimAgentRequest[];
  /** Provisioning → Configure API Integration → Test API Credentials: `GET /Users?startIndex=1&count=2`. */
  testApiCredentials(): Promise<{ totalResults: number }>;
  /**
   * Assignments → assign a person: filter by userName, then `POST /Users` (201 with a body required); if
   * the filter finds the user, Okta links to it and pushes its profile (GET then PUT) instead. A 409 stops
   * the job, as in Okta, and throws.
   */
  assignUser(user: OktaUserRef): Promise<OktaAssignResult>;
  /** Profile change: `GET /Users/{id}`, then a full `PUT` of the fetched object with Okta's values merged in. */
  updateProfile(user: OktaUserRef): Promise<{ scimId: string }>;
  /** Deactivate: PATCH replace `{active:false}` with no path (or GET + PUT with `via: 'put'`, as AIW apps do). */
  deactivateUser(user: OktaUserRef, options?: { via?: 'patch' | 'put' }): Promise<{ scimId: string }>;
  /** Reactivate: PATCH replace `{active:true}` with no path. */
  reactivateUser(user: OktaUserRef): Promise<{ scimId: string }>;
  /** Unassign: Okta never deletes users; it deactivates them. */
  unassignUser(user: OktaUserRef): Promise<{ scimId: string }>;
  /**
   * Push Groups → By name: filter by displayName, `POST /Groups {displayName, members: []}` (or link to the
   * existing group), then one PATCH adding the members. Without `members`, the members are the users this
   * agent assigned that belong to the group in the emulator (needs the group's id: a group object or
   * `emulator.getGroup`).
   */
  pushGroup(group: OktaGroupRef, members?: readonly OktaUserRef[]): Promise<OktaPushResult>;
  /** Group renamed in Okta: PATCH replace `value: {id, displayName}`. */
  renameGroup(group: OktaGroupRef, newName: string): Promise<{ scimGroupId: string }>;
  /** Membership change: one PATCH that removes `members[value eq "…"]` and adds `members`. */
  updateGroupMembers(
    group: OktaGroupRef,
    change: { add?: readonly OktaUserRef[]; remove?: readonly OktaUserRef[] },
  ): Promise<{ scimGroupId: string }>;
  /** Full membership push: PATCH replace `path: members` with every member. */
  replaceGroupMembers(group: OktaGroupRef, members: readonly OktaUserRef[]): Promise<{ scimGroupId: string }>;
  /**
   * Push Groups → Unlink pushed group. With `deleteInApp` (default true, "Delete the group in the target
   * app") sends `DELETE /Groups/{id}` and expects 204; without it sends nothing and forgets the link.
   */
  unpushGroup(group: OktaGroupRef, options?: { deleteInApp?: boolean }): Promise<{ scimGroupId: string }>;
  /** Same as `unpushGroup(group, { deleteInApp: true })`. */
  deleteGroup(group: OktaGroupRef): Promise<{ scimGroupId: string }>;
  /** SCIM id the agent holds for a user login or group name (what Okta stores after provisioning). */
  scimIdOf(ref: OktaUserRef): string | undefined;
  scimGroupIdOf(ref: OktaGroupRef): string | undefined;
}

const OKTA_HINTS = {
  unauthorized:
    'In Okta: Applications → your SCIM 2.0 Test App → Provisioning → Configure API Integration: put the Ubiq SCIM Secret Token from the Ubiq IDP Settings window in "OAuth Bearer Token" and click Test API Credentials.',
  notFound:
    'In Okta: Provisioning → Configure API Integration: "SCIM 2.0 Base Uri" must be the Ubiq SCIM URL from the Ubiq IDP Settings window (it ends in /api/v3/scim); or the object was deleted in Ubiq.',
  conflict:
    'The user or group already exists in Ubiq but the userName/displayName filter did not find it, so Okta stopped the job: the server must match userName case-insensitively (RFC 7643 caseExact: false).',
  other: 'See the Okta SCIM Setup steps in the Okta IDP Integration document (Provisioning → To App).',
};

/**
 * Create an Okta-like SCIM provisioning agent.
 *
 * @example
 * ```ts
 * const okta = createOktaProvisioningAgent({ scimBaseUrl: server.info().scimUrl, token: server.info().scimToken });
 * await okta.testApiCredentials();
 * await okta.assignUser({ id: '00u1', login: 'alice@example.com', firstName: 'Alice', lastName: 'Smith', email: 'alice@example.com' });
 * await okta.pushGroup({ name: 'Finance' }, ['alice@example.com']);
 * console.log(okta.requests);
 * ```
 */
export function createOktaProvisioningAgent(options: OktaProvisioningAgentOptions): OktaProvisioningAgent {
  const http = createScimHttp({
    ...options,
    agent: 'okta',
    contentType: options.contentType ?? 'application/scim+json; charset=utf-8',
    headers: { 'User-Agent': 'Okta SCIM Client 1.0.0', Accept: 'application/scim+json', 'Accept-Charset': 'utf-8' },
    hints: OKTA_HINTS,
  });
  const makePassword = options.password ?? (() => randomBytes(6).toString('base64url'));
  // What Okta stores per app assignment / pushed group: the SCIM ids, keyed by login and group name.
  const userIds = createScimIdRegistry(
    'okta',
    'user',
    'is not assigned to the app',
    'Assign the user first (Okta: Applications → your SCIM app → Assignments); Okta only pushes assigned users.',
  );
  const groupIds = createScimIdRegistry(
    'okta',
    'group',
    'has not been pushed',
    'Push the group first (Okta: Push Groups tab → By name), as the Okta IDP Integration document describes.',
  );

  function resolveUser(ref: OktaUserRef): OktaAgentUser {
    if (typeof ref !== 'string') return ref;
    const found = options.emulator?.getUser(ref);
    if (found) {
      // The Okta app user profile: the emulator's profile, falling back to the login as Okta's default mappings do.
      const [local = found.login] = found.login.split('@');
      return {
        id: found.id,
        login: found.login,
        firstName: found.profile.firstName ?? local,
        lastName: found.profile.lastName ?? '',
        email: found.profile.email ?? found.login,
      };
    }
    throw new ScimAgentError(
      'SCIM_AGENT_UNKNOWN_DIRECTORY_OBJECT',
      `Okta provisioning agent: no Okta user with login "${ref}"${options.emulator ? ' in the emulator' : ' (no emulator given: pass a user object)'}`,
      { agent: 'okta', hint: 'Create the user in the Okta emulator first (addUser), or pass the user object.' },
    );
  }
  function resolveGroup(ref: OktaGroupRef): OktaAgentGroup {
    if (typeof ref !== 'string') return ref;
    return options.emulator?.getGroup?.(ref) ?? { name: ref };
  }
  /** Push Groups pushes the group's members that are assigned to the app; the emulator says who they are. */
  function assignedMembersOf(group: OktaAgentGroup): OktaAgentUser[] {
    const emulator = options.emulator;
    if (group.id === undefined || emulator === undefined) return [];
    return [...assigned.keys()]
      .map((id) => emulator.getUser(id))
      .filter((user) => user !== undefined && user.groups.includes(group.id as string))
      .map((user) => resolveUser(user!.id));
  }
  function loginOf(ref: OktaUserRef): string {
    return typeof ref === 'string' ? ref : ref.login;
  }
  function nameOf(ref: OktaGroupRef): string {
    return typeof ref === 'string' ? ref : ref.name;
  }
  // Okta keys an app user by its Okta id, so a changed login still finds the SCIM user; a bare login works too.
  const requireUserId = (ref: OktaUserRef) =>
    (typeof ref === 'string' ? undefined : userIds.get(ref.id)) ?? userIds.require(loginOf(ref));
  // Okta user id → SCIM id of the users currently assigned to the app, in assignment order.
  const assigned = new Map<string, string>();
  const remember = (user: OktaAgentUser, scimId: string) => {
    assigned.set(user.id, scimId);
    userIds.set(user.id, scimId);
    userIds.set(user.login, scimId);
  };
  const requireGroupId = (ref: OktaGroupRef) => groupIds.require(nameOf(ref));

  function profileOf(user: OktaAgentUser) {
    return {
      userName: user.login,
      name: { givenName: user.firstName, familyName: user.lastName },
      emails: [{ primary: true, value: user.email, type: 'work' }],
      displayName: user.displayName ?? `${user.firstName} ${user.lastName}`,
      locale: user.locale ?? 'en-US',
      externalId: user.id,
    };
  }

  function member(ref: OktaUserRef) {
    return { value: requireUserId(ref), display: loginOf(ref) };
  }

  async function getThenPut(user: OktaAgentUser, scimId: string, action: string, overrides: Record<string, unknown>) {
    const get: ScimSendOptions = { method: 'GET', path: `/Users/${encodeURIComponent(scimId)}`, expect: [200], action };
    const current = http.resource(await http.send(get), get);
    // Okta modifies the attributes it owns on the object it fetched and PUTs the whole thing back.
    const merged: ScimResource = {
      ...current,
      ...profileOf(user),
      name: { ...(isRecord(current.name) ? current.name : {}), ...profileOf(user).name },
      ...overrides,
    };
    const put: ScimSendOptions = { method: 'PUT', path: get.path, body: merged, expect: [200], action };
    await http.send(put);
  }

  async function patchActive(ref: OktaUserRef, active: boolean, action: string) {
    const scimId = requireUserId(ref);
    const body = { schemas: [PATCH_SCHEMA], Operations: [{ op: 'replace', value: { active } }] };
    await http.send({ method: 'PATCH', path: `/Users/${encodeURIComponent(scimId)}`, body, expect: [200, 204], action });
    return { scimId };
  }

  async function patchGroup(scimGroupId: string, operations: unknown[], action: string) {
    const body = { schemas: [PATCH_SCHEMA], Operations: operations };
    await http.send({ method: 'PATCH', path: `/Groups/${encodeURIComponent(scimGroupId)}`, body, expect: [200, 204], action });
  }

  async function unpushGroup(ref: OktaGroupRef, opts?: { deleteInApp?: boolean }) {
    const scimGroupId = requireGroupId(ref);
    if (opts?.deleteInApp ?? true) {
      await http.send({
        method: 'DELETE',
        path: `/Groups/${encodeURIComponent(scimGroupId)}`,
        expect: [204],
        action: `delete pushed group ${nameOf(ref)}`,
      });
    }
    groupIds.delete(nameOf(ref));
    return { scimGroupId };
  }

  return {
    get requests() {
      return http.requests;
    },

    async testApiCredentials() {
      const send: ScimSendOptions = {
        method: 'GET',
        path: '/Users',
        query: { startIndex: '1', count: '2' },
        expect: [200],
        action: 'Test API Credentials',
      };
      const list = http.list(await http.send(send), send);
      return { totalResults: list.totalResults };
    },

    async assignUser(ref) {
      const user = resolveUser(ref);
      const action = `assign user ${user.login}`;
      const find: ScimSendOptions = {
        method: 'GET',
        path: '/Users',
        query: { filter: `userName eq "${user.login}"`, startIndex: '1', count: '100' },
        // Okta's reference accepts a 404 SCIM error as "no such user" as well as an empty list.
        expect: [200, 404],
        action,
      };
      const found = await http.send(find);
      const existing = found.status === 200 ? http.list(found, find).Resources?.[0] : undefined;
      if (existing) {
        remember(user, existing.id);
        await getThenPut(user, existing.id, action, { active: true });
        return { scimId: existing.id, linked: true };
      }
      const create: ScimSendOptions = {
        method: 'POST',
        path: '/Users',
        body: { schemas: [USER_SCHEMA], ...profileOf(user), groups: [], password: makePassword(), active: true },
        expect: [201],
        action,
      };
      // "Create new user returned empty user" is a failure in Okta: a body with an id is required.
      const created = http.resource(await http.send(create), create);
      remember(user, created.id);
      return { scimId: created.id, linked: false };
    },

    async updateProfile(ref) {
      const user = resolveUser(ref);
      const scimId = requireUserId(user);
      await getThenPut(user, scimId, `update profile of ${user.login}`, {});
      remember(user, scimId);
      return { scimId };
    },

    async deactivateUser(ref, opts) {
      if (opts?.via === 'put') {
        const user = resolveUser(ref);
        const scimId = requireUserId(user);
        await getThenPut(user, scimId, `deactivate ${user.login}`, { active: false });
        return { scimId };
      }
      return patchActive(ref, false, `deactivate ${loginOf(ref)}`);
    },

    reactivateUser(ref) {
      return patchActive(ref, true, `reactivate ${loginOf(ref)}`);
    },

    async unassignUser(ref) {
      const result = await patchActive(ref, false, `unassign ${loginOf(ref)}`);
      for (const [oktaId, scimId] of assigned) if (scimId === result.scimId) assigned.delete(oktaId);
      return result;
    },

    async pushGroup(ref, members) {
      const group = resolveGroup(ref);
      const action = `push group ${group.name}`;
      const memberValues = (members ?? assignedMembersOf(group)).map(member);
      const find: ScimSendOptions = {
        method: 'GET',
        path: '/Groups',
        query: { filter: `displayName eq "${group.name}"`, startIndex: '1', count: '100' },
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
          body: { schemas: [GROUP_SCHEMA], displayName: group.name, members: [] },
          expect: [201],
          action,
        };
        scimGroupId = http.resource(await http.send(create), create).id;
      }
      groupIds.set(group.name, scimGroupId);
      if (memberValues.length > 0) {
        await patchGroup(scimGroupId, [{ op: 'add', path: 'members', value: memberValues }], action);
      }
      return { scimGroupId, linked: existing !== undefined, memberIds: memberValues.map((m) => m.value) };
    },

    async renameGroup(ref, newName) {
      const scimGroupId = requireGroupId(ref);
      await patchGroup(
        scimGroupId,
        [{ op: 'replace', value: { id: scimGroupId, displayName: newName } }],
        `rename group ${nameOf(ref)} to ${newName}`,
      );
      groupIds.delete(nameOf(ref));
      groupIds.set(newName, scimGroupId);
      return { scimGroupId };
    },

    async updateGroupMembers(ref, change) {
      const scimGroupId = requireGroupId(ref);
      const removals = (change.remove ?? []).map((u) => ({
        op: 'remove',
        path: `members[value eq "${requireUserId(u)}"]`,
      }));
      const additions = (change.add ?? []).map(member);
      const operations: unknown[] = [...removals];
      if (additions.length > 0) operations.push({ op: 'add', path: 'members', value: additions });
      if (operations.length === 0) return { scimGroupId };
      await patchGroup(scimGroupId, operations, `change members of group ${nameOf(ref)}`);
      return { scimGroupId };
    },

    async replaceGroupMembers(ref, members) {
      const scimGroupId = requireGroupId(ref);
      await patchGroup(
        scimGroupId,
        [{ op: 'replace', path: 'members', value: members.map(member) }],
        `push all members of group ${nameOf(ref)}`,
      );
      return { scimGroupId };
    },

    unpushGroup,

    deleteGroup(ref) {
      return unpushGroup(ref, { deleteInApp: true });
    },

    scimIdOf(ref) {
      return (typeof ref === 'string' ? undefined : userIds.get(ref.id)) ?? userIds.get(loginOf(ref));
    },
    scimGroupIdOf(ref) {
      return groupIds.get(nameOf(ref));
    },
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
