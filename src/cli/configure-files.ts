import { randomBytes } from 'node:crypto';
import { chmod, copyFile, mkdir, open, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { safe } from 'ini';
import { ConfigError } from '../config/errors.js';
import { FIELDS, jsonNames } from '../config/fields.js';
import { resolveLocations } from '../config/paths.js';
import { readConfigFile } from '../config/read-file.js';
import { parseCredentialsIni } from '../config/sources/ini.js';
import { isJsonObject, parseJsonText, readConfiguration } from '../config/sources/json.js';
import type { ConfigFieldName } from '../config/types.js';

/** The settings `configure` asks for, keyed by the loader's field names. */
export type ConfigureValues = Partial<Record<ConfigFieldName, string>>;

/** The two files `configure` writes and the profile it writes to. */
export interface ConfigureTargets {
  configuration: string;
  credentials: string;
  profile: string;
  /** `~/.ubiq`, made (or tightened to) 0700 when the files live there. */
  ubiqDir: string | undefined;
}

/** The idp block's keys as the official Ubiq clients write them. */
const OFFICIAL_KEYS: ReadonlyArray<readonly [ConfigFieldName, string]> = [
  ['idp.provider', 'provider'],
  ['idp.customerId', 'ubiq_customer_id'],
  ['idp.tokenEndpointUrl', 'idp_token_endpoint_url'],
  ['idp.clientId', 'idp_tenant_id'],
  ['idp.clientSecret', 'idp_client_secret'],
];

/** The credentials profile's keys. */
const INI_FIELDS: ReadonlyArray<readonly [ConfigFieldName, string]> = [
  ['server', 'SERVER'],
  ['user.username', 'IDP_USERNAME'],
  ['user.password', 'IDP_PASSWORD'],
];

/** Where `configure` writes: the loader's own choice of files (UBIQ_CONFIGURATION_FILE, UBIQ_CREDENTIALS_FILE, ~/.ubiq). */
export function configureTargets(input: { profile: string; configurationFile?: string | undefined; credentialsFile?: string | undefined }, env: Record<string, string | undefined>, homeDir: string): ConfigureTargets {
  const where = resolveLocations({ profile: input.profile, configurationFile: input.configurationFile, credentialsFile: input.credentialsFile }, env, homeDir);
  if (where.configuration === undefined || where.credentials === undefined) {
    throw new ConfigError([{ source: 'home directory', code: 'no_home', message: 'there is none to write ~/.ubiq/configuration and ~/.ubiq/credentials in' }], {
      hint: 'Set HOME, or give the files with --config FILE and --credentials FILE (or UBIQ_CONFIGURATION_FILE and UBIQ_CREDENTIALS_FILE).',
    });
  }
  return { configuration: where.configuration.path, credentials: where.credentials.path, profile: input.profile, ubiqDir: homeDir ? join(homeDir, '.ubiq') : undefined };
}

async function readText(path: string): Promise<string | undefined> {
  const read = await readConfigFile(path);
  if (read.status === 'missing') return undefined;
  if (read.status === 'error') throw new ConfigError([{ source: path, code: read.code, message: read.message }], { hint: 'Fix or move the file, then run ubiq-idp configure again.' });
  return read.text;
}

/** The values already in the files (unvalidated strings), to show as the current ones. */
export async function readCurrentValues(targets: ConfigureTargets): Promise<ConfigureValues> {
  const values: ConfigureValues = {};
  const configuration = await readText(targets.configuration);
  if (configuration !== undefined) {
    for (const [name, raw] of readConfiguration(configuration, targets.configuration).idp) if (typeof raw.value === 'string') values[name] = raw.value;
  }
  const credentials = await readText(targets.credentials);
  if (credentials !== undefined) {
    const section = parseCredentialsIni(credentials, targets.credentials).sections.get(targets.profile);
    for (const [name, key] of INI_FIELDS) {
      const entry = section?.get(key);
      if (entry !== undefined) values[name] = entry.value;
    }
  }
  return values;
}

/** The configuration file's new text: the idp block in the official names, every other block (and other idp keys) kept. */
export function configurationText(existing: string | undefined, values: ConfigureValues, source: string): string {
  let root: Record<string, unknown> = {};
  if (existing !== undefined && existing.trim() !== '') {
    const parsed = parseJsonText(existing, source);
    if (!isJsonObject(parsed.value) || parsed.problems.length > 0) {
      throw new ConfigError([{ source, code: 'not_kept', message: 'is not a valid JSON object, so its other settings cannot be kept' }], {
        hint: 'Fix the file (ubiq-idp doctor shows where), or move it away, then run ubiq-idp configure again.',
      });
    }
    root = parsed.value;
  }
  const previous = isJsonObject(root.idp) ? root.idp : {};
  const idp: Record<string, unknown> = {};
  const replaced = new Set(OFFICIAL_KEYS.flatMap(([name]) => jsonNames(FIELDS.find((f) => f.name === name)!)));
  for (const [name, key] of OFFICIAL_KEYS) idp[key] = values[name] ?? '';
  for (const [key, value] of Object.entries(previous)) if (!replaced.has(key)) idp[key] = value;
  return `${JSON.stringify({ ...root, idp }, null, 2)}\n`;
}

const HEADER = /^\s*\[([^\]]*)\]\s*(?:[;#].*)?$/;

/** The credentials file's new text: the profile's three keys replaced, every other line and profile kept. */
export function credentialsText(existing: string | undefined, values: ConfigureValues, profile: string): string {
  const ours = new Set(INI_FIELDS.map(([, key]) => key));
  const block = INI_FIELDS.map(([name, key]) => `${key}=${safe(values[name] ?? '')}`);
  const lines = existing === undefined || existing === '' ? [] : existing.replace(/\r\n?/g, '\n').replace(/\n$/, '').split('\n');
  const out: string[] = [];
  let inside = false;
  let written = false;
  for (const line of lines) {
    const header = HEADER.exec(line);
    if (header) {
      if (inside && !written) {
        out.push(...block);
        written = true;
      }
      inside = (header[1] ?? '').trim() === profile;
      out.push(line);
      continue;
    }
    const key = /^\s*([^=;#\s]+)\s*=/.exec(line)?.[1]?.toUpperCase();
    if (inside && key !== undefined && ours.has(key)) continue;
    out.push(line);
  }
  if (inside && !written) {
    // Trailing blank lines of the last section stay after our keys.
    let at = out.length;
    while (at > 0 && (out[at - 1] ?? '').trim() === '') at -= 1;
    out.splice(at, 0, ...block);
    written = true;
  }
  if (!written) {
    if (out.length > 0 && (out.at(-1) ?? '').trim() !== '') out.push('');
    out.push(`[${profile}]`, ...block);
  }
  return `${out.join('\n')}\n`;
}

/** What writing one file did. */
export interface WrittenFile {
  path: string;
  /** The copy of the file it replaced (mode 0600), when there was one. */
  backup: string | undefined;
}

/**
 * Writes `text` to `path` atomically with mode 0600 (a temporary file beside it, then a rename), after
 * copying the file it replaces to `path.bak` (mode 0600). The directory is made with mode 0700.
 */
export async function writePrivateFile(path: string, text: string, previous: string | undefined): Promise<WrittenFile> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  let backup: string | undefined;
  if (previous !== undefined) {
    backup = `${path}.bak`;
    await copyFile(path, backup);
    await chmod(backup, 0o600);
  }
  const temporary = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const handle = await open(temporary, 'wx', 0o600);
  try {
    await handle.writeFile(text, 'utf8');
    // The umask may have taken bits away; never more than owner read/write.
    await handle.chmod(0o600);
    await handle.sync();
  } catch (error) {
    await handle.close();
    await rm(temporary, { force: true });
    throw error;
  }
  await handle.close();
  try {
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
  return { path, backup };
}

/** Writes both files; each file it replaces is kept as `.bak`. */
export async function writeConfigureFiles(targets: ConfigureTargets, values: ConfigureValues): Promise<{ configuration: WrittenFile; credentials: WrittenFile }> {
  const oldConfiguration = await readText(targets.configuration);
  const oldCredentials = await readText(targets.credentials);
  // Build both texts before writing either, so a file we cannot keep stops us before anything changes.
  const newConfiguration = configurationText(oldConfiguration, values, targets.configuration);
  const newCredentials = credentialsText(oldCredentials, values, targets.profile);
  if (targets.ubiqDir !== undefined && [targets.configuration, targets.credentials].some((p) => dirname(p) === targets.ubiqDir)) {
    await mkdir(targets.ubiqDir, { recursive: true, mode: 0o700 });
    await chmod(targets.ubiqDir, 0o700);
  }
  const configuration = await writePrivateFile(targets.configuration, newConfiguration, oldConfiguration);
  const credentials = await writePrivateFile(targets.credentials, newCredentials, oldCredentials);
  return { configuration, credentials };
}
