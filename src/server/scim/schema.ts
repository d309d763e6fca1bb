// The SCIM schemas this server implements (RFC 7643 §4, §8.7.1), as data: the /Schemas endpoint, input
// coercion, filter case-exactness and attribute projection all read these definitions.

export const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const ENTERPRISE_SCHEMA = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
export const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';
export const LIST_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';
export const PATCH_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

export type AttrType = 'string' | 'boolean' | 'decimal' | 'integer' | 'dateTime' | 'reference' | 'complex' | 'binary';

export interface AttrDef {
  name: string;
  type: AttrType;
  multiValued: boolean;
  required: boolean;
  caseExact: boolean;
  mutability: 'readOnly' | 'readWrite' | 'immutable' | 'writeOnly';
  returned: 'always' | 'never' | 'default' | 'request';
  uniqueness: 'none' | 'server' | 'global';
  description: string;
  subAttributes?: AttrDef[];
  referenceTypes?: string[];
  canonicalValues?: string[];
}

type Partial2 = Partial<AttrDef> & { name: string };
const a = (d: Partial2): AttrDef => ({
  type: 'string',
  multiValued: false,
  required: false,
  caseExact: false,
  mutability: 'readWrite',
  returned: 'default',
  uniqueness: 'none',
  description: d.name,
  ...d,
});
const str = (name: string, extra: Partial<AttrDef> = {}) => a({ name, ...extra });
const multi = (name: string, subs: AttrDef[], extra: Partial<AttrDef> = {}) =>
  a({ name, type: 'complex', multiValued: true, subAttributes: subs, ...extra });
const valueSubs = (types?: string[]) => [
  str('value'),
  str('display'),
  str('type', types ? { canonicalValues: types } : {}),
  a({ name: 'primary', type: 'boolean' }),
];

export interface SchemaDef {
  id: string;
  name: string;
  description: string;
  attributes: AttrDef[];
}

export const userSchema: SchemaDef = {
  id: USER_SCHEMA,
  name: 'User',
  description: 'User Account',
  attributes: [
    str('userName', { required: true, uniqueness: 'server', description: 'Unique identifier for the User; compared case-insensitively.' }),
    a({
      name: 'name',
      type: 'complex',
      subAttributes: ['formatted', 'familyName', 'givenName', 'middleName', 'honorificPrefix', 'honorificSuffix'].map((n) => str(n)),
    }),
    str('displayName'),
    str('nickName'),
    a({ name: 'profileUrl', type: 'reference', referenceTypes: ['external'] }),
    str('title'),
    str('userType'),
    str('preferredLanguage'),
    str('locale'),
    str('timezone'),
    a({ name: 'active', type: 'boolean' }),
    str('password', { mutability: 'writeOnly', returned: 'never' }),
    multi('emails', valueSubs(['work', 'home', 'other'])),
    multi('phoneNumbers', valueSubs(['work', 'home', 'mobile', 'fax', 'pager', 'other'])),
    multi('ims', valueSubs()),
    multi('photos', valueSubs(['photo', 'thumbnail'])),
    multi('addresses', [
      ...['formatted', 'streetAddress', 'locality', 'region', 'postalCode', 'country'].map((n) => str(n)),
      str('type', { canonicalValues: ['work', 'home', 'other'] }),
      a({ name: 'primary', type: 'boolean' }),
    ]),
    multi(
      'groups',
      [str('value', { mutability: 'readOnly' }), a({ name: '$ref', type: 'reference', mutability: 'readOnly', referenceTypes: ['Group'] }), str('display', { mutability: 'readOnly' }), str('type', { mutability: 'readOnly' })],
      { mutability: 'readOnly' },
    ),
    multi('entitlements', valueSubs()),
    multi('roles', valueSubs()),
    multi('x509Certificates', valueSubs()),
  ],
};

export const enterpriseSchema: SchemaDef = {
  id: ENTERPRISE_SCHEMA,
  name: 'EnterpriseUser',
  description: 'Enterprise User',
  attributes: [
    str('employeeNumber'),
    str('costCenter'),
    str('organization'),
    str('division'),
    str('department'),
    a({
      name: 'manager',
      type: 'complex',
      subAttributes: [str('value'), a({ name: '$ref', type: 'reference', referenceTypes: ['User'] }), str('displayName', { mutability: 'readOnly' })],
    }),
  ],
};

export const groupSchema: SchemaDef = {
  id: GROUP_SCHEMA,
  name: 'Group',
  description: 'Group',
  attributes: [
    str('displayName', { required: true, uniqueness: 'server', description: 'Unique (case- and whitespace-insensitively) in this server.' }),
    multi('members', [
      str('value', { mutability: 'immutable' }),
      a({ name: '$ref', type: 'reference', mutability: 'immutable', referenceTypes: ['User', 'Group'] }),
      str('display', { mutability: 'readOnly' }),
      str('type', { mutability: 'immutable', canonicalValues: ['User', 'Group'] }),
    ]),
  ],
};

