import { createPrivateKey, randomBytes, randomUUID, X509Certificate } from 'node:crypto';
import * as z from 'zod';
import { endpointUrlSchema } from '../util/endpoint-url-schema.js';
import { errorGuard, UbiqIdpError } from '../errors.js';
import type { ReferenceServerOptionsErrorCode } from '../error-codes.js';
import { silentLogger, type Logger } from '../util/logger.js';
import type { ServerIdpSettings } from './store/types.js';
import type { VerifierFetch } from './sso/idp-token-verifier.js';
import type { Clock } from '../util/clock.js';

/** Options of {@link createReferenceServer}. Everything is optional; safe values are generated. */
export interface ReferenceServerOptions {
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
  idp?: Partial<ServerIdpSettings>;
  /** Largest accepted request body in bytes (413 above). Default 1 MiB. */
  bodyLimitBytes?: number;
  /**
   * Clock: milliseconds since the epoch, like every `now` option of this package (tests inject one).
   * Default `Date.now`.
   */
  now?: Clock;
  /** Where the server logs (never secrets). Default: silent. */
  logger?: Logger;
  /** PEM certificate of the CA that signs client certificates. Default: a CA generated when the server starts. */
  caCertificate?: string;
  /** PKCS#8 PEM private key of `caCertificate` (both or neither). */
  caKey?: string;
  /** Lifetime of the certificates the SSO endpoint issues, seconds. Default 3600, at least 120. */
  certificateLifetimeSeconds?: number;
  /** Tolerance for IdP token `exp`/`nbf`/`iat` and certificate validity, seconds. Default 60. */
  clockSkewSeconds?: number;
  /** How far a request signature's `created` may be from the server's clock, seconds. Default 300. */
  signatureMaxSkewSeconds?: number;
  /** Smallest RSA modulus accepted in a CSR, bits. Default 2048. */
  minimumRsaKeyBits?: number;
  /** `fetch` for the IdP's discovery document and JWKS. Default: global fetch. */
  idpFetch?: VerifierFetch;
  /** Timeout of each discovery/JWKS request, ms. Default 5000. */
  idpTimeoutMs?: number;
  /** Minimum time between two JWKS re-fetches caused by an unknown `kid`, ms. Default 30000. */
  jwksCooldownMs?: number;
  /** Secret the per-dataset master keys are derived from (>= 32 bytes); keep it to open old keys after a restart. */
  dataKeyMasterSecret?: Uint8Array;
}

/** The SSO endpoint's, certificate authority's and key endpoints' options after defaults. */
export interface ResolvedSsoAndKeyOptions {
  ca: { certificate: string; key: string } | undefined;
  certificateLifetimeSeconds: number;
  clockSkewSeconds: number;
  signatureMaxSkewSeconds: number;
  minimumRsaKeyBits: number;
  idpFetch: VerifierFetch | undefined;
  idpTimeoutMs: number;
  jwksCooldownMs: number;
  dataKeyMasterSecret: Uint8Array | undefined;
}

/** Options after defaults; secrets are held by the server's settings, not here. */
export interface ResolvedServerOptions extends ResolvedSsoAndKeyOptions {
  origin: string | undefined;
  customerId: string;
  bodyLimitBytes: number;
  now: () => Date;
  logger: Logger;
}

const optionsSchema = z
  .object({
    origin: z.url({ protocol: /^https?$/ }).optional(),
    customerId: z.uuid().optional(),
    scimToken: z.string().min(16, 'scimToken must be at least 16 characters').optional(),
    adminToken: z.string().min(16, 'adminToken must be at least 16 characters').optional(),
    idp: z
      .object({
        enabled: z.boolean().optional(),
        // The library's one URL validation; http:// is allowed because the reference server talks to local emulators.
        discoveryUrl: endpointUrlSchema('url', { allowInsecureHttp: true }).optional(),
        issuer: z.string().min(1).optional(),
        audience: z.string().min(1).optional(),
        usernameClaim: z.string().min(1).optional(),
        allowedClientIds: z.array(z.string().min(1).max(256)).max(100).optional(),
        requiredScope: z.string().min(1).max(256).optional(),
        externalIdClaim: z.union([z.string().min(1).max(256), z.literal(false)]).optional(),
      })
      .optional(),
    bodyLimitBytes: z.int().positive().optional(),
    caCertificate: z.string().includes('-----BEGIN CERTIFICATE-----', { message: 'caCertificate must be a PEM certificate' }).optional(),
    caKey: z.string().includes('PRIVATE KEY-----', { message: 'caKey must be a PEM private key' }).optional(),
    certificateLifetimeSeconds: z.int().min(120).max(366 * 24 * 3600).optional(),
    clockSkewSeconds: z.int().min(0).max(3600).optional(),
    signatureMaxSkewSeconds: z.int().min(1).max(3600).optional(),
    minimumRsaKeyBits: z.int().min(1024).max(16384).optional(),
    idpFetch: z.custom<VerifierFetch>((value) => typeof value === 'function', { message: 'idpFetch must be a function' }).optional(),
    idpTimeoutMs: z.int().min(1).max(120_000).optional(),
    jwksCooldownMs: z.int().min(0).optional(),
    dataKeyMasterSecret: z.instanceof(Uint8Array).refine((value) => value.byteLength >= 32, 'dataKeyMasterSecret must be at least 32 bytes').optional(),
  })
  .refine((value) => (value.caCertificate === undefined) === (value.caKey === undefined), {
    message: 'give both caCertificate and caKey, or neither',
    path: ['caKey'],
  });

