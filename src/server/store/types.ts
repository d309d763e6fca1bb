// Records the reference server keeps, and the store interface the protocol code works against.
// Every method is synchronous on purpose: one SCIM or admin operation (for example a PATCH that changes
// membership and therefore access) runs from validation to commit without an `await`, so no reader ever
// sees half of it and concurrent writers are serialised by the event loop.

/** A member of a SCIM group (RFC 7643 §4.2). Only users are members here. */
export interface GroupMember {
  /** The SCIM id of the member user. */
  value: string;
  display?: string;
  type?: 'User' | 'Group';
}

interface ResourceMeta {
  /** Server-assigned SCIM id (UUID). */
  id: string;
  /** Increases by one on every change; the ETag is `W/"{version}"`. */
  version: number;
  created: Date;
  lastModified: Date;
}

/**
 * A SCIM user. `attributes` is the resource as the client sees it minus `id`, `meta` and `groups`
 * (coerced by schema: booleans are booleans, unknown attributes dropped), including the enterprise
 * extension under its URN.
 */
export interface UserRecord extends ResourceMeta {
  /** As sent (case preserved); looked up ASCII-case-insensitively. */
  userName: string;
  active: boolean;
  externalId: string | undefined;
  /**
   * Never changed in place: a write stores a new object (the SCIM handlers build one per POST, PUT and
   * PATCH). The JSON text of a user's attributes is kept per object, so an in-place change would not show.
   */
  attributes: Record<string, unknown>;
}

/** A SCIM group. `members` keeps insertion order and makes add/remove O(1). */
export interface GroupRecord extends ResourceMeta {
  displayName: string;
  externalId: string | undefined;
  members: Map<string, GroupMember>;
}

export type DatasetType = 'structured' | 'unstructured';

/** A Ubiq dataset (created in the "Ubiq UI", i.e. the admin API). */
export interface DatasetRecord {
  id: string;
  /** Unique, case-sensitive, as in Ubiq. */
  name: string;
  type: DatasetType;
  created: Date;
  /** Structured datasets only: the format-preserving definition and the key numbers issued so far. */
  structured?: StructuredDataset;
}

/**
 * A structured (format-preserving, FF1) dataset's definition: what `GET /api/v0/ffs` answers, in the
 * official clients' field names, minus `name`. The clients run FF1 themselves; the server only hands out
 * the definition and the keys.
 */
export interface StructuredDefinition {
  /** The characters a plaintext is made of (FF1 radix = its length). Unique characters. */
  input_character_set: string;
  /** The characters a ciphertext is made of; at least as many as the input set (room for the key number). */
  output_character_set: string;
  /** Characters copied through unencrypted (dashes in `123-45-6789`). */
  passthrough: string;
  min_input_length: number;
  max_input_length: number;
  /** The FF1 tweak (base64); constant per dataset. */
  tweak: string;
  tweak_source: 'constant';
  tweak_min_len: number;
  tweak_max_len: number;
  encryption_algorithm: 'FF1';
  /** How many low bits of the first ciphertext character carry the input digit; the key number sits above them. */
  msb_encoding_bits: number;
  /** Random per dataset (base64), as Ubiq's definitions carry one. */
  salt: string;
}

/** A structured dataset's definition and key state. */
export interface StructuredDataset {
  definition: StructuredDefinition;
  /** The key number encryption uses now; keys 0..current stay available for decryption. */
  currentKeyNumber: number;
  /** The largest key number the output character set can encode (see `msb_encoding_bits`). */
  maxKeyNumber: number;
}

/** A Ubiq dataset group. Matches the SCIM group whose displayName has the same {@link normalizeGroupName}. */
export interface DatasetGroupRecord {
  id: string;
  name: string;
  /** Dataset ids, insertion order. */
  datasetIds: Set<string>;
  created: Date;
}

/**
 * A Ubiq API key. Auto-provisioned keys belong to a SCIM user and are created with it; their access is
 * derived (see provisioning.ts). Manual keys (admin API) carry their own dataset list.
 * `accessKeyId` / `secretSigningKey` are what the SSO endpoint returns as `public_value` / `signing_value`:
 * generated once per key and stable for its lifetime (renames, deactivation, certificate renewals).
 */
export interface ApiKeyRecord {
  id: string;
  name: string;
  enabled: boolean;
  autoProvisioned: boolean;
  /** SCIM user id for auto-provisioned keys. */
  userId: string | undefined;
  /** Public value (base64url, 24 random bytes). Not secret. */
  accessKeyId: string;
  /** Signing value (base64url, 32 random bytes). SECRET: never logged; redacted when printed. */
  secretSigningKey: string;
  /** Datasets a manual key may use (ignored for auto-provisioned keys). */
  manualDatasetIds: ReadonlySet<string>;
  created: Date;
}

