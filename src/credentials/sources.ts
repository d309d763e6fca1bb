import process from 'node:process';
import { isConfigNotFoundError } from '../config/errors.js';
import type { LoadConfigOptions, LoadedConfig } from '../config/load.js';
import { checkUrl } from '../config/mistakes.js';
import { DEFAULT_SERVER } from '../util/endpoint-url.js';
import { allowsInsecureHttp } from '../util/insecure-http.js';
import { chain } from './chain.js';
import { CredentialsError, CredentialsUnavailableError, isCredentialsUnavailableError } from './errors.js';
import { ExportedCredentialsError } from './exported-errors.js';
import { generateRsaKeyPair, type RsaKeyPair } from '../crypto/keypair.js';
import { createIdpCredentialProvider, createListeners, type CredentialProvider, type IdpCredentialProviderOptions, type ProviderCallOptions } from './provider.js';
import { createUbiqStaticCredentials, type UbiqCredentials, type UbiqIdpCredentials, type UbiqStaticCredentials } from './ubiq-credentials.js';

/** Options of the config-driven sources: the IdP provider's options, plus the profile at top level. */
export interface SourceOptions extends Omit<IdpCredentialProviderOptions, 'config' | 'onRefresh'> {
  /** Credentials profile (INI section). Else `UBIQ_PROFILE`, else `default`. Same as `load.profile`. */
  profile?: string;
  onRefresh?: (credentials: UbiqCredentials, info: Parameters<NonNullable<IdpCredentialProviderOptions['onRefresh']>>[1]) => void;
}


/** A provider that always answers the same static keys. */
function constant(credentials: UbiqStaticCredentials): CredentialProvider<UbiqStaticCredentials> {
  const provider = (() => Promise.resolve(credentials)) as CredentialProvider<UbiqStaticCredentials>;
  provider.forceRefresh = () => Promise.resolve(credentials);
  provider.close = async () => {};
  provider.onRefresh = () => () => {};
  provider.onRefreshError = () => () => {};
  return provider;
}

/**
 * Exported IdP credentials (certificate, encrypted private key…): served until the certificate expires,
 * then an `exported_credentials_expired` error; there is nothing to renew them with.
 */
function issuedCredentials(credentials: UbiqIdpCredentials, source: string, now: () => number): CredentialProvider<UbiqCredentials> {
  // eslint-disable-next-line @typescript-eslint/require-await -- async so that the expiry error below reaches the caller as a rejection
  const serve = async () => {
    if (credentials.expiresAt.getTime() <= now()) {
      throw new ExportedCredentialsError('exported_credentials_expired', `The exported credentials in ${source} expired at ${credentials.expiresAt.toISOString()}.`, {
        hint: `Export them again: eval "$(ubiq-idp credentials --format env)", or 'ubiq-idp credentials --format ini' into the credentials file.`,
      });
    }
    return credentials;
  };
  const provider = serve as CredentialProvider<UbiqCredentials>;
  provider.forceRefresh = serve;
  provider.close = async () => {};
  provider.onRefresh = () => () => {};
  provider.onRefreshError = () => () => {};
  return provider;
}

function describeSource(config: LoadedConfig): string {
  const where = config.sources.fields['keys.accessKeyId'];
  if (where === undefined || where.origin === 'env') return 'the environment (UBIQ_ACCESS_KEY_ID, UBIQ_PAYLOAD_CERT, …)';
  if (where.origin === 'credentials') return `${where.source} [${where.profile ?? config.profile}]`;
  return 'the options';
}

/**
 * A source that reads the settings once (on first use) and then answers static keys or runs an IdP
 * provider, depending on what the profile holds. `available` says why this source has nothing, if so.
 */
