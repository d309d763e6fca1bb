import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getRequestListener } from '@hono/node-server';
import { createApp, unexpectedErrorAnswer } from './app.js';
import { createNodeListener } from './node-listener.js';
import type { ServerContext, ServerSettings } from './context.js';
import { resolveOptions, type ReferenceServerOptions } from './options.js';
import { createProvisioningEngine } from './provisioning.js';
import { createMemoryStore } from './store/memory.js';
import type { ServerIdpSettings, ReferenceStore } from './store/types.js';
import type { ProvisioningEngine } from './provisioning.js';
import { redactable } from '../util/redact.js';
import type { SsoAndKeyInfo } from './sso/register.js';

/** What `info()` shows: the "Ubiq IDP Settings window". Contains the SCIM and admin tokens (secrets). */
export interface ReferenceServerInfo extends SsoAndKeyInfo {
  customerId: string;
  origin: string;
  scimBaseUrl: string;
  adminBaseUrl: string;
  /** The "Ubiq SCIM Secret Token". Secret: redacted when the object is printed or serialised. */
  scimToken: string;
  /** Bearer token of the admin API. Secret: redacted when printed or serialised. */
  adminToken: string;
  idp: ServerIdpSettings;
}

/** Where a listening server can be reached. */
export interface ReferenceServerAddress {
  origin: string;
  scimBaseUrl: string;
  adminBaseUrl: string;
}

/** A running reference server (one Ubiq customer). */
export interface ReferenceServer {
  /** The web-standard handler: use it in process, behind msw, or let `listen()` put it on a socket. */
  fetch(request: Request): Promise<Response>;
  /** Listen on `node:http` (default 127.0.0.1, port 0 = any free port). */
  listen(options?: { port?: number; host?: string }): Promise<ReferenceServerAddress>;
  /** Stop listening, drop keep-alive connections and run the route modules' cleanup. */
  close(): Promise<void>;
  /** The IDP Settings window: customer id, SCIM URL and secret token, admin token, IdP settings. */
  info(): ReferenceServerInfo;
  /** Direct access to the records, for tests. */
  readonly store: ReferenceStore;
  /** The provisioning engine, for tests. */
  readonly engine: ProvisioningEngine;
  /** @internal The context handed to route modules (tests reach the settings through it). */
  readonly context: ServerContext;
}

/**
 * Create an in-process reference implementation of Ubiq's side of the IdP integration: SCIM 2.0
 * provisioning with the seed documents' auto-provisioning of API keys, and the admin API (the "Ubiq UI").
 *
 * @example
 * ```ts
 * import { createReferenceServer } from 'ubiq-idp/server';
 * const server = createReferenceServer();
 * const { scimBaseUrl } = await server.listen();
 * const res = await fetch(`${scimBaseUrl}/Users`, { headers: { authorization: `Bearer ${server.info().scimToken}` } });
 * await server.close();
 * ```
 */
export function createReferenceServer(options: ReferenceServerOptions = {}): ReferenceServer {
  const { resolved, scimToken, adminToken, idp } = resolveOptions(options);
  const store = createMemoryStore();
  const engine = createProvisioningEngine(store);
  const settings: ServerSettings = redactable({ scimToken, adminToken, idp }, ['scimToken', 'adminToken'], 'ServerSettings');
  let listeningOrigin: string | undefined;
  const closers: (() => void | Promise<void>)[] = [];
  const origin = () => resolved.origin ?? listeningOrigin ?? 'http://localhost';
  const ctx: ServerContext = {
    store,
    engine,
    options: resolved,
    settings,
    now: resolved.now,
    logger: resolved.logger,
    origin,
    scimBaseUrl: () => `${origin()}/${resolved.customerId}/api/v3/scim`,
    adminBaseUrl: () => `${origin()}/${resolved.customerId}/api/admin`,
    onClose: (fn) => void closers.push(fn),
  };
  const { app, ssoAndKeyInfo, scimDirectRoutes } = createApp(ctx);
  const handler = async (request: Request): Promise<Response> => app.fetch(request);
  let server: Server | undefined;

  const address = (): ReferenceServerAddress => ({ origin: origin(), scimBaseUrl: ctx.scimBaseUrl(), adminBaseUrl: ctx.adminBaseUrl() });

  return {
    fetch: handler,
    async listen(listenOptions = {}) {
      if (server) return address();
      const host = listenOptions.host ?? '127.0.0.1';
      // Not `handler`: an async wrapper always returns a Promise, which keeps @hono/node-server off its
      // fast path (a synchronously returned Response with a string body is written at once, without a
      // close listener per request and the extra awaits).
      const viaApp = getRequestListener((request: Request) => app.fetch(request));
      const s = createServer(createNodeListener(scimDirectRoutes, viaApp, (error, path) => unexpectedErrorAnswer(ctx, error, path)));
      server = s;
      await new Promise<void>((resolve, reject) => {
        s.once('error', reject);
        s.listen(listenOptions.port ?? 0, host, () => {
          s.off('error', reject);
          resolve();
        });
      });
      const { port } = s.address() as AddressInfo;
      listeningOrigin = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
      return address();
    },
    async close() {
      const s = server;
      server = undefined;
      if (s) {
        const closed = new Promise<void>((resolve) => s.close(() => resolve()));
        s.closeAllConnections();
        await closed;
      }
      for (const fn of closers.splice(0)) await fn();
    },
    info() {
      return redactable<ReferenceServerInfo>(
        {
          ...ssoAndKeyInfo(),
          customerId: resolved.customerId,
          origin: origin(),
          scimBaseUrl: ctx.scimBaseUrl(),
          adminBaseUrl: ctx.adminBaseUrl(),
          scimToken: settings.scimToken,
          adminToken: settings.adminToken,
          idp: { ...settings.idp },
        },
        ['scimToken', 'adminToken'],
        'ReferenceServerInfo',
      );
    },
    store,
    engine,
    context: ctx,
  };
}
