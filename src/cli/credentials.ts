import type { Command } from './command.js';
import { COMMON_HELP, stringOption } from './command.js';
import { FORMATS, formatCredentials, type Format } from './credentials-format.js';
import { EXIT, UsageError } from './exit-codes.js';
import { runDefaultProvider } from './provider-run.js';
import { keySizeFrom, loadOptionsFrom, SETTINGS_HELP, SETTINGS_OPTIONS, timeoutFrom } from './settings-options.js';

export const credentialsCommand: Command = {
  name: 'credentials',
  summary: 'print short-lived Ubiq credentials (secrets!) as JSON, shell env or INI, for other tools',
  options: { ...SETTINGS_OPTIONS, format: { type: 'string', short: 'f' }, 'no-session': { type: 'boolean' } },
  help: `Usage: ubiq-idp credentials [--profile P] [--format json|env|ini] [options]

Signs in like 'ubiq-idp login' and prints the resulting short-lived Ubiq credentials for tools that read
them, e.g. a CI job: the access key id, secret signing key, secret crypto access key and server, plus
(for an IdP sign-in) the payload certificate, encrypted private key and expiry.
THIS IS THE ONLY COMMAND THAT PRINTS SECRETS. Redirect it to a file or a pipe; on a terminal it warns.

Formats (each read back by the SDK: fromEnv(), fromConfigFiles(), fromProcess()):
  json  one JSON object (default): {version, kind, server, accessKeyId, secretSigningKey,
        secretCryptoAccessKey, payloadCert, encryptedPrivateKey, expiresAt, username, provider}
  env   'export UBIQ_…=' lines for a POSIX shell: eval "$(ubiq-idp credentials --format env)".
        UBIQ_SERVER, UBIQ_ACCESS_KEY_ID, UBIQ_SECRET_SIGNING_KEY, UBIQ_SECRET_CRYPTO_ACCESS_KEY, and for
        an IdP sign-in UBIQ_PAYLOAD_CERT, UBIQ_ENCRYPTED_PRIVATE_KEY (base64 of the PEM),
        UBIQ_CREDENTIALS_EXPIRES_AT, UBIQ_CREDENTIALS_USERNAME, UBIQ_CREDENTIALS_PROVIDER
  ini   a credentials-file profile with the same keys without 'UBIQ_' (SERVER, ACCESS_KEY_ID, …,
        PAYLOAD_CERT, ENCRYPTED_PRIVATE_KEY, CREDENTIALS_EXPIRES_AT, …)
Every value is checked before anything is written; one that cannot be written safely in the format
(a line break, quote or bracket in a value the server chose) is refused and nothing is printed.

Options:
  -f, --format F         json, env or ini
${SETTINGS_HELP}
      --no-session       sign in afresh: do not use or write the session ('ubiq-idp login' keeps one)
${COMMON_HELP} (same as --format json)

Examples:
  eval "$(ubiq-idp credentials --profile idp --format env)"
  (umask 077; ubiq-idp credentials --profile idp --format ini > ci-credentials)
  UBIQ_CREDENTIALS_FILE=ci-credentials node app.js     # fromConfigFiles() reads them back
`,
  async run({ io, values, json, ui, logger }) {
    const requested = stringOption(values, 'format') ?? 'json';
    if (!(FORMATS as readonly string[]).includes(requested)) {
      throw new UsageError(`--format must be json, env or ini (got '${requested}').`, "Run 'ubiq-idp credentials --help'.");
    }
    if (json && requested !== 'json') throw new UsageError('--json and --format env/ini contradict each other.');
    const format = requested as Format;
    const load = loadOptionsFrom(values, io);
    const { config, credentials } = await runDefaultProvider(ui, load, io.signal, keySizeFrom(values), { timeoutMs: timeoutFrom(values), logger, session: values['no-session'] === true ? 'off' : 'reuse' });
    if (io.stdout.isTTY === true) {
      io.stderr.write(
        `${ui.styles.yellow('!')} These are secrets: anyone who sees them can use your Ubiq access until ${credentials.kind === 'idp' ? credentials.expiresAt.toISOString() : 'the keys are revoked'}. Prefer redirecting to a file (chmod 600) or a pipe.\n`,
      );
    }
    io.stdout.write(formatCredentials(credentials, format, config.profile));
    return EXIT.ok;
  },
};