function configSource(
  name: string,
  options: SourceOptions,
  available: (config: LoadedConfig, load: LoadConfigOptions) => string | undefined | Promise<string | undefined>,
  precheck?: () => string | undefined,
): CredentialProvider<UbiqCredentials> {
  const { profile, onRefresh, ...rest } = options;
  // The top-level allowInsecureHttp reaches the loader too: one switch for settings, sign-in and exchange.
  const insecure = rest.load?.allowInsecureHttp === true || rest.allowInsecureHttp === true;
  const base: LoadConfigOptions = { ...(rest.load ?? {}), ...(insecure ? { allowInsecureHttp: true } : {}) };
  // A grant asked for in code is a setting like the others: `grant: 'device'` needs no IDP_USERNAME/IDP_PASSWORD.
  const grant = rest.grant === undefined ? {} : { overrides: { ...base.overrides, idp: { ...base.overrides?.idp, grant: rest.grant } } };
  const load: LoadConfigOptions = { ...base, ...grant, ...(profile === undefined ? {} : { profile }) };
  const listeners = createListeners<UbiqCredentials>({ onRefresh, onRefreshError: rest.onRefreshError });
  // Pre-generation starts now, not when the settings turn out to be an IdP profile.
  let keyPair: RsaKeyPair | Promise<RsaKeyPair> | undefined;
  if (rest.pregenerateKeyPair === true) {
    const pending = generateRsaKeyPair({ ...(rest.modulusLength === undefined ? {} : { modulusLength: rest.modulusLength }), ...(rest.keyGeneration === undefined ? {} : { keyGeneration: rest.keyGeneration }) });
    pending.catch(() => {});
    keyPair = pending;
  } else if (typeof rest.pregenerateKeyPair === 'object') keyPair = rest.pregenerateKeyPair;

  let inner: CredentialProvider<UbiqCredentials> | undefined;
  let pending: Promise<CredentialProvider<UbiqCredentials>> | undefined;
  let closed = false;

  async function build(): Promise<CredentialProvider<UbiqCredentials>> {
    const skip = precheck?.();
    if (skip !== undefined) throw new CredentialsUnavailableError(`${name}: ${skip}`);
    let config: LoadedConfig;
    try {
      // Loaded on first use, like everything a source needs: importing ubiq-idp evaluates no zod or ini.
      const { loadConfig } = await import('../config/load.js');
      config = await loadConfig(load);
    } catch (error) {
      if (isConfigNotFoundError(error) || isCredentialsUnavailableError(error)) {
        throw new CredentialsUnavailableError(`${name}: ${error.message}`, { cause: error, ...(error.hint === undefined ? {} : { hint: error.hint }) });
      }
      throw error;
    }
    const why = await available(config, load);
    if (why !== undefined) throw new CredentialsUnavailableError(`${name}: ${why}`);
    if (closed) throw new CredentialsError('provider_closed', 'Ubiq credentials provider was closed.');
    if (config.kind === 'static' && config.issued !== undefined) {
      const source = describeSource(config);
      const now = rest.now ?? Date.now;
      const { restoreIdpCredentials } = await import('./exported.js');
      return issuedCredentials(restoreIdpCredentials({ server: config.server, keys: config.keys, issued: config.issued, profile: config.profile, source }, now()), source, now);
    }
    if (config.kind === 'static') {
      return constant(createUbiqStaticCredentials({ server: config.server, ...config.keys, profile: config.profile }));
    }
    // The sources know the loader's home and environment, so they keep the session unless told not to.
    const idp: CredentialProvider<UbiqIdpCredentials> = createIdpCredentialProvider({
      ...rest,
      load,
      config,
      session: rest.session ?? true,
      ...(keyPair === undefined ? {} : { pregenerateKeyPair: keyPair }),
      onRefreshError: undefined,
    });
    idp.onRefresh(listeners.emitRefresh);
    idp.onRefreshError(listeners.emitError);
    return idp;
  }

  async function ready(): Promise<CredentialProvider<UbiqCredentials>> {
    if (inner !== undefined) return inner;
    if (closed) throw new CredentialsError('provider_closed', 'Ubiq credentials provider was closed.');
    if (pending === undefined) {
      const mine = build().then((built) => {
        inner = built;
        return built;
      });
      pending = mine;
      // Unavailable or misconfigured is not remembered: the next call reads the settings again.
      mine.catch(() => {
        if (pending === mine) pending = undefined;
      });
    }
    return pending;
  }

  const provider = (async (call?: ProviderCallOptions) => (inner ?? (await ready()))(call)) as CredentialProvider<UbiqCredentials>;
  provider.forceRefresh = async (call?: ProviderCallOptions) => (await ready()).forceRefresh(call);
  provider.close = async () => {
    if (closed) return;
    closed = true;
    listeners.clear();
    await inner?.close();
  };
  provider.onRefresh = listeners.onRefresh;
  provider.onRefreshError = listeners.onRefreshError;
  return provider;
}

