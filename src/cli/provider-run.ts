import { loadConfig, type LoadConfigOptions, type LoadedConfig } from '../config/load.js';
import { generateRsaKeyPair } from '../crypto/keypair.js';
import { defaultProvider } from '../credentials/sources.js';
import type { UbiqCredentials } from '../credentials/ubiq-credentials.js';
import { createHttpClient, type FetchLike } from '../http/index.js';
import type { IdpGrant } from '../config/types.js';
import type { DeviceCodePrompt } from '../idp/index.js';
import type { CliLogger } from './cli-logger.js';
import { CliTimeoutError } from './exit-codes.js';
import { formatMs, type Ui } from './ui.js';

/** One HTTP exchange the provider made, for the per-step timings of `login`. */
export interface TimedRequest {
  step: 'IdP sign-in' | 'SSO exchange' | 'request';
  method: string;
  /** Origin and path only (no query string). */
  url: string;
  status: number | undefined;
  ms: number;
}

/**
 * A `fetch` for the provider that records each request's step and duration. It sends through the
 * library's own HTTP client (undici, proxy-aware) with one attempt; the provider's client around it keeps
 * doing the retries.
 */
function timedFetch(log: TimedRequest[], tokenEndpoint: string | undefined): { fetch: FetchLike; close(): Promise<void> } {
  const inner = createHttpClient({ retry: false });
  const fetch: FetchLike = async (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const bare = `${url.origin}${url.pathname}`;
    const step = tokenEndpoint !== undefined && bare === tokenEndpoint ? 'IdP sign-in' : url.pathname.endsWith('/api/v3/scim/sso') ? 'SSO exchange' : 'request';
    const entry: TimedRequest = { step, method: (init?.method ?? 'GET').toUpperCase(), url: bare, status: undefined, ms: 0 };
    const started = performance.now();
    try {
      const response = await inner.request(url, { ...(init ?? {}), retry: false });
      entry.status = response.status;
      return response;
    } finally {
      entry.ms = performance.now() - started;
      log.push(entry);
    }
  };
  return { fetch, close: () => inner.close() };
}

/** The CLI's default for --timeout: how long a login waits for an unreachable or silent IdP or server. */
export const DEFAULT_TIMEOUT_MS = 30_000;

/** How `runDefaultProvider` reports and bounds its work. */
export interface RunOptions {
  /** Give up after this long (default 30 s). Not applied while a person signs in (device code, browser). */
  timeoutMs?: number;
  /** Receives the loader's warnings, the retries and the debug trace. */
  logger?: CliLogger;
  /** How the session is used (default `reuse`). */
  session?: SessionMode;
  /** `login --device` / `--browser`. */
  interactive?: InteractiveRun;
}

/** What `runDefaultProvider` measured. */
export interface ProviderRun {
  config: LoadedConfig;
  credentials: UbiqCredentials;
  timings: { settingsMs: number; keyPairMs: number | undefined; totalMs: number; requests: TimedRequest[] };
}

/**
 * Loads the settings (to report them), then runs `defaultProvider()` once, as application code would,
 * timing each step. The key pair is generated up front (off the main thread) so its time is its own.
 */
/**
 * How a CLI command uses the session: `reuse` (serve and renew from it, as apps do), `fresh` (sign in
 * anew and save it: `login`), `off` (`--no-session`).
 */
export type SessionMode = 'reuse' | 'fresh' | 'off';

/** How `login --device` / `--browser` reach the person. */
export interface InteractiveRun {
  /** From `--device` / `--browser`; else the configured grant. */
  grant: IdpGrant | undefined;
  /** From `--redirect-port`. */
  redirectPort?: number;
  onDeviceCode: (prompt: DeviceCodePrompt) => void;
  onAuthorizationUrl: (url: string, opened: boolean) => void;
  openBrowser: (url: string) => Promise<boolean>;
  /** Called when the sign-in starts waiting for the person, and stops the reminders when it ends. */
  waiting(): () => void;
}

