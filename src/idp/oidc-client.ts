import * as oidc from 'openid-client';
import type { IdpSettings } from '../config/types.js';
import { createHttpClient, type HttpClient } from '../http/index.js';
import { allowsInsecureHttp } from '../util/insecure-http.js';
import { checkIdpUrl, tokenFromResult, type FetchIdpTokenOptions } from './grant.js';
import { createIdpFetch } from './idp-fetch.js';
import { idpError, toIdpError, type MapContext } from './map-error.js';
import { discoveryUrlFor, PROVIDERS, type GrantKind } from './providers.js';
import { basicCredentialForms } from '../util/redact.js';
import type { IdpToken } from './token.js';

/** @internal An openid-client configuration from discovery, with our HTTP client, for a device or browser sign-in. */
export interface IdpClient {
  config: oidc.Configuration;
  context: MapContext;
  /** The status of the last answer, for `toIdpError` (openid-client's errors about a 200 body do not carry it). */
  lastStatus(): number | undefined;
  close(): Promise<void>;
}

/**
 * The scope of a device or browser sign-in: the password grant's, plus `openid` (the ID token carries the
 * nonce) and `offline_access` (a refresh token, so the session renews without the person).
 */
export function interactiveScope(settings: IdpSettings): string {
  const base = settings.scope ?? PROVIDERS[settings.provider].defaultScope(settings);
  const scopes = base.split(/\s+/).filter((s) => s !== '');
  for (const extra of ['openid', 'offline_access']) if (!scopes.includes(extra)) scopes.push(extra);
  return scopes.join(' ');
}

/** @internal Discovers the IdP and builds a public or confidential client for a device or browser sign-in. */
export async function openIdpClient(settings: IdpSettings, grant: GrantKind, given: FetchIdpTokenOptions, secrets: (string | undefined)[] = []): Promise<IdpClient> {
  const options: FetchIdpTokenOptions = { ...given, allowInsecureHttp: allowsInsecureHttp(given.allowInsecureHttp) };
  const now = options.now ?? Date.now;
  const context: MapContext = {
    provider: settings.provider,
    grant: 'discovery',
    secrets: [settings.clientSecret, ...basicCredentialForms(settings.clientId, settings.clientSecret), ...secrets],
    sentSecret: settings.clientSecret !== '',
    attempts: 0,
    now,
  };
  if ((PROVIDERS as Partial<Record<string, unknown>>)[settings.provider] === undefined) {
    throw idpError(context, 'invalid_settings', `unknown IdP provider "${String(settings.provider)}" (expected okta or entra)`);
  }
  if (settings.clientId === '') throw idpError(context, 'invalid_settings', 'tenant_id (the OAuth client id) is empty');
  // The same URL validation as the password grant and the config loader.
  const tokenEndpoint = checkIdpUrl(settings.tokenEndpointUrl, 'token_endpoint_url', context, options);
  const discoveryUrl =
    options.discoveryUrl === undefined
      ? new URL(discoveryUrlFor({ provider: settings.provider, tokenEndpointUrl: tokenEndpoint.href }))
      : checkIdpUrl(options.discoveryUrl, 'discoveryUrl', context, options);
  const http: HttpClient = options.httpClient ?? createHttpClient(options);
  const { customFetch, lastStatus, timeoutSeconds } = createIdpFetch(http, options, context);
  const metadata: Partial<oidc.ClientMetadata> = {};
  if (options.now !== undefined) metadata[oidc.clockSkew] = Math.round((options.now() - Date.now()) / 1000);
  const secret = settings.clientSecret;
  // Device and browser sign-in work for public clients (no secret), as the Native / desktop apps are.
  const auth = secret === '' ? oidc.None() : options.clientAuth === 'client_secret_basic' ? oidc.ClientSecretBasic(secret) : oidc.ClientSecretPost(secret);
  const close = async () => {
    if (options.httpClient === undefined) await http.close();
  };
  try {
    const config = await oidc.discovery(discoveryUrl, settings.clientId, metadata, auth, {
      [oidc.customFetch]: customFetch,
      execute: options.allowInsecureHttp === true ? [oidc.allowInsecureRequests] : [],
      timeout: timeoutSeconds,
    });
    config.timeout = timeoutSeconds;
    context.grant = grant;
    context.attempts = 0;
    return { config, context, lastStatus, close };
  } catch (error) {
    await close();
    throw await toIdpError(error, lastStatus(), context, options.signal);
  }
}

/** @internal The token from a successful grant answer, validated as the password grant's is. */
export function tokenFromAnswer(client: IdpClient, result: oidc.TokenEndpointResponse & oidc.TokenEndpointResponseHelpers, received: number): IdpToken {
  return tokenFromResult(result, received, client.lastStatus(), client.context);
}