/** Attributes every resource has (RFC 7643 §3.1). */
export const commonAttributes: AttrDef[] = [
  str('id', { mutability: 'readOnly', returned: 'always', caseExact: true, uniqueness: 'server' }),
  str('externalId', { caseExact: true }),
  a({
    name: 'meta',
    type: 'complex',
    mutability: 'readOnly',
    subAttributes: [
      str('resourceType', { mutability: 'readOnly', caseExact: true }),
      a({ name: 'created', type: 'dateTime', mutability: 'readOnly' }),
      a({ name: 'lastModified', type: 'dateTime', mutability: 'readOnly' }),
      a({ name: 'location', type: 'reference', mutability: 'readOnly', caseExact: true }),
      str('version', { mutability: 'readOnly', caseExact: true }),
    ],
  }),
];

/** A resource type: its core schema and extensions. */
export interface ResourceTypeDef {
  name: 'User' | 'Group';
  endpoint: '/Users' | '/Groups';
  core: SchemaDef;
  extensions: SchemaDef[];
}

export const userType: ResourceTypeDef = { name: 'User', endpoint: '/Users', core: userSchema, extensions: [enterpriseSchema] };
export const groupType: ResourceTypeDef = { name: 'Group', endpoint: '/Groups', core: groupSchema, extensions: [] };

const lower = (s: string) => s.toLowerCase();

// Attribute lists are built once and never changed; each gets a lower-cased name index on first use, so
// every key of every POST body and every filter path is one Map lookup, not a scan lower-casing each name.
const attrIndexes = new WeakMap<readonly AttrDef[], Map<string, AttrDef>>();

/** Find a sub-attribute (case-insensitive name). */
export function findAttr(list: readonly AttrDef[] | undefined, name: string): AttrDef | undefined {
  if (!list) return undefined;
  let index = attrIndexes.get(list);
  if (!index) {
    index = new Map();
    // The first definition of a name wins, as a scan would find it.
    for (const def of list) if (!index.has(lower(def.name))) index.set(lower(def.name), def);
    attrIndexes.set(list, index);
  }
  return index.get(lower(name));
}

/** A resolved attribute path: which schema (core URN or extension URN), top attribute, optional sub-attribute. */
export interface ResolvedPath {
  /** The schema URN that holds `attr`; for extensions, the key in the resource JSON. */
  schema: string;
  isExtension: boolean;
  attr: AttrDef;
  sub: AttrDef | undefined;
}

/** The extension whose URN is exactly `path` (case-insensitive): a PATCH path naming the whole extension object. */
export function resolveExtensionUrn(type: ResourceTypeDef, path: string): SchemaDef | undefined {
  const lowerPath = lower(path);
  return type.extensions.find((e) => lower(e.id) === lowerPath);
}

/**
 * Resolve `name`, `name.sub`, `urn:…:name` or `urn:…:name.sub` against a resource type (names are
 * case-insensitive, RFC 7643 §2.1). An unqualified name that the core schema lacks but exactly one
 * registered extension has (Entra's older shapes send `manager`, `employeeNumber`) resolves to that
 * extension. Returns undefined for unknown attributes.
 */
export function resolveAttrPath(type: ResourceTypeDef, path: string): ResolvedPath | undefined {
  let rest = path;
  let schema: SchemaDef = type.core;
  let isExtension = false;
  let qualified = false;
  const lowerPath = lower(path);
  for (const candidate of [type.core, ...type.extensions]) {
    const prefix = `${lower(candidate.id)}:`;
    if (lowerPath.startsWith(prefix)) {
      schema = candidate;
      isExtension = candidate !== type.core;
      qualified = true;
      rest = path.slice(prefix.length);
      break;
    }
  }
  const dot = rest.indexOf('.');
  const top = dot === -1 ? rest : rest.slice(0, dot);
  const subName = dot === -1 ? undefined : rest.slice(dot + 1);
  let attr = findAttr(schema.attributes, top) ?? (isExtension ? undefined : findAttr(commonAttributes, top));
  if (!attr && !qualified) {
    const owners = type.extensions.filter((e) => findAttr(e.attributes, top) !== undefined);
    if (owners.length === 1) {
      schema = owners[0]!;
      isExtension = true;
      attr = findAttr(schema.attributes, top);
    }
  }
  if (!attr) return undefined;
  if (subName === undefined) return { schema: schema.id, isExtension, attr, sub: undefined };
  const sub = findAttr(attr.subAttributes, subName);
  if (!sub) return undefined;
  return { schema: schema.id, isExtension, attr, sub };
}
