import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
// zod/mini: a session file is read on the way to a process's first credentials (see config/schema.ts).
import * as z from 'zod/mini';
import type { IdpProvider } from '../config/types.js';
import { createUbiqIdpCredentials, type UbiqIdpCredentials } from '../credentials/ubiq-credentials.js';
import { parseCertificatePem, payloadCertToPem, publicKeysEqual } from '../x509/certificate.js';
import { SessionError } from './errors.js';

/** The format version this library writes and reads. A file of another version is not used. */
export const SESSION_FORMAT_VERSION = 1;
const FORMAT = 'ubiq-idp-session';

/** Who a session belongs to: it is used only when every field matches the current settings. */
export interface SessionIdentity {
  server: string;
  customerId: string;
  profile: string;
  provider: IdpProvider;
  /** The IdP token endpoint (it names the IdP org or tenant). */
  tokenEndpointUrl: string;
  /** The OAuth client id. */
  clientId: string;
  username: string;
}

/** The Ubiq credentials kept in a session (what the SSO exchange returned, and the local key). */
export interface SessionCredentials {
  accessKeyId: string;
  /** Secret. */
  secretSigningKey: string;
  /** Secret: the passphrase of `encryptedPrivateKey`. */
  secretCryptoAccessKey: string;
  /** Encrypted PKCS#8 PEM. */
  encryptedPrivateKey: string;
  payloadCert: string;
  issuedAt: Date;
  expiresAt: Date;
}

/** One session as stored. */
export interface SessionRecord {
  identity: SessionIdentity;
  /** The IdP issuer (from the token endpoint), shown by `whoami`. */
  issuer: string | undefined;
  /** Secret. The IdP refresh token, when the IdP issued one. */
  refreshToken: string | undefined;
  credentials: SessionCredentials | undefined;
  /**
   * Who signed in, for display (`whoami`, the credentials' `username`): the configured username, else
   * the name the IdP's ID or access token gave (a device or browser sign-in has no configured one).
   * Never compared or trusted: the identity's `username` decides whose session this is.
   */
  signedInUser?: string | undefined;
  /** When the person last signed in with a password (or another interactive grant). */
  signedInAt: Date;
  /** When the session was last written. */
  updatedAt: Date;
}

const text = z.string().check(z.minLength(1), z.maxLength(4096));
const pem = z.string().check(z.minLength(1), z.maxLength(64 * 1024));
const instant = z.iso.datetime({ offset: true });

const identitySchema = z.strictObject({
  server: text,
  customerId: text,
  profile: text,
  provider: z.enum(['okta', 'entra']),
  tokenEndpointUrl: text,
  clientId: text,
  // Empty for a device or browser sign-in profile: the person chooses the account in the browser.
  username: z.string().check(z.maxLength(4096)),
});

const credentialsSchema = z.strictObject({
  accessKeyId: text,
  secretSigningKey: text,
  secretCryptoAccessKey: text,
  encryptedPrivateKey: pem.check(z.refine((value) => value.includes('-----BEGIN ENCRYPTED PRIVATE KEY-----'), 'is not an encrypted PKCS#8 PEM')),
  payloadCert: pem,
  issuedAt: instant,
  expiresAt: instant,
});

const fileSchema = z.strictObject({
  format: z.literal(FORMAT),
  version: z.literal(SESSION_FORMAT_VERSION),
  identity: identitySchema,
  issuer: z.optional(text),
  refreshToken: z.optional(z.string().check(z.minLength(1), z.maxLength(16 * 1024))),
  credentials: z.optional(credentialsSchema),
  signedInUser: z.optional(z.string().check(z.minLength(1), z.maxLength(256))),
  signedInAt: instant,
  updatedAt: instant,
});

/** Why a file is not a session we can use (no secret in it: only field paths and kinds of problem). */
export type DecodeResult = { ok: true; record: SessionRecord } | { ok: false; reason: string };

/** Parses and validates a session file's text. */
export function decodeSession(raw: string): DecodeResult {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return { ok: false, reason: 'is not valid JSON (truncated or edited?)' };
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return { ok: false, reason: 'is not a JSON object' };
  const header = json as { format?: unknown; version?: unknown };
  if (header.format !== FORMAT) return { ok: false, reason: 'is not a ubiq-idp session file' };
  if (header.version !== SESSION_FORMAT_VERSION) {
    return { ok: false, reason: `has format version ${typeof header.version === 'number' ? header.version : 'unknown'}, this version of ubiq-idp reads version ${SESSION_FORMAT_VERSION}` };
  }
  const parsed = fileSchema.safeParse(json);
  if (!parsed.success) {
    const fields = [...new Set(parsed.error.issues.map((issue) => issue.path.join('.') || '(top level)'))].slice(0, 5);
    return { ok: false, reason: `has invalid fields: ${fields.join(', ')}` };
  }
  const data = parsed.data;
  const credentials = data.credentials;
  return {
    ok: true,
    record: {
      identity: data.identity,
      issuer: data.issuer,
      refreshToken: data.refreshToken,
      credentials:
        credentials === undefined
          ? undefined
          : { ...credentials, issuedAt: new Date(credentials.issuedAt), expiresAt: new Date(credentials.expiresAt) },
      ...(data.signedInUser === undefined ? {} : { signedInUser: data.signedInUser }),
      signedInAt: new Date(data.signedInAt),
      updatedAt: new Date(data.updatedAt),
    },
  };
}

