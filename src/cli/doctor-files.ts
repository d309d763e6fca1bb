import { stat } from 'node:fs/promises';
import process from 'node:process';
import { isConfigError, isConfigNotFoundError } from '../config/errors.js';
import { FIELDS, jsonNames } from '../config/fields.js';
import { suggestKey } from '../config/mistakes.js';
import { loadConfig, resolveProfile, type LoadConfigOptions, type LoadedConfig } from '../config/load.js';
import { resolveLocations, type FileChoice } from '../config/paths.js';
import { readConfigFile } from '../config/read-file.js';
import { isJsonObject, parseJsonText } from '../config/sources/json.js';
import type { ConfigFieldName, ConfigFieldSource } from '../config/types.js';
import { isUbiqIdpError } from '../errors.js';
import { stripControl } from '../idp/device.js';
import type { DoctorReport } from './doctor-report.js';
import { FIELD_STEPS, stepForProblem } from './seed-steps.js';

const OTHER_ENV = ['UBIQ_CONFIGURATION_FILE', 'UBIQ_CREDENTIALS_FILE', 'UBIQ_PROFILE', 'UBIQ_SESSION_DIR'];
const KNOWN_ENV = new Set([...FIELDS.map((f) => f.env), ...OTHER_ENV]);
// The aliases (client_id, idp_client_id) belong to the dialect their prefix says.
const SEED_NAMES = new Set(FIELDS.flatMap((f) => jsonNames(f).filter((name, i) => i === 0 || (i > 1 && !name.startsWith('idp_')))));
const OFFICIAL_NAMES = new Set(FIELDS.flatMap((f) => jsonNames(f).filter((name, i) => i === 1 || (i > 1 && name.startsWith('idp_')))));

function chosenByText(choice: { chosenBy: string }, envName: string, flag: string): string {
  if (choice.chosenBy === 'option') return `given with ${flag}`;
  if (choice.chosenBy === 'env') return `named by ${envName}`;
  if (choice.chosenBy === 'fallback') return 'fallback of the official clients';
  return 'default location';
}

function octal(mode: number): string {
  return (mode & 0o777).toString(8).padStart(3, '0');
}

async function checkPermissions(report: DoctorReport, path: string, holds: string): Promise<void> {
  if (process.platform === 'win32') return;
  try {
    const info = await stat(path);
    if ((info.mode & 0o077) !== 0) {
      report.add({
        status: 'fail',
        title: `${path} is readable or writable by group or others (mode ${octal(info.mode)}) but holds ${holds}`,
        fix: `chmod 600 '${path}'`,
        code: 'file_permissions',
        step: stepForProblem('file_permissions'),
      });
    } else {
      report.add({ status: 'ok', title: `permissions of ${path}: ${octal(info.mode)} (only you can read it)` });
    }
  } catch {
    // Reported by the existence check.
  }
}

/** Which key names the idp block uses: the seed documents', the official libraries', or both. */
function dialectOf(text: string, path: string): { seed: string[]; official: string[]; hasSecret: boolean; block: Readonly<Record<string, unknown>> } | undefined {
  const { value } = parseJsonText(text, path);
  if (!isJsonObject(value) || !isJsonObject(value.idp)) return undefined;
  const keys = Object.keys(value.idp);
  return {
    seed: keys.filter((k) => SEED_NAMES.has(k)),
    official: keys.filter((k) => OFFICIAL_NAMES.has(k)),
    hasSecret: keys.includes('client_secret') || keys.includes('idp_client_secret'),
    block: value.idp,
  };
}

/**
 * The idp block with the official client's names, built from a block in the setup documents' names. The
 * client secret is never printed: its place says where to take it from. Control characters are dropped.
 */
