// The export formats of `ubiq-idp credentials`. Every value passes the schema the readers use first
// (toExportedCredentials), is then escaped for its format, and the INI text is read back before it is printed.
import { ExportedCredentialsError } from '../credentials/exported-errors.js';
import { toExportedCredentials, type ExportedCredentials } from '../credentials/exported.js';
import type { UbiqCredentials } from '../credentials/ubiq-credentials.js';
import { parseCredentialsIni } from '../config/sources/ini.js';

export const FORMATS = ['json', 'env', 'ini'] as const;
export type Format = (typeof FORMATS)[number];

/**
 * The variables of `--format env`, in order; the INI key of each is the name without `UBIQ_`. `fromEnv()`
 * and `fromConfigFiles()` read exactly these.
 */
export const EXPORT_NAMES = [
  ['server', 'UBIQ_SERVER'],
  ['accessKeyId', 'UBIQ_ACCESS_KEY_ID'],
  ['secretSigningKey', 'UBIQ_SECRET_SIGNING_KEY'],
  ['secretCryptoAccessKey', 'UBIQ_SECRET_CRYPTO_ACCESS_KEY'],
  ['payloadCert', 'UBIQ_PAYLOAD_CERT'],
  ['encryptedPrivateKey', 'UBIQ_ENCRYPTED_PRIVATE_KEY'],
  ['expiresAt', 'UBIQ_CREDENTIALS_EXPIRES_AT'],
  ['username', 'UBIQ_CREDENTIALS_USERNAME'],
  ['provider', 'UBIQ_CREDENTIALS_PROVIDER'],
] as const;

const PROFILE_NAME = /^[A-Za-z0-9_.-]{1,64}$/;

/** POSIX shell single-quoting: safe for any value without a NUL byte. */
export function shellQuote(value: string): string {
  if (value.includes('\0')) throw new ExportedCredentialsError('unsafe_credentials_value', 'Refusing to write a value with a NUL byte for a shell.');
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** The values of one format, in order: env and INI carry the private key PEM as one base64 line. */
function lines(document: ExportedCredentials): [string, string][] {
  const { version: _version, ...fields } = document;
  const values: Record<string, string | undefined> = { ...fields, ...(fields.kind === 'idp' ? { encryptedPrivateKey: Buffer.from(fields.encryptedPrivateKey, 'utf8').toString('base64') } : {}) };
  return EXPORT_NAMES.flatMap(([key, name]) => (values[key] === undefined ? [] : [[name, values[key]] as [string, string]]));
}

function header(document: ExportedCredentials): string {
  return document.kind === 'idp'
    ? `# Short-lived Ubiq credentials for ${document.username} (${document.provider}), valid until ${document.expiresAt}. Secrets: keep this file mode 600.\n`
    : '';
}

/**
 * Renders credentials in one export format. Validates every value first and refuses (with
 * `ExportedCredentialsError` `unsafe_credentials_value`) anything that could not be written safely.
 */
export function formatCredentials(credentials: UbiqCredentials, format: Format, profile: string): string {
  const document = toExportedCredentials(credentials);
  if (format === 'json') return `${JSON.stringify(document, null, 2)}\n`;
  if (format === 'env') return `${header(document)}${lines(document).map(([name, value]) => `export ${name}=${shellQuote(value)}`).join('\n')}\n`;
  if (!PROFILE_NAME.test(profile)) {
    throw new ExportedCredentialsError('unsafe_credentials_value', 'Refusing to write an INI profile whose name is not letters, digits, _ . or -.', { hint: "Choose a plain profile name with '--profile'." });
  }
  const text = `${header(document)}[${profile}]\n${lines(document).map(([name, value]) => `${name.slice('UBIQ_'.length)}=${value}`).join('\n')}\n`;
  // Belt and braces: the file must read back as exactly these values, in exactly one profile.
  const parsed = parseCredentialsIni(text, 'output');
  const section = parsed.sections.get(profile);
  const intact = parsed.problems.length === 0 && parsed.sections.size === 1 && section !== undefined && lines(document).every(([name, value]) => section.get(name.slice('UBIQ_'.length))?.value === value);
  if (!intact) throw new ExportedCredentialsError('unsafe_credentials_value', 'Refusing to write the credentials as INI: they would not read back as written.');
  return text;
}
