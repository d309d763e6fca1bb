import {
  asciiLowerCase,
  normalizeGroupName,
  type ApiKeyRecord,
  type DatasetGroupRecord,
  type DatasetRecord,
  type GroupRecord,
  type ReferenceStore,
  type UserRecord,
} from './types.js';

const EMPTY: ReadonlySet<string> = new Set();

// A multi-index holds a bare id while a key has one value and a Set from the second on: most users are in
// one or two groups and have one externalId, and 100,000 one-element Sets would cost tens of megabytes.
type Multi = Map<string, string | Set<string>>;
function addToMulti(index: Multi, key: string, value: string): void {
  const current = index.get(key);
  if (current === undefined) index.set(key, value);
  else if (typeof current === 'string') {
    if (current !== value) index.set(key, new Set([current, value]));
  } else current.add(value);
}
function removeFromMulti(index: Multi, key: string, value: string): void {
  const current = index.get(key);
  if (current === undefined) return;
  if (typeof current === 'string') {
    if (current === value) index.delete(key);
    return;
  }
  current.delete(value);
  if (current.size === 1) index.set(key, current.values().next().value as string);
}
function multiValues(index: Multi, key: string): ReadonlySet<string> {
  const current = index.get(key);
  return current === undefined ? EMPTY : typeof current === 'string' ? new Set([current]) : current;
}

/**
 * The in-memory store: Maps in creation order (stable pagination) plus the indexes that make
 * `userName eq`, `externalId eq`, `displayName eq`, member add/remove and "groups of a user" O(1).
 * All state lives in the returned object, so two stores never share anything.
 */
