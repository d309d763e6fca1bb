// Composition of the reference server's web-standard handler: one Hono app per server, with the SSO and
// key routes, the SCIM routes and the admin routes registered against one ServerContext.
import { Hono } from 'hono';
import type { ServerContext, ServerEnv } from './context.js';
import { registerSsoAndKeyRoutes, type SsoAndKeyInfo } from './sso/register.js';
import { unknownCustomerSso } from './sso/sso-route.js';
import { registerScimRoutes, type ScimDirectRoutes } from './scim/routes.js';
import { registerAdminRoutes } from './admin/routes.js';
import { ScimError, scimErrorAnswer, scimErrorResponse } from './scim/errors.js';
import { answerResponse, type Answer } from './http-util.js';
import { AdminError, adminErrorResponse } from './admin/errors.js';

export interface ComposedApp {
  app: Hono<ServerEnv>;
  /** The `info()` fields of the SSO and key routes. */
  ssoAndKeyInfo: () => SsoAndKeyInfo;
  /** What the node:http listener answers without the app (see `node-listener.ts`). */
  scimDirectRoutes: ScimDirectRoutes;
}

/** The answer to an error no handler answered: logged by name only (never its message), then a 500. */
export function unexpectedErrorAnswer(ctx: ServerContext, error: Error, path: string): Answer {
  ctx.logger.error?.('reference server: unhandled error', { path, error: error.name });
  if (path.includes('/api/v3/scim')) return scimErrorAnswer(new ScimError(500, 'Internal server error.'));
  return { status: 500, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ code: 'internal_error', message: 'Internal server error.' }) };
}

/**
 * Builds the app. The SSO and key routes come first: the SSO endpoint lives under the SCIM base
 * (`/{customerId}/api/v3/scim/sso`), which works because the SCIM bearer-token check is applied per SCIM
 * route, not to the whole prefix. Every path is static or has parameters only past the customer id, so
 * hono's default router keeps its RegExpRouter (a test checks this).
 */
export function createApp(ctx: ServerContext): ComposedApp {
  const app = new Hono<ServerEnv>();
  const ssoAndKeys = registerSsoAndKeyRoutes(app, ctx);
  const scimDirectRoutes = registerScimRoutes(app, ctx);
  registerAdminRoutes(app, ctx);
  app.notFound((c) => {
    const path = new URL(c.req.url).pathname;
    const sso = unknownCustomerSso(c.req.method, path);
    if (sso) return sso;
    if (path.includes('/api/v3/scim')) return scimErrorResponse(new ScimError(404, `No SCIM endpoint ${c.req.method} ${path}.`));
    return c.json({ code: 'not_found', message: `No endpoint ${c.req.method} ${path}.` }, 404);
  });
  app.onError((error, c) => {
    if (error instanceof ScimError) return scimErrorResponse(error, error.status === 401 ? { 'www-authenticate': 'Bearer realm="Ubiq SCIM"' } : {});
    if (error instanceof AdminError) return adminErrorResponse(error);
    return answerResponse(unexpectedErrorAnswer(ctx, error, new URL(c.req.url).pathname));
  });
  return { app, ssoAndKeyInfo: ssoAndKeys.info, scimDirectRoutes };
}
