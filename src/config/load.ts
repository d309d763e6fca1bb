import { homedir } from 'node:os';
import process from 'node:process';
import { allowsInsecureHttp } from '../util/insecure-http.js';
import { silentLogger, type Logger } from '../util/logger.js';
import { ConfigError, ConfigNotFoundError, type ConfigProblem } from './errors.js';
import { FIELDS, IDP_FIELDS, INI_KEYS, isForbiddenKey, jsonNames } from './fields.js';
import { suggestKey } from './mistakes.js';
import { resolveLocations } from './paths.js';
import { chooseProfile, DOCUMENTS_PROFILE } from './profile.js';
import { readFiles } from './read-sources.js';
import { redactIdp, redactIssued, redactKeys, redactLoaded, redactUser } from './redacted.js';
import { resolve, type Layers } from './resolve.js';
import { idpSettingsSchema, interactiveUserSchema, overridesSchema, staticKeysSchema, userSchema } from './schema.js';
import { readEnv } from './sources/env.js';
import type { ConfigurationFile } from './sources/json.js';
import type { ParsedProfiles, RawValue } from './sources/types.js';
import type { ConfigFieldName, ConfigProfileChoice, ConfigSources, ConfigWarning, IdpSettings, IdpUserCredentials, IssuedCredentialFields, StaticKeyCredentials } from './types.js';

/** Where {@link loadConfig} looks and how strict it is. Every field is optional. */
export interface LoadConfigOptions {
  /**
   * Credentials profile (INI section). Else `UBIQ_PROFILE`. With neither, `[default]` when it holds
   * credentials, else `[idp]` when it holds `IDP_USERNAME` (the setup documents' profile), else
   * `[default]`; `sources.profile` says which and why.
   */
  profile?: string;
  /** JSON configuration file. Else `UBIQ_CONFIGURATION_FILE`, else `~/.ubiq/configuration`. */
  configurationFile?: string;
  /** Credentials file (INI or JSON). Else `UBIQ_CREDENTIALS_FILE`, else `~/.ubiq/credentials`, then `~/.ubiq/credentials.json`. */
  credentialsFile?: string;
  /** Environment to read `UBIQ_*` variables from. Default `process.env`. */
  env?: NodeJS.ProcessEnv | Record<string, string | undefined>;
  /** Home directory for the default file locations. Default `os.homedir()`. */
  homeDir?: string;
  /** Values given in code; they win over every other source. */
  overrides?: {
    server?: string;
    idp?: Partial<IdpSettings>;
    username?: string;
    password?: string;
    accessKeyId?: string;
    secretSigningKey?: string;
    secretCryptoAccessKey?: string;
  };
  /**
   * Permit `http://` for the token endpoint and server: only for local tests against emulators. Also
   * allowed by `UBIQ_ALLOW_INSECURE_HTTP=1` in `env`; the decision is `allowInsecureHttp` of the result.
   */
  allowInsecureHttp?: boolean;
  /** A credentials file readable by group or others is an error instead of a warning. */
  strictPermissions?: boolean;
  /** Receives warnings. Default: discard. */
  logger?: Logger;
}

/** What every {@link LoadedConfig} carries, whichever kind it is. */
export interface LoadedCommon {
  profile: string;
  /** Whether `http://` endpoints were allowed (option or `UBIQ_ALLOW_INSECURE_HTTP`); everything that uses this result follows it. */
  allowInsecureHttp: boolean;
  server: string;
  sources: ConfigSources;
  warnings: ConfigWarning[];
  /** The configuration file's other top-level blocks (`event_reporting`, `key_caching`, …), kept for the encryption client. */
  otherBlocks: Record<string, unknown>;
}

/** How to authenticate: an IdP sign-in, or a non-IdP profile's static API keys. Secrets are redacted when printed. */
export type LoadedConfig =
  | ({ kind: 'idp'; idp: IdpSettings; user: IdpUserCredentials } & LoadedCommon)
  | ({ kind: 'static'; keys: StaticKeyCredentials; issued?: IssuedCredentialFields } & LoadedCommon);

function safeHomedir(): string {
  try {
    return homedir();
  } catch {
    return '';
  }
}