/** Thrown by createReferenceServer for invalid options (never quotes a token). */
export class ReferenceServerOptionsError extends UbiqIdpError<ReferenceServerOptionsErrorCode> {
  static override readonly errorName = 'ReferenceServerOptionsError';
  constructor(message: string, options: { hint?: string } = {}) {
    super('server_options_invalid', message, { hint: options.hint ?? 'Check the options passed to createReferenceServer().' });
  }
}

/** True when `value` is a {@link ReferenceServerOptionsError}, also one made by another copy of this package. */
export const isReferenceServerOptionsError = errorGuard<ReferenceServerOptionsError>('ReferenceServerOptionsError');

/** Validates every option of createReferenceServer once and applies the defaults (throws {@link ReferenceServerOptionsError}, never quoting a key or token). */
export function resolveOptions(options: ReferenceServerOptions): {
  resolved: ResolvedServerOptions;
  scimToken: string;
  adminToken: string;
  idp: ServerIdpSettings;
} {
  const parsed = optionsSchema.safeParse(options);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ReferenceServerOptionsError(`Invalid option ${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}`);
  }
  const o = parsed.data;
  if (o.caCertificate !== undefined && o.caKey !== undefined) checkCa(o.caCertificate, o.caKey);
  return {
    resolved: {
      origin: o.origin?.replace(/\/+$/, ''),
      customerId: o.customerId ?? randomUUID(),
      bodyLimitBytes: o.bodyLimitBytes ?? 1024 * 1024,
      now: clockAsDate(options.now ?? Date.now),
      logger: options.logger ?? silentLogger,
      ca: o.caCertificate !== undefined && o.caKey !== undefined ? { certificate: o.caCertificate, key: o.caKey } : undefined,
      certificateLifetimeSeconds: o.certificateLifetimeSeconds ?? 3600,
      clockSkewSeconds: o.clockSkewSeconds ?? 60,
      signatureMaxSkewSeconds: o.signatureMaxSkewSeconds ?? 300,
      minimumRsaKeyBits: o.minimumRsaKeyBits ?? 2048,
      idpFetch: o.idpFetch,
      idpTimeoutMs: o.idpTimeoutMs ?? 5_000,
      jwksCooldownMs: o.jwksCooldownMs ?? 30_000,
      dataKeyMasterSecret: o.dataKeyMasterSecret,
    },
    scimToken: o.scimToken ?? randomBytes(48).toString('base64url'),
    adminToken: o.adminToken ?? randomBytes(32).toString('base64url'),
    idp: {
      enabled: o.idp?.enabled ?? true,
      discoveryUrl: o.idp?.discoveryUrl,
      issuer: o.idp?.issuer,
      audience: o.idp?.audience,
      usernameClaim: o.idp?.usernameClaim,
      allowedClientIds: [...(o.idp?.allowedClientIds ?? [])],
      requiredScope: o.idp?.requiredScope,
      externalIdClaim: o.idp?.externalIdClaim,
    },
  };
}

/** The server's modules work with dates; the option is the package's one clock type. */
function clockAsDate(now: () => number): () => Date {
  return () => new Date(now());
}

/** A given CA must be a CA certificate with its own private key: say so when the server is created, not at the first request. */
function checkCa(certificatePem: string, keyPem: string): void {
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(certificatePem);
  } catch {
    throw new ReferenceServerOptionsError('Invalid option caCertificate: not a readable PEM certificate');
  }
  let key;
  try {
    key = createPrivateKey(keyPem);
  } catch {
    throw new ReferenceServerOptionsError('Invalid option caKey: not a readable unencrypted PEM private key');
  }
  if (!certificate.ca) throw new ReferenceServerOptionsError('Invalid option caCertificate: not a CA certificate (basicConstraints cA is not set)');
  if (!certificate.checkPrivateKey(key)) throw new ReferenceServerOptionsError('Invalid option caKey: it is not the private key of caCertificate');
}
