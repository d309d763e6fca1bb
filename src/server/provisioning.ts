// The provisioning engine: the seed documents' auto-provisioning table, implemented through one invariant
// (ARCHITECTURE.md, Provisioning rules): an auto-provisioned key may use dataset D exactly when its user is active, is a member of a
// SCIM group G, and the dataset group whose name matches G's displayName (normalizeGroupName) contains D.
//
// `deriveKeyAccess` is that function, computed from scratch. The engine keeps a materialised copy in the
// store and, after each change, recomputes it only for the keys the change can affect, so adding a member
// to a group of 50,000 touches one key. Tests check materialised == derived after every step.
// The engine knows nothing about HTTP; callers (SCIM and admin handlers) tell it what changed.
import { createApiKeyRecord } from './store/api-key.js';
import { normalizeGroupName, type ApiKeyRecord, type DatasetRecord, type ReferenceStore, type UserRecord } from './store/types.js';

/** Why an API key may or may not use a dataset (the admin API's access query and the key endpoints). */
export type AccessDecision =
  | { allowed: true; reason: 'manual_grant' | 'group_membership'; message: string; via?: { groupId: string; groupDisplayName: string; datasetGroupId: string; datasetGroupName: string } }
  | {
      allowed: false;
      reason:
        | 'key_not_found'
        | 'dataset_not_found'
        | 'key_disabled'
        | 'user_inactive'
        | 'user_not_found'
        | 'no_group_membership'
        | 'no_matching_dataset_group'
        | 'dataset_not_in_matching_dataset_group'
        | 'not_granted';
      message: string;
    };

/** The derived access of one auto-provisioned key (empty for manual keys: see {@link keyAccess}). */
export function deriveKeyAccess(store: ReferenceStore, key: ApiKeyRecord): Set<string> {
  const out = new Set<string>();
  if (!key.autoProvisioned || key.userId === undefined) return out;
  const user = store.getUser(key.userId);
  if (!user || !user.active) return out;
  for (const groupId of store.groupIdsOfUser(user.id)) {
    const group = store.getGroup(groupId);
    if (!group) continue;
    const datasetGroup = store.findDatasetGroupByName(group.displayName);
    if (!datasetGroup) continue;
    for (const datasetId of datasetGroup.datasetIds) out.add(datasetId);
  }
  return out;
}

/** Derived access of every auto-provisioned key, keyed by key id (keys with no access are omitted). */
export function deriveAllAccess(store: ReferenceStore): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const key of store.listApiKeys()) {
    const access = deriveKeyAccess(store, key);
    if (access.size > 0) out.set(key.id, access);
  }
  return out;
}

/** The datasets a key may use right now: materialised access for auto-provisioned keys, grants for manual keys. */
export function keyAccess(store: ReferenceStore, key: ApiKeyRecord): ReadonlySet<string> {
  if (!key.enabled) return new Set();
  return key.autoProvisioned ? store.materialisedAccess(key.id) : key.manualDatasetIds;
}

/**
 * Answer "can key K use dataset D, and why not" for references as the admin API takes them (key id or
 * public value; dataset id or name). The key endpoints resolve the dataset by name themselves and call
 * {@link explainDatasetAccess} with that record, so access is checked for the dataset whose key is issued.
 */
export function explainAccess(store: ReferenceStore, keyId: string, datasetId: string): AccessDecision {
  const key = store.getApiKey(keyId) ?? store.findApiKeyByAccessKeyId(keyId);
  if (!key) return { allowed: false, reason: 'key_not_found', message: `No API key "${keyId}".` };
  const dataset = store.getDataset(datasetId) ?? store.findDatasetByName(datasetId);
  if (!dataset) return { allowed: false, reason: 'dataset_not_found', message: `No dataset "${datasetId}".` };
  return explainDatasetAccess(store, key, dataset);
}

