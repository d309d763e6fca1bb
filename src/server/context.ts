import type { Logger } from '../util/logger.js';
import type { ResolvedServerOptions } from './options.js';
import type { ProvisioningEngine } from './provisioning.js';
import type { ServerIdpSettings, ReferenceStore } from './store/types.js';

/** Hono environment of the reference server's app. */
export type ServerEnv = { Variables: Record<string, never> };

/** The server's mutable settings (the "IDP Settings window"). Tokens are secrets: never log them. */
export interface ServerSettings {
  scimToken: string;
  adminToken: string;
  idp: ServerIdpSettings;
}

/**
 * Everything a route module needs, built once per server by createReferenceServer and handed to every
 * route registration function (SCIM, admin, SSO and key endpoints). No module-level state:
 * two servers in one process have two contexts.
 */
export interface ServerContext {
  store: ReferenceStore;
  engine: ProvisioningEngine;
  options: ResolvedServerOptions;
  settings: ServerSettings;
  now: () => Date;
  logger: Logger;
  /** Current origin: the configured one, else the listening address, else `http://localhost`. */
  origin(): string;
  /** `{origin}/{customerId}/api/v3/scim` */
  scimBaseUrl(): string;
  /** `{origin}/{customerId}/api/admin` */
  adminBaseUrl(): string;
  /** Register cleanup run by `close()` (timers, workers, caches of a route module). */
  onClose(fn: () => void | Promise<void>): void;
}
