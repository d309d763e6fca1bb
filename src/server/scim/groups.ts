// /Groups. Membership lives in the store's live member map and is changed through a staged delta, so a
// PATCH adding one member to a group of 50,000 costs the same as adding one to a group of 10; scalar
// attributes (displayName, externalId) go through the generic PATCH on a small copy.
import { newId } from '../ids.js';
import type { Context } from 'hono';
import type { ServerContext } from '../context.js';
import type { GroupMember, GroupRecord } from '../store/types.js';
import { coerceResource } from './coerce.js';
import { badRequest, conflict } from './errors.js';
import { compileElementFilter } from './filter-eval.js';
import { parsePatchPath } from './filter.js';
import { queryOf, readScimBody } from './http.js';
import type { ListSource } from './list.js';
import { applyPatch, parsePatchBody, type PatchOperation } from './patch.js';
import { etagOf, renderGroup } from './render.js';
import { assertSameId, collectionRead, currentRecordOf, getHandler, indexedLookup, listHandler, resourceResponder, searchHandler } from './resource.js';
import { findAttr, groupSchema, groupType, resolveAttrPath } from './schema.js';

const membersDef = findAttr(groupSchema.attributes, 'members')!;
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function validDisplayName(value: unknown): string {
  if (typeof value !== 'string' || value.trim() === '') throw badRequest('invalidValue', 'Attribute "displayName" is required.');
  return value;
}

function assertUniqueDisplayName(ctx: ServerContext, displayName: string, selfId: string | undefined): void {
  const existing = ctx.store.findGroupByDisplayName(displayName);
  if (existing && existing.id !== selfId)
    throw conflict(`A group named "${existing.displayName}" already exists (group names are compared ignoring case and extra whitespace).`);
}

/** Staged membership changes of one request, applied to the store only when every operation succeeded. */
class MemberDelta {
  cleared = false;
  readonly added = new Map<string, GroupMember>();
  readonly removed = new Set<string>();
  constructor(
    private readonly ctx: ServerContext,
    private readonly live: ReadonlyMap<string, GroupMember>,
  ) {}

  has(id: string): boolean {
    return this.added.has(id) || (!this.cleared && this.live.has(id) && !this.removed.has(id));
  }
  add(raw: unknown, where: string): void {
    const member = toMember(this.ctx, raw, where);
    if (this.has(member.value)) return; // re-adding an existing member must not duplicate it
    if (!this.cleared && this.live.has(member.value)) this.removed.delete(member.value);
    else this.added.set(member.value, member);
  }
  remove(id: string): void {
    this.added.delete(id);
    if (!this.cleared && this.live.has(id)) this.removed.add(id);
  }
  clear(): void {
    this.cleared = true;
    this.added.clear();
    this.removed.clear();
  }
  *current(): Iterable<string> {
    if (!this.cleared) for (const id of this.live.keys()) if (!this.removed.has(id)) yield id;
    yield* this.added.keys();
  }
  get changed(): boolean {
    return this.cleared || this.added.size > 0 || this.removed.size > 0;
  }
  /** Apply to the store; returns the users whose membership changed. */
  commit(groupId: string): string[] {
    const touched: string[] = [];
    if (this.cleared) {
      for (const id of [...this.live.keys()]) if (!this.added.has(id) && this.ctx.store.removeMember(groupId, id)) touched.push(id);
    } else {
      for (const id of this.removed) if (this.ctx.store.removeMember(groupId, id)) touched.push(id);
    }
    for (const member of this.added.values()) if (this.ctx.store.addMember(groupId, member)) touched.push(member.value);
    return touched;
  }
}

