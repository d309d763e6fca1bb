import type { LoadConfigOptions } from '../config/load.js';
import { UsageError } from './exit-codes.js';
import type { CliIo } from './io.js';

/** The options of commands that read the Ubiq settings (login, credentials, doctor). */
export const SETTINGS_OPTIONS = {
  profile: { type: 'string', short: 'p' },
  config: { type: 'string' },
  credentials: { type: 'string' },
  'allow-http': { type: 'boolean' },
  'key-size': { type: 'string' },
  timeout: { type: 'string' },
} as const;

export const SETTINGS_HELP = `  -p, --profile P        credentials profile (INI section); default UBIQ_PROFILE, else [default] when
                         it holds credentials, else [idp] (the setup documents' profile)
      --config FILE      configuration file; default UBIQ_CONFIGURATION_FILE, else ~/.ubiq/configuration
      --credentials FILE credentials file; default UBIQ_CREDENTIALS_FILE, else ~/.ubiq/credentials
      --allow-http       accept http:// token endpoints and servers (local emulators only; sends the
                         password and client secret unencrypted); also UBIQ_ALLOW_INSECURE_HTTP=1
      --key-size N       RSA key size for the certificate request; default 4096 (the official
                         clients'), at least 2048
      --timeout S        give up on an unreachable or silent IdP or server after S seconds (default 30);
                         retries are reported on stderr as they happen`;

/** The --timeout option, in ms (default 30 s). */
export function timeoutFrom(values: Record<string, string | boolean | undefined>): number {
  const raw = typeof values.timeout === 'string' ? values.timeout.trim() : '30';
  const seconds = Number(raw);
  if (!/^\d+(\.\d+)?$/.test(raw) || seconds <= 0 || seconds > 3600) throw new UsageError(`--timeout must be a number of seconds from 0.1 to 3600 (got '${raw}').`);
  return Math.round(seconds * 1000);
}

/** The --key-size option (default 4096). */
export function keySizeFrom(values: Record<string, string | boolean | undefined>): number {
  const raw = typeof values['key-size'] === 'string' ? values['key-size'] : '4096';
  const size = Number(raw);
  if (!/^\d+$/.test(raw) || size < 2048 || size > 16384 || size % 8 !== 0) {
    throw new UsageError(`--key-size must be a multiple of 8 from 2048 to 16384 (got '${raw}').`);
  }
  return size;
}

/** Loader options from the command line and the io (environment, home directory). */
export function loadOptionsFrom(values: Record<string, string | boolean | undefined>, io: CliIo): LoadConfigOptions {
  const pick = (name: string) => (typeof values[name] === 'string' ? values[name] : undefined);
  const profile = pick('profile');
  const configurationFile = pick('config');
  const credentialsFile = pick('credentials');
  return {
    env: io.env,
    homeDir: io.homeDir,
    ...(profile === undefined ? {} : { profile }),
    ...(configurationFile === undefined ? {} : { configurationFile }),
    ...(credentialsFile === undefined ? {} : { credentialsFile }),
    allowInsecureHttp: values['allow-http'] === true,
  };
}