function optionLayer(overrides: unknown, problems: ConfigProblem[]): Map<ConfigFieldName, RawValue> {
  const layer = new Map<ConfigFieldName, RawValue>();
  if (overrides === undefined) return layer;
  const parsed = overridesSchema().safeParse(overrides);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const path = ['overrides', ...issue.path.map(String)].join('.');
      const message =
        issue.code === 'unrecognized_keys'
          ? `has unknown keys: ${issue.keys.join(', ')}`
          : issue.code === 'invalid_type' && issue.expected === 'object'
            ? 'must be an object'
            : 'must be a string';
      problems.push({ source: 'options', key: path, code: issue.code === 'unrecognized_keys' ? 'unknown_key' : 'not_a_string', message });
    }
    return layer;
  }
  for (const spec of FIELDS) {
    const [, ...path] = spec.option.split('.');
    let value: unknown = parsed.data;
    for (const segment of path) value = (value as Record<string, unknown> | undefined)?.[segment];
    if (typeof value === 'number') value = String(value); // redirectPort may be given as a number
    if (value !== undefined) layer.set(spec.name, { value, where: { origin: 'option', source: 'options', key: spec.option } });
  }
  return layer;
}

function profileLayer(profiles: ParsedProfiles | undefined, name: string, path: string): Map<ConfigFieldName, RawValue> {
  const layer = new Map<ConfigFieldName, RawValue>();
  const section = profiles?.sections.get(name);
  if (!section) return layer;
  for (const spec of FIELDS) {
    const entry = spec.ini ? section.get(spec.ini) : undefined;
    if (entry) layer.set(spec.name, { value: entry.value, where: { origin: 'credentials', source: path, key: entry.key, profile: name } });
  }
  return layer;
}

// Exported by ubiq-idp through config/index.ts, which loads this module on its first call (the TSDoc is there).
export async function loadConfig(options: LoadConfigOptions = {}): Promise<LoadedConfig> {
  const env = options.env ?? process.env;
  const logger = options.logger ?? silentLogger;
  const strict = options.strictPermissions === true;
  const problems: ConfigProblem[] = [];
  const warnings: ConfigWarning[] = [];
  const locations = resolveLocations(options, env, options.homeDir ?? safeHomedir());
  if (isForbiddenKey(locations.profile.name)) {
    problems.push({ source: locations.profile.chosenBy === 'env' ? 'environment' : 'options', key: locations.profile.chosenBy === 'env' ? 'UBIQ_PROFILE' : 'profile', code: 'forbidden_name', message: 'is not an allowed profile name' });
  }
  const { files, lookedAt, configuration, configurationUnreadable, credentials, credentialsPath } = await readFiles(locations, strict, problems, warnings);
  const choice = chooseProfile(locations.profile, credentials);
  const profile = choice.name;
  logger.debug?.(`ubiq-idp config: profile [${profile}]: ${choice.reason}`, { profile, chosenBy: choice.chosenBy });

  const profilesFound = credentials ? [...credentials.sections.keys()] : [];
  const layers: Layers = {
    option: optionLayer(options.overrides, problems),
    env: new Map(),
    profile: credentialsPath ? profileLayer(credentials, profile, credentialsPath) : new Map<ConfigFieldName, RawValue>(),
    default: credentialsPath && profile !== 'default' ? profileLayer(credentials, 'default', credentialsPath) : new Map<ConfigFieldName, RawValue>(),
    configuration: configuration?.idp ?? new Map<ConfigFieldName, RawValue>(),
  };
  const fromEnv = readEnv(env);
  layers.env = fromEnv.values;
  warnings.push(...fromEnv.warnings);
  const misspelled = credentialsPath && credentials ? warnUnknownKeys(credentials, [profile, 'default', ...(choice.chosenBy === 'default' ? [DOCUMENTS_PROFILE] : [])], credentialsPath, warnings) : [];
  for (const entry of configuration?.misspelled ?? []) misspelled.push({ where: `idp.${entry.key}`, meant: entry.meant, field: FIELDS.find((f) => jsonNames(f).includes(entry.meant))?.name });

  const allowInsecureHttp = allowsInsecureHttp(options.allowInsecureHttp, env);
  const resolved = resolve(layers, { allowInsecureHttp, profile, credentialsPath, configurationPath: locations.configuration?.path, alreadyReported: reportedFields(configurationUnreadable, configuration, credentials, profile) }, problems, warnings);
  const profileMissing = credentials !== undefined && !credentials.sections.has(profile);
  if (profileMissing && resolved.kind !== 'none' && choice.chosenBy !== 'default') {
    const fromDefault = Object.values(resolved.fields).some((f) => f?.origin === 'credentials');
    const entry = { source: credentialsPath!, key: `[${profile}]`, code: 'profile_not_found', message: `profile '${profile}' is not in this file (profiles: ${profilesFound.join(', ') || 'none'})` };
    // Silently signing in with [default]'s credentials for a profile that does not exist would be a surprise.
    if (fromDefault) problems.push({ ...entry, message: `${entry.message}; refusing to use [default] in its place` });
    else warnings.push(entry);
  }

  pointToMisspellings(problems, misspelled, profile);
  for (const warning of warnings) logger.warn(`ubiq-idp config: ${warning.source}${warning.key ? ` ${warning.key}` : ''}: ${warning.message}`, { ...warning });
  if (problems.length > 0) throw new ConfigError(problems);
  const sources: ConfigSources = { profile: choice, files, profilesFound, fields: resolved.kind === 'none' ? {} : resolved.fields };
  if (resolved.kind === 'none') throw notFound(choice, credentialsPath ?? locations.credentials?.path, credentialsPath !== undefined, profilesFound, lookedAt, misspelled);

  const common = { profile, allowInsecureHttp, server: resolved.server, sources, warnings, otherBlocks: configuration?.otherBlocks ?? {} };
  if (resolved.kind === 'idp') {
    const idp = redactIdp(idpSettingsSchema.parse(resolved.idp));
    const interactive = idp.grant === 'device' || idp.grant === 'browser';
    const user = redactUser((interactive ? interactiveUserSchema() : userSchema()).parse(resolved.user));
    return redactLoaded({ kind: 'idp', ...common, idp, user });
  }
  const issued = resolved.issued === undefined ? {} : { issued: redactIssued(resolved.issued) };
  return redactLoaded({ kind: 'static', ...common, keys: redactKeys(staticKeysSchema().parse(resolved.keys)), ...issued });
}

