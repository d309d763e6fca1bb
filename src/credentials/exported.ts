// Exported credentials: what `ubiq-idp credentials` writes and `fromEnv()`/`fromConfigFiles()`/`fromProcess()`
// read back. One schema decides what may be written and what is accepted, so a value the reader would refuse
// (or misread) is never written.
import { createPrivateKey, type KeyObject } from 'node:crypto';
import * as z from 'zod';
import type { IssuedCredentialFields, StaticKeyCredentials } from '../config/types.js';
import { parseCertificatePem, publicKeysEqual, type ParsedCertificate } from '../x509/certificate.js';
import { ExportedCredentialsError } from './exported-errors.js';
import { createUbiqIdpCredentials, createUbiqStaticCredentials, type UbiqCredentials, type UbiqIdpCredentials } from './ubiq-credentials.js';

// Characters every format (shell single quotes, INI, JSON) carries without escaping surprises: no
// whitespace, quotes, `;`/`#` (INI comments), `[`/`]` (INI sections), `\`, `$`, backquote or control characters.
const KEY_TEXT = /^[A-Za-z0-9+/=_.:~-]{1,4096}$/;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
const PEM = /^-----BEGIN ENCRYPTED PRIVATE KEY-----\n[A-Za-z0-9+/=\n]+\n-----END ENCRYPTED PRIVATE KEY-----\n?$/;
const SERVER = /^https?:\/\/[A-Za-z0-9.\-_~:/%@]+$/;
// eslint-disable-next-line no-control-regex
const USERNAME = /^[^\s\u0000-\u001f\u007f-\u009f;#'"`\\[\]=$]{1,256}$/u;
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

const why = {
  server: 'must be an http(s) URL without spaces, quotes or brackets',
  key: 'must be letters, digits and + / = _ . : ~ - only (no line break, space, quote, bracket, ; or #)',
  base64: 'must be base64 (no line break)',
  pem: 'must be one ENCRYPTED PRIVATE KEY PEM block',
  username: 'must be one word without spaces, quotes, brackets, ; # = $ or \\',
  time: 'must be an ISO 8601 UTC time',
};

const common = {
  version: z.literal(1).optional(),
  server: z.string().max(2048).regex(SERVER, why.server),
  accessKeyId: z.string().regex(KEY_TEXT, why.key),
  secretSigningKey: z.string().regex(KEY_TEXT, why.key),
  secretCryptoAccessKey: z.string().regex(KEY_TEXT, why.key),
};

/**
 * The JSON document `ubiq-idp credentials --format json` writes (and `fromProcess()` reads): static keys, or
 * IdP-issued credentials with the certificate (`payloadCert`, base64 of the PEM), the encrypted private key
 * (PEM; passphrase: `secretCryptoAccessKey`), who they were issued to and until when.
 */
export const exportedCredentialsSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('static'), ...common }),
  z.object({
    kind: z.literal('idp'),
    ...common,
    payloadCert: z.string().max(65_536).regex(BASE64, why.base64),
    encryptedPrivateKey: z.string().max(65_536).regex(PEM, why.pem),
    expiresAt: z.string().regex(ISO_TIME, why.time),
    username: z.string().regex(USERNAME, why.username),
    provider: z.enum(['okta', 'entra']),
  }),
]);

/** One exported credentials document, validated: static keys, or IdP-issued credentials. */
export type ExportedCredentials =
  | {
      kind: 'static';
      version?: 1 | undefined;
      server: string;
      accessKeyId: string;
      secretSigningKey: string;
      secretCryptoAccessKey: string;
    }
  | {
      kind: 'idp';
      version?: 1 | undefined;
      server: string;
      accessKeyId: string;
      secretSigningKey: string;
      secretCryptoAccessKey: string;
      /** Base64 of the certificate's PEM (the server's `api_cert`). */
      payloadCert: string;
      /** PKCS#8 PEM, encrypted with `secretCryptoAccessKey`. */
      encryptedPrivateKey: string;
      /** ISO 8601 UTC: the certificate's end. */
      expiresAt: string;
      username: string;
      provider: 'okta' | 'entra';
    };

// The written type and the schema's stay one: a change to either that the other lacks fails to compile.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const schemaMatchesType: Same<z.infer<typeof exportedCredentialsSchema>, ExportedCredentials> = true;
void schemaMatchesType;

/** Names a person recognises: the server's names for the values it chose. */
const FIELD_LABEL: Record<string, string> = {
  server: 'server',
  accessKeyId: "access key id (the server's public_value)",
  secretSigningKey: "secret signing key (the server's signing_value)",
  secretCryptoAccessKey: 'secret crypto access key',
  payloadCert: "certificate (the server's api_cert)",
  encryptedPrivateKey: 'encrypted private key',
  expiresAt: 'expiry',
  username: 'username',
  provider: 'provider',
};

/** The issues of a failed parse as `field: reason` (never the value). */
export function describeIssues(error: z.ZodError): string {
  return [...new Set(error.issues.map((issue) => `${FIELD_LABEL[String(issue.path[0])] ?? (issue.path.join('.') || 'document')} ${issue.message.startsWith('must') ? issue.message : 'is missing or invalid'}`))].join('; ');
}

// Exported by ubiq-idp through credentials/index.ts, which loads this module on its first call (the TSDoc is there).
export function parseExportedCredentials(document: unknown): ExportedCredentials {
  const parsed = exportedCredentialsSchema.safeParse(document);
  if (!parsed.success) {
    throw new ExportedCredentialsError('exported_credentials_invalid', `The document is not exported Ubiq credentials: the ${describeIssues(parsed.error)}.`, {
      hint: 'Give what `ubiq-idp credentials --format json` prints (or `fromProcess()` the command that prints it).',
    });
  }
  return parsed.data;
}

