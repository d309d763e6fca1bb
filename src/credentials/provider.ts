import type { LoadConfigOptions, LoadedConfig } from '../config/load.js';
import type { IdpGrant } from '../config/types.js';
import type { FetchLike, RetryOptions } from '../http/index.js';
import { isIdpError, type IdpErrorCode } from '../idp/errors.js';
import { silentLogger, type Logger } from '../util/logger.js';
import { CredentialsError } from './errors.js';
import type { InProcessLogin } from './in-process-login.js';
import type { SessionOptions } from './session-options.js';
import type { InteractiveSignInOptions } from './interactive-login.js';
import { askedRetryDelayMs, isTransientLoginError } from './login-retry.js';
import { LoginWorkerUnavailable, startLoginThread, type LoginThread } from './login-thread.js';
import { DEFAULT_RSA_MODULUS_LENGTH, generateRsaKeyPair, isRsaKeyGeneration, MIN_RSA_MODULUS_LENGTH, type RsaKeyGeneration, type RsaKeyPair } from '../crypto/keypair.js';
import { createRefreshingCache, type RefreshErrorInfo, type RefreshingCache, type RefreshRetryOptions, type RefreshSuccessInfo } from './refreshing.js';
import type { ExpiringValue, LoadContext } from './refreshing-types.js';
import type { ProviderTimers } from './timers.js';
import type { UbiqCredentials, UbiqIdpCredentials } from './ubiq-credentials.js';
import type { Clock } from '../util/clock.js';

/** Per-call options of a provider. */
export interface ProviderCallOptions {
  /** Stops this caller's wait (a shared login keeps running for the others). */
  signal?: AbortSignal;
}

/** A credential source: a function that resolves credentials (AWS SDK `Provider<T>` style). */
export type Provider<T> = (options?: ProviderCallOptions) => Promise<T>;

/** Called after every successful login or renewal. */
export type RefreshListener<T> = (credentials: T, info: RefreshSuccessInfo) => void;
/** Called after every failed login or renewal (stale credentials may still be served). */
export type RefreshErrorListener = (error: unknown, info: RefreshErrorInfo) => void;

/**
 * A provider with a life cycle: every source of this library returns one. Static sources never
 * refresh (their listeners never fire and `forceRefresh()` returns the same keys).
 */
export interface CredentialProvider<T extends UbiqCredentials = UbiqCredentials> extends Provider<T> {
  /** Logs in again now (or joins the refresh already running) and returns the new credentials. */
  forceRefresh(options?: ProviderCallOptions): Promise<T>;
  /** Stops background refreshes, aborts a running login and releases connections. Idempotent. */
  close(): Promise<void>;
  /** Subscribes to successful refreshes; returns the unsubscribe function. */
  onRefresh: (listener: RefreshListener<T>) => () => void;
  /** Subscribes to failed refreshes; returns the unsubscribe function. */
  onRefreshError: (listener: RefreshErrorListener) => () => void;
}

/** Tuning of the refresh engine (see `createRefreshingCache`). */
export interface RefreshOptions {
  /** Minimum soft window: background refresh starts at least this long before expiry. Default 5 min. */
  softWindowMs?: number;
  /** Soft window as a fraction of the certificate lifetime, when larger. Default 0.2. */
  softWindowFraction?: number;
  /** Callers wait for the refresh inside this window before expiry. Default 60 s. */
  hardWindowMs?: number;
  /** Random delay of the refresh start, as a fraction of the soft window. Default 0.2. */
  jitter?: number;
  /**
   * Retries after a failed login or refresh: 2 s doubling to 60 s, or the wait the IdP asked for
   * (`Retry-After`, `X-Rate-Limit-Reset`) stretched by jitter. `loginDeadlineMs` (default 5 min, `0` = off)
   * bounds how long callers without valid credentials wait while a login that failed transiently (IdP
   * rate limit, 5xx, network, timeout) is retried for them.
   */
  retry?: RefreshRetryOptions;
}

export type { SessionOptions } from './session-options.js';