/** "Can this key use this dataset record, and why not": the one access decision, for records already looked up. */
export function explainDatasetAccess(store: ReferenceStore, key: ApiKeyRecord, dataset: DatasetRecord): AccessDecision {
  if (!key.autoProvisioned) {
    if (!key.enabled) return { allowed: false, reason: 'key_disabled', message: `API key "${key.name}" is disabled.` };
    return key.manualDatasetIds.has(dataset.id)
      ? { allowed: true, reason: 'manual_grant', message: `API key "${key.name}" was granted dataset "${dataset.name}".` }
      : { allowed: false, reason: 'not_granted', message: `API key "${key.name}" was not granted dataset "${dataset.name}".` };
  }
  const user = key.userId === undefined ? undefined : store.getUser(key.userId);
  if (!user) return { allowed: false, reason: 'user_not_found', message: `The SCIM user of API key "${key.name}" no longer exists.` };
  if (!user.active || !key.enabled)
    return { allowed: false, reason: 'user_inactive', message: `SCIM user "${user.userName}" is deactivated (active: false), so API key "${key.name}" is disabled.` };
  const groupIds = [...store.groupIdsOfUser(user.id)];
  if (groupIds.length === 0)
    return { allowed: false, reason: 'no_group_membership', message: `SCIM user "${user.userName}" is not a member of any SCIM group; push a group with this user (Okta: Push Groups; Entra: assign the group).` };
  let anyMatch = false;
  for (const groupId of groupIds) {
    const group = store.getGroup(groupId);
    if (!group) continue;
    const datasetGroup = store.findDatasetGroupByName(group.displayName);
    if (!datasetGroup) continue;
    anyMatch = true;
    if (datasetGroup.datasetIds.has(dataset.id))
      return {
        allowed: true,
        reason: 'group_membership',
        message: `SCIM user "${user.userName}" is in group "${group.displayName}", whose dataset group "${datasetGroup.name}" contains dataset "${dataset.name}".`,
        via: { groupId: group.id, groupDisplayName: group.displayName, datasetGroupId: datasetGroup.id, datasetGroupName: datasetGroup.name },
      };
  }
  const names = groupIds.map((id) => store.getGroup(id)?.displayName).filter((n): n is string => n !== undefined);
  return anyMatch
    ? { allowed: false, reason: 'dataset_not_in_matching_dataset_group', message: `Dataset "${dataset.name}" is not in the dataset groups matching the user's SCIM groups (${names.map((n) => `"${n}"`).join(', ')}); assign it to one of them.` }
    : { allowed: false, reason: 'no_matching_dataset_group', message: `No dataset group is named like the user's SCIM groups (${names.map((n) => `"${n}"`).join(', ')}); create a dataset group with one of those names.` };
}

/** The engine the SCIM and admin handlers call after each committed change. */
export interface ProvisioningEngine {
  /** Table row "IDP user is created": creates the user's API key, named after the user. */
  userCreated(user: UserRecord): ApiKeyRecord;
  /** Rows "user field change" (rename) and "active field changed" (enable/disable). */
  userChanged(user: UserRecord): void;
  /** Row "IDP user is deleted": deletes the key. Call after the user is removed from the store. */
  userDeleted(userId: string): void;
  /** Row "group members are changed": recompute the keys of these users. */
  membersChanged(userIds: Iterable<string>): void;
  /** Rows "display_name changed" / "group deleted" / dataset (group) changes: recompute these users. */
  usersOfGroupsNamed(names: Iterable<string>): void;
  /** Recompute one user's key. */
  recomputeUser(userId: string): void;
  /** Recompute every key (after a dataset is deleted, say). */
  recomputeAll(): void;
}

/** The name an auto-provisioned key gets: the user's userName, as the seed table "named after the user". */
export function keyNameFor(user: UserRecord): string {
  return user.userName;
}

/** Create a provisioning engine over a store. */
export function createProvisioningEngine(store: ReferenceStore): ProvisioningEngine {
  const recomputeKey = (key: ApiKeyRecord) => {
    if (key.autoProvisioned) store.setMaterialisedAccess(key.id, deriveKeyAccess(store, key));
  };
  const recomputeUser = (userId: string) => {
    const key = store.findApiKeyByUserId(userId);
    if (key) recomputeKey(key);
  };
  return {
    userCreated(user) {
      // The key is created with its user: it shares the user's creation Date (a Date costs ~100 bytes of heap,
      // and a directory holds one key per user). Records never mutate their Dates.
      const key = createApiKeyRecord({ name: keyNameFor(user), enabled: user.active, autoProvisioned: true, userId: user.id, created: user.created });
      store.putApiKey(key);
      recomputeKey(key);
      return key;
    },
    userChanged(user) {
      const key = store.findApiKeyByUserId(user.id);
      if (!key) return;
      key.name = keyNameFor(user);
      key.enabled = user.active;
      recomputeKey(key);
    },
    userDeleted(userId) {
      const key = store.findApiKeyByUserId(userId);
      if (key) store.deleteApiKey(key.id);
    },
    membersChanged(userIds) {
      for (const userId of userIds) recomputeUser(userId);
    },
    usersOfGroupsNamed(names) {
      const seen = new Set<string>();
      for (const name of names) {
        const group = store.findGroupByDisplayName(name);
        if (!group) continue;
        for (const userId of group.members.keys()) {
          if (seen.has(userId)) continue;
          seen.add(userId);
          recomputeUser(userId);
        }
      }
    },
    recomputeUser,
    recomputeAll() {
      for (const key of store.listApiKeys()) recomputeKey(key);
    },
  };
}

export { normalizeGroupName };