export function createMemoryStore(): ReferenceStore {
  const users = new Map<string, UserRecord>();
  // Name → record rather than name → id: the `userName eq` lookup every IdP sends before a create is one
  // random access into 100,000 entries instead of two.
  const userByName = new Map<string, UserRecord>();
  const usersByExternalId: Multi = new Map();
  const groupsOfUser: Multi = new Map();
  const groups = new Map<string, GroupRecord>();
  const groupByName = new Map<string, string>();
  const groupsByExternalId: Multi = new Map();
  const datasets = new Map<string, DatasetRecord>();
  const datasetByName = new Map<string, string>();
  const datasetGroups = new Map<string, DatasetGroupRecord>();
  const datasetGroupByName = new Map<string, string>();
  const apiKeys = new Map<string, ApiKeyRecord>();
  const keyByAccessKeyId = new Map<string, string>();
  const keyByUser = new Map<string, string>();
  const access = new Map<string, ReadonlySet<string>>();

  const byIds = <T>(ids: ReadonlySet<string>, map: Map<string, T>): T[] =>
    [...ids].map((id) => map.get(id)).filter((v): v is T => v !== undefined);

  const store: ReferenceStore = {
    getUser: (id) => users.get(id),
    findUserByUserName: (userName) => userByName.get(asciiLowerCase(userName)),
    findUsersByExternalId: (externalId) => byIds(multiValues(usersByExternalId, externalId), users),
    listUsers: () => users.values(),
    countUsers: () => users.size,
    putUser(user) {
      const old = users.get(user.id);
      if (old) {
        userByName.delete(asciiLowerCase(old.userName));
        if (old.externalId !== undefined) removeFromMulti(usersByExternalId, old.externalId, old.id);
      }
      users.set(user.id, user);
      userByName.set(asciiLowerCase(user.userName), user);
      if (user.externalId !== undefined) addToMulti(usersByExternalId, user.externalId, user.id);
    },
    deleteUser(id) {
      const old = users.get(id);
      if (!old) return;
      users.delete(id);
      userByName.delete(asciiLowerCase(old.userName));
      if (old.externalId !== undefined) removeFromMulti(usersByExternalId, old.externalId, id);
      for (const groupId of multiValues(groupsOfUser, id)) groups.get(groupId)?.members.delete(id);
      groupsOfUser.delete(id);
    },
    groupIdsOfUser: (userId) => multiValues(groupsOfUser, userId),
    groupIdsOfUserUnwrapped: (userId) => groupsOfUser.get(userId),

    getGroup: (id) => groups.get(id),
    findGroupByDisplayName(displayName) {
      const id = groupByName.get(normalizeGroupName(displayName));
      return id === undefined ? undefined : groups.get(id);
    },
    findGroupsByExternalId: (externalId) => byIds(multiValues(groupsByExternalId, externalId), groups),
    listGroups: () => groups.values(),
    countGroups: () => groups.size,
    putGroup(group) {
      const old = groups.get(group.id);
      if (old) {
        groupByName.delete(normalizeGroupName(old.displayName));
        if (old.externalId !== undefined) removeFromMulti(groupsByExternalId, old.externalId, old.id);
        if (old.members !== group.members) {
          for (const userId of old.members.keys()) if (!group.members.has(userId)) removeFromMulti(groupsOfUser, userId, group.id);
        }
      }
      groups.set(group.id, group);
      groupByName.set(normalizeGroupName(group.displayName), group.id);
      if (group.externalId !== undefined) addToMulti(groupsByExternalId, group.externalId, group.id);
      // Same member map as before (a rename, a PATCH): the reverse index is already right. Skipping this
      // keeps a change to a group of 50,000 O(1).
      if (!old || old.members !== group.members) for (const userId of group.members.keys()) addToMulti(groupsOfUser, userId, group.id);
    },
    deleteGroup(id) {
      const old = groups.get(id);
      if (!old) return;
      groups.delete(id);
      groupByName.delete(normalizeGroupName(old.displayName));
      if (old.externalId !== undefined) removeFromMulti(groupsByExternalId, old.externalId, id);
      for (const userId of old.members.keys()) removeFromMulti(groupsOfUser, userId, id);
    },
    addMember(groupId, member) {
      const group = groups.get(groupId);
      if (!group || group.members.has(member.value)) return false;
      group.members.set(member.value, member);
      addToMulti(groupsOfUser, member.value, groupId);
      return true;
    },
    removeMember(groupId, userId) {
      const group = groups.get(groupId);
      if (!group || !group.members.delete(userId)) return false;
      removeFromMulti(groupsOfUser, userId, groupId);
      return true;
    },

    getDataset: (id) => datasets.get(id),
    findDatasetByName(name) {
      const id = datasetByName.get(name);
      return id === undefined ? undefined : datasets.get(id);
    },
    listDatasets: () => datasets.values(),
    putDataset(dataset) {
      const old = datasets.get(dataset.id);
      if (old) datasetByName.delete(old.name);
      datasets.set(dataset.id, dataset);
      datasetByName.set(dataset.name, dataset.id);
    },
    deleteDataset(id) {
      const old = datasets.get(id);
      if (!old) return;
      datasets.delete(id);
      datasetByName.delete(old.name);
      for (const group of datasetGroups.values()) group.datasetIds.delete(id);
      for (const key of apiKeys.values()) {
        if (key.manualDatasetIds.has(id)) key.manualDatasetIds = new Set([...key.manualDatasetIds].filter((d) => d !== id));
      }
    },
    getDatasetGroup: (id) => datasetGroups.get(id),
    findDatasetGroupByName(name) {
      const id = datasetGroupByName.get(normalizeGroupName(name));
      return id === undefined ? undefined : datasetGroups.get(id);
    },
    listDatasetGroups: () => datasetGroups.values(),
    putDatasetGroup(group) {
      const old = datasetGroups.get(group.id);
      if (old) datasetGroupByName.delete(normalizeGroupName(old.name));
      datasetGroups.set(group.id, group);
      datasetGroupByName.set(normalizeGroupName(group.name), group.id);
    },
    deleteDatasetGroup(id) {
      const old = datasetGroups.get(id);
      if (!old) return;
      datasetGroups.delete(id);
      datasetGroupByName.delete(normalizeGroupName(old.name));
    },

    getApiKey: (id) => apiKeys.get(id),
    findApiKeyByAccessKeyId(accessKeyId) {
      const id = keyByAccessKeyId.get(accessKeyId);
      return id === undefined ? undefined : apiKeys.get(id);
    },
    findApiKeyByUserId(userId) {
      const id = keyByUser.get(userId);
      return id === undefined ? undefined : apiKeys.get(id);
    },
    listApiKeys: () => apiKeys.values(),
    putApiKey(key) {
      const old = apiKeys.get(key.id);
      if (old) {
        keyByAccessKeyId.delete(old.accessKeyId);
        if (old.userId !== undefined) keyByUser.delete(old.userId);
      }
      apiKeys.set(key.id, key);
      keyByAccessKeyId.set(key.accessKeyId, key.id);
      if (key.userId !== undefined) keyByUser.set(key.userId, key.id);
    },
    deleteApiKey(id) {
      const old = apiKeys.get(id);
      if (!old) return;
      apiKeys.delete(id);
      keyByAccessKeyId.delete(old.accessKeyId);
      if (old.userId !== undefined) keyByUser.delete(old.userId);
      access.delete(id);
    },

    materialisedAccess: (keyId) => access.get(keyId) ?? EMPTY,
    setMaterialisedAccess(keyId, datasetIds) {
      if (datasetIds.size === 0) access.delete(keyId);
      else access.set(keyId, datasetIds);
    },
  };
  return store;
}
