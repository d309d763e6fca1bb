// Settings → HTTP client → IdP login → shared session: what a provider logs in with, made in the login
// worker, or on the provider's own thread where the worker cannot be (a custom `fetch` or clock only
// exists there, worker threads are unavailable, or `loginInWorker: false`). The provider loads this
// module on first use, so importing ubiq-idp evaluates none of the modules below.
import { loadConfig, type LoadConfigOptions, type LoadedConfig } from '../config/load.js';
import { createHttpClient, type FetchLike, type HttpClient, type RetryOptions } from '../http/index.js';
import { sessionIdentityOf } from '../session/identity.js';
import { sessionLocation } from '../session/paths.js';
import { createSessionStore } from '../session/store.js';
import type { Logger } from '../util/logger.js';
import type { IdpGrant } from '../config/types.js';
import type { RsaKeyGeneration, RsaKeyPair } from '../crypto/keypair.js';
import type { InteractiveSignInOptions } from './interactive-login.js';
import { LoginWorkerUnavailable } from './login-worker-unavailable.js';
import { createIdpLogin, type IdpLogin } from './idp-login.js';
import { requireIdpSignIn } from './login-protocol.js';
import type { SessionOptions } from './session-options.js';
import type { ExpiringValue, LoadContext } from './refreshing-types.js';
import { createSessionLogin } from './session-login.js';
import type { UbiqIdpCredentials } from './ubiq-credentials.js';

/** @internal What the provider passes. */
export interface InProcessLoginOptions {
  load: LoadConfigOptions | undefined;
  config: LoadedConfig | undefined;
  fetch: FetchLike | undefined;
  timeoutMs: number | undefined;
  retry: RetryOptions | false | undefined;
  modulusLength: number;
  keyGeneration: RsaKeyGeneration;
  keyPair: RsaKeyPair | Promise<RsaKeyPair> | undefined;
  rotateKeyPair: boolean;
  allowInsecureHttp: boolean;
  /** The shared session, when on. */
  session: SessionOptions | undefined;
  /** Stored credentials closer to expiry than this are renewed, not served (the refresh hard window). */
  minRemainingMs: number;
  now: () => number;
  logger: Logger;
  /** Sign in with this grant instead of the configured one. */
  grant?: IdpGrant | undefined;
  /** Callbacks of the device and browser grants. */
  interactive?: InteractiveSignInOptions;
  /** Refuse (LoginWorkerUnavailable, declined) a configured grant that needs a person's callbacks (the worker has none). */
  passwordGrantOnly?: boolean;
}

/** @internal A login (wrapped in the session when on) and the HTTP client it owns. */
export interface InProcessLogin {
  login: IdpLogin;
  http: HttpClient;
  load: (context: LoadContext<UbiqIdpCredentials>) => Promise<ExpiringValue<UbiqIdpCredentials>>;
}

/** @internal Loads the settings and makes the login (settings errors reject). */
export async function createInProcessLogin(options: InProcessLoginOptions): Promise<InProcessLogin> {
  const loadOptions: LoadConfigOptions = { ...(options.load ?? {}), allowInsecureHttp: options.load?.allowInsecureHttp === true || options.allowInsecureHttp };
  const { grant } = options;
  const grantOverride = grant === undefined ? {} : { overrides: { ...loadOptions.overrides, idp: { ...loadOptions.overrides?.idp, grant } } };
  const loaded = requireIdpSignIn(options.config ?? (await loadConfig({ ...loadOptions, ...grantOverride })));
  const config = grant === undefined || options.config === undefined ? loaded : { ...loaded, idp: { ...loaded.idp, grant } };
  if (options.passwordGrantOnly === true && (config.idp.grant ?? 'password') !== 'password') {
    throw new LoginWorkerUnavailable(`the ${config.idp.grant ?? ''} grant signs in on the application's thread`, { declined: true });
  }
  const http = createHttpClient({
    ...(options.fetch ? { fetch: options.fetch } : {}),
    ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
    ...(options.retry !== undefined ? { retry: options.retry } : {}),
    logger: options.logger,
  });
  const login = createIdpLogin({
    settings: config.idp,
    user: config.user,
    server: config.server,
    profile: config.profile,
    http,
    modulusLength: options.modulusLength,
    keyGeneration: options.keyGeneration,
    keyPair: options.keyPair,
    rotateKeyPair: options.rotateKeyPair,
    timeoutMs: options.timeoutMs,
    allowInsecureHttp: options.allowInsecureHttp || config.allowInsecureHttp,
    now: options.now,
    logger: options.logger,
    ...(options.interactive ? { interactive: options.interactive } : {}),
  });
  const { session } = options;
  const location = session === undefined ? undefined : sessionLocation({ dir: session.dir, env: options.load?.env, homeDir: options.load?.homeDir });
  if (session === undefined || location === undefined) return { login, http, load: login.load };
  const identity = sessionIdentityOf(config);
  const strictPermissions = options.load?.strictPermissions === true;
  const store = createSessionStore({ location, identity, strictPermissions, logger: options.logger, ...(session.lock ? { lock: session.lock } : {}) });
  const sessionLogin = createSessionLogin({
    login,
    store,
    identity,
    settings: config.idp,
    reuse: session.reuse !== false,
    rotateKeyPair: options.rotateKeyPair,
    strictPermissions,
    minRemainingMs: options.minRemainingMs,
    now: options.now,
    logger: options.logger,
  });
  return { login, http, load: sessionLogin.load };
}
