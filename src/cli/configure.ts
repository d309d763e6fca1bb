import { FIELDS, DEFAULT_SERVER, type FieldSpec } from '../config/fields.js';
import { validateField } from '../config/schema.js';
import type { ConfigFieldName } from '../config/types.js';
import { allowsInsecureHttp } from '../util/insecure-http.js';
import type { Command, CommandContext } from './command.js';
import { COMMON_HELP, stringOption } from './command.js';
import { configureTargets, readCurrentValues, writeConfigureFiles, type ConfigureValues } from './configure-files.js';
import { createLineReader, maskSecret, type LineReader } from './configure-prompt.js';
import { doctorCommand } from './doctor.js';
import { EXIT, UsageError, type ExitCode } from './exit-codes.js';
import { SETTINGS_HELP, SETTINGS_OPTIONS } from './settings-options.js';
import { terminalSafe } from './terminal-text.js';
import { createUi } from './ui.js';
import type { CliOutput } from './io.js';

type Provider = 'okta' | 'entra';

/** One question: the loader's field, its flag, its label and where each IdP's console shows the value. */
interface Question {
  field: ConfigFieldName;
  flag: string;
  label: string;
  where: (provider: Provider | undefined) => string;
}

const QUESTIONS: readonly Question[] = [
  { field: 'idp.provider', flag: 'provider', label: 'IdP provider (okta or entra)', where: () => 'okta for Okta, entra for Microsoft Entra ID: the directory your people sign in with' },
  { field: 'idp.customerId', flag: 'customer-id', label: 'Ubiq customer id', where: () => 'Ubiq dashboard → Account → IDP Integration: the UUID inside the Ubiq SCIM URL' },
  {
    field: 'idp.tokenEndpointUrl',
    flag: 'token-endpoint-url',
    label: 'IdP token endpoint URL',
    where: (p) =>
      p === 'entra'
        ? 'Entra admin center → App registrations → your app → Endpoints: OAuth 2.0 token endpoint (v2)'
        : 'your Okta account URL followed by /oauth2/v1/token, e.g. https://example.okta.com/oauth2/v1/token',
  },
  {
    field: 'idp.clientId',
    flag: 'client-id',
    label: 'Client id',
    where: (p) => (p === 'entra' ? 'Entra admin center → App registrations → your app → Overview: Application (client) ID' : 'Okta Admin Console → Applications → your OIDC app → General: Client ID'),
  },
  {
    field: 'idp.clientSecret',
    flag: 'client-secret',
    label: 'Client secret',
    where: (p) =>
      p === 'entra'
        ? 'Entra admin center → App registrations → your app → Certificates & secrets: the secret Value (shown once)'
        : 'Okta Admin Console → Applications → your OIDC app → General: Client Secrets',
  },
  { field: 'user.username', flag: 'username', label: 'Username', where: (p) => (p === 'entra' ? "the person's Entra sign-in name (user@tenant)" : "the person's Okta username") },
  { field: 'user.password', flag: 'password', label: 'Password', where: (p) => (p === 'entra' ? "the person's Entra password" : "the person's Okta password") },
  { field: 'server', flag: 'server', label: 'Ubiq server', where: () => `the Ubiq API; keep ${DEFAULT_SERVER} unless Ubiq gave you another` },
];

const DEFAULTS: ConfigureValues = { server: DEFAULT_SERVER };

function specOf(field: ConfigFieldName): FieldSpec {
  const spec = FIELDS.find((f) => f.name === field);
  // Unreachable: every question asks about a field of FIELDS. A plain Error marks a bug, not a user mistake.
  if (spec === undefined) throw new Error(`unknown field ${field}`);
  return spec;
}

/** The loader's own check of one value: the normalised value, or why it is refused (warnings alongside). */
function check(question: Question, raw: string, allowHttp: boolean): { value: string; warnings: string[] } | { problem: string } {
  const spec = specOf(question.field);
  const input = spec.secret ? raw : raw.trim();
  const { value, findings } = validateField(spec, input, allowHttp);
  const errors = findings.filter((f) => f.severity === 'error');
  if (value === undefined || errors.length > 0) return { problem: errors.map((f) => f.message).join('; ') || 'is not valid' };
  return { value, warnings: findings.filter((f) => f.severity === 'warning').map((f) => f.message) };
}

function shown(question: Question, value: string | undefined): string {
  if (value === undefined || value === '') return '';
  return specOf(question.field).secret ? maskSecret(value) : terminalSafe(value, { singleLine: true });
}

const FLAG_OPTIONS = Object.fromEntries(QUESTIONS.map((q) => [q.flag, { type: 'string' as const }])) as Record<string, { type: 'string' }>;

