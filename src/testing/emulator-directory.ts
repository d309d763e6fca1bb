import { EmulatorUsageError } from './emulator-errors.js';

/**
 * @internal The users, groups and refresh tokens of one emulated directory. Provider differences
 * (what a user's sign-in name is, what a group's name is, whether ids are case-insensitive GUIDs) are
 * options, so Okta and Entra share one implementation.
 */
export interface Directory<U extends { id: string; groups: string[] }, G extends { id: string }, R extends { userId: string }> {
  readonly users: Map<string, U>;
  readonly groups: Map<string, G>;
  readonly refreshTokens: Map<string, R>;
  findUser: (nameOrId: string) => U | undefined;
  requireUser: (nameOrId: string) => U;
  findGroup: (nameOrId: string) => G | undefined;
  requireGroup: (nameOrId: string) => G;
  /** Group ids for names or ids, creating groups named but missing. */
  groupIds: (refs: readonly string[]) => string[];
  addMember: (groupNameOrId: string, userNameOrId: string) => void;
  removeMember: (groupNameOrId: string, userNameOrId: string) => void;
  /** Deletes a user and every refresh token issued to them. */
  removeUser: (nameOrId: string) => U;
  /** Revokes every refresh token (of one user when given); returns how many. */
  revokeRefreshTokens: (userNameOrId?: string) => number;
}

/** @internal */
export function createDirectory<U extends { id: string; groups: string[] }, G extends { id: string }, R extends { userId: string }>(options: {
  provider: string;
  userName: (user: U) => string;
  groupName(group: G): string;
  createGroup(name: string): G;
  /** Entra object ids are GUIDs compared case-insensitively; Okta ids are case-sensitive. */
  foldIdCase?: boolean;
}): Directory<U, G, R> {
  const users = new Map<string, U>();
  const groups = new Map<string, G>();
  const refreshTokens = new Map<string, R>();
  const idKey = (id: string) => (options.foldIdCase ? id.toLowerCase() : id);

  function findUser(nameOrId: string): U | undefined {
    const byId = users.get(idKey(nameOrId));
    if (byId !== undefined) return byId;
    const wanted = nameOrId.toLowerCase();
    for (const user of users.values()) if (options.userName(user).toLowerCase() === wanted) return user;
    return undefined;
  }
  function requireUser(nameOrId: string): U {
    const user = findUser(nameOrId);
    if (user === undefined) throw new EmulatorUsageError(`unknown ${options.provider} user "${nameOrId}"`);
    return user;
  }
  function findGroup(nameOrId: string): G | undefined {
    const byId = groups.get(idKey(nameOrId));
    if (byId !== undefined) return byId;
    for (const group of groups.values()) if (options.groupName(group) === nameOrId) return group;
    return undefined;
  }
  function requireGroup(nameOrId: string): G {
    const group = findGroup(nameOrId);
    if (group === undefined) throw new EmulatorUsageError(`unknown ${options.provider} group "${nameOrId}"`);
    return group;
  }
  function groupIds(refs: readonly string[]): string[] {
    return [...new Set(refs.map((ref) => (findGroup(ref) ?? options.createGroup(ref)).id))];
  }
  function revokeRefreshTokens(userNameOrId?: string): number {
    const userId = userNameOrId === undefined ? undefined : requireUser(userNameOrId).id;
    let revoked = 0;
    for (const [token, grant] of refreshTokens) {
      if (userId === undefined || grant.userId === userId) {
        refreshTokens.delete(token);
        revoked += 1;
      }
    }
    return revoked;
  }

  return {
    users,
    groups,
    refreshTokens,
    findUser,
    requireUser,
    findGroup,
    requireGroup,
    groupIds,
    addMember(groupNameOrId, userNameOrId) {
      const user = requireUser(userNameOrId);
      for (const id of groupIds([groupNameOrId])) if (!user.groups.includes(id)) user.groups.push(id);
    },
    removeMember(groupNameOrId, userNameOrId) {
      const user = requireUser(userNameOrId);
      const group = requireGroup(groupNameOrId);
      user.groups = user.groups.filter((id) => id !== group.id);
    },
    removeUser(nameOrId) {
      const user = requireUser(nameOrId);
      revokeRefreshTokens(user.id);
      users.delete(idKey(user.id));
      return user;
    },
    revokeRefreshTokens,
  };
}

/**
 * The directory management API both emulators offer to tests. Users and groups are referred to by
 * sign-in name (Okta login, Entra UPN; case-insensitive) or id; groups by name or id. Adding a member to a
 * group that does not exist creates it. Changes apply to the next token request; tokens already issued
 * keep their claims, as at the real IdPs.
 */
export interface EmulatorDirectoryApi<UserInput, User, GroupInput, Group, AppInput, App> {
  addUser(input: UserInput): User;
  updateUser(nameOrId: string, patch: Partial<Omit<UserInput, 'id' | 'groups'>>): User;
  /** Deletes the user and revokes their refresh tokens. */
  removeUser(nameOrId: string): void;
  getUser(nameOrId: string): User | undefined;
  addGroup(input: GroupInput): Group;
  getGroup(nameOrId: string): Group | undefined;
  addMember(groupNameOrId: string, userNameOrId: string): void;
  removeMember(groupNameOrId: string, userNameOrId: string): void;
  addApp(input: AppInput): App;
  setAppOptions(clientId: string, patch: Partial<Omit<AppInput, 'clientId'>>): App;
  /** Makes the app's client secret(s) expire now (emulator clock). */
  expireSecret(clientId: string): void;
  /** Revokes every refresh token (of one user when given); returns how many. */
  revokeRefreshTokens(userNameOrId?: string): number;
}