function envHas(env: Record<string, string | undefined>, name: string): boolean {
  return (env[name] ?? '').trim() !== '';
}

/**
 * Credentials from `UBIQ_*` environment variables, the CI way: `UBIQ_IDP_USERNAME`/`UBIQ_IDP_PASSWORD`
 * with the `UBIQ_IDP_*` block (provider, customer id, token endpoint, tenant id, client secret), or the
 * static `UBIQ_ACCESS_KEY_ID`/`UBIQ_SECRET_SIGNING_KEY`/`UBIQ_SECRET_CRYPTO_ACCESS_KEY`. With those three
 * plus `UBIQ_PAYLOAD_CERT`, `UBIQ_ENCRYPTED_PRIVATE_KEY`, `UBIQ_CREDENTIALS_USERNAME` and
 * `UBIQ_CREDENTIALS_PROVIDER` (what `eval "$(ubiq-idp credentials --format env)"` sets), they are IdP
 * credentials until the certificate expires (`exported_credentials_expired` after). Unavailable
 * (so `chain()` moves on) when neither `UBIQ_IDP_USERNAME` nor `UBIQ_ACCESS_KEY_ID` is set; settings the
 * environment lacks (e.g. the `idp` block) still come from the files, by the usual precedence.
 *
 * @example
 * // UBIQ_IDP_USERNAME=… UBIQ_IDP_PASSWORD=… UBIQ_IDP_PROVIDER=okta UBIQ_IDP_CUSTOMER_ID=… …
 * const provider = fromEnv();
 * const credentials = await provider();
 */
export function fromEnv(options: SourceOptions = {}): CredentialProvider<UbiqCredentials> {
  const env = () => options.load?.env ?? process.env;
  return configSource(
    'environment',
    options,
    (config) => {
      const key = config.kind === 'idp' ? 'user.username' : 'keys.accessKeyId';
      const origin = config.sources.fields[key]?.origin;
      return origin === 'env' || origin === 'option' ? undefined : 'the credentials were not set in the environment';
    },
    () => (envHas(env(), 'UBIQ_IDP_USERNAME') || envHas(env(), 'UBIQ_ACCESS_KEY_ID') ? undefined : 'neither UBIQ_IDP_USERNAME nor UBIQ_ACCESS_KEY_ID is set'),
  );
}

/**
 * Credentials from `~/.ubiq/credentials` (or `credentials.json`, or `UBIQ_CREDENTIALS_FILE`) and the
 * `idp` block of `~/.ubiq/configuration`: an IdP sign-in when the profile has `IDP_USERNAME`, exported IdP
 * credentials when it has `PAYLOAD_CERT` and `ENCRYPTED_PRIVATE_KEY` (`ubiq-idp credentials --format ini`),
 * static keys otherwise. Unavailable when no file supplies anything.
 *
 * @example
 * const provider = fromConfigFiles({ profile: 'idp' });
 * const credentials = await provider();
 */
export function fromConfigFiles(options: SourceOptions = {}): CredentialProvider<UbiqCredentials> {
  return configSource('files', options, () => undefined);
}