export const configureCommand: Command = {
  name: 'configure',
  summary: 'ask for the Okta / Entra settings one by one and write ~/.ubiq/configuration and credentials',
  options: { ...SETTINGS_OPTIONS, ...FLAG_OPTIONS, 'non-interactive': { type: 'boolean' }, 'no-check': { type: 'boolean' } },
  help: `Usage: ubiq-idp configure [--profile P] [--provider okta|entra] [--customer-id ID] … [options]

Asks for each value of the Okta / Entra setup, one by one, showing the current value (secrets as
****abcd), the default, and where in the Okta or Entra console the value is found. Enter keeps the
current value. A value set in a UBIQ_* variable (UBIQ_IDP_CUSTOMER_ID, …) is shown as the current
one, marked "(from the environment, UBIQ_…)", since it overrides the files while it is set; Enter
writes it into the file. Each answer is checked as the loader checks it and asked again, with the
reason, when it is wrong. Then writes
  ~/.ubiq/configuration  the idp block (provider, ubiq_customer_id, idp_token_endpoint_url,
                         idp_tenant_id, idp_client_secret); every other block is kept
  ~/.ubiq/credentials    the profile (default [idp]): SERVER, IDP_USERNAME, IDP_PASSWORD; other
                         profiles are kept
both mode 600 (the directory 700), replaced atomically, the previous file kept as .bak (mode 600), and
runs the doctor checks. UBIQ_CONFIGURATION_FILE / UBIQ_CREDENTIALS_FILE choose other files.
Secrets are read without echo on a terminal; piped answers are read one per line.

Options:
      --provider P            okta or entra
      --customer-id ID        the Ubiq customer id (the UUID in the Ubiq SCIM URL)
      --token-endpoint-url U  the IdP token endpoint
      --client-id ID          Okta: the OIDC app's Client ID; Entra: the Application (client) ID
      --client-secret S       the OIDC app's client secret (visible in the process list: prefer a prompt
                              or UBIQ_IDP_CLIENT_SECRET)
      --username U            the person's IdP username
      --password P            the person's IdP password (same caution; or UBIQ_IDP_PASSWORD)
      --server URL            the Ubiq server; default ${DEFAULT_SERVER}
      --non-interactive       ask nothing: values from the flags, else UBIQ_* variables, else the files,
                              else the default; a missing value is a usage error (exit 2)
      --no-check              do not run the doctor checks after writing
${SETTINGS_HELP}
${COMMON_HELP}

Examples:
  ubiq-idp configure
  ubiq-idp configure --profile idp --no-check
  UBIQ_IDP_CLIENT_SECRET=… UBIQ_IDP_PASSWORD=… ubiq-idp configure --non-interactive --provider okta \\
    --customer-id 6e7e795e-26a2-4973-aa73-b9fc259ebc5f --token-endpoint-url https://example.okta.com/oauth2/v1/token \\
    --client-id 0oamj6wsupUbPfqXt697 --username ada@example.com
`,
  async run(context) {
    const { io, values, json, ui } = context;
    const profile = stringOption(values, 'profile')?.trim() || io.env.UBIQ_PROFILE?.trim() || 'idp';
    const allowHttp = allowsInsecureHttp(values['allow-http'] === true, io.env);
    const nonInteractive = values['non-interactive'] === true;
    const targets = configureTargets({ profile, configurationFile: stringOption(values, 'config'), credentialsFile: stringOption(values, 'credentials') }, io.env, io.homeDir);
    const current = await readCurrentValues(targets);
    const answers: ConfigureValues = {};

    // Flags (and, without questions, UBIQ_* variables) first: a wrong one is a usage error, never a question.
    for (const question of QUESTIONS) {
      const given = stringOption(values, question.flag) ?? (nonInteractive ? io.env[specOf(question.field).env] : undefined);
      if (given === undefined) continue;
      const verdict = check(question, given, allowHttp);
      if ('problem' in verdict) throw new UsageError(`--${question.flag} ${verdict.problem}.`, `Run 'ubiq-idp configure --help'.`);
      answers[question.field] = verdict.value;
    }

    const out = json ? io.stderr : io.stdout;
    if (nonInteractive) {
      const missing: string[] = [];
      for (const question of QUESTIONS) {
        if (answers[question.field] !== undefined) continue;
        const fallback = current[question.field] ?? DEFAULTS[question.field];
        const verdict = fallback === undefined ? undefined : check(question, fallback, allowHttp);
        if (verdict !== undefined && 'value' in verdict) answers[question.field] = verdict.value;
        else missing.push(`--${question.flag} (or ${specOf(question.field).env})`);
      }
      if (missing.length > 0) throw new UsageError(`--non-interactive: no valid value for ${missing.join(', ')}.`, 'Give each missing value as a flag or UBIQ_* variable, or run ubiq-idp configure without --non-interactive to be asked.');
    } else {
      if (io.stdin === undefined) throw new UsageError('configure: there is no input to read answers from.', 'Give every value as a flag with --non-interactive.');
      const reader = createLineReader(io.stdin, out, io.signal);
      try {
        await ask(reader, context, out, current, answers, allowHttp);
      } finally {
        reader.close();
      }
    }

    const written = await writeConfigureFiles(targets, answers);
    if (!json) {
      ui.line();
      for (const file of [written.configuration, written.credentials]) {
        ui.mark('ok', `wrote ${terminalSafe(file.path, { singleLine: true })} (mode 600)`, file.backup === undefined ? undefined : `previous file kept as ${terminalSafe(file.backup, { singleLine: true })}`);
      }
    }
    const result = { ok: true, profile, configuration: written.configuration.path, credentials: written.credentials.path, backups: [written.configuration.backup, written.credentials.backup].filter((b) => b !== undefined) };
    if (values['no-check'] === true) {
      if (json) context.writeJson(result);
      return EXIT.ok;
    }
    if (!json) {
      ui.line();
      ui.heading('Checking the new setup (ubiq-idp doctor)');
    }
    // The doctor reads exactly what was just written: same files, the profile written to.
    let report: unknown;
    const code: ExitCode = await doctorCommand.run({ ...context, values: { ...values, profile, config: targets.configuration, credentials: targets.credentials }, writeJson: (value) => (report = value) });
    if (json) context.writeJson({ ...result, ok: code === EXIT.ok, doctor: report });
    return code;
  },
};