function officialBlock(block: Readonly<Record<string, unknown>>): string {
  const out: Record<string, unknown> = {};
  for (const field of FIELDS) {
    if (field.json === undefined || !(field.json[0] in block)) continue;
    const [seedName, officialName] = field.json;
    const value = block[seedName];
    if (field.secret) out[officialName] = `<the ${seedName} value of this file>`;
    else if (typeof value === 'string') {
      const clean = stripControl(value);
      out[officialName] = field.name === 'idp.provider' ? clean.trim().toLowerCase() : clean;
    } else out[officialName] = value;
  }
  return JSON.stringify({ idp: out }, null, 2);
}

async function checkConfigurationFile(report: DoctorReport, choice: FileChoice | undefined, env: LoadConfigOptions['env']): Promise<void> {
  if (choice === undefined) {
    report.add({ status: 'warn', title: 'no configuration file: no path given and no home directory' });
    return;
  }
  const how = chosenByText(choice, 'UBIQ_CONFIGURATION_FILE', '--config');
  const read = await readConfigFile(choice.path);
  const idpFromEnv = ['UBIQ_IDP_PROVIDER', 'UBIQ_IDP_CUSTOMER_ID', 'UBIQ_IDP_TOKEN_ENDPOINT_URL'].some((name) => (env?.[name] ?? '').trim() !== '');
  if (read.status === 'missing') {
    report.add(
      choice.chosenBy === 'default'
        ? {
            status: 'info',
            title: `configuration file ${choice.path} (${how}) not found${idpFromEnv ? '' : ' (an IdP sign-in needs its idp block; static API keys do not)'}`,
            ...(idpFromEnv
              ? { detail: '(the idp block comes from UBIQ_IDP_* variables)' }
              : { fix: 'Create it with the "idp" block (see the README quickstart), or set the UBIQ_IDP_* variables.', step: stepForProblem('missing_idp_block') }),
          }
        : { status: 'fail', title: `configuration file ${choice.path} (${how}) does not exist`, fix: 'Fix the path, or unset the variable to use ~/.ubiq/configuration.', code: 'file_not_found' },
    );
    return;
  }
  if (read.status === 'error') {
    report.add({ status: 'fail', title: `configuration file ${choice.path} (${how}) ${read.message}`, code: read.code });
    return;
  }
  report.add({ status: 'ok', title: `configuration file ${choice.path} (${how}), JSON, read` });
  const dialect = dialectOf(read.text, choice.path);
  if (dialect === undefined) {
    report.add({ status: 'info', title: 'configuration file: idp block not readable here; see the settings check below' });
  } else if (dialect.seed.length > 0 && dialect.official.length > 0) {
    report.add({
      status: 'warn',
      title: `idp block mixes both dialects: seed names (${dialect.seed.join(', ')}) and official names (${dialect.official.join(', ')})`,
      fix: "Both are accepted, but one name per field: if a field has both names with different values, that is an error. Prefer the official client's names (the table in the README's configuration reference).",
    });
  } else if (dialect.seed.length > 0) {
    report.add({
      status: 'warn',
      title: `idp block uses only the setup documents' names (${dialect.seed.join(', ')}): the official ubiq-security client ignores these keys`,
      detail: '(this library reads them; a program using the official client with this file cannot sign in)',
      fix: `Use the official client's names, which every client reads (this library too):\n${officialBlock(dialect.block)}`,
      code: 'seed_only_idp_keys',
    });
  } else if (dialect.official.length > 0) {
    report.add({ status: 'ok', title: `idp block uses the official client libraries' names: ${dialect.official.join(', ')}` });
  } else {
    report.add({ status: 'warn', title: 'idp block has none of the known keys', fix: 'Use provider, ubiq_customer_id, idp_token_endpoint_url, idp_tenant_id, idp_client_secret (see the README).', code: 'missing_idp_block' });
  }
  if (dialect?.hasSecret) await checkPermissions(report, choice.path, 'the client secret');
}

