import { randomBytes, randomUUID } from 'node:crypto';
import { z } from 'zod';
import { UbiqIdpError } from '../errors.js';
import { silentLogger, type Logger } from '../util/logger.js';
import type { IdpSettings } from './store/types.js';
import type { SsoAndKeyOptions } from './sso/options.js';

/** Options of {@link createReferenceServer}. Everything is optional; safe values are generated. */
export interface ReferenceServerOptions extends SsoAndKeyOptions {
  /**
   * The origin the server tells clients about (SCIM URL, `Location` headers, `meta.location`). Default: the
   * listening address after `listen()`, `http://localhost` before.
   */
  origin?: string;
  /** Ubiq customer id (UUID). Default: a random UUID. */
  customerId?: string;
  /** SCIM secret token (the "Ubiq SCIM Secret Token"). Default: 48 random bytes, base64url. */
  scimToken?: string;
  /** Bearer token of the admin API. Default: 32 random bytes, base64url. */
  adminToken?: string;
  /** IdP settings as entered in the "Ubiq IDP Settings window". Default: enabled, nothing configured. */
  idp?: Partial<IdpSettings>;
  /** Largest accepted request body in bytes (413 above). Default 1 MiB. */
  bodyLimitBytes?: number;
  /** Clock (tests inject one). Default `() => new Date()`. */
  now?: () => Date;
  /** Where the server logs (never secrets). Default: silent. */
  logger?: Logger;
}

/** Options after defaults; secrets are held by the server's settings, not here. */
export interface ResolvedServerOptions {
  origin: string | undefined;
  customerId: string;
  bodyLimitBytes: number;
  now: () => Date;
  logger: Logger;
}

const optionsSchema = z.object({
  origin: z.url({ protocol: /^https?$/ }).optional(),
  customerId: z.uuid().optional(),
  scimToken: z.string().min(16, 'scimToken must be at least 16 characters').optional(),
  adminToken: z.string().min(16, 'adminToken must be at least 16 characters').optional(),
  idp: z
    .object({
      enabled: z.boolean().optional(),
      discoveryUrl: z.url().optional(),
      issuer: z.string().min(1).optional(),
      audience: z.string().min(1).optional(),
      usernameClaim: z.string().min(1).optional(),
    })
    .optional(),
  bodyLimitBytes: z.int().positive().optional(),
});

/** Thrown by createReferenceServer for invalid options (never quotes a token). */
export class ReferenceServerOptionsError extends UbiqIdpError {
  constructor(message: string) {
    super('server_options_invalid', message, { hint: 'Check the options passed to createReferenceServer().' });
    this.name = 'ReferenceServerOptionsError';
  }
}

export function resolveOptions(options: ReferenceServerOptions): {
  resolved: ResolvedServerOptions;
  scimToken: string;
  adminToken: string;
  idp: IdpSettings;
} {
  const parsed = optionsSchema.safeParse(options);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ReferenceServerOptionsError(`Invalid option ${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}`);
  }
  const o = parsed.data;
  return {
    resolved: {
      origin: o.origin?.replace(/\/+$/, ''),
      customerId: o.customerId ?? randomUUID(),
      bodyLimitBytes: o.bodyLimitBytes ?? 1024 * 1024,
      now: options.now ?? (() => new Date()),
      logger: options.logger ?? silentLogger,
    },
    scimToken: o.scimToken ?? randomBytes(48).toString('base64url'),
    adminToken: o.adminToken ?? randomBytes(32).toString('base64url'),
    idp: {
      enabled: o.idp?.enabled ?? true,
      discoveryUrl: o.idp?.discoveryUrl,
      issuer: o.idp?.issuer,
      audience: o.idp?.audience,
      usernameClaim: o.idp?.usernameClaim,
    },
  };
}
