// SCIM routes under `/{customerId}/api/v3/scim`. The bearer check is attached to each SCIM route, not to the
// prefix, so the SSO endpoint `{SCIM base}/sso` (IdP-token authenticated) can live under the same base.
import type { Context, Hono } from 'hono';
import type { ServerContext, ServerEnv } from '../context.js';
import { createBearerCheck } from '../http-util.js';
import { createDiscoveryHandlers } from './discovery.js';
import { createGroupsHandlers } from './groups.js';
import { requireScimAuth } from './http.js';
import { createUsersHandlers } from './users.js';

type Handler = (c: Context) => Response | Promise<Response>;

export function registerScimRoutes(app: Hono<ServerEnv>, ctx: ServerContext): void {
  const base = `/${ctx.options.customerId}/api/v3/scim`;
  const check = createBearerCheck();
  const authed = (handler: Handler) => (c: Context) => {
    requireScimAuth(c, ctx, check);
    return handler(c);
  };
  const users = createUsersHandlers(ctx);
  const groups = createGroupsHandlers(ctx);
  const discovery = createDiscoveryHandlers(ctx);

  app.get(`${base}/ServiceProviderConfig`, authed(discovery.serviceProviderConfig));
  app.get(`${base}/ResourceTypes`, authed(discovery.resourceTypes));
  app.get(`${base}/ResourceTypes/:id`, authed(discovery.resourceType));
  app.get(`${base}/Schemas`, authed(discovery.schemas));
  app.get(`${base}/Schemas/:id`, authed(discovery.schema));

  app.get(`${base}/Users`, authed(users.list));
  app.post(`${base}/Users`, authed(users.create));
  app.get(`${base}/Users/:id`, authed(users.get));
  app.put(`${base}/Users/:id`, authed(users.replace));
  app.patch(`${base}/Users/:id`, authed(users.patch));
  app.delete(`${base}/Users/:id`, authed(users.remove));

  app.get(`${base}/Groups`, authed(groups.list));
  app.post(`${base}/Groups`, authed(groups.create));
  app.get(`${base}/Groups/:id`, authed(groups.get));
  app.put(`${base}/Groups/:id`, authed(groups.replace));
  app.patch(`${base}/Groups/:id`, authed(groups.patch));
  app.delete(`${base}/Groups/:id`, authed(groups.remove));
}
