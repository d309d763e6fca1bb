// Rendering stored records as SCIM resources, and the attributes/excludedAttributes projection.
import type { GroupRecord, ReferenceStore, UserRecord } from '../store/types.js';
import { ENTERPRISE_SCHEMA, GROUP_SCHEMA, USER_SCHEMA, resolveAttrPath, type ResourceTypeDef } from './schema.js';

export type Json = Record<string, unknown>;

export const etagOf = (version: number) => `W/"${version}"`;

const USER_SCHEMAS: readonly string[] = [USER_SCHEMA];
const USER_SCHEMAS_WITH_ENTERPRISE: readonly string[] = [USER_SCHEMA, ENTERPRISE_SCHEMA];

function pushGroupRef(store: ReferenceStore, groups: Json[], groupId: string, baseUrl: string): void {
  const group = store.getGroup(groupId);
  if (group) groups.push({ value: group.id, $ref: `${baseUrl}/Groups/${group.id}`, display: group.displayName, type: 'direct' });
}

export function renderUser(store: ReferenceStore, user: UserRecord, baseUrl: string, withGroups = true): Json {
  const attributes = user.attributes;
  const enterprise = attributes[ENTERPRISE_SCHEMA];
  // Copied key by key rather than with a rest pattern (`{ [URN]: x, ...core }`), which takes V8's slow path
  // on every GET. The schemas arrays are shared: every response is serialised, never changed in place.
  const out: Json = { schemas: enterprise === undefined ? USER_SCHEMAS : USER_SCHEMAS_WITH_ENTERPRISE, id: user.id };
  for (const key in attributes) if (key !== ENTERPRISE_SCHEMA) out[key] = attributes[key];
  out.active = user.active;
  if (withGroups) {
    const groups: Json[] = [];
    const ids = store.groupIdsOfUserUnwrapped ? store.groupIdsOfUserUnwrapped(user.id) : store.groupIdsOfUser(user.id);
    if (typeof ids === 'string') pushGroupRef(store, groups, ids, baseUrl);
    else if (ids) for (const groupId of ids) pushGroupRef(store, groups, groupId, baseUrl);
    if (groups.length > 0) out.groups = groups;
  }
  if (enterprise !== undefined) out[ENTERPRISE_SCHEMA] = enterprise;
  out.meta = {
    resourceType: 'User',
    created: user.created.toISOString(),
    lastModified: user.lastModified.toISOString(),
    location: `${baseUrl}/Users/${user.id}`,
    version: etagOf(user.version),
  };
  return out;
}

export function renderGroup(store: ReferenceStore, group: GroupRecord, baseUrl: string, withMembers = true): Json {
  const out: Json = { schemas: [GROUP_SCHEMA], id: group.id };
  if (group.externalId !== undefined) out.externalId = group.externalId;
  out.displayName = group.displayName;
  if (withMembers) {
    const members: Json[] = [];
    for (const member of group.members.values()) {
      const user = store.getUser(member.value);
      members.push({ value: member.value, $ref: `${baseUrl}/Users/${member.value}`, type: 'User', ...(user ? { display: user.userName } : {}) });
    }
    out.members = members;
  }
  out.meta = {
    resourceType: 'Group',
    created: group.created.toISOString(),
    lastModified: group.lastModified.toISOString(),
    location: `${baseUrl}/Groups/${group.id}`,
    version: etagOf(group.version),
  };
  return out;
}

/** Parsed `attributes` / `excludedAttributes` (comma-separated attribute paths). */
export interface Projection {
  mode: 'all' | 'include' | 'exclude';
  paths: { container: string | undefined; attr: string; sub: string | undefined }[];
  /** True when the projection drops a multi-valued attribute the renderer may skip computing. */
  excludes(attr: string): boolean;
}

/** The projection of a request without `attributes` / `excludedAttributes`: shared, never changed. */
const ALL: Projection = Object.freeze({ mode: 'all' as const, paths: Object.freeze([]) as unknown as Projection['paths'], excludes: () => false });

export function parseProjection(type: ResourceTypeDef, attributes: string | undefined, excluded: string | undefined): Projection {
  if (!attributes && !excluded) return ALL;
  const list = (attributes ?? excluded ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const mode = attributes ? 'include' : excluded ? 'exclude' : 'all';
  const paths = list.flatMap((text) => {
    const resolved = resolveAttrPath(type, text);
    if (!resolved) return [];
    return [{ container: resolved.isExtension ? resolved.schema : undefined, attr: resolved.attr.name, sub: resolved.sub?.name }];
  });
  return {
    mode: list.length === 0 ? 'all' : mode,
    paths,
    excludes(attr) {
      if (this.mode === 'all') return false;
      const named = this.paths.some((p) => p.container === undefined && p.attr === attr && p.sub === undefined);
      return this.mode === 'exclude' ? named : !this.paths.some((p) => p.container === undefined && p.attr === attr);
    },
  };
}

const ALWAYS = new Set(['id', 'schemas']);

export function project(resource: Json, projection: Projection): Json {
  if (projection.mode === 'all') return resource;
  if (projection.mode === 'exclude') {
    const out: Json = { ...resource };
    for (const p of projection.paths) {
      const target = p.container === undefined ? out : (out[p.container] = { ...(out[p.container] as Json | undefined) });
      if (ALWAYS.has(p.attr) && p.container === undefined) continue;
      if (p.sub === undefined) delete target[p.attr];
      else if (Array.isArray(target[p.attr])) target[p.attr] = (target[p.attr] as Json[]).map(({ [p.sub!]: _, ...rest }) => rest);
      else if (typeof target[p.attr] === 'object' && target[p.attr] !== null) {
        const { [p.sub]: _, ...rest } = target[p.attr] as Json;
        target[p.attr] = rest;
      }
    }
    return out;
  }
  const out: Json = {};
  for (const key of ALWAYS) if (key in resource) out[key] = resource[key];
  for (const p of projection.paths) {
    const source = p.container === undefined ? resource : (resource[p.container] as Json | undefined);
    if (!source || !(p.attr in source)) continue;
    const target = p.container === undefined ? out : ((out[p.container] as Json | undefined) ?? (out[p.container] = {}));
    const value = source[p.attr];
    if (p.sub === undefined) target[p.attr] = value;
    else if (Array.isArray(value)) {
      const prior = (target[p.attr] as Json[] | undefined) ?? value.map(() => ({}));
      target[p.attr] = value.map((el, i) => (p.sub! in (el as Json) ? { ...prior[i], [p.sub!]: (el as Json)[p.sub!] } : prior[i]));
    } else if (typeof value === 'object' && value !== null && p.sub in value) {
      target[p.attr] = { ...(target[p.attr] as Json | undefined), [p.sub]: (value as Json)[p.sub] };
    }
  }
  return out;
}
