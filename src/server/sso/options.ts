import { createPrivateKey, X509Certificate } from 'node:crypto';
import { z } from 'zod';
import { ReferenceServerOptionsError } from '../options.js';
import type { VerifierFetch } from './idp-token-verifier.js';

/**
 * Options of the SSO endpoint, the certificate authority and the key endpoints. They are fields of
 * `ReferenceServerOptions`; this module validates them once, when the server is created.
 */
export interface SsoAndKeyOptions {
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

const schema = z
  .object({
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

/** Validates the SSO/CA/key options (throws `ReferenceServerOptionsError`, never quoting a key). */
export function resolveSsoAndKeyOptions(raw: Readonly<Record<string, unknown>>): ResolvedSsoAndKeyOptions {
  const parsed = schema.safeParse({
    caCertificate: raw.caCertificate,
    caKey: raw.caKey,
    certificateLifetimeSeconds: raw.certificateLifetimeSeconds,
    clockSkewSeconds: raw.clockSkewSeconds,
    signatureMaxSkewSeconds: raw.signatureMaxSkewSeconds,
    minimumRsaKeyBits: raw.minimumRsaKeyBits,
    idpFetch: raw.idpFetch,
    idpTimeoutMs: raw.idpTimeoutMs,
    jwksCooldownMs: raw.jwksCooldownMs,
    dataKeyMasterSecret: raw.dataKeyMasterSecret,
  });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ReferenceServerOptionsError(`Invalid option ${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}`);
  }
  const o = parsed.data;
  if (o.caCertificate !== undefined && o.caKey !== undefined) checkCa(o.caCertificate, o.caKey);
  return {
    ca: o.caCertificate !== undefined && o.caKey !== undefined ? { certificate: o.caCertificate, key: o.caKey } : undefined,
    certificateLifetimeSeconds: o.certificateLifetimeSeconds ?? 3600,
    clockSkewSeconds: o.clockSkewSeconds ?? 60,
    signatureMaxSkewSeconds: o.signatureMaxSkewSeconds ?? 300,
    minimumRsaKeyBits: o.minimumRsaKeyBits ?? 2048,
    idpFetch: o.idpFetch,
    idpTimeoutMs: o.idpTimeoutMs ?? 5_000,
    jwksCooldownMs: o.jwksCooldownMs ?? 30_000,
    dataKeyMasterSecret: o.dataKeyMasterSecret,
  };
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