/**
 * IdP credentials only (env and files, by the usual precedence): unavailable when the profile holds
 * static API keys instead of an IdP sign-in.
 *
 * When the IdP enforces MFA, sign in with the device or browser grant: the person signs in once, the
 * session (`~/.ubiq/sessions/`) then serves this and every other process silently, renewed with the
 * refresh token.
 *
 * @example
 * const provider = fromIdp({ profile: 'idp', pregenerateKeyPair: true });
 *
 * @example
 * // MFA: show the code; the person finishes on their phone or laptop.
 * const provider = fromIdp({
 *   grant: 'device',
 *   onDeviceCode: ({ verificationUri, userCode }) => console.error(`Open ${verificationUri} and enter ${userCode}`),
 * });
 *
 * @example
 * // MFA in a desktop app: the system browser opens at the IdP's sign-in page.
 * const provider = fromIdp({ grant: 'browser', onAuthorizationUrl: (url, opened) => opened || console.error(`Open ${url}`) });
 */
export function fromIdp(options: SourceOptions = {}): CredentialProvider<UbiqCredentials> {
  return configSource('IdP sign-in', options, (config) =>
    config.kind === 'idp' || config.issued !== undefined ? undefined : `the profile "${config.profile}" has API keys, not an IdP sign-in (IDP_USERNAME/IDP_PASSWORD)`,
  );
}

/**
 * Credentials from the session that `ubiq-idp login` (or any provider of this library) keeps in
 * `~/.ubiq/sessions/` for the profile's server, customer and user: served at once while valid (no key
 * generation, no network), renewed with the session's refresh token without the password (falling back
 * to the password only when the profile has one and the IdP refuses the refresh token), and written
 * back for the next process. Unavailable (so `chain()` moves on) when there is no usable session:
 * none for this profile, sessions turned off (`session: false`), or one that cannot be used (another
 * user, a damaged file, loose permissions: a warning through `logger`, or a `SessionError` under
 * `load.strictPermissions`).
 *
 * @example
 * // after `ubiq-idp login --profile idp` once:
 * const provider = fromSession({ profile: 'idp' });
 * const credentials = await provider(); // no sign-in
 */
export function fromSession(options: SourceOptions = {}): CredentialProvider<UbiqCredentials> {
  return configSource('session', options, async (config, load) => {
    if (options.session === false) return 'sessions are turned off (session: false)';
    if (config.kind !== 'idp') return `the profile "${config.profile}" has API keys, not an IdP sign-in`;
    const session = typeof options.session === 'object' ? options.session : {};
    const { sessionStoreFor } = await import('../session/identity.js');
    const store = sessionStoreFor(config, load, { dir: session.dir, logger: options.logger });
    if (store === undefined) return 'there is no home directory to keep sessions in';
    const record = await store.read();
    if (record === undefined) return `no session for profile "${config.profile}" in ${store.location.dir}`;
    const valid = record.credentials !== undefined && record.credentials.expiresAt.getTime() > Date.now();
    if (!valid && record.refreshToken === undefined && config.user.password === '') return 'the session has expired and holds no refresh token';
    return undefined;
  });
}

/** Keys given in code to {@link fromStaticKeys}. */
export interface StaticKeysInput {
  accessKeyId: string;
  secretSigningKey: string;
  secretCryptoAccessKey: string;
  /** Default `https://api.ubiqsecurity.com`. */
  server?: string;
}

type TrimmedKeys = { success: true; data: StaticKeysInput } | { success: false; fields: string[] };

