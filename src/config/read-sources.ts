import process from 'node:process';
import type { ConfigProblem } from './errors.js';
import type { Locations } from './paths.js';
import { readConfigFile } from './read-file.js';
import { parseCredentialsIni } from './sources/ini.js';
import { parseCredentialsJson, readConfiguration, type ConfigurationFile } from './sources/json.js';
import type { ParsedProfiles } from './sources/types.js';
import type { ConfigFileInfo, ConfigWarning } from './types.js';

export interface FilesRead {
  /** Every file considered, in order, for `ConfigSources.files`. */
  files: ConfigFileInfo[];
  /** Credentials paths that did not exist, for the not-found message. */
  lookedAt: string[];
  configuration: ConfigurationFile | undefined;
  /** The configuration file exists but could not be read at all. */
  configurationUnreadable: boolean;
  credentials: ParsedProfiles | undefined;
  /** The credentials file that exists (read or not), if any. */
  credentialsPath: string | undefined;
}

function checkPermissions(info: ConfigFileInfo, mode: number, strict: boolean, problems: ConfigProblem[], warnings: ConfigWarning[]): void {
  if (process.platform === 'win32' || (mode & 0o077) === 0) return;
  const octal = (mode & 0o777).toString(8).padStart(3, '0');
  const entry = {
    source: info.path,
    code: 'file_permissions',
    message: `holds secrets but is readable or writable by group or others (mode ${octal}); run: chmod 600 '${info.path}'`,
  };
  (strict ? problems : warnings).push(entry);
}

/**
 * Read the configuration file and the first credentials file that exists (`~/.ubiq/credentials`,
 * then `~/.ubiq/credentials.json`). A missing file is no problem; anything else wrong with one is.
 */
export async function readFiles(locations: Locations, strict: boolean, problems: ConfigProblem[], warnings: ConfigWarning[]): Promise<FilesRead> {
  const out: FilesRead = { files: [], lookedAt: [], configuration: undefined, configurationUnreadable: false, credentials: undefined, credentialsPath: undefined };

  if (locations.configuration) {
    const info: ConfigFileInfo = { ...locations.configuration, found: false };
    out.files.push(info);
    const read = await readConfigFile(info.path);
    if (read.status === 'ok') {
      info.found = true;
      info.format = 'json';
      out.configuration = readConfiguration(read.text, info.path);
      problems.push(...out.configuration.problems);
      warnings.push(...out.configuration.warnings);
      // The configuration file holds the client secret: the same rule as for credentials.
      if (out.configuration.idp.has('idp.clientSecret')) checkPermissions(info, read.mode, strict, problems, warnings);
    } else if (read.status === 'error') {
      info.found = true;
      problems.push({ source: info.path, code: read.code, message: read.message });
      out.configurationUnreadable = true;
    }
  }

  const candidates = locations.credentials ? [locations.credentials] : [];
  if (locations.credentialsFallback) candidates.push({ path: locations.credentialsFallback, chosenBy: 'default' });
  for (const [index, candidate] of candidates.entries()) {
    const info: ConfigFileInfo = { path: candidate.path, chosenBy: index === 0 ? candidate.chosenBy : 'fallback', found: false };
    out.files.push(info);
    const read = await readConfigFile(info.path);
    if (read.status === 'missing') {
      out.lookedAt.push(`${info.path} (not found)`);
      continue;
    }
    info.found = true;
    out.credentialsPath = info.path;
    if (read.status === 'error') {
      problems.push({ source: info.path, code: read.code, message: read.message });
      break;
    }
    // The official Node client tries JSON first whatever the file is called; '{' can never start an INI file.
    const isJson = info.path.endsWith('.json') || read.text.replace(/^\uFEFF/, '').trimStart().startsWith('{');
    info.format = isJson ? 'json' : 'ini';
    out.credentials = isJson ? parseCredentialsJson(read.text, info.path) : parseCredentialsIni(read.text, info.path);
    problems.push(...out.credentials.problems);
    warnings.push(...out.credentials.warnings);
    if (read.text.trim() === '') warnings.push({ source: info.path, code: 'empty_file', message: 'is empty' });
    checkPermissions(info, read.mode, strict, problems, warnings);
    break;
  }

  for (const info of out.files) {
    if (!info.found && (info.chosenBy === 'env' || info.chosenBy === 'option')) {
      warnings.push({ source: info.path, code: 'file_not_found', message: `was named by ${info.chosenBy === 'env' ? 'an environment variable' : 'an option'} but does not exist` });
    }
  }
  return out;
}