/** Options of {@link createIdpCredentialProvider}. */
export interface IdpCredentialProviderOptions extends InteractiveSignInOptions {
  /**
   * Sign in with this grant instead of the configured one (`grant` in the idp block, `UBIQ_IDP_GRANT`):
   * `'device'` (needs `onDeviceCode`) or `'browser'` (opens the system browser) when the IdP enforces MFA.
   * With a session, the person signs in once and later calls are served silently from it.
   */
  grant?: IdpGrant;
  /** Where settings come from (profile, file paths, env, values in code); default: the standard places. */
  load?: LoadConfigOptions;
  /** Settings already loaded with `loadConfig()` (then `load` is ignored). Must be of kind `idp`. */
  config?: LoadedConfig;
  /** RSA key size. Default 4096 (as the official clients), at least 2048. */
  modulusLength?: number;
  /**
   * How the provider makes its RSA key pairs: `'parallel-primes'` (default: OpenSSL makes the two primes at
   * once, on two threads, and the key is assembled and checked from them) or `'openssl'` (OpenSSL makes the
   * whole key, as FIPS mode always does). See `generateRsaKeyPair()`.
   */
  keyGeneration?: RsaKeyGeneration;
  /**
   * Keep a session per server + customer + profile in `~/.ubiq/sessions/` (mode 0600), shared by every
   * process of the user: valid credentials are served from it, renewed with its refresh token without the
   * password, and many processes starting on an expired session sign in once between them. `false` turns
   * it off. Default: on when the provider reads its own settings (and in every source such as
   * `defaultProvider()`), off when `config` is given (the home directory is not known then; pass `true`
   * or `{ dir }` to turn it on).
   */
  session?: boolean | SessionOptions;
  /**
   * Start generating the key pair when the provider is created (`true`), or use this key pair, so the
   * first call waits only for the network. Default false: generated on the first call, in parallel
   * with the IdP token request.
   */
  pregenerateKeyPair?: boolean | RsaKeyPair | Promise<RsaKeyPair>;
  /**
   * Permit `http://` token endpoints and servers: only for local tests against emulators. The same as
   * `load.allowInsecureHttp` or `UBIQ_ALLOW_INSECURE_HTTP=1`; any of them allows it for the settings,
   * the IdP sign-in and the SSO exchange alike.
   */
  allowInsecureHttp?: boolean;
  /** Use a new key pair for every renewal (generated ahead, in the background). Default false: reuse. */
  rotateKeyPair?: boolean;
  /** `fetch` for the IdP and SSO requests (default: undici's, honouring HTTPS_PROXY/NO_PROXY). */
  fetch?: FetchLike;
  /** Per-attempt timeout of each request. Default 10 s. */
  timeoutMs?: number;
  /** Retry policy of each request (429/5xx/network). */
  retry?: RetryOptions | false;
  refresh?: RefreshOptions;
  /** Milliseconds since the epoch (tests). Default `Date.now`. */
  now?: Clock;
  /** @internal Timer functions (tests). Default: the global ones, unref'ed. */
  timers?: ProviderTimers;
  /** In [0, 1), for jitter (tests). Default `Math.random`. */
  random?: () => number;
  logger?: Logger;
  onRefresh?: RefreshListener<UbiqIdpCredentials>;
  onRefreshError?: RefreshErrorListener;
  /**
   * Log in on a worker thread (default `true`): the settings, the IdP token request, the CSR, the
   * encrypted private key and the SSO exchange run there, so the application's event loop never waits
   * for them, and the modules they need are never evaluated on its thread. The worker starts with the
   * provider, never keeps the process alive and ends with `close()`. A custom `fetch` or `now` (which
   * exist only on this thread) or `retry` functions make the provider log in on this thread instead,
   * as it also does (with a warning to `logger`) where worker threads cannot be started.
   */
  loginInWorker?: boolean;
  /** @internal The worker script (tests). */
  loginWorkerScript?: URL;
}

/**
 * IdP answers that only a person can fix. Retrying them automatically does harm: repeated wrong
 * passwords lock the account at Okta/Entra. After one, the provider waits for `forceRefresh()`.
 */
