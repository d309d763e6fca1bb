// /Users: create, read, replace, patch, delete and list, each followed by the provisioning engine.
import { newId } from '../ids.js';
import type { Context } from 'hono';
import type { ServerContext } from '../context.js';
import type { UserRecord } from '../store/types.js';
import { coerceResource } from './coerce.js';
import { badRequest, conflict, notFound } from './errors.js';
import { checkIfMatch, queryOf, readScimBody, scimJson } from './http.js';
import { listResources, type ListSource } from './list.js';
import { applyPatch, parsePatchBody } from './patch.js';
import { etagOf, parseProjection, project, renderUser } from './render.js';
import { userType } from './schema.js';

function validated(attributes: Record<string, unknown>): { userName: string; externalId: string | undefined } {
  const userName = attributes.userName;
  if (typeof userName !== 'string' || userName.trim() === '') throw badRequest('invalidValue', 'Attribute "userName" is required.');
  const externalId = typeof attributes.externalId === 'string' ? attributes.externalId : undefined;
  return { userName, externalId };
}

function assertUniqueUserName(ctx: ServerContext, userName: string, selfId: string | undefined): void {
  const existing = ctx.store.findUserByUserName(userName);
  if (existing && existing.id !== selfId) throw conflict(`A user with userName "${userName}" already exists (userName is case-insensitive).`);
}

function requireUser(ctx: ServerContext, id: string): UserRecord {
  const user = ctx.store.getUser(id);
  if (!user) throw notFound(`No user with id "${id.slice(0, 100)}".`);
  return user;
}

export function createUsersHandlers(ctx: ServerContext) {
  const base = () => ctx.scimBaseUrl();
  const respond = (c: Context, user: UserRecord, status: number, extra: Record<string, string> = {}) => {
    const q = queryOf(c);
    const body = project(renderUser(ctx.store, user, base()), parseProjection(userType, q.attributes, q.excludedattributes));
    return scimJson(status, body, { etag: etagOf(user.version), ...extra });
  };
  /** Commit a new state of an existing user (PUT and PATCH) and tell the engine. */
  const commit = (old: UserRecord, attributes: Record<string, unknown>): UserRecord => {
    const { userName, externalId } = validated(attributes);
    assertUniqueUserName(ctx, userName, old.id);
    const active = typeof attributes.active === 'boolean' ? attributes.active : old.active;
    const user: UserRecord = {
      ...old,
      userName,
      externalId,
      active,
      attributes: { ...attributes, active },
      version: old.version + 1,
      lastModified: ctx.now(),
    };
    ctx.store.putUser(user);
    ctx.engine.userChanged(user);
    return user;
  };

  const source: ListSource<UserRecord> = {
    type: userType,
    all: () => ctx.store.listUsers(),
    total: () => ctx.store.countUsers(),
    lookup(attr, value) {
      if (attr === 'userName') {
        const user = ctx.store.findUserByUserName(value);
        return user ? [user] : [];
      }
      if (attr === 'externalId') return ctx.store.findUsersByExternalId(value);
      if (attr === 'id') {
        const user = ctx.store.getUser(value);
        return user ? [user] : [];
      }
      return undefined;
    },
    render: (user, projection, forFilter) => renderUser(ctx.store, user, base(), forFilter || !projection.excludes('groups')),
  };

  return {
    list(c: Context) {
      const q = queryOf(c);
      return scimJson(
        200,
        listResources(source, {
          filter: q.filter,
          startIndex: q.startindex,
          count: q.count,
          sortBy: q.sortby,
          sortOrder: q.sortorder,
          attributes: q.attributes,
          excludedAttributes: q.excludedattributes,
        }),
      );
    },
    async create(c: Context) {
      const body = await readScimBody(c, ctx);
      const attributes = coerceResource(userType, body);
      const { userName, externalId } = validated(attributes);
      assertUniqueUserName(ctx, userName, undefined);
      const active = typeof attributes.active === 'boolean' ? attributes.active : true;
      const now = ctx.now();
      const user: UserRecord = {
        id: newId(),
        version: 1,
        created: now,
        lastModified: now,
        userName,
        externalId,
        active,
        attributes: { ...attributes, active },
      };
      ctx.store.putUser(user);
      ctx.engine.userCreated(user);
      return respond(c, user, 201, { location: `${base()}/Users/${user.id}` });
    },
    get(c: Context) {
      return respond(c, requireUser(ctx, c.req.param('id') ?? ''), 200);
    },
    async replace(c: Context) {
      const body = await readScimBody(c, ctx);
      const old = requireUser(ctx, c.req.param('id') ?? '');
      checkIfMatch(c, old.version);
      if (typeof body.id === 'string' && body.id !== old.id) throw badRequest('mutability', 'Attribute "id" cannot be changed.');
      return respond(c, commit(old, coerceResource(userType, body)), 200);
    },
    async patch(c: Context) {
      const body = await readScimBody(c, ctx);
      const operations = parsePatchBody(body);
      const old = requireUser(ctx, c.req.param('id') ?? '');
      checkIfMatch(c, old.version);
      const patched = applyPatch(userType, old.attributes, operations);
      return respond(c, commit(old, coerceResource(userType, patched)), 200);
    },
    remove(c: Context) {
      const old = requireUser(ctx, c.req.param('id') ?? '');
      checkIfMatch(c, old.version);
      const now = ctx.now();
      // Membership of the user's groups changes too: bump their versions so ETags stay honest.
      for (const groupId of ctx.store.groupIdsOfUser(old.id)) {
        const group = ctx.store.getGroup(groupId);
        if (group) {
          group.version += 1;
          group.lastModified = now;
        }
      }
      ctx.store.deleteUser(old.id);
      ctx.engine.userDeleted(old.id);
      return new Response(null, { status: 204 });
    },
  };
}
