import { homedir } from 'node:os';
import process from 'node:process';
import { silentLogger, type Logger } from '../util/logger.js';
import { ConfigError, ConfigNotFoundError, type ConfigProblem } from './errors.js';
import { FIELDS, IDP_FIELDS, INI_KEYS, isForbiddenKey } from './fields.js';
import { suggestKey } from './mistakes.js';
import { resolveLocations } from './paths.js';
import { readFiles } from './read-sources.js';
import { redactIdp, redactIssued, redactKeys, redactLoaded, redactUser } from './redacted.js';
import { resolve, type Layers } from './resolve.js';
import { idpSettingsSchema, overridesSchema, staticKeysSchema, userSchema } from './schema.js';
import { readEnv } from './sources/env.js';
import type { ConfigurationFile } from './sources/json.js';
import type { ParsedProfiles, RawValue } from './sources/types.js';
import type { ConfigFieldName, ConfigSources, ConfigWarning, IdpSettings, IdpUserCredentials, IssuedCredentialFields, StaticKeyCredentials } from './types.js';

/** Where {@link loadConfig} looks and how strict it is. Every field is optional. */
export interface LoadConfigOptions {
  /** Credentials profile (INI section). Else `UBIQ_PROFILE`, else `default`. */
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
  /** Permit `http://` for the token endpoint and server. Only for local testing against emulators. */
  allowInsecureHttp?: boolean;
  /** A credentials file readable by group or others is an error instead of a warning. */
  strictPermissions?: boolean;
  /** Receives warnings. Default: discard. */
  logger?: Logger;
}

