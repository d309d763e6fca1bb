// /Users: create, read, replace, patch, delete and list, each followed by the provisioning engine.
import { newId } from '../ids.js';
import type { Context } from 'hono';
import type { ServerContext } from '../context.js';
import type { UserRecord } from '../store/types.js';
import { coerceResource } from './coerce.js';
import { badRequest, conflict } from './errors.js';
import { readScimBody, scimBodyOf } from './http.js';
import { parseJsonBytes, type Answer } from '../http-util.js';
import type { ListSource } from './list.js';
import { applyPatch, parsePatchBody } from './patch.js';
import { renderUser } from './render.js';
import { renderUserJson } from './render-json.js';
import { assertSameId, collectionRead, currentRecordOf, getHandler, indexedLookup, listHandler, resourceAnswer, resourceResponder, searchHandler } from './resource.js';
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

export function createUsersHandlers(ctx: ServerContext) {
  const base = () => ctx.scimBaseUrl();
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
    lookup: indexedLookup({
      uniqueAttr: 'userName',
      byUnique: (value) => ctx.store.findUserByUserName(value),
      byExternalId: (value) => ctx.store.findUsersByExternalId(value),
      byId: (value) => ctx.store.getUser(value),
    }),
    exactLookup: (attr, value) => {
      // The indexes compare as the filter does (userName ASCII-case-insensitively, externalId and id
      // exactly) but read the record's fields, the filter its attributes: exact only while they agree,
      // which every write through these handlers keeps.
      if (attr === 'userName') {
        const user = ctx.store.findUserByUserName(value);
        return !user ? [] : user.attributes.userName === user.userName ? [user] : undefined;
      }
      if (attr === 'externalId') {
        const users = ctx.store.findUsersByExternalId(value);
        return users.every((user) => user.attributes.externalId === user.externalId) ? users : undefined;
      }
      if (attr === 'id') {
        const user = ctx.store.getUser(value);
        return user ? [user] : [];
      }
      return undefined;
    },
    render: (user, projection, forFilter) => renderUser(ctx.store, user, base(), forFilter || !projection.excludes('groups')),
    renderJson: (user, read) => renderUserJson(ctx.store, user, base(), true, read),
  };
  const respond = resourceResponder(source);
  const locationOf = (user: UserRecord) => `${base()}/Users/${user.id}`;
  /** POST /Users once the body is read: the new user, stored and handed to the engine. */
  const createUser = (body: Record<string, unknown>): UserRecord => {
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
    return user;
  };
  const read = collectionRead(source);
  const getUser = (id: string) => ctx.store.getUser(id);

  return {
    source,
    /** The collection GET's answer from a request URL (also served by the node:http listener directly). */
    read,
    list: listHandler(read),
    create: async (c: Context) => {
      const user = createUser(await readScimBody(c, ctx));
      return respond(c, user, 201, { location: locationOf(user) });
    },
    /**
     * POST /Users without query parameters, from the body's bytes (undefined: larger than the limit), as
     * the node:http listener reads them: the 201 answer. Throws the SCIM error the route would answer.
     */
    createAnswer: (bytes: Uint8Array | undefined): Answer => {
      const user = createUser(scimBodyOf(parseJsonBytes(bytes, ctx.options.bodyLimitBytes)));
      return resourceAnswer(source, user, 201, { location: locationOf(user) }, false);
    },
    get: getHandler(source, 'user', getUser),
    search: searchHandler(ctx, source),
    replace: async (c: Context) => {
      const body = await readScimBody(c, ctx);
      const old = currentRecordOf(c, 'user', getUser);
      assertSameId(body, old);
      return respond(c, commit(old, coerceResource(userType, body)), 200);
    },
    patch: async (c: Context) => {
      const body = await readScimBody(c, ctx);
      const operations = parsePatchBody(body);
      const old = currentRecordOf(c, 'user', getUser);
      const patched = applyPatch(userType, old.attributes, operations);
      return respond(c, commit(old, coerceResource(userType, patched)), 200);
    },
    remove: (c: Context) => {
      const old = currentRecordOf(c, 'user', getUser);
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