async function checkCredentialsFile(report: DoctorReport, primary: FileChoice | undefined, fallback: string | undefined, profile: string): Promise<void> {
  const candidates: Array<{ path: string; chosenBy: string }> = primary ? [primary] : [];
  if (fallback) candidates.push({ path: fallback, chosenBy: 'fallback' });
  if (candidates.length === 0) {
    report.add({ status: 'warn', title: 'no credentials file: no path given and no home directory' });
    return;
  }
  for (const candidate of candidates) {
    const how = chosenByText(candidate, 'UBIQ_CREDENTIALS_FILE', '--credentials');
    const read = await readConfigFile(candidate.path);
    if (read.status === 'missing') {
      const named = candidate.chosenBy === 'env' || candidate.chosenBy === 'option';
      report.add({
        status: named ? 'fail' : 'info',
        title: `credentials file ${candidate.path} (${how}) not found`,
        ...(named ? { fix: 'Fix the path, or unset the variable.', code: 'file_not_found' } : {}),
      });
      continue;
    }
    if (read.status === 'error') {
      report.add({ status: 'fail', title: `credentials file ${candidate.path} (${how}) ${read.message}`, code: read.code });
      return;
    }
    const isJson = candidate.path.endsWith('.json') || read.text.trimStart().startsWith('{');
    const profiles = isJson ? [] : [...read.text.matchAll(/^\s*\[([^\]\r\n]+)\]/gm)].map((m) => (m[1] ?? '').trim());
    report.add({
      status: 'ok',
      title: `credentials file ${candidate.path} (${how}), ${isJson ? 'JSON' : 'INI'}, read`,
      ...(profiles.length > 0 ? { detail: `(profiles: ${profiles.map((p) => `[${p}]`).join(' ')})` } : {}),
    });
    if (!isJson && profiles.length > 0 && !profiles.includes(profile)) {
      report.add({
        status: 'warn',
        title: `profile [${profile}] is not in ${candidate.path}`,
        fix: `Choose one of ${profiles.map((p) => `[${p}]`).join(', ')} with --profile or UBIQ_PROFILE${profiles.includes('idp') ? ' (the setup document names its example [idp]: --profile idp)' : ''}.`,
        code: 'profile_not_found',
        step: stepForProblem('profile_not_found'),
      });
    }
    await checkPermissions(report, candidate.path, 'IDP_PASSWORD / API keys');
    return;
  }
}

function checkEnvironment(report: DoctorReport, env: Record<string, string | undefined>): void {
  const set = Object.keys(env)
    .filter((name) => name.startsWith('UBIQ_') && (env[name] ?? '').trim() !== '')
    .sort();
  if (set.length === 0) {
    report.add({ status: 'info', title: 'no UBIQ_* environment variables set' });
    return;
  }
  for (const name of set) {
    if (KNOWN_ENV.has(name)) {
      const field = FIELDS.find((f) => f.env === name);
      report.add({ status: 'info', title: `${name} is set`, detail: field ? `(wins over the files for ${field.name})` : '' });
    } else {
      const near = suggestKey(name, [...KNOWN_ENV]) ?? [...KNOWN_ENV].find((known) => known.endsWith(name.replace(/^UBIQ_/, '')));
      report.add({ status: 'warn', title: `${name} is set but is not a variable ubiq-idp reads`, ...(near ? { fix: `Did you mean ${near}?` } : {}) });
    }
  }
}

function describeSource(where: ConfigFieldSource | undefined): string {
  if (where === undefined) return '';
  if (where.origin === 'default') return '(default)';
  if (where.origin === 'env') return `(from environment ${where.key})`;
  if (where.origin === 'option') return `(from code option ${where.key})`;
  return `(from ${where.source}${where.profile ? ` [${where.profile}]` : ''} ${where.key})`;
}

function fieldValue(config: LoadedConfig, name: ConfigFieldName): string | undefined {
  if (name === 'server') return config.server;
  if (config.kind === 'idp') {
    if (name === 'idp.provider') return config.idp.provider;
    if (name === 'idp.customerId') return config.idp.customerId;
    if (name === 'idp.tokenEndpointUrl') return config.idp.tokenEndpointUrl;
    if (name === 'idp.clientId') return config.idp.clientId;
    if (name === 'idp.scope') return config.idp.scope;
    if (name === 'user.username') return config.user.username;
  } else if (name === 'keys.accessKeyId') return config.keys.accessKeyId;
  else if (name === 'issued.username') return config.issued?.username;
  else if (name === 'issued.provider') return config.issued?.provider;
  else if (name === 'issued.expiresAt') return config.issued?.expiresAt;
  else if (name === 'issued.payloadCert' && config.issued) return `(certificate, ${config.issued.payloadCert.length} characters of base64)`;
  return undefined;
}

