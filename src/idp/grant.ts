import * as oidc from 'openid-client';
import type { IdpSettings, IdpUserCredentials } from '../config/types.js';
import { createHttpClient, describeUrl, type HttpClient, type HttpOptions } from '../http/index.js';
import { checkEndpointUrl } from '../util/endpoint-url.js';
import { allowsInsecureHttp } from '../util/insecure-http.js';
import { silentLogger } from '../util/logger.js';
import { basicCredentialForms } from '../util/redact.js';
import { isIdpError, type IdpErrorCode } from './errors.js';
import { createIdpFetch } from './idp-fetch.js';
import { idpError, invalidSuccess, toIdpError, type MapContext } from './map-error.js';
import { PROVIDERS, type GrantKind } from './providers.js';
import { makeIdpToken, tokenResultSchema, withVia, type IdpToken, type RenewedIdpToken } from './token.js';
import type { Clock } from '../util/clock.js';

/** Options of `fetchIdpToken`, `refreshIdpToken` and `renewIdpToken`. */
export interface FetchIdpTokenOptions extends HttpOptions {
  /** How the client secret is sent. Default `client_secret_post` (in the form body), as the official Ubiq clients do. */
  clientAuth?: 'client_secret_post' | 'client_secret_basic';
  /** Read the token endpoint (and issuer) from this OpenID Connect discovery document instead of `tokenEndpointUrl`. */
  discoveryUrl?: string;
  /** Allow `http://` endpoints. Only for tests against a local emulator. */
  allowInsecureHttp?: boolean;
  /** The clock for `expiresAt` and the ID token's time checks. Default `Date.now`. */
  now?: Clock;
  /** @internal Reuse this client (and its connections) instead of creating and closing one per call. */
  httpClient?: HttpClient;
}

interface GrantRequest {
  kind: Exclude<GrantKind, 'discovery'>;
  parameters: Record<string, string>;
  secrets: (string | undefined)[];
}

// Exported by ubiq-idp through idp/index.ts, which loads this module on its first call (the TSDoc is there).
export async function fetchIdpToken(settings: IdpSettings, credentials: IdpUserCredentials, options: FetchIdpTokenOptions = {}): Promise<IdpToken> {
  const profile = PROVIDERS[settings.provider];
  return grant(
    settings,
    {
      kind: 'password',
      parameters: { username: credentials.username, password: credentials.password, scope: settings.scope ?? profile?.defaultScope(settings) ?? '' },
      secrets: [credentials.password],
    },
    options,
  );
}

// Exported by ubiq-idp through idp/index.ts, which loads this module on its first call (the TSDoc is there).
export async function refreshIdpToken(settings: IdpSettings, refreshToken: string, options: FetchIdpTokenOptions = {}): Promise<IdpToken> {
  const profile = PROVIDERS[settings.provider];
  const parameters: Record<string, string> = { refresh_token: refreshToken };
  if (profile?.refreshSendsScope) parameters.scope = settings.scope ?? profile.defaultScope(settings);
  return grant(settings, { kind: 'refresh_token', parameters, secrets: [refreshToken] }, options);
}

/**
 * Refresh failures after which signing in with the password again can succeed: the IdP refused the refresh
 * token itself (invalid_grant: revoked, expired, rotated away), or the app may no longer use that grant.
 */
const FALL_BACK_TO_PASSWORD: ReadonlySet<IdpErrorCode> = new Set<IdpErrorCode>(['refresh_token_invalid', 'grant_not_enabled']);

// Exported by ubiq-idp through idp/index.ts, which loads this module on its first call (the TSDoc is there).
export async function renewIdpToken(
  settings: IdpSettings,
  credentials: IdpUserCredentials,
  previous: IdpToken | undefined,
  options: FetchIdpTokenOptions = {},
): Promise<RenewedIdpToken> {
  if (previous?.refreshToken !== undefined) {
    try {
      return withVia(await refreshIdpToken(settings, previous.refreshToken, options), 'refresh_token');
    } catch (error) {
      if (!isIdpError(error) || !FALL_BACK_TO_PASSWORD.has(error.code)) throw error;
      (options.logger ?? silentLogger).info?.('refresh token refused; signing in with the password', {
        provider: settings.provider,
        code: error.code,
      });
    }
  }
  return withVia(await fetchIdpToken(settings, credentials, options), 'password');
}

