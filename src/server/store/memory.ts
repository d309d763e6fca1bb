import {
  normalizeGroupName,
  type ApiKeyRecord,
  type DatasetGroupRecord,
  type DatasetRecord,
  type GroupMember,
  type GroupRecord,
  type ReferenceStore,
  type UserRecord,
} from './types.js';

const EMPTY: ReadonlySet<string> = new Set();

function addToMulti<K, V>(index: Map<K, Set<V>>, key: K, value: V): void {
  let set = index.get(key);
  if (!set) index.set(key, (set = new Set()));
  set.add(value);
}
function removeFromMulti<K, V>(index: Map<K, Set<V>>, key: K, value: V): void {
  const set = index.get(key);
  if (!set) return;
  set.delete(value);
  if (set.size === 0) index.delete(key);
}

/**
 * The in-memory store: Maps in creation order (stable pagination) plus the indexes that make
 * `userName eq`, `externalId eq`, `displayName eq`, member add/remove and "groups of a user" O(1).
 * All state lives in the returned object, so two stores never share anything.
 */
export function createMemoryStore(): ReferenceStore {
  const users = new Map<string, UserRecord>();
  const userByName = new Map<string, string>();
  const usersByExternalId = new Map<string, Set<string>>();
  const groupsOfUser = new Map<string, Set<string>>();
  const groups = new Map<string, GroupRecord>();
  const groupByName = new Map<string, string>();
  const groupsByExternalId = new Map<string, Set<string>>();
  const datasets = new Map<string, DatasetRecord>();
  const datasetByName = new Map<string, string>();
  const datasetGroups = new Map<string, DatasetGroupRecord>();
  const datasetGroupByName = new Map<string, string>();
  const apiKeys = new Map<string, ApiKeyRecord>();
  const keyByAccessKeyId = new Map<string, string>();
  const keyByUser = new Map<string, string>();
  const access = new Map<string, ReadonlySet<string>>();

  const byIds = <T>(ids: Set<string> | undefined, map: Map<string, T>): T[] =>
    ids ? [...ids].map((id) => map.get(id)).filter((v): v is T => v !== undefined) : [];

  const store: ReferenceStore = {
    getUser: (id) => users.get(id),
    findUserByUserName(userName) {
      const id = userByName.get(userName.toLowerCase());
      return id === undefined ? undefined : users.get(id);
    },
    findUsersByExternalId: (externalId) => byIds(usersByExternalId.get(externalId), users),
    listUsers: () => users.values(),
    countUsers: () => users.size,
    putUser(user) {
      const old = users.get(user.id);
      if (old) {
        userByName.delete(old.userName.toLowerCase());
        if (old.externalId !== undefined) removeFromMulti(usersByExternalId, old.externalId, old.id);
      }
      users.set(user.id, user);
      userByName.set(user.userName.toLowerCase(), user.id);
      if (user.externalId !== undefined) addToMulti(usersByExternalId, user.externalId, user.id);
    },
    deleteUser(id) {
      const old = users.get(id);
      if (!old) return;
      users.delete(id);
      userByName.delete(old.userName.toLowerCase());
      if (old.externalId !== undefined) removeFromMulti(usersByExternalId, old.externalId, id);
      for (const groupId of groupsOfUser.get(id) ?? EMPTY) groups.get(groupId)?.members.delete(id);
      groupsOfUser.delete(id);
    },
    groupIdsOfUser: (userId) => groupsOfUser.get(userId) ?? EMPTY,

    getGroup: (id) => groups.get(id),
    findGroupByDisplayName(displayName) {
      const id = groupByName.get(normalizeGroupName(displayName));
      return id === undefined ? undefined : groups.get(id);
    },
    findGroupsByExternalId: (externalId) => byIds(groupsByExternalId.get(externalId), groups),
    listGroups: () => groups.values(),
    countGroups: () => groups.size,
    putGroup(group) {
      const old = groups.get(group.id);
      if (old) {
        groupByName.delete(normalizeGroupName(old.displayName));
        if (old.externalId !== undefined) removeFromMulti(groupsByExternalId, old.externalId, old.id);
        // Membership is kept by the store; a replaced record takes over the live member map.
        if (old.members !== group.members) {
          for (const userId of old.members.keys()) if (!group.members.has(userId)) removeFromMulti(groupsOfUser, userId, group.id);
        }
      }
      groups.set(group.id, group);
      groupByName.set(normalizeGroupName(group.displayName), group.id);
      if (group.externalId !== undefined) addToMulti(groupsByExternalId, group.externalId, group.id);
      for (const userId of group.members.keys()) addToMulti(groupsOfUser, userId, group.id);
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
      for (const key of apiKeys.values()) key.manualDatasetIds.delete(id);
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