/** The IdP settings of the "Ubiq IDP Settings window". */
export interface ServerIdpSettings {
  /** Provisioning and SSO are on. When false the SSO endpoint refuses every token. */
  enabled: boolean;
  /** OpenID Connect discovery URL (`…/.well-known/openid-configuration`), or undefined when not configured. */
  discoveryUrl: string | undefined;
  /** Expected `iss` of IdP access tokens. */
  issuer: string | undefined;
  /** Expected `aud` of IdP access tokens. */
  audience: string | undefined;
  /**
   * Claim mapped to the SCIM userName. Undefined = by provider: Okta `sub`; Entra `upn`, then
   * `unique_name`, then `preferred_username`.
   */
  usernameClaim: string | undefined;
  /**
   * OAuth client ids whose access tokens the SSO endpoint accepts, compared with the token's client claim
   * (Okta `cid`; Entra `azp` (v2) or `appid` (v1)). Every app of an Okta org or Entra tenant can get a token
   * with the same issuer and audience, so without this list a token leaked from any app buys a certificate.
   * Empty: not checked.
   */
  allowedClientIds: string[];
  /** A scope the token must carry in `scp` (Okta: an array; Entra: space-separated), or undefined. */
  requiredScope: string | undefined;
  /**
   * The token claim that must equal the SCIM user's `externalId` when the user has one (an immutable id on
   * both sides). Undefined = by provider: Okta `uid` (Okta sends its user id as `externalId` and puts it in
   * `uid`); Entra none, because Entra's default mapping sends `mailNickname` — set `oid` where the
   * provisioning mapping sends `objectId` as `externalId`. `false` turns the check off.
   */
  externalIdClaim: string | false | undefined;
}

/** Read/write access to the server's records. One customer per store. */
export interface ReferenceStore {
  // users
  getUser(id: string): UserRecord | undefined;
  /** ASCII-case-insensitive (RFC 7643: userName caseExact false; no Unicode case folding). O(1). */
  findUserByUserName(userName: string): UserRecord | undefined;
  /** Case-sensitive (caseExact true). O(1). */
  findUsersByExternalId(externalId: string): readonly UserRecord[];
  /** Stable order: creation order. */
  listUsers(): Iterable<UserRecord>;
  countUsers(): number;
  putUser(user: UserRecord): void;
  deleteUser(id: string): void;
  /** Ids of the groups the user is a member of. O(1). */
  groupIdsOfUser(userId: string): ReadonlySet<string>;
  /**
   * @internal The same ids without building a set for a user in one group (the render path of every SCIM
   * GET): one id as a string, several as the store's own set (never to be changed), none as undefined.
   * Optional; a store without it is read through {@link ReferenceStore.groupIdsOfUser}.
   */
  groupIdsOfUserUnwrapped?(userId: string): string | ReadonlySet<string> | undefined;

  // groups
  getGroup(id: string): GroupRecord | undefined;
  /** By normalised displayName (see normalizeGroupName). O(1). */
  findGroupByDisplayName(displayName: string): GroupRecord | undefined;
  findGroupsByExternalId(externalId: string): readonly GroupRecord[];
  listGroups(): Iterable<GroupRecord>;
  countGroups(): number;
  /** Insert or replace a group's scalar fields; membership changes go through addMember/removeMember. */
  putGroup(group: GroupRecord): void;
  deleteGroup(id: string): void;
  addMember(groupId: string, member: GroupMember): boolean;
  removeMember(groupId: string, userId: string): boolean;

  // datasets and dataset groups
  getDataset(id: string): DatasetRecord | undefined;
  findDatasetByName(name: string): DatasetRecord | undefined;
  listDatasets(): Iterable<DatasetRecord>;
  putDataset(dataset: DatasetRecord): void;
  deleteDataset(id: string): void;
  getDatasetGroup(id: string): DatasetGroupRecord | undefined;
  /** By normalised name. */
  findDatasetGroupByName(name: string): DatasetGroupRecord | undefined;
  listDatasetGroups(): Iterable<DatasetGroupRecord>;
  putDatasetGroup(group: DatasetGroupRecord): void;
  deleteDatasetGroup(id: string): void;

  // API keys
  getApiKey(id: string): ApiKeyRecord | undefined;
  findApiKeyByAccessKeyId(accessKeyId: string): ApiKeyRecord | undefined;
  findApiKeyByUserId(userId: string): ApiKeyRecord | undefined;
  listApiKeys(): Iterable<ApiKeyRecord>;
  putApiKey(key: ApiKeyRecord): void;
  deleteApiKey(id: string): void;

  // materialised access of auto-provisioned keys (maintained by the provisioning engine)
  materialisedAccess(keyId: string): ReadonlySet<string>;
  setMaterialisedAccess(keyId: string, datasetIds: ReadonlySet<string>): void;
}

/**
 * ASCII-only lower case: `A`–`Z` become `a`–`z`, every other character stays as it is. Names are compared
 * exactly or ASCII-case-insensitively, never with Unicode case folding, under which a different login such
 * as `\u212Aate@…` (KELVIN SIGN) would equal `kate@…`.
 */
export function asciiLowerCase(value: string): string {
  // Most names arrive in lower case already: a test is far cheaper than a replace with a callback, and the
  // unchanged string keeps its cached hash for the index lookup that follows.
  return HAS_ASCII_UPPER.test(value) ? value.replace(ASCII_UPPER_RUNS, (run) => run.toLowerCase()) : value;
}
const HAS_ASCII_UPPER = /[A-Z]/;
const ASCII_UPPER_RUNS = /[A-Z]+/g;

/**
 * How a dataset group name matches a SCIM group displayName: Unicode NFC, leading/trailing whitespace
 * trimmed, inner runs of whitespace collapsed to one space, then compared ASCII-case-insensitively
 (ASCII letters only, so no locale changes the result). "Finance", " finance " and "FINANCE" match; "Fin ance" does not.
 * Group displayNames are unique under the same rule (SCIM 409 uniqueness), so the match is one-to-one.
 */
export function normalizeGroupName(name: string): string {
  return asciiLowerCase(name.normalize('NFC').trim().replace(/\s+/gu, ' '));
}