export async function runDefaultProvider(ui: Ui, plainLoad: LoadConfigOptions, userSignal: AbortSignal | undefined, modulusLength = 4096, run: RunOptions = {}): Promise<ProviderRun> {
  const { logger, interactive } = run;
  const sessionMode = run.session ?? 'reuse';
  const timeoutMs = run.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  // Loader warnings (file modes, an Entra directory id as client id, …) reach the person through the logger.
  let load: LoadConfigOptions = logger === undefined ? plainLoad : { ...plainLoad, logger };
  const started = performance.now();
  const idpOverrides = {
    ...(interactive?.grant === undefined ? {} : { grant: interactive.grant }),
    ...(interactive?.redirectPort === undefined ? {} : { redirectPort: interactive.redirectPort }),
  };
  const grantOverride = Object.keys(idpOverrides).length === 0 ? {} : { overrides: { ...load.overrides, idp: { ...load.overrides?.idp, ...idpOverrides } } };
  load = { ...load, ...grantOverride };
  const settings = await ui.spin('reading settings', () => loadConfig(load));
  const config = settings.value;
  const personWaits = interactive !== undefined && config.kind === 'idp' && (config.idp.grant ?? 'password') !== 'password';
  // A bounded wait: the provider's own retries stop at the deadline, and this stops whatever is still in
  // flight. Not while a person is signing in in a browser or on another device.
  const deadline = personWaits ? undefined : AbortSignal.timeout(timeoutMs);
  const signals = [userSignal, deadline].filter((s): s is AbortSignal => s !== undefined);
  const signal = signals.length === 0 ? undefined : signals.length === 1 ? signals[0] : AbortSignal.any(signals);
  const call = signal === undefined ? {} : { signal };
  const givenUp = (error: unknown): never => {
    if (deadline?.aborted === true && userSignal?.aborted !== true) {
      const problem = logger?.lastProblem;
      throw new CliTimeoutError(`Gave up after ${formatMs(timeoutMs)}${problem ? `: ${problem}` : ': no answer'}.`, 'Check the network and proxy settings (HTTPS_PROXY, NO_PROXY) and that the IdP and the Ubiq server are up; or allow more time with --timeout.');
    }
    throw error;
  };
  if (logger !== undefined) {
    logger.addSecrets(...(config.kind === 'idp' ? [config.user.password, config.idp.clientSecret] : [config.keys.secretSigningKey, config.keys.secretCryptoAccessKey, config.issued?.encryptedPrivateKey]));
    logger.debug?.(`settings: profile [${config.profile}] (${config.sources.profile.chosenBy === 'default' ? 'default' : `chosen by ${config.sources.profile.chosenBy}`}), ${config.kind === 'idp' ? `${config.idp.provider} sign-in as ${config.user.username}` : config.issued ? 'exported IdP credentials' : 'static API keys'}, server ${config.server}`);
  }
  const bounded = { ...(personWaits ? {} : { refresh: { retry: { loginDeadlineMs: timeoutMs } }, timeoutMs: Math.min(10_000, timeoutMs) }), ...(logger === undefined ? {} : { logger }) };
  const requests: TimedRequest[] = [];
  if (config.kind === 'static') {
    const provider = defaultProvider({ load, ...bounded });
    try {
      const credentials = await provider(call).catch(givenUp);
      return { config, credentials, timings: { settingsMs: settings.ms, keyPairMs: undefined, totalMs: performance.now() - started, requests } };
    } finally {
      await provider.close();
    }
  }
  let keyPairMs: number | undefined;
  const keyStart = performance.now();
  // With a session to reuse, the key pair usually comes from it: generating one would only delay the exit.
  const keyPair =
    sessionMode === 'reuse'
      ? undefined
      : generateRsaKeyPair({ modulusLength }).then((pair) => {
          keyPairMs = performance.now() - keyStart;
          return pair;
        });
  keyPair?.catch(() => {});
  const transport = timedFetch(requests, config.idp.tokenEndpointUrl);
  const provider = defaultProvider({
    load,
    fetch: transport.fetch,
    ...(keyPair === undefined ? {} : { pregenerateKeyPair: keyPair }),
    modulusLength,
    allowInsecureHttp: config.allowInsecureHttp,
    session: sessionMode === 'off' ? false : { reuse: sessionMode === 'reuse' },
    ...(interactive === undefined || (config.idp.grant ?? 'password') === 'password'
      ? {}
      : { onDeviceCode: interactive.onDeviceCode, onAuthorizationUrl: interactive.onAuthorizationUrl, openBrowser: interactive.openBrowser, allowBrowser: true }),
    ...bounded,
  });
  const grant = config.idp.grant ?? 'password';
  try {
    if (grant !== 'password' && interactive !== undefined) {
      // No spinner: the person reads the prompt and the reminders on the terminal while the sign-in waits.
      const stop = interactive.waiting();
      try {
        const value = await provider(call);
        logger?.addSecrets(value.secretSigningKey, value.secretCryptoAccessKey);
        return { config, credentials: value, timings: { settingsMs: settings.ms, keyPairMs, totalMs: performance.now() - started, requests } };
      } finally {
        stop();
      }
    }
    const { value } = await ui.spin(sessionMode === 'reuse' ? `getting Ubiq credentials for ${config.user.username} (from the session, else signing in to ${config.idp.provider})` : `signing in as ${config.user.username} (${config.idp.provider}) and exchanging for Ubiq credentials`, () => provider(call).catch(givenUp));
    logger?.addSecrets(value.secretSigningKey, value.secretCryptoAccessKey);
    return { config, credentials: value, timings: { settingsMs: settings.ms, keyPairMs, totalMs: performance.now() - started, requests } };
  } finally {
    await provider.close();
    await transport.close();
  }
}