const NEEDS_A_PERSON: ReadonlySet<IdpErrorCode> = new Set<IdpErrorCode>([
  'invalid_credentials',
  'account_locked',
  'account_disabled',
  'password_expired',
  'mfa_required',
  'consent_required',
  'user_not_assigned',
  'invalid_client_secret',
  'client_secret_expired',
  'client_secret_required',
  'application_not_found',
  'tenant_not_found',
  'grant_not_enabled',
  'scope_not_granted',
  'invalid_scope',
  'invalid_settings',
  'insecure_endpoint',
]);

function needsAPerson(error: unknown): boolean {
  if (isIdpError(error)) return NEEDS_A_PERSON.has(error.code);
  return (error as { code?: unknown } | undefined)?.code === 'key_size_invalid';
}

/** @internal Makes the listener registry of a provider. */
export function createListeners<T>(initial: { onRefresh?: RefreshListener<T> | undefined; onRefreshError?: RefreshErrorListener | undefined } = {}) {
  const refresh = new Set<RefreshListener<T>>();
  const failure = new Set<RefreshErrorListener>();
  if (initial.onRefresh) refresh.add(initial.onRefresh);
  if (initial.onRefreshError) failure.add(initial.onRefreshError);
  const each = <F extends (...args: never[]) => void>(set: Set<F>, call: (listener: F) => void): void => {
    for (const listener of [...set]) {
      try {
        call(listener);
      } catch {
        // One listener's bug must not stop the others or the refresh.
      }
    }
  };
  return {
    emitRefresh: (credentials: T, info: RefreshSuccessInfo) => each(refresh, (l) => l(credentials, info)),
    emitError: (error: unknown, info: RefreshErrorInfo) => each(failure, (l) => l(error, info)),
    onRefresh: (listener: RefreshListener<T>): (() => void) => {
      refresh.add(listener);
      return () => refresh.delete(listener);
    },
    onRefreshError: (listener: RefreshErrorListener): (() => void) => {
      failure.add(listener);
      return () => failure.delete(listener);
    },
    clear() {
      refresh.clear();
      failure.clear();
    },
  };
}

/**
 * Short-lived Ubiq credentials for a directory user (ARCHITECTURE.md, SSO exchange): signs in to Okta or Entra, exchanges
 * the token and a CSR for a certificate at the Ubiq SSO endpoint, and keeps the result fresh. All
 * concurrent callers share one login; renewals run in the background before expiry (soft window) and
 * callers wait only when the credentials are about to expire (hard window) or have expired. If a renewal
 * fails, still-valid credentials keep being served while it is retried with backoff; once they have
 * expired, callers get a `credentials_expired` error that says why the last renewal failed. A login that
 * callers wait for (the first one, or after expiry) and that fails transiently — the IdP rate-limits
 * (its `Retry-After` is honoured, plus jitter so a fleet does not return at one instant), answers 5xx,
 * or cannot be reached — is retried for them within one shared login, for up to
 * `refresh.retry.loginDeadlineMs` (default 5 min); the caller's `signal` and `close()` end the wait at
 * once. Failures only
 * a person can fix (wrong password, locked account, revoked client secret) are not retried at all — that
 * would lock the account — until `forceRefresh()` is called; callers get the error at once meanwhile.
 *
 * Settings come from `~/.ubiq/configuration` (the `idp` block), `~/.ubiq/credentials` (the profile's
 * `IDP_USERNAME`/`IDP_PASSWORD`), `UBIQ_*` environment variables and `options.load`. When the profile
 * has no IdP sign-in, calls reject with `credentials_unavailable`.
 *
 * @example
 * const provider = createIdpCredentialProvider({ load: { profile: 'idp' }, pregenerateKeyPair: true });
 * const credentials = await provider();
 * console.log(credentials.accessKeyId, credentials.expiresAt);
 * await provider.close();
 */
