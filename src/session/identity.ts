import type { LoadConfigOptions, LoadedConfig } from '../config/load.js';
import { silentLogger, type Logger } from '../util/logger.js';
import type { SessionIdentity } from './format.js';
import { sessionLocation } from './paths.js';
import { createSessionStore, type SessionStore } from './store.js';

/** The IdP sign-in a loaded profile describes, as a session records it. */
export function sessionIdentityOf(config: Extract<LoadedConfig, { kind: 'idp' }>): SessionIdentity {
  return {
    server: config.server,
    customerId: config.idp.customerId,
    profile: config.profile,
    provider: config.idp.provider,
    tokenEndpointUrl: config.idp.tokenEndpointUrl,
    clientId: config.idp.clientId,
    username: config.user.username,
  };
}

/**
 * @internal The session store of a loaded IdP profile, in the directory the loader's options imply
 * (`dir`, else `UBIQ_SESSION_DIR`, else `~/.ubiq/sessions` under `load.homeDir`). Undefined without a home.
 */
export function sessionStoreFor(
  config: Extract<LoadedConfig, { kind: 'idp' }>,
  load: LoadConfigOptions,
  options: { dir?: string | undefined; logger?: Logger | undefined } = {},
): SessionStore | undefined {
  const location = sessionLocation({ dir: options.dir, env: load.env, homeDir: load.homeDir });
  if (location === undefined) return undefined;
  return createSessionStore({
    location,
    identity: sessionIdentityOf(config),
    strictPermissions: load.strictPermissions === true,
    logger: options.logger ?? load.logger ?? silentLogger,
  });
}
