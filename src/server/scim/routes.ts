// SCIM routes under `/{customerId}/api/v3/scim`. The bearer check is attached to each SCIM route, not to the
// prefix, so the SSO endpoint `{SCIM base}/sso` (IdP-token authenticated) can live under the same base.
import type { Context, Hono } from 'hono';
import type { ServerContext, ServerEnv } from '../context.js';
import { createBearerCheck, type Answer } from '../http-util.js';
import { createDiscoveryHandlers } from './discovery.js';
import { createGroupsHandlers } from './groups.js';
import { queryOf, requireScimAuth } from './http.js';
import { ScimError } from './errors.js';
import { listResources } from './list.js';
import type { CollectionRead } from './resource.js';
import { rootSearchHandler } from './root-search.js';
import { createUsersHandlers } from './users.js';

type Handler = (c: Context) => Response | Promise<Response>;

/**
 * The SCIM requests a node:http listener may answer without the app, behind the same bearer check as the
 * routes: GET on the Users and Groups collections (by exact path) and POST /Users without a query.
 */
export interface ScimDirectRoutes {
  /** `{SCIM base path}/Users` and `…/Groups` (as in a request line) → the collection's 200 body. */
  readonly collections: ReadonlyMap<string, CollectionRead>;
  /** `{SCIM base path}/Users`, as in a request line. */
  readonly usersPath: string;
  /** The body limit of every route (bytes). */
  readonly bodyLimitBytes: number;
  /** The check the SCIM routes apply to the Authorization header. */
  authorized(header: string | undefined): boolean;
  /** POST /Users from the body's bytes (undefined: over the limit): the 201 answer; throws the SCIM error to answer. */
  createUser(bytes: Uint8Array | undefined): Answer;
}

export function registerScimRoutes(app: Hono<ServerEnv>, ctx: ServerContext): ScimDirectRoutes {
  const base = `/${ctx.options.customerId}/api/v3/scim`;
  const check = createBearerCheck();
  const authed = (handler: Handler) => (c: Context) => {
    requireScimAuth(c, ctx, check);
    return handler(c);
  };
  const users = createUsersHandlers(ctx);
  const groups = createGroupsHandlers(ctx);
  const discovery = createDiscoveryHandlers(ctx);

  // RFC 7644 §4: a filter on a discovery endpoint is refused (403) so that no client takes it as applied.
  const discoveryRoute = (handler: Handler) =>
    authed((c) => {
      if (queryOf(c).filter !== undefined)
        throw new ScimError(403, 'Discovery endpoints do not support filtering (RFC 7644 §4); request the whole list without "filter".');
      return handler(c);
    });
  app.get(`${base}/ServiceProviderConfig`, discoveryRoute(discovery.serviceProviderConfig));
  app.get(`${base}/ResourceTypes`, discoveryRoute(discovery.resourceTypes));
  app.get(`${base}/ResourceTypes/:id`, discoveryRoute(discovery.resourceType));
  app.get(`${base}/Schemas`, discoveryRoute(discovery.schemas));
  app.get(`${base}/Schemas/:id`, discoveryRoute(discovery.schema));

  // RFC 7644 §3.11 and §3.12: what a service provider does not implement answers 501.
  const notImplemented = (what: string) =>
    authed(() => {
      throw new ScimError(501, `${what} is not supported by this server (ServiceProviderConfig says so).`);
    });
  app.all(`${base}/Me`, notImplemented('/Me (the authenticated subject alias)'));
  app.all(`${base}/Me/*`, notImplemented('/Me (the authenticated subject alias)'));
  app.all(`${base}/Bulk`, notImplemented('/Bulk'));
  app.post(`${base}/.search`, authed(rootSearchHandler(ctx, [(q) => listResources(users.source, q), (q) => listResources(groups.source, q)])));

  app.get(`${base}/Users`, authed(users.list));
  app.post(`${base}/Users/.search`, authed(users.search));
  app.post(`${base}/Users`, authed(users.create));
  app.get(`${base}/Users/:id`, authed(users.get));
  app.put(`${base}/Users/:id`, authed(users.replace));
  app.patch(`${base}/Users/:id`, authed(users.patch));
  app.delete(`${base}/Users/:id`, authed(users.remove));

  app.get(`${base}/Groups`, authed(groups.list));
  app.post(`${base}/Groups/.search`, authed(groups.search));
  app.post(`${base}/Groups`, authed(groups.create));
  app.get(`${base}/Groups/:id`, authed(groups.get));
  app.put(`${base}/Groups/:id`, authed(groups.replace));
  app.patch(`${base}/Groups/:id`, authed(groups.patch));
  app.delete(`${base}/Groups/:id`, authed(groups.remove));

  return {
    collections: new Map([
      [`${base}/Users`, users.read],
      [`${base}/Groups`, groups.read],
    ]),
    usersPath: `${base}/Users`,
    bodyLimitBytes: ctx.options.bodyLimitBytes,
    authorized: (header) => check(header, ctx.settings.scimToken),
    createUser: users.createAnswer,
  };
}