async function grant(settings: IdpSettings, request: GrantRequest, given: FetchIdpTokenOptions): Promise<IdpToken> {
  // UBIQ_ALLOW_INSECURE_HTTP=1 allows http:// here as the option does, for callers that never saw the loader.
  const options: FetchIdpTokenOptions = { ...given, allowInsecureHttp: allowsInsecureHttp(given.allowInsecureHttp) };
  const now = options.now ?? Date.now;
  const context: MapContext = {
    provider: settings.provider,
    grant: request.kind,
    // The Basic forms too: an IdP may echo the Authorization header it refused.
    secrets: [settings.clientSecret, ...basicCredentialForms(settings.clientId, settings.clientSecret), ...request.secrets],
    sentSecret: settings.clientSecret !== '',
    attempts: 0,
    now,
  };
  const profile = PROVIDERS[settings.provider];
  if (profile === undefined) {
    throw idpError({ provider: settings.provider, secrets: context.secrets }, 'invalid_settings', `unknown IdP provider "${String(settings.provider)}" (expected okta or entra)`);
  }
  const tokenEndpoint = checkIdpUrl(settings.tokenEndpointUrl, 'token_endpoint_url', context, options);
  const discoveryUrl = options.discoveryUrl === undefined ? undefined : checkIdpUrl(options.discoveryUrl, 'discoveryUrl', context, options);
  if (settings.clientId === '') throw idpError(context, 'invalid_settings', 'tenant_id (the OAuth client id) is empty');

  const logger = options.logger ?? silentLogger;
  const http = options.httpClient ?? createHttpClient(options);
  const { customFetch, lastStatus, timeoutSeconds } = createIdpFetch(http, options, context);

  const metadata: Partial<oidc.ClientMetadata> = {};
  if (options.now !== undefined) metadata[oidc.clockSkew] = Math.round((options.now() - Date.now()) / 1000);
  const secret = settings.clientSecret;
  const auth = secret === '' ? oidc.None() : options.clientAuth === 'client_secret_basic' ? oidc.ClientSecretBasic(secret) : oidc.ClientSecretPost(secret);
  const insecure = options.allowInsecureHttp === true;

  try {
    let config: oidc.Configuration;
    if (discoveryUrl !== undefined) {
      context.grant = 'discovery';
      config = await oidc.discovery(discoveryUrl, settings.clientId, metadata, auth, {
        [oidc.customFetch]: customFetch,
        execute: insecure ? [oidc.allowInsecureRequests] : [],
        timeout: timeoutSeconds,
      });
      context.grant = request.kind;
      context.attempts = 0;
    } else {
      config = new oidc.Configuration(
        { issuer: profile.issuerFromTokenEndpoint(tokenEndpoint), token_endpoint: tokenEndpoint.href },
        settings.clientId,
        metadata,
        auth,
      );
      config[oidc.customFetch] = customFetch;
      if (insecure) oidc.allowInsecureRequests(config);
    }
    config.timeout = timeoutSeconds;
    logger.debug?.(`${request.kind} grant`, { provider: settings.provider, endpoint: describeUrl(config.serverMetadata().token_endpoint ?? '') });
    const result =
      request.kind === 'password'
        ? await oidc.genericGrantRequest(config, 'password', request.parameters)
        : await oidc.refreshTokenGrant(config, request.parameters.refresh_token ?? '', withoutKey(request.parameters, 'refresh_token'));
    const token = tokenFromResult(result, now(), lastStatus(), context);
    logger.debug?.(`${request.kind} grant succeeded`, { provider: settings.provider, attempts: context.attempts });
    return token;
  } catch (error) {
    const mapped = await toIdpError(error, lastStatus(), context, options.signal);
    logger.debug?.(`${context.grant} failed`, { provider: settings.provider, code: mapped.code, status: mapped.status, attempts: mapped.attempts });
    throw mapped;
  } finally {
    if (options.httpClient === undefined) await http.close();
  }
}

/** @internal An IdP endpoint through the library's one URL validation; an IdpError when it is refused. */
export function checkIdpUrl(value: string, name: string, context: Pick<MapContext, 'provider' | 'secrets'>, options: Pick<FetchIdpTokenOptions, 'allowInsecureHttp'>): URL {
  const checked = checkEndpointUrl('url', value, { allowInsecureHttp: options.allowInsecureHttp === true });
  if (checked.url === undefined) {
    const code = checked.problems.some((p) => p.code === 'insecure_http') ? 'insecure_endpoint' : 'invalid_settings';
    throw idpError(context, code, `${name} ${checked.problems.map((p) => p.message).join('; ')}`);
  }
  return new URL(checked.url);
}

/**
 * @internal The token from openid-client's result. openid-client parsed the body once and checked it (types,
 * numeric-string `expires_in`, the ID token); what it allows and we cannot use is a DPoP token or a missing
 * `expires_in`, checked here on its result rather than on the body a second time.
 */
export function tokenFromResult(
  result: oidc.TokenEndpointResponse & oidc.TokenEndpointResponseHelpers,
  received: number,
  status: number | undefined,
  context: MapContext,
): IdpToken {
  const checked = tokenResultSchema.safeParse(result);
  if (!checked.success) {
    const problems = checked.error.issues.map((issue) => `${issue.path.join('.') || '(body)'}: ${issue.message}`).join('; ');
    throw invalidSuccess(status ?? 200, context, undefined, problems);
  }
  const claims = result.id_token === undefined ? undefined : result.claims();
  return makeIdpToken(checked.data, received, claims === undefined ? undefined : { ...claims });
}

function withoutKey(record: Record<string, string>, key: string): Record<string, string> {
  return Object.fromEntries(Object.entries(record).filter(([name]) => name !== key));
}
