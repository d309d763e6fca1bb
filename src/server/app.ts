// Composition of the reference server's web-standard handler: one Hono app per server, with the
// extension routes (part 2), the SCIM routes and the admin routes registered against one ServerContext.
import { Hono } from 'hono';
import type { ServerContext } from './context.js';
import type { RegisterRoutes, ServerEnv } from './extensions.js';
import { registerScimRoutes } from './scim/routes.js';
import { registerAdminRoutes } from './admin/routes.js';
import { ScimError, scimErrorResponse } from './scim/errors.js';
import { AdminError, adminErrorResponse } from './admin/errors.js';

export interface ComposedApp {
  app: Hono<ServerEnv>;
  /** Extra `info()` fields contributed by extensions. */
  extensionInfo: () => Record<string, unknown>;
}

export function createApp(ctx: ServerContext, extensions: readonly RegisterRoutes[]): ComposedApp {
  const app = new Hono<ServerEnv>();
  const infos: (() => Record<string, unknown>)[] = [];
  for (const register of extensions) {
    const result = register(app, ctx);
    if (result && result.info) infos.push(result.info);
  }
  registerScimRoutes(app, ctx);
  registerAdminRoutes(app, ctx);
  app.notFound((c) => {
    const path = new URL(c.req.url).pathname;
    if (path.includes('/api/v3/scim')) return scimErrorResponse(new ScimError(404, `No SCIM endpoint ${c.req.method} ${path}.`));
    return c.json({ code: 'not_found', message: `No endpoint ${c.req.method} ${path}.` }, 404);
  });
  app.onError((error, c) => {
    if (error instanceof ScimError) return scimErrorResponse(error, error.status === 401 ? { 'www-authenticate': 'Bearer realm="Ubiq SCIM"' } : {});
    if (error instanceof AdminError) return adminErrorResponse(error);
    ctx.logger.error?.('reference server: unhandled error', { path: new URL(c.req.url).pathname, error: (error as Error).name });
    const path = new URL(c.req.url).pathname;
    if (path.includes('/api/v3/scim')) return scimErrorResponse(new ScimError(500, 'Internal server error.'));
    return c.json({ code: 'internal_error', message: 'Internal server error.' }, 500);
  });
  return { app, extensionInfo: () => Object.assign({}, ...infos.map((f) => f())) as Record<string, unknown> };
}