interface LoadedCommon {
  profile: string;
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
  const parsed = overridesSchema.safeParse(overrides);
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

/**
 * Load and validate how to authenticate to Ubiq, from code options, `UBIQ_*` environment
 * variables, the credentials file (`~/.ubiq/credentials`) and the configuration file
 * (`~/.ubiq/configuration`), in that order of precedence. Reads files and nothing else.
 *
 * @throws {ConfigError} (`config_invalid`) listing every problem, when something is set but wrong.
 * @throws {ConfigNotFoundError} (`config_not_found`) when no source supplies credentials at all.
 *
 * @example
 * ```ts
 * import { loadConfig } from 'ubiq-idp';
 *
 * const config = await loadConfig({ profile: 'idp', logger: console });
 * if (config.kind === 'idp') console.log(config.idp.provider, config.user.username, config.server);
 * console.log(String(config)); // secrets show as [REDACTED]
 * ```
 */
export async function loadConfig(options: LoadConfigOptions = {}): Promise<LoadedConfig> {
  const env = options.env ?? process.env;
  const logger = options.logger ?? silentLogger;
  const strict = options.strictPermissions === true;
  const problems: ConfigProblem[] = [];
  const warnings: ConfigWarning[] = [];
  const locations = resolveLocations(options, env, options.homeDir ?? safeHomedir());
  const profile = locations.profile.name;
  if (isForbiddenKey(profile)) {
    problems.push({ source: locations.profile.chosenBy === 'env' ? 'environment' : 'options', key: locations.profile.chosenBy === 'env' ? 'UBIQ_PROFILE' : 'profile', code: 'forbidden_name', message: 'is not an allowed profile name' });
  }
  const { files, lookedAt, configuration, configurationUnreadable, credentials, credentialsPath } = await readFiles(locations, strict, problems, warnings);

  const profilesFound = credentials ? [...credentials.sections.keys()] : [];
  const layers: Layers = {
    option: optionLayer(options.overrides, problems),
    env: new Map(),
    profile: credentialsPath ? profileLayer(credentials, profile, credentialsPath) : new Map(),
    default: credentialsPath && profile !== 'default' ? profileLayer(credentials, 'default', credentialsPath) : new Map(),
    configuration: configuration?.idp ?? new Map(),
  };
  const fromEnv = readEnv(env);
  layers.env = fromEnv.values;
  warnings.push(...fromEnv.warnings);
  if (credentialsPath && credentials) warnUnknownKeys(credentials, [profile, 'default'], credentialsPath, warnings);

  const resolved = resolve(layers, { allowInsecureHttp: options.allowInsecureHttp === true, profile, credentialsPath, configurationPath: locations.configuration?.path, alreadyReported: reportedFields(configurationUnreadable, configuration, credentials, profile) }, problems, warnings);
  const profileMissing = credentials !== undefined && !credentials.sections.has(profile);
  if (profileMissing && resolved.kind !== 'none' && locations.profile.chosenBy !== 'default') {
    const fromDefault = Object.values(resolved.fields).some((f) => f?.origin === 'credentials');
    const entry = { source: credentialsPath!, key: `[${profile}]`, code: 'profile_not_found', message: `profile '${profile}' is not in this file (profiles: ${profilesFound.join(', ') || 'none'})` };
    // Silently signing in with [default]'s credentials for a profile that does not exist would be a surprise.
    if (fromDefault) problems.push({ ...entry, message: `${entry.message}; refusing to use [default] in its place` });
    else warnings.push(entry);
  }

  for (const warning of warnings) logger.warn(`ubiq-idp config: ${warning.source}${warning.key ? ` ${warning.key}` : ''}: ${warning.message}`, { ...warning });
  if (problems.length > 0) throw new ConfigError(problems);
  const sources: ConfigSources = { profile: locations.profile, files, profilesFound, fields: resolved.kind === 'none' ? {} : resolved.fields };
  if (resolved.kind === 'none') throw notFound(profile, locations.profile.chosenBy, credentialsPath, profilesFound, lookedAt);

  const common = { profile, server: resolved.server, sources, warnings, otherBlocks: configuration?.otherBlocks ?? {} };
  if (resolved.kind === 'idp') {
    const idp = redactIdp(idpSettingsSchema.parse(resolved.idp));
    const user = redactUser(userSchema.parse(resolved.user));
    return redactLoaded({ kind: 'idp', ...common, idp, user });
  }
  const issued = resolved.issued === undefined ? {} : { issued: redactIssued(resolved.issued) };
  return redactLoaded({ kind: 'static', ...common, keys: redactKeys(staticKeysSchema.parse(resolved.keys)), ...issued });
}

function reportedFields(configurationUnreadable: boolean, configuration: ConfigurationFile | undefined, credentials: ParsedProfiles | undefined, profile: string): Set<ConfigFieldName> {
  const reported = new Set<ConfigFieldName>(configurationUnreadable ? IDP_FIELDS.map((f) => f.name) : configuration?.reported);
  for (const spec of FIELDS) {
    if (spec.ini && [profile, 'default'].some((p) => credentials?.reported.has(`${p}\n${spec.ini}`))) reported.add(spec.name);
  }
  return reported;
}

function warnUnknownKeys(credentials: ParsedProfiles, names: readonly string[], path: string, warnings: ConfigWarning[]): void {
  const known = [...INI_KEYS];
  for (const name of new Set(names)) {
    for (const entry of credentials.sections.get(name)?.values() ?? []) {
      if (INI_KEYS.has(entry.key.toUpperCase())) continue;
      const suggestion = suggestKey(entry.key, known);
      warnings.push({
        source: path,
        key: `[${name}] ${entry.key.slice(0, 64)}`,
        code: 'unknown_key',
        message: suggestion ? `is not a known key; did you mean ${suggestion}?` : 'is not a known key and is ignored',
      });
    }
  }
}

function notFound(
  profile: string,
  chosenBy: 'option' | 'env' | 'default',
  credentialsPath: string | undefined,
  profilesFound: readonly string[],
  lookedAt: string[],
): ConfigNotFoundError {
  const looked = [
    'options: overrides.username/password, overrides.accessKeyId/secretSigningKey/secretCryptoAccessKey',
    `environment: ${FIELDS.filter((f) => f.name.startsWith('user.') || f.name.startsWith('keys.')).map((f) => f.env).join(', ')}`,
    ...lookedAt,
  ];
  if (credentialsPath) looked.push(`${credentialsPath} [${profile}]${profilesFound.includes(profile) ? '' : ' (no such profile)'}${profile === 'default' ? '' : ' and [default]'}`);
  if (!credentialsPath && lookedAt.length === 0) {
    looked.push('no credentials file: no path was given and there is no home directory');
  }
  const others = profilesFound.filter((p) => p !== profile);
  const hint =
    credentialsPath && !profilesFound.includes(profile) && others.length > 0
      ? `The credentials file has the profile(s) ${others.map((p) => `[${p}]`).join(', ')}; choose one with UBIQ_PROFILE=${others[0]} or the profile option${chosenBy === 'default' ? ' (the setup document names its example profile [idp])' : ''}.`
      : undefined;
  return new ConfigNotFoundError(`No Ubiq credentials found for profile '${profile}'.`, looked, hint === undefined ? {} : { hint });
}
