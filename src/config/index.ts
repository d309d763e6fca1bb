// The settings as ubiq-idp exports them. loadConfig() loads the loader (its zod schemas, the INI parser) on
// its first call, so that importing ubiq-idp stays light for code that never reads settings.
import type { LoadConfigOptions, LoadedConfig } from './load.js';

export type { LoadConfigOptions, LoadedConfig, LoadedCommon } from './load.js';

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
  const { loadConfig: run } = await import('./load.js');
  return run(options);
}