function toMember(ctx: ServerContext, raw: unknown, where: string): GroupMember {
  const value = isObject(raw) ? raw.value : typeof raw === 'string' ? raw : undefined;
  if (typeof value !== 'string' || value === '') throw badRequest('invalidValue', `${where}: each member needs a "value" (the SCIM id of a user).`);
  const type = isObject(raw) && typeof raw.type === 'string' ? raw.type : 'User';
  if (type.toLowerCase() === 'group') throw badRequest('invalidValue', `${where}: nested groups are not supported; members must be users.`);
  if (!ctx.store.getUser(value)) throw badRequest('invalidValue', `${where}: no user with id "${value.slice(0, 100)}".`);
  return { value, type: 'User' };
}

function asList(value: unknown): unknown[] {
  return value === undefined || value === null ? [] : Array.isArray(value) ? value : [value];
}

/** Apply one operation that targets `members`. */
function applyMemberOp(ctx: ServerContext, delta: MemberDelta, op: PatchOperation, pathText: string, index: number): void {
  const where = `Operations[${index}]`;
  const path = parsePatchPath(pathText);
  if (path.sub !== undefined || (path.filter && op.op !== 'remove'))
    throw badRequest('mutability', `${where}: members can only be added, removed or replaced as a whole (path "${pathText.slice(0, 100)}").`);
  if (path.filter) {
    const f = path.filter;
    // `members[value eq "id"]`: O(1) instead of a scan.
    if (f.kind === 'compare' && f.op === 'eq' && f.path.toLowerCase().replace(/^members\./, '') === 'value' && typeof f.value === 'string') {
      delta.remove(f.value);
      return;
    }
    const predicate = compileElementFilter(f, membersDef);
    for (const id of [...delta.current()]) {
      const user = ctx.store.getUser(id);
      if (predicate({ value: id, type: 'User', ...(user ? { display: user.userName } : {}) })) delta.remove(id);
    }
    return;
  }
  if (op.op === 'remove') {
    if (op.value === undefined) delta.clear();
    else for (const item of asList(op.value)) {
      const id = isObject(item) ? item.value : item;
      if (typeof id !== 'string') throw badRequest('invalidValue', `${where}: each member to remove needs a "value".`);
      delta.remove(id);
    }
    return;
  }
  if (op.op === 'replace') delta.clear();
  for (const item of asList(op.value)) delta.add(item, where);
}

function isMembersPath(pathText: string): boolean {
  const bracket = pathText.indexOf('[');
  const attr = (bracket === -1 ? pathText : pathText.slice(0, bracket)).trim();
  const resolved = resolveAttrPath(groupType, attr);
  return resolved !== undefined && !resolved.isExtension && resolved.attr.name === 'members';
}

