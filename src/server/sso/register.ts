import type { Hono } from 'hono';
import { createServerCertificateAuthority, type ServerCertificateAuthority } from '../ca.js';
import type { ServerContext, ServerEnv } from '../context.js';
import { registerKeyRoutes } from '../keys/key-routes.js';
import { registerSsoRoute } from './sso-route.js';

/** What the SSO and key routes add to the server's `info()`. */
export interface SsoAndKeyInfo {
  /** PEM certificate of the CA; undefined until the CA exists (a generated CA is created on first need). */
  caCertificatePem: string | undefined;
  /** Lifetime of the certificates the SSO endpoint issues, seconds. */
  certificateLifetimeSeconds: number;
  /** How many usage events `POST /api/v3/tracking/events` has received. */
  trackingEventsReceived: number;
}

/**
 * The SSO endpoint (`{SCIM base}/sso`), the certificate authority behind
 * it, the key endpoints (`/api/v0/encryption/key`, `/api/v0/decryption/key`) and `/api/v3/tracking/events`.
 *
 * A given CA (`caCertificate`/`caKey`) is loaded when the server is created. Otherwise the CA is generated
 * by the first request that needs it (one generation, shared by concurrent requests): RSA key generation
 * costs CPU, and most servers in a test suite never issue a certificate. `info().caCertificatePem` is set
 * once the CA exists. Returns the fields these routes add to the server's `info()`.
 */
export function registerSsoAndKeyRoutes(app: Hono<ServerEnv>, ctx: ServerContext): { info: () => SsoAndKeyInfo } {
  const options = ctx.options;
  let authority: ServerCertificateAuthority | undefined;
  let pending: Promise<ServerCertificateAuthority> | undefined;
  const ca = (): Promise<ServerCertificateAuthority> => {
    pending ??= createServerCertificateAuthority({
      ...(options.ca === undefined ? {} : { certificatePem: options.ca.certificate, privateKeyPem: options.ca.key }),
      certificateLifetimeSeconds: options.certificateLifetimeSeconds,
      clockSkewSeconds: options.clockSkewSeconds,
      minimumRsaKeyBits: options.minimumRsaKeyBits,
      now: ctx.now,
    }).then(
      (created) => {
        authority = created;
        return created;
      },
      (error: unknown) => {
        // Not cached: the next request tries again (and fails the same way for a bad given CA).
        pending = undefined;
        ctx.logger.error?.('reference server: the certificate authority could not be created', { error: error instanceof Error ? error.name : 'unknown' });
        throw error;
      },
    );
    return pending;
  };
  if (options.ca !== undefined) ca().catch(() => {});
  registerSsoRoute(app, ctx, options, ca);
  const keys = registerKeyRoutes(app, ctx, options, ca);
  return {
    info: () => ({
      caCertificatePem: authority?.certificatePem,
      certificateLifetimeSeconds: options.certificateLifetimeSeconds,
      trackingEventsReceived: keys.trackingEvents(),
    }),
  };
}