/**
 * @internal Which profile {@link loadConfig} would read with these options, and why, without
 * validating anything (the CLI `doctor` prints it before the checks).
 */
export async function resolveProfile(options: Pick<LoadConfigOptions, 'profile' | 'credentialsFile' | 'configurationFile' | 'env' | 'homeDir'> = {}): Promise<ConfigProfileChoice> {
  const env = options.env ?? process.env;
  const locations = resolveLocations(options, env, options.homeDir ?? safeHomedir());
  const { credentials } = await readFiles({ ...locations, configuration: undefined }, false, [], []);
  return chooseProfile(locations.profile, credentials);
}

function reportedFields(configurationUnreadable: boolean, configuration: ConfigurationFile | undefined, credentials: ParsedProfiles | undefined, profile: string): Set<ConfigFieldName> {
  const reported = new Set<ConfigFieldName>(configurationUnreadable ? IDP_FIELDS.map((f) => f.name) : configuration?.reported);
  for (const spec of FIELDS) {
    if (spec.ini && [profile, 'default'].some((p) => credentials?.reported.has(`${p}\n${spec.ini}`))) reported.add(spec.name);
  }
  return reported;
}

/** A key that is not known but close to one that is: `[idp] IDP_USRNAME` meant `IDP_USERNAME`. */
interface Misspelling {
  /** As shown in messages: `[idp] IDP_USRNAME` or `idp.client_secert`. */
  where: string;
  meant: string;
  field: ConfigFieldName | undefined;
  profile?: string;
}

function warnUnknownKeys(credentials: ParsedProfiles, names: readonly string[], path: string, warnings: ConfigWarning[]): Misspelling[] {
  const known = [...INI_KEYS];
  const misspelled: Misspelling[] = [];
  for (const name of new Set(names)) {
    for (const entry of credentials.sections.get(name)?.values() ?? []) {
      if (INI_KEYS.has(entry.key.toUpperCase())) continue;
      const suggestion = suggestKey(entry.key, known);
      if (suggestion) misspelled.push({ where: `[${name}] ${entry.key.slice(0, 64)}`, meant: suggestion, field: FIELDS.find((f) => f.ini === suggestion)?.name, profile: name });
      warnings.push({
        source: path,
        key: `[${name}] ${entry.key.slice(0, 64)}`,
        code: 'unknown_key',
        message: suggestion ? `is not a known key; did you mean ${suggestion}?` : 'is not a known key and is ignored',
      });
    }
  }
  return misspelled;
}