// Values given in code, checked by hand rather than by a zod schema: fromStaticKeys() is synchronous, and
// zod is not loaded on the way to it (importing ubiq-idp stays light).
function trimmedKeys(keys: StaticKeysInput): TrimmedKeys {
  const given: Record<string, unknown> = typeof keys === 'object' && keys !== null ? { ...keys } : {};
  const data: Record<string, string> = {};
  const fields: string[] = [];
  for (const name of ['accessKeyId', 'secretSigningKey', 'secretCryptoAccessKey', 'server'] as const) {
    const value = given[name];
    if (name === 'server' && value === undefined) continue;
    if (typeof value === 'string' && value.trim() !== '') data[name] = value.trim();
    else fields.push(name);
  }
  return fields.length > 0 ? { success: false, fields } : { success: true, data: data as unknown as StaticKeysInput };
}

/**
 * Long-lived API keys: the ones given, or else a non-IdP profile's (env and files). Unavailable when the
 * settings hold an IdP sign-in instead.
 *
 * @example
 * const provider = fromStaticKeys({ accessKeyId, secretSigningKey, secretCryptoAccessKey });
 */
export function fromStaticKeys(keys?: StaticKeysInput, options: SourceOptions = {}): CredentialProvider<UbiqCredentials> {
  if (keys === undefined) {
    return configSource('static keys', options, (config) =>
      config.kind === 'static' && config.issued === undefined ? undefined : `the profile "${config.profile}" has an IdP sign-in, not API keys`,
    );
  }
  const parsed = trimmedKeys(keys);
  if (!parsed.success) {
    const fields = parsed.fields.join(', ');
    throw new CredentialsError('invalid_provider_options', `fromStaticKeys(): ${fields} must be non-empty strings.`, {
      hint: 'Pass the three values of the API key from the Ubiq UI.',
    });
  }
  const checked = checkUrl('server', parsed.data.server ?? DEFAULT_SERVER, allowsInsecureHttp(options.allowInsecureHttp === true || options.load?.allowInsecureHttp === true, options.load?.env));
  if (checked.url === undefined) {
    throw new CredentialsError('invalid_provider_options', `fromStaticKeys(): server ${checked.findings.map((f) => f.message).join('; ')}.`, {
      hint: 'Give the Ubiq API base URL, e.g. https://api.ubiqsecurity.com.',
    });
  }
  const server = checked.url;
  return constant(
    createUbiqStaticCredentials({
      server,
      accessKeyId: parsed.data.accessKeyId,
      secretSigningKey: parsed.data.secretSigningKey,
      secretCryptoAccessKey: parsed.data.secretCryptoAccessKey,
      profile: undefined,
    }),
  );
}

/**
 * What most applications want: the environment first (CI), then the session that `ubiq-idp login` or an
 * earlier process left (`fromSession()`), then the files (a developer's machine), each an IdP sign-in
 * when the profile has IdP fields and static keys otherwise. IdP sign-ins keep the session up to date
 * for the next process (`session: false` turns that off). Create one per process and share it: it signs
 * in once and refreshes in the background.
 *
 * @example
 * import { defaultProvider } from 'ubiq-idp';
 * const provider = defaultProvider({ pregenerateKeyPair: true });
 * const credentials = await provider();
 * // … on shutdown:
 * await provider.close();
 */
export function defaultProvider(options: SourceOptions = {}): CredentialProvider<UbiqCredentials> {
  // One key pair for whichever source wins, started now when asked for.
  let shared = options;
  if (options.pregenerateKeyPair === true) {
    const pending = generateRsaKeyPair({ ...(options.modulusLength === undefined ? {} : { modulusLength: options.modulusLength }), ...(options.keyGeneration === undefined ? {} : { keyGeneration: options.keyGeneration }) });
    pending.catch(() => {});
    shared = { ...options, pregenerateKeyPair: pending };
  }
  const quiet = { ...shared, onRefresh: undefined, onRefreshError: undefined };
  // The session comes before the files' password sign-in (and is used by it too when it gets there).
  const provider = chain(fromEnv(quiet), fromSession(quiet), fromConfigFiles(quiet));
  if (options.onRefresh) provider.onRefresh(options.onRefresh);
  if (options.onRefreshError) provider.onRefreshError(options.onRefreshError);
  return provider;
}