/**
 * The credentials as the exported document, validated with the schema the readers use. A value that
 * cannot be written safely (e.g. a `public_value` with a line break or a `[`) is refused.
 *
 * @throws {ExportedCredentialsError} `unsafe_credentials_value`; nothing has been written.
 */
export function toExportedCredentials(credentials: UbiqCredentials): ExportedCredentials {
  const record =
    credentials.kind === 'static'
      ? { version: 1, kind: 'static', server: credentials.server, accessKeyId: credentials.accessKeyId, secretSigningKey: credentials.secretSigningKey, secretCryptoAccessKey: credentials.secretCryptoAccessKey }
      : {
          version: 1,
          kind: 'idp',
          server: credentials.server,
          accessKeyId: credentials.accessKeyId,
          secretSigningKey: credentials.secretSigningKey,
          secretCryptoAccessKey: credentials.secretCryptoAccessKey,
          payloadCert: credentials.payloadCert,
          encryptedPrivateKey: credentials.encryptedPrivateKey,
          expiresAt: credentials.expiresAt.toISOString(),
          username: credentials.username,
          provider: credentials.provider,
        };
  const parsed = exportedCredentialsSchema.safeParse(record);
  if (!parsed.success) {
    throw new ExportedCredentialsError('unsafe_credentials_value', `Refusing to write the credentials: the ${describeIssues(parsed.error)}.`, {
      hint: 'A value the Ubiq server sent cannot be written safely; nothing was written. Report it to the server operator (or Ubiq support).',
    });
  }
  return parsed.data;
}

/** What a restored set of exported credentials needs. */
export interface RestoreInput {
  server: string;
  keys: StaticKeyCredentials;
  issued: IssuedCredentialFields;
  profile: string | undefined;
  /** Where they came from, for messages: `the environment (UBIQ_*)`, a file and profile, a command. */
  source: string;
}

/**
 * Turns exported IdP credentials back into {@link UbiqIdpCredentials}: opens the encrypted private key with
 * the secret crypto access key, checks that the certificate carries that key, that the written expiry is the
 * certificate's, and that it has not expired.
 *
 * @throws {ExportedCredentialsError} `exported_credentials_invalid` or `exported_credentials_expired`.
 */
export function restoreIdpCredentials(input: RestoreInput, now: number = Date.now()): UbiqIdpCredentials {
  const again = `Export them again: eval "$(ubiq-idp credentials --format env)", or 'ubiq-idp credentials --format ini' into the credentials file.`;
  const invalid = (what: string) => new ExportedCredentialsError('exported_credentials_invalid', `The exported credentials in ${input.source} ${what}.`, { hint: again });
  const certificatePem = Buffer.from(input.issued.payloadCert, 'base64').toString('utf8');
  let certificate: ParsedCertificate;
  try {
    certificate = parseCertificatePem(certificatePem);
  } catch {
    throw invalid('have a payload certificate that is not base64 of a PEM certificate');
  }
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey({ key: input.issued.encryptedPrivateKey, format: 'pem', passphrase: input.keys.secretCryptoAccessKey });
  } catch {
    // Node's message is free of the passphrase, but nothing about the key material is worth repeating.
    throw invalid('have an encrypted private key that does not open with their secret crypto access key');
  }
  if (!publicKeysEqual(certificate.publicKey, privateKey)) throw invalid('have a private key that is not the key of their certificate');
  if (input.issued.expiresAt !== undefined && Math.abs(Date.parse(input.issued.expiresAt) - certificate.notAfter.getTime()) > 1_000) {
    throw invalid(`say they expire at ${input.issued.expiresAt}, but their certificate expires at ${certificate.notAfter.toISOString()}`);
  }
  if (certificate.notAfter.getTime() <= now) {
    throw new ExportedCredentialsError('exported_credentials_expired', `The exported credentials in ${input.source} expired at ${certificate.notAfter.toISOString()}.`, { hint: again });
  }
  return createUbiqIdpCredentials({
    server: input.server,
    accessKeyId: input.keys.accessKeyId,
    secretSigningKey: input.keys.secretSigningKey,
    secretCryptoAccessKey: input.keys.secretCryptoAccessKey,
    encryptedPrivateKey: input.issued.encryptedPrivateKey,
    privateKey,
    certificate: certificatePem,
    payloadCert: input.issued.payloadCert,
    issuedAt: certificate.notBefore,
    expiresAt: certificate.notAfter,
    provider: input.issued.provider,
    username: input.issued.username,
    profile: input.profile,
  });
}

/** An exported document (e.g. a process's output) as credentials: static keys, or restored IdP credentials. */
export function fromExportedCredentials(document: ExportedCredentials, source: string, now: number = Date.now()): UbiqCredentials {
  const keys = { accessKeyId: document.accessKeyId, secretSigningKey: document.secretSigningKey, secretCryptoAccessKey: document.secretCryptoAccessKey };
  if (document.kind === 'static') return createUbiqStaticCredentials({ server: document.server, ...keys, profile: undefined });
  const issued: IssuedCredentialFields = {
    payloadCert: document.payloadCert,
    encryptedPrivateKey: document.encryptedPrivateKey,
    username: document.username,
    provider: document.provider,
    expiresAt: document.expiresAt,
  };
  return restoreIdpCredentials({ server: document.server, keys, issued, profile: undefined, source }, now);
}