async function ask(reader: LineReader, context: CommandContext, out: CliOutput, current: ConfigureValues, answers: ConfigureValues, allowHttp: boolean): Promise<void> {
  const ui = createUi(context.io, out);
  const say = (text: string) => void out.write(text);
  const env = context.io.env;
  /** A UBIQ_* variable's value: it overrides the files while it is set, so it is the current value. */
  const fromEnv = (question: Question): string | undefined => {
    const value = env[specOf(question.field).env];
    return value === undefined || value.trim() === '' ? undefined : value;
  };
  for (const question of QUESTIONS) {
    if (answers[question.field] !== undefined) continue;
    const provider = (answers['idp.provider'] ?? fromEnv(QUESTIONS[0]!) ?? current['idp.provider'])?.trim().toLowerCase();
    const where = question.where(provider === 'okta' || provider === 'entra' ? provider : undefined);
    const envName = specOf(question.field).env;
    const envValue = fromEnv(question);
    const now = envValue ?? current[question.field];
    const keep = now ?? DEFAULTS[question.field];
    const secret = specOf(question.field).secret;
    for (;;) {
      say(`${ui.styles.dim(`  ${where}`)}\n`);
      if (envValue !== undefined && current[question.field] !== undefined && current[question.field] !== envValue) {
        say(`${ui.styles.dim(`  (${envName} is set and overrides the file's value ${shown(question, current[question.field])} while it is set)`)}\n`);
      }
      const fallback =
        envValue !== undefined
          ? `${shown(question, envValue)} (from the environment, ${envName})`
          : now === undefined && DEFAULTS[question.field] !== undefined
            ? `default ${DEFAULTS[question.field] ?? ''}`
            : shown(question, now);
      // Ctrl-C (PromptInterrupted, code 'aborted') propagates: exit 130, nothing written. The prompt is
      // shown by the reader, after a secret's echo is off.
      const line = await reader.read({ secret, prompt: `${question.label}${fallback ? ` [${fallback}]` : ''}: ` });
      if (line === undefined) {
        const kept = keep === undefined ? undefined : check(question, keep, allowHttp);
        if (kept !== undefined && 'value' in kept) {
          say('\n');
          answers[question.field] = kept.value;
          break;
        }
        throw new UsageError(`configure: the input ended before "${question.label}" was answered; nothing was written.`, 'Pipe one answer per line, or give the values as flags with --non-interactive.');
      }
      // A terminal echoed the line break itself; piped answers are not echoed, so end the line for them.
      if (context.io.stdin?.isTTY !== true) say('\n');
      const answer = line === '' || (!secret && line.trim() === '') ? keep : line;
      if (answer === undefined) {
        ui.mark('fail', `${question.label}: a value is required.`);
        continue;
      }
      const verdict = check(question, answer, allowHttp);
      if ('problem' in verdict) {
        ui.mark('fail', `${question.label} ${verdict.problem}. Try again.`);
        continue;
      }
      for (const warning of verdict.warnings) ui.mark('warn', `${question.label} ${warning}`);
      answers[question.field] = verdict.value;
      break;
    }
  }
}