/** The JSON text of a session file. */
export function encodeSession(record: SessionRecord): string {
  const file: z.input<typeof fileSchema> = {
    format: FORMAT,
    version: SESSION_FORMAT_VERSION,
    identity: { ...record.identity },
    ...(record.issuer === undefined ? {} : { issuer: record.issuer }),
    ...(record.refreshToken === undefined ? {} : { refreshToken: record.refreshToken }),
    ...(record.credentials === undefined
      ? {}
      : {
          credentials: {
            accessKeyId: record.credentials.accessKeyId,
            secretSigningKey: record.credentials.secretSigningKey,
            secretCryptoAccessKey: record.credentials.secretCryptoAccessKey,
            encryptedPrivateKey: record.credentials.encryptedPrivateKey,
            payloadCert: record.credentials.payloadCert,
            issuedAt: record.credentials.issuedAt.toISOString(),
            expiresAt: record.credentials.expiresAt.toISOString(),
          },
        }),
    ...(record.signedInUser === undefined || record.signedInUser === '' ? {} : { signedInUser: record.signedInUser }),
    signedInAt: record.signedInAt.toISOString(),
    updatedAt: record.updatedAt.toISOString(),
  };
  return `${JSON.stringify(file, null, 2)}\n`;
}

/** The fields of two identities that differ (names only, never values). */
export function identityDifferences(stored: SessionIdentity, expected: SessionIdentity): string[] {
  const differs: string[] = [];
  const same = (a: string, b: string) => a === b;
  const sameFolded = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();
  if (!sameFolded(stored.server.replace(/\/+$/, ''), expected.server.replace(/\/+$/, ''))) differs.push('server');
  if (!sameFolded(stored.customerId, expected.customerId)) differs.push('customer');
  if (!same(stored.profile, expected.profile)) differs.push('profile');
  if (!same(stored.provider, expected.provider)) differs.push('IdP provider');
  if (!same(stored.tokenEndpointUrl.replace(/\/+$/, ''), expected.tokenEndpointUrl.replace(/\/+$/, ''))) differs.push('IdP token endpoint');
  if (!same(stored.clientId, expected.clientId)) differs.push('client id');
  // IdP user names are case-insensitive (Okta logins, Entra UPNs).
  if (!sameFolded(stored.username, expected.username)) differs.push('user');
  return differs;
}

/** The key pair held in a session, opened with its passphrase. */
export interface SessionKeyPair {
  privateKey: KeyObject;
  publicKey: KeyObject;
}

/** The session's fields do not belong together; the caller names the file and says what to do. */
function corrupt(detail: string): SessionError {
  return new SessionError('session_corrupt', detail, { hint: "Run 'ubiq-idp logout' to delete the session, then 'ubiq-idp login'." });
}

/**
 * Opens the stored private key and checks that the certificate belongs to it and expires when the file
 * says. Throws a `SessionError` (`session_corrupt`, with no secret) when the fields do not belong together.
 */
export function openSessionCredentials(
  stored: SessionCredentials,
  identity: SessionIdentity,
  signedInUser?: string,
): { credentials: UbiqIdpCredentials; keyPair: SessionKeyPair } {
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey({ key: stored.encryptedPrivateKey, format: 'pem', passphrase: stored.secretCryptoAccessKey });
  } catch {
    throw corrupt('the private key does not open with the stored passphrase');
  }
  const publicKey = createPublicKey(privateKey);
  let certificatePem: string;
  let notAfter: Date;
  let notBefore: Date;
  try {
    certificatePem = payloadCertToPem(stored.payloadCert);
    const parsed = parseCertificatePem(certificatePem);
    // Caught just below: any failure here gets the one message after the catch.
    if (!publicKeysEqual(parsed.publicKey, publicKey)) throw corrupt('the certificate is not for the stored key');
    notAfter = parsed.notAfter;
    notBefore = parsed.notBefore;
  } catch {
    throw corrupt('the certificate is unreadable or is not for the stored key');
  }
  if (Math.abs(notAfter.getTime() - stored.expiresAt.getTime()) > 1_000) throw corrupt("the expiry does not match the certificate's");
  const credentials = createUbiqIdpCredentials({
    server: identity.server,
    accessKeyId: stored.accessKeyId,
    secretSigningKey: stored.secretSigningKey,
    secretCryptoAccessKey: stored.secretCryptoAccessKey,
    encryptedPrivateKey: stored.encryptedPrivateKey,
    privateKey,
    certificate: certificatePem,
    payloadCert: stored.payloadCert,
    issuedAt: notBefore,
    expiresAt: notAfter,
    provider: identity.provider,
    // A device or browser profile configures no username: the person the IdP named at sign-in.
    username: identity.username !== '' ? identity.username : (signedInUser ?? ''),
    profile: identity.profile,
  });
  return { credentials, keyPair: { privateKey, publicKey } };
}
