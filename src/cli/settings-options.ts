import type { LoadConfigOptions } from '../config/load.js';
import type { CliIo } from './io.js';

/** The options of commands that read the Ubiq settings (login, credentials, doctor). */
export const SETTINGS_OPTIONS = {
  profile: { type: 'string', short: 'p' },
  config: { type: 'string' },
  credentials: { type: 'string' },
  'allow-http': { type: 'boolean' },
} as const;

export const SETTINGS_HELP = `  -p, --profile P        credentials profile (INI section); default UBIQ_PROFILE, else 'default'
      --config FILE      configuration file; default UBIQ_CONFIGURATION_FILE, else ~/.ubiq/configuration
      --credentials FILE credentials file; default UBIQ_CREDENTIALS_FILE, else ~/.ubiq/credentials
      --allow-http       accept http:// token endpoints and servers (local emulators only; sends the
                         password and client secret unencrypted)`;

/** Loader options from the command line and the io (environment, home directory). */
export function loadOptionsFrom(values: Record<string, string | boolean | undefined>, io: CliIo): LoadConfigOptions {
  const pick = (name: string) => (typeof values[name] === 'string' ? (values[name] as string) : undefined);
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
