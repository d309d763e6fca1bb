import type { RegisterRoutes } from '../extensions.js';
import { createServerCertificateAuthority, type ServerCertificateAuthority } from '../ca.js';
import { registerKeyRoutes } from '../keys/key-routes.js';
import { resolveSsoAndKeyOptions } from './options.js';
import { registerSsoRoute } from './sso-route.js';

/**
 * The reference server's part 2: the SSO endpoint (`{SCIM base}/sso`), the certificate authority behind
 * it, the key endpoints (`/api/v0/encryption/key`, `/api/v0/decryption/key`) and `/api/v3/tracking/events`.
 *
 * A given CA (`caCertificate`/`caKey`) is loaded when the server is created. Otherwise the CA is generated
 * by the first request that needs it (one generation, shared by concurrent requests): RSA key generation
 * costs CPU, and most servers in a test suite never issue a certificate. `info().caCertificatePem` is set
 * once the CA exists.
 */
export const registerSsoAndKeyRoutes: RegisterRoutes = (app, ctx) => {
  const options = resolveSsoAndKeyOptions(ctx.rawOptions as Readonly<Record<string, unknown>>);
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
};