export function createIdpCredentialProvider(options: IdpCredentialProviderOptions = {}): CredentialProvider<UbiqIdpCredentials> {
  const modulusLength = options.modulusLength ?? DEFAULT_RSA_MODULUS_LENGTH;
  if (!Number.isInteger(modulusLength) || modulusLength < MIN_RSA_MODULUS_LENGTH) {
    throw new CredentialsError('invalid_provider_options', `modulusLength must be an integer of at least ${MIN_RSA_MODULUS_LENGTH} bits, got ${String(modulusLength)}.`, {
      hint: `Leave it at ${DEFAULT_RSA_MODULUS_LENGTH} (what the official Ubiq clients use).`,
    });
  }
  const keyGeneration = options.keyGeneration ?? 'parallel-primes';
  if (!isRsaKeyGeneration(keyGeneration)) {
    throw new CredentialsError('invalid_provider_options', `keyGeneration must be 'parallel-primes' or 'openssl', got ${JSON.stringify(String(keyGeneration)).slice(0, 40)}.`, {
      hint: "Leave it out (parallel primes) or set 'openssl' to have OpenSSL generate the whole key.",
    });
  }
  const keyOptions = { modulusLength, keyGeneration };
  const logger = options.logger ?? silentLogger;
  const now = options.now ?? Date.now;
  const listeners = createListeners<UbiqIdpCredentials>({ onRefresh: options.onRefresh, onRefreshError: options.onRefreshError });

  const timeoutMs = options.timeoutMs;
  // The loader decides from this, load.allowInsecureHttp and UBIQ_ALLOW_INSECURE_HTTP (LoadedConfig.allowInsecureHttp).
  const allowInsecureHttp = options.allowInsecureHttp === true;
  const retryHasFunctions = options.retry !== undefined && options.retry !== false && (options.retry.random !== undefined || options.retry.sleep !== undefined || options.retry.now !== undefined);
  const sessionWanted = options.session ?? options.config === undefined;
  const session: SessionOptions | undefined = sessionWanted === false ? undefined : sessionWanted === true ? {} : sessionWanted;
  const minRemainingMs = options.refresh?.hardWindowMs ?? 60_000;
  // A person's interactive sign-in (device code, browser) talks to callbacks that live on this thread.
  const interactive = (options.grant !== undefined && options.grant !== 'password') || options.onDeviceCode !== undefined || options.onAuthorizationUrl !== undefined || options.openBrowser !== undefined;
  const wantsWorker = options.loginInWorker !== false && options.fetch === undefined && options.now === undefined && !retryHasFunctions && !interactive;

  // Without a session that could serve it, the first call always signs in, and the key pair is its longest
  // step (RSA-4096: one to several seconds). It starts with that call, on this thread's libuv pool, rather
  // than after the login worker has loaded its modules and the settings. With a session, the worker decides:
  // a valid session needs no key pair at all.
  // A pre-generated key pair asks for everything to be ready before the first call, the IdP connection included.
  const preparesAhead = options.pregenerateKeyPair !== undefined && options.pregenerateKeyPair !== false;
  const keyPairWithFirstCall = session === undefined && !preparesAhead;
  let startFirstKeyPair: (() => void) | undefined;
  const firstKeyPair = keyPairWithFirstCall
    ? new Promise<RsaKeyPair>((resolve, reject) => {
        startFirstKeyPair = () => {
          generateRsaKeyPair(keyOptions).then(resolve, reject);
        };
      })
    : undefined;
  firstKeyPair?.catch(() => {}); // reported to the first caller, through the login

  // A valid shared session is read on this thread (session-peek.ts): a process it serves never starts the
  // login worker for its first credentials. The worker then starts with the first call the session cannot
  // serve (or the first renewal), unless a key pair is to be generated ahead, which it does at once.
  const peekable = session !== undefined && session.reuse !== false;
  let thread: LoginThread | undefined;
  let threadStarted = false;
  function startThread(): LoginThread | undefined {
    if (threadStarted || !wantsWorker) return thread;
    threadStarted = true;
    const given = firstKeyPair ?? options.pregenerateKeyPair;
    const { logger: configLogger, ...load } = options.load ?? {};
    thread = startLoginThread({
      data: {
        load: options.load ? load : undefined,
        config: options.config,
        modulusLength,
        keyGeneration,
        pregenerate: given instanceof Promise ? 'pending' : (given ?? false),
        warmUp: preparesAhead,
        rotateKeyPair: options.rotateKeyPair ?? false,
        timeoutMs,
        retry: options.retry,
        allowInsecureHttp,
        session,
        minRemainingMs,
      },
      pendingKeyPair: given instanceof Promise ? given : undefined,
      logger,
      configLogger,
      ...(options.loginWorkerScript ? { script: options.loginWorkerScript } : {}),
    });
    return thread;
  }
  let keyPair: RsaKeyPair | Promise<RsaKeyPair> | undefined;
  if (wantsWorker && (!peekable || preparesAhead)) startThread();
  // In-process (or as the fallback): started before the settings are read, it needs nothing from them.
  function ownKeyPair(): RsaKeyPair | Promise<RsaKeyPair> | undefined {
    if (keyPair !== undefined) return keyPair;
    if (firstKeyPair !== undefined) keyPair = firstKeyPair;
    else if (typeof options.pregenerateKeyPair === 'object') keyPair = options.pregenerateKeyPair;
    else if (options.pregenerateKeyPair === true) {
      const pending = generateRsaKeyPair(keyOptions);
      pending.catch(() => {}); // reported to the first caller, through the login
      keyPair = pending;
    }
    return keyPair;
  }
  if (!wantsWorker || (threadStarted && thread === undefined)) void ownKeyPair();

  let inProcess: InProcessLogin | undefined;
  let cache: RefreshingCache<UbiqIdpCredentials> | undefined;
  let setup: Promise<RefreshingCache<UbiqIdpCredentials>> | undefined;
  let closed = false;

  const closedError = () => new CredentialsError('provider_closed', 'Ubiq credentials provider was closed.', { hint: 'Create a new provider; close() is for shutdown.' });

  async function loginStep(): Promise<(context: LoadContext<UbiqIdpCredentials>) => Promise<ExpiringValue<UbiqIdpCredentials>>> {
    if (closed) throw closedError();
    startThread();
    if (thread !== undefined) {
      try {
        await thread.setup();
        const ready = thread;
        return (context) => ready.load(context);
      } catch (error) {
        if (!(error instanceof LoginWorkerUnavailable)) throw error;
        // Info, not a warning: a bundle without the worker file (an app bundled into one file) is expected to land here.
        if (error.declined) logger.debug?.('Ubiq credentials: logging in on the main thread', { reason: error.message });
        else logger.info?.('Ubiq credentials: logging in on the main thread, the login worker is unavailable', { reason: error.message });
        const dead = thread;
        thread = undefined;
        void dead.close();
      }
    }
    // Loaded on first use: importing ubiq-idp evaluates neither the settings' schemas nor undici, openid-client or pkijs.
    const { createInProcessLogin } = await import('./in-process-login.js');
    const made = await createInProcessLogin({
      load: options.load,
      config: options.config,
      fetch: options.fetch,
      timeoutMs,
      retry: options.retry,
      modulusLength,
      keyGeneration,
      keyPair: ownKeyPair(),
      rotateKeyPair: options.rotateKeyPair ?? false,
      allowInsecureHttp,
      session,
      minRemainingMs,
      now,
      logger,
      grant: options.grant,
      interactive: {
        ...(options.onDeviceCode === undefined ? {} : { onDeviceCode: options.onDeviceCode }),
        ...(options.onAuthorizationUrl === undefined ? {} : { onAuthorizationUrl: options.onAuthorizationUrl }),
        ...(options.openBrowser === undefined ? {} : { openBrowser: options.openBrowser }),
        ...(options.callbackTimeoutMs === undefined ? {} : { callbackTimeoutMs: options.callbackTimeoutMs }),
        allowBrowser: options.allowBrowser === true || options.grant === 'browser',
      },
    });
    if (closed) {
      made.login.dispose();
      await made.http.close();
      throw closedError();
    }
    inProcess = made;
    return (context) => made.load(context);
  }

  /**
   * With a shared session, the first call is served from the session file when it holds valid credentials,
   * read here on the provider's thread with the settings and session modules only (no IdP, HTTP or CSR
   * module, no worker). The login (in the worker, or here without one) is set up only when a renewal needs
   * it. A session that cannot serve (none, too close to expiry, refused, corrupt) is left to the login,
   * which reads the file again and warns about it.
   */
  async function firstFromSession(): Promise<((context: LoadContext<UbiqIdpCredentials>) => Promise<ExpiringValue<UbiqIdpCredentials>>) | undefined> {
    if (!peekable || session === undefined) return undefined;
    // Loaded on first use, like the loader: importing ubiq-idp evaluates none of it.
    const { peekSession } = await import('./session-peek.js');
    const served = await peekSession({ load: options.load, config: options.config, allowInsecureHttp, session, minRemainingMs, now });
    if (served === undefined) return undefined;
    let login: ReturnType<typeof loginStep> | undefined;
    let first: ExpiringValue<UbiqIdpCredentials> | undefined = served;
    return async (context) => {
      if (first !== undefined && context.reason === 'initial') {
        const value = first;
        first = undefined;
        return value;
      }
      first = undefined;
      login ??= loginStep();
      const pending = login;
      // Settings errors are not cached: the next renewal sets the login up again.
      pending.catch(() => {
        if (login === pending) login = undefined;
      });
      return (await pending)(context);
    };
  }

  async function build(): Promise<RefreshingCache<UbiqIdpCredentials>> {
    const load = (await firstFromSession()) ?? (await loginStep());
    if (closed) throw closedError();
    const refresh = options.refresh ?? {};
    return createRefreshingCache<UbiqIdpCredentials>({
      load,
      label: 'Ubiq credentials',
      isPermanent: needsAPerson,
      isTransient: isTransientLoginError,
      retryAfterMs: askedRetryDelayMs,
      now,
      ...(options.timers ? { timers: options.timers } : {}),
      ...(options.random ? { random: options.random } : {}),
      ...(refresh.softWindowMs !== undefined ? { softWindowMs: refresh.softWindowMs } : {}),
      ...(refresh.softWindowFraction !== undefined ? { softWindowFraction: refresh.softWindowFraction } : {}),
      ...(refresh.hardWindowMs !== undefined ? { hardWindowMs: refresh.hardWindowMs } : {}),
      ...(refresh.jitter !== undefined ? { jitter: refresh.jitter } : {}),
      ...(refresh.retry ? { retry: refresh.retry } : {}),
      onRefresh: (credentials, info) => {
        logger.info?.('Ubiq credentials refreshed', { event: 'refreshed', reason: info.reason, expiresAt: info.expiresAt.toISOString(), refreshAt: info.refreshAt.toISOString() });
        listeners.emitRefresh(credentials, info);
      },
      onRefreshError: (error, info) => {
        logger.warn('Ubiq credentials refresh failed', {
          event: 'refresh_failed',
          reason: info.reason,
          attempt: info.attempt,
          servingStale: info.servingStale,
          code: (error as { code?: unknown }).code,
          nextAttemptAt: info.nextAttemptAt?.toISOString(),
        });
        listeners.emitError(error, info);
      },
    });
  }

  function ensure(): Promise<RefreshingCache<UbiqIdpCredentials>> {
    startFirstKeyPair?.();
    startFirstKeyPair = undefined;
    if (setup === undefined) {
      const pending = build().then((built) => {
        if (closed) {
          built.close();
          throw closedError();
        }
        cache = built;
        return built;
      });
      setup = pending;
      // Settings errors are not cached: fixing the file and calling again works.
      pending.catch(() => {
        if (setup === pending && cache === undefined) setup = undefined;
      });
    }
    return setup;
  }

  const provider = (async (call?: ProviderCallOptions) => {
    if (closed) throw closedError();
    const ready = cache ?? (await ensure());
    return ready.get(call?.signal);
  }) as CredentialProvider<UbiqIdpCredentials>;
  provider.forceRefresh = async (call?: ProviderCallOptions) => {
    if (closed) throw closedError();
    const ready = cache ?? (await ensure());
    return ready.refresh(call?.signal);
  };
  provider.close = async () => {
    if (closed) return;
    closed = true;
    cache?.close();
    inProcess?.login.dispose();
    listeners.clear();
    await Promise.all([thread?.close(), inProcess?.http.close()]);
  };
  provider.onRefresh = listeners.onRefresh;
  provider.onRefreshError = listeners.onRefreshError;
  // With a pre-generated key pair on this thread, the CSR and the encrypted key are made now too, so the
  // first call waits only for the network. (The login worker does this by itself.)
  if (thread === undefined && preparesAhead) {
    ensure()
      .then(() => inProcess?.login.warmUp())
      .catch(() => {}); // settings errors reach the first caller, who tries again
  }
  return provider;
}