/** A value reported missing whose key is there, misspelled, says so: the fix is a rename, not a new line. */
function pointToMisspellings(problems: ConfigProblem[], misspelled: readonly Misspelling[], profile: string): void {
  for (const problem of problems) {
    if (problem.code !== 'missing_field') continue;
    const spec = FIELDS.find((f) => problem.key === (f.ini ? `[${profile}] ${f.ini}` : `idp.${f.json?.[0] ?? ''}`));
    const found = misspelled.find((m) => spec !== undefined && m.field === spec.name && (m.profile === undefined || m.profile === profile || m.profile === 'default'));
    if (found) problem.message = `is missing, but ${found.where} is there: did you mean ${found.meant}? (${problem.message})`;
  }
}

const CREDENTIAL_STEP = "setup step 'Ubiq Credential settings'";

function notFound(
  choice: ConfigProfileChoice,
  credentialsPath: string | undefined,
  credentialsFileExists: boolean,
  profilesFound: readonly string[],
  lookedAt: string[],
  misspelled: readonly Misspelling[],
): ConfigNotFoundError {
  const profile = choice.name;
  const looked = [
    'options: overrides.username/password, overrides.accessKeyId/secretSigningKey/secretCryptoAccessKey',
    `environment: ${FIELDS.filter((f) => f.name.startsWith('user.') || f.name.startsWith('keys.')).map((f) => f.env).join(', ')}`,
    ...lookedAt,
  ];
  if (credentialsFileExists && credentialsPath) {
    looked.push(`${credentialsPath} [${profile}]${profilesFound.includes(profile) ? '' : ' (no such profile)'}${profile === 'default' ? '' : ' and [default]'} (${choice.reason})`);
  }
  if (!credentialsPath && lookedAt.length === 0) {
    looked.push('no credentials file: no path was given and there is no home directory');
  }
  const others = profilesFound.filter((p) => p !== profile);
  const orEnv = 'or set UBIQ_IDP_USERNAME and UBIQ_IDP_PASSWORD';
  // Never "create the file" when it exists: say what to add to it, or which of its profiles to choose.
  let hint: string;
  if (!credentialsFileExists) {
    const target = choice.chosenBy === 'default' ? DOCUMENTS_PROFILE : profile;
    hint = `Create ${credentialsPath ?? 'a credentials file (UBIQ_CREDENTIALS_FILE)'} with a [${target}] profile holding IDP_USERNAME and IDP_PASSWORD (${CREDENTIAL_STEP}), ${orEnv}.`;
  } else if (!profilesFound.includes(profile) && others.length > 0) {
    hint = `${credentialsPath} has the profile(s) ${others.map((p) => `[${p}]`).join(', ')} but not [${profile}]; choose one with UBIQ_PROFILE=${others[0]} or the profile option (--profile ${others[0]}).`;
  } else if (!profilesFound.includes(profile)) {
    const target = choice.chosenBy === 'default' ? DOCUMENTS_PROFILE : profile;
    hint = `${credentialsPath} has no profile: add a [${target}] profile holding IDP_USERNAME and IDP_PASSWORD to it (${CREDENTIAL_STEP}), ${orEnv}.`;
  } else {
    hint = `Add IDP_USERNAME and IDP_PASSWORD to the [${profile}] profile of ${credentialsPath} (${CREDENTIAL_STEP}), ${orEnv}.`;
  }
  const credentialTypos = misspelled.filter((m) => m.field?.startsWith('user.') || m.field?.startsWith('keys.'));
  if (credentialTypos.length > 0) {
    hint = `${credentialTypos.map((m) => `${m.where} in ${credentialsPath} is not a known key: did you mean ${m.meant}?`).join(' ')} Otherwise: ${hint}`;
  }
  return new ConfigNotFoundError(`No Ubiq credentials found for profile '${profile}'.`, looked, { hint });
}