function checkFields(report: DoctorReport, config: LoadedConfig): void {
  const provider = config.kind === 'idp' ? config.idp.provider : 'okta';
  const relevant = FIELDS.filter((f) => (config.kind === 'idp' ? !f.name.startsWith('keys.') && !f.name.startsWith('issued.') : f.name === 'server' || f.name.startsWith('keys.') || f.name.startsWith('issued.')));
  for (const spec of relevant) {
    const where = config.sources.fields[spec.name];
    if (where === undefined) {
      if (spec.name === 'idp.scope') report.add({ status: 'ok', title: 'idp.scope: provider default', detail: `(${FIELD_STEPS['idp.scope']?.[provider] ?? ''})` });
      continue;
    }
    const shown = spec.secret ? 'set (secret, not shown)' : `= ${fieldValue(config, spec.name) ?? '?'}`;
    report.add({ status: 'ok', title: `${spec.name} ${shown}`, detail: describeSource(where) });
  }
  if (config.kind === 'static') report.add({ status: 'info', title: `profile [${config.profile}] holds static API keys: no IdP sign-in to check` });
}

/**
 * The local half of the doctor: which files were read and from where, their permissions, the idp
 * block's dialect, the environment, and every field with where it came from (or every problem).
 * Returns the loaded settings when they are valid.
 */
export async function checkLocalSetup(report: DoctorReport, options: LoadConfigOptions & { env: Record<string, string | undefined>; homeDir: string }): Promise<LoadedConfig | undefined> {
  const locations = resolveLocations(options, options.env, options.homeDir);
  const profile = await resolveProfile(options);
  report.section('Files');
  report.add({ status: 'info', title: `profile [${profile.name}]`, detail: `(${profile.reason})` });
  await checkConfigurationFile(report, locations.configuration, options.env);
  await checkCredentialsFile(report, locations.credentials, locations.credentialsFallback, profile.name);

  report.section('Environment');
  checkEnvironment(report, options.env);

  report.section('Settings');
  let config: LoadedConfig;
  try {
    config = await loadConfig({ ...options, strictPermissions: false });
  } catch (error) {
    if (isConfigError(error)) {
      for (const problem of error.problems) {
        if (problem.code === 'file_permissions') continue; // already reported under Files
        report.add({
          status: 'fail',
          title: `${problem.source}${problem.key ? ` ${problem.key}` : ''}: ${problem.message}`,
          code: problem.code,
          ...(stepForProblem(problem.code) ? { step: stepForProblem(problem.code) } : {}),
        });
      }
      if (error.problems.every((p) => p.code === 'file_permissions')) report.add({ status: 'fail', title: 'settings refused because of file permissions (see Files)' });
    } else if (isConfigNotFoundError(error)) {
      report.add({ status: 'fail', title: error.message.split('\n')[0] ?? 'No Ubiq credentials found', detail: `(looked at: ${error.lookedAt.join('; ')})`, fix: error.hint ?? '', code: error.code });
    } else {
      report.add({ status: 'fail', title: error instanceof Error ? error.message : String(error), ...(isUbiqIdpError(error) ? { code: error.code, fix: error.hint ?? '' } : {}) });
    }
    return undefined;
  }
  for (const warning of config.warnings) {
    if (warning.code === 'file_permissions') continue;
    report.add({ status: 'warn', title: `${warning.source}${warning.key ? ` ${warning.key}` : ''}: ${warning.message}`, code: warning.code, ...(stepForProblem(warning.code) ? { step: stepForProblem(warning.code) } : {}) });
  }
  checkFields(report, config);
  return config;
}
