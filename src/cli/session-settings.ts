import { loadConfig, type LoadConfigOptions, type LoadedConfig } from '../config/load.js';
import { sessionStoreFor } from '../session/identity.js';
import type { SessionStore } from '../session/store.js';
import type { Logger } from '../util/logger.js';
import type { CliIo } from './io.js';
import { loadOptionsFrom } from './settings-options.js';

/** What `whoami` and `logout` work from: the settings, and the profile's session store when there is one. */
export interface SessionSettings {
  load: LoadConfigOptions;
  config: LoadedConfig;
  /** Undefined for a static-keys profile, or without a home directory to keep sessions in. */
  store: SessionStore | undefined;
}

/**
 * Reads the settings the way every command that looks at the session does: the command line and the
 * environment, with the loader's warnings (a credentials file others can read, an Entra Directory ID
 * where the client id belongs, …) and the session store's sent to the CLI's logger, i.e. to stderr.
 */
export async function readSessionSettings(values: Record<string, string | boolean | undefined>, io: CliIo, logger: Logger): Promise<SessionSettings> {
  const load: LoadConfigOptions = { ...loadOptionsFrom(values, io), logger };
  const config = await loadConfig(load);
  return { load, config, store: config.kind === 'idp' ? sessionStoreFor(config, load) : undefined };
}