export function createGroupsHandlers(ctx: ServerContext) {
  const base = () => ctx.scimBaseUrl();
  const source: ListSource<GroupRecord> = {
    type: groupType,
    all: () => ctx.store.listGroups(),
    total: () => ctx.store.countGroups(),
    lookup: indexedLookup({
      uniqueAttr: 'displayName',
      byUnique: (value) => ctx.store.findGroupByDisplayName(value),
      byExternalId: (value) => ctx.store.findGroupsByExternalId(value),
      byId: (value) => ctx.store.getGroup(value),
    }),
    render: (group, projection, forFilter) => renderGroup(ctx.store, group, base(), forFilter || !projection.excludes('members')),
  };
  const respond = resourceResponder(source);
  const read = collectionRead(source);
  const getGroup = (id: string) => ctx.store.getGroup(id);

  /** Replace scalar attributes and membership of an existing group in one step; recompute access. */
  const commit = (old: GroupRecord, scalars: Record<string, unknown>, delta: MemberDelta | undefined): GroupRecord => {
    const displayName = validDisplayName(scalars.displayName);
    assertUniqueDisplayName(ctx, displayName, old.id);
    const externalId = typeof scalars.externalId === 'string' ? scalars.externalId : undefined;
    const renamed = displayName !== old.displayName;
    const changed = renamed || externalId !== old.externalId || (delta?.changed ?? false);
    if (!changed) return old;
    const group: GroupRecord = { ...old, displayName, externalId, version: old.version + 1, lastModified: ctx.now() };
    ctx.store.putGroup(group);
    const touched = delta ? delta.commit(group.id) : [];
    if (renamed) ctx.engine.membersChanged(group.members.keys());
    ctx.engine.membersChanged(touched);
    return group;
  };

  return {
    source,
    /** The collection GET's answer from a request URL (also served by the node:http listener directly). */
    read,
    list: listHandler(read),
    create: async (c: Context) => {
      const body = await readScimBody(c, ctx);
      const attributes = coerceResource(groupType, body);
      const displayName = validDisplayName(attributes.displayName);
      assertUniqueDisplayName(ctx, displayName, undefined);
      const members = new Map<string, GroupMember>();
      for (const raw of asList(attributes.members)) {
        const member = toMember(ctx, raw, 'members');
        if (!members.has(member.value)) members.set(member.value, member);
      }
      const now = ctx.now();
      const group: GroupRecord = {
        id: newId(),
        version: 1,
        created: now,
        lastModified: now,
        displayName,
        externalId: typeof attributes.externalId === 'string' ? attributes.externalId : undefined,
        members,
      };
      ctx.store.putGroup(group);
      ctx.engine.membersChanged(members.keys());
      return respond(c, group, 201, { location: `${base()}/Groups/${group.id}` });
    },
    get: getHandler(source, 'group', getGroup),
    search: searchHandler(ctx, source),
    replace: async (c: Context) => {
      const body = await readScimBody(c, ctx);
      const old = currentRecordOf(c, 'group', getGroup);
      assertSameId(body, old);
      const attributes = coerceResource(groupType, body);
      const delta = new MemberDelta(ctx, old.members);
      delta.clear();
      for (const raw of asList(attributes.members)) delta.add(raw, 'members');
      return respond(c, commit(old, attributes, delta), 200);
    },
    patch: async (c: Context) => {
      const body = await readScimBody(c, ctx);
      const operations = parsePatchBody(body);
      const old = currentRecordOf(c, 'group', getGroup);
      const delta = new MemberDelta(ctx, old.members);
      const scalarOps: PatchOperation[] = [];
      operations.forEach((op, i) => {
        if (op.path !== undefined) {
          if (isMembersPath(op.path)) applyMemberOp(ctx, delta, op, op.path, i);
          else scalarOps.push(op);
          return;
        }
        if (op.op === 'remove') throw badRequest('noTarget', `Operations[${i}]: a remove operation needs a "path".`);
        if (!isObject(op.value)) throw badRequest('invalidValue', `Operations[${i}]: a path-less ${op.op} needs an object value.`);
        const { members, ...rest } = Object.fromEntries(Object.entries(op.value).map(([k, v]) => [k.toLowerCase() === 'members' ? 'members' : k, v]));
        if (members !== undefined) applyMemberOp(ctx, delta, { ...op, path: 'members', value: members }, 'members', i);
        if (Object.keys(rest).length > 0) scalarOps.push({ ...op, value: rest });
      });
      const scalars = { displayName: old.displayName, ...(old.externalId === undefined ? {} : { externalId: old.externalId }) };
      const patched = scalarOps.length > 0 ? coerceResource(groupType, applyPatch(groupType, scalars, scalarOps)) : scalars;
      const group = commit(old, patched, delta);
      const q = queryOf(c);
      // RFC 7644 §3.5.2: 204 unless the client asked for attributes; both IdPs accept 204 for groups,
      // and answering with 50,000 members would make one member add cost O(group size).
      if (q.attributes !== undefined || q.excludedattributes !== undefined) return respond(c, group, 200);
      return new Response(null, { status: 204, headers: { etag: etagOf(group.version) } });
    },
    remove: (c: Context) => {
      const old = currentRecordOf(c, 'group', getGroup);
      const members = [...old.members.keys()];
      ctx.store.deleteGroup(old.id);
      ctx.engine.membersChanged(members);
      return new Response(null, { status: 204 });
    },
  };
}
