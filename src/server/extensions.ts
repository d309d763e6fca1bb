// Route modules beyond SCIM and admin (part 2: SSO, CA, key endpoints) plug in here. Each registration
// function is called once per server with that server's Hono app and context, before the SCIM and admin
// routes, so it may add routes at the origin (`/api/v0/...`) or under the SCIM base (`/:customerId/api/v3/scim/sso`:
// the SCIM bearer-token check is applied per SCIM route, not to the whole prefix).
import type { Hono } from 'hono';
import type { ServerContext } from './context.js';
import { registerSsoAndKeyRoutes } from './sso/register.js';

/** Hono environment of the reference server's app. */
export type ServerEnv = { Variables: Record<string, never> };

/** What a route module exports. It may return extra fields for `info()`. */
export type RegisterRoutes = (app: Hono<ServerEnv>, ctx: ServerContext) => void | { info?: () => Record<string, unknown> };

/** Built-in extensions, in registration order. Part 2 adds its registration functions to this list. */
export const builtinExtensions: readonly RegisterRoutes[] = [registerSsoAndKeyRoutes];
