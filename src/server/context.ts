import type { Logger } from '../util/logger.js';
import type { ReferenceServerOptions, ResolvedServerOptions } from './options.js';
import type { ProvisioningEngine } from './provisioning.js';
import type { IdpSettings, ReferenceStore } from './store/types.js';

/** The server's mutable settings (the "IDP Settings window"). Tokens are secrets: never log them. */
export interface ServerSettings {
  scimToken: string;
  adminToken: string;
  idp: IdpSettings;
}

/**
 * Everything a route module needs, built once per server by createReferenceServer and handed to every
 * route registration function (SCIM, admin, and part 2's SSO and key endpoints). No module-level state:
 * two servers in one process have two contexts.
 */
export interface ServerContext {
  store: ReferenceStore;
  engine: ProvisioningEngine;
  options: ResolvedServerOptions;
  /** The options as given to createReferenceServer (extensions read their own fields here). */
  rawOptions: Readonly<ReferenceServerOptions>;
  settings: ServerSettings;
  now: () => Date;
  logger: Logger;
  /** Current origin: the configured one, else the listening address, else `http://localhost`. */
  origin(): string;
  /** `{origin}/{customerId}/api/v3/scim` */
  scimBaseUrl(): string;
  /** `{origin}/{customerId}/api/admin` */
  adminBaseUrl(): string;
  /** Register cleanup run by `close()` (timers, workers, caches of an extension). */
  onClose(fn: () => void | Promise<void>): void;
}
