import type { UbiqCredentials } from '../credentials/ubiq-credentials.js';
import type { Command } from './command.js';
import { COMMON_HELP, stringOption } from './command.js';
import { EXIT, UsageError } from './exit-codes.js';
import { runDefaultProvider } from './provider-run.js';
import { keySizeFrom, loadOptionsFrom, SETTINGS_HELP, SETTINGS_OPTIONS } from './settings-options.js';

const FORMATS = ['json', 'env', 'ini'] as const;
type Format = (typeof FORMATS)[number];

/** POSIX shell single-quoting: safe for any value, including PEM line breaks. */
function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** The credentials as plain data (this command exists to print secrets). */
export function credentialsRecord(credentials: UbiqCredentials): Record<string, string> {
  const base = {
    server: credentials.server,
    accessKeyId: credentials.accessKeyId,
    secretSigningKey: credentials.secretSigningKey,
    secretCryptoAccessKey: credentials.secretCryptoAccessKey,
  };
  if (credentials.kind === 'static') return base;
  return {
    ...base,
    payloadCert: credentials.payloadCert,
    encryptedPrivateKey: credentials.encryptedPrivateKey,
    expiresAt: credentials.expiresAt.toISOString(),
    username: credentials.username,
    provider: credentials.provider,
  };
}

/** Renders credentials in one of the export formats. */
export function formatCredentials(credentials: UbiqCredentials, format: Format, profile: string): string {
  const record = credentialsRecord(credentials);
  if (format === 'json') return `${JSON.stringify({ kind: credentials.kind, ...record }, null, 2)}\n`;
  if (format === 'env') {
    const names: Record<string, string> = {
      server: 'UBIQ_SERVER',
      accessKeyId: 'UBIQ_ACCESS_KEY_ID',
      secretSigningKey: 'UBIQ_SECRET_SIGNING_KEY',
      secretCryptoAccessKey: 'UBIQ_SECRET_CRYPTO_ACCESS_KEY',
      payloadCert: 'UBIQ_PAYLOAD_CERT',
      encryptedPrivateKey: 'UBIQ_ENCRYPTED_PRIVATE_KEY',
      expiresAt: 'UBIQ_CREDENTIALS_EXPIRES_AT',
    };
    const lines = Object.entries(names).flatMap(([key, name]) => (record[key] === undefined ? [] : [`export ${name}=${shellQuote(record[key])}`]));
    return `${lines.join('\n')}\n`;
  }
  const header =
    credentials.kind === 'idp'
      ? `# Short-lived Ubiq credentials for ${credentials.username} (${credentials.provider}), valid until ${credentials.expiresAt.toISOString()}.\n# The certificate (payload_cert) and encrypted private key are in --format json / env.\n`
      : '';
  return `${header}[${profile}]\nSERVER=${record.server}\nACCESS_KEY_ID=${record.accessKeyId}\nSECRET_SIGNING_KEY=${record.secretSigningKey}\nSECRET_CRYPTO_ACCESS_KEY=${record.secretCryptoAccessKey}\n`;
}

export const credentialsCommand: Command = {
  name: 'credentials',
  summary: 'print short-lived Ubiq credentials (secrets!) as JSON, shell env or INI, for other tools',
  options: { ...SETTINGS_OPTIONS, format: { type: 'string', short: 'f' } },
  help: `Usage: ubiq-idp credentials [--profile P] [--format json|env|ini] [options]

Signs in like 'ubiq-idp login' and prints the resulting short-lived Ubiq credentials for tools that read
them, e.g. a CI job: the access key id, secret signing key, secret crypto access key and server, plus
(for an IdP sign-in) the payload certificate, encrypted private key and expiry.
THIS IS THE ONLY COMMAND THAT PRINTS SECRETS. Redirect it to a file or a pipe; on a terminal it warns.

Formats:
  json  one JSON object (default)
  env   'export UBIQ_…=' lines for a POSIX shell: eval "$(ubiq-idp credentials --format env)"
  ini   a credentials-file profile (SERVER, ACCESS_KEY_ID, SECRET_SIGNING_KEY, SECRET_CRYPTO_ACCESS_KEY)

Options:
  -f, --format F         json, env or ini
${SETTINGS_HELP}
${COMMON_HELP} (same as --format json)

Examples:
  eval "$(ubiq-idp credentials --profile idp --format env)"
  ubiq-idp credentials --profile idp --format ini > ci-credentials && chmod 600 ci-credentials
`,
  async run({ io, values, json, ui }) {
    const requested = stringOption(values, 'format') ?? 'json';
    if (!(FORMATS as readonly string[]).includes(requested)) {
      throw new UsageError(`--format must be json, env or ini (got '${requested}').`, "Run 'ubiq-idp credentials --help'.");
    }
    if (json && requested !== 'json') throw new UsageError('--json and --format env/ini contradict each other.');
    const format = requested as Format;
    const load = loadOptionsFrom(values, io);
    const { config, credentials } = await runDefaultProvider(ui, load, io.signal, keySizeFrom(values));
    if (io.stdout.isTTY === true) {
      io.stderr.write(
        `${ui.styles.yellow('!')} These are secrets: anyone who sees them can use your Ubiq access until ${credentials.kind === 'idp' ? credentials.expiresAt.toISOString() : 'the keys are revoked'}. Prefer redirecting to a file (chmod 600) or a pipe.\n`,
      );
    }
    io.stdout.write(formatCredentials(credentials, format, config.profile));
    return EXIT.ok;
  },
};
