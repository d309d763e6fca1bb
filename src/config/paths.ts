import { isAbsolute, join, resolve } from 'node:path';

export type EnvLike = Record<string, string | undefined>;

export interface FileChoice {
  path: string;
  chosenBy: 'option' | 'env' | 'default';
}

export interface Locations {
  profile: { name: string; chosenBy: 'option' | 'env' | 'default' };
  /** Undefined when no path was given and there is no home directory to look in. */
  configuration: FileChoice | undefined;
  credentials: FileChoice | undefined;
  /** `~/.ubiq/credentials.json`, tried only when the default credentials file is missing. */
  credentialsFallback: string | undefined;
}

export interface LocationInput {
  profile?: string | undefined;
  configurationFile?: string | undefined;
  credentialsFile?: string | undefined;
}

function nonEmpty(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
}

function expandHome(path: string, homeDir: string): string {
  if (homeDir && (path === '~' || path.startsWith('~/') || path.startsWith('~\\'))) return join(homeDir, path.slice(1));
  return isAbsolute(path) ? path : resolve(path);
}

function choose(option: string | undefined, envValue: string | undefined, fallback: string | undefined, homeDir: string): FileChoice | undefined {
  const fromOption = nonEmpty(option);
  if (fromOption) return { path: expandHome(fromOption, homeDir), chosenBy: 'option' };
  const fromEnv = nonEmpty(envValue);
  if (fromEnv) return { path: expandHome(fromEnv, homeDir), chosenBy: 'env' };
  return fallback === undefined ? undefined : { path: fallback, chosenBy: 'default' };
}

/** Which profile and files to read: code options, then `UBIQ_*` variables, then `~/.ubiq/…`. */
export function resolveLocations(input: LocationInput, env: EnvLike, homeDir: string): Locations {
  const ubiqDir = homeDir ? join(homeDir, '.ubiq') : undefined;
  const optionProfile = nonEmpty(input.profile);
  const envProfile = nonEmpty(env.UBIQ_PROFILE);
  const profile = optionProfile
    ? { name: optionProfile, chosenBy: 'option' as const }
    : envProfile
      ? { name: envProfile, chosenBy: 'env' as const }
      : { name: 'default', chosenBy: 'default' as const };
  const credentials = choose(input.credentialsFile, env.UBIQ_CREDENTIALS_FILE, ubiqDir && join(ubiqDir, 'credentials'), homeDir);
  return {
    profile,
    configuration: choose(input.configurationFile, env.UBIQ_CONFIGURATION_FILE, ubiqDir && join(ubiqDir, 'configuration'), homeDir),
    credentials,
    credentialsFallback: credentials?.chosenBy === 'default' && ubiqDir ? join(ubiqDir, 'credentials.json') : undefined,
  };
}
