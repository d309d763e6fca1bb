import { randomUUID } from 'node:crypto';
import type { JWTPayload } from 'jose';
import { createEmulatorClock, type EmulatorClock } from './emulator-clock.js';
import {
  createEmulatorHost,
  jsonResponse,
  randomToken,
  readClientAuth,
  readForm,
  secretEquals,
  type EmulatorBase,
  type EmulatorListenOptions,
  withBase,
} from './emulator-host.js';
import { createDirectory, type EmulatorDirectoryApi } from './emulator-directory.js';
import { createKeyRing, type RotateKeysOptions } from './emulator-keys.js';
import { EmulatorUsageError } from './emulator-errors.js';
import { createInteractiveSignIn, type InteractiveTokenError } from './emulator-interactive.js';
import { newTotpSecret } from './emulator-totp.js';

/** Access token format of a resource app (`requestedAccessTokenVersion` in its manifest). */
export type EntraTokenVersion = 1 | 2;

/** A client secret of an app registration (Certificates & secrets → Client secrets). */
export interface EntraSecretInput {
  value: string;
  /** Epoch ms or Date (emulator clock). Default: never. */
  expiresAt?: number | Date;
}

/** An app registration plus its enterprise application (service principal). */
export interface EntraAppInput {
  /** Application (client) ID, a GUID; generated when absent. */
  clientId?: string;
  displayName?: string;
  /** Shorthand for one secret that does not expire. */
  clientSecret?: string;
  secrets?: EntraSecretInput[];
  /** Expose an API → Application ID URI. Default `api://{clientId}`. */
  applicationIdUri?: string;
  /** Scopes it exposes (Expose an API → Add a scope). Default `['Custom.Read']`. */
  scopes?: string[];
  /** "Grant admin consent" was clicked for its API permissions. Default true; false → AADSTS65001. */
  adminConsent?: boolean;
  /** Authentication → "Allow public client flows": ROPC and the device code flow without a client secret. Default false (→ AADSTS7000218). */
  allowPublicClient?: boolean;
  /**
   * Authentication → "Mobile and desktop applications" redirect URIs. The authorization endpoint accepts these
   * (a loopback `http://127.0.0.1/…` or `http://localhost/…` one with any port, as Entra does), and a client
   * without a secret may redeem codes for them. Default none.
   */
  redirectUris?: string[];
  /** Enterprise app → Properties → "Assignment required?". Default false; true → AADSTS50105 for unassigned users. */
  assignmentRequired?: boolean;
  /** Users (UPN or object id) and groups (name or object id) assigned to the app (Users and groups → Add). */
  assignedUsers?: string[];
  assignedGroups?: string[];
  /** Token configuration → groups claim. `all` (default), `assigned` ("Groups assigned to the application"), or `none`. */
  groupsClaim?: 'all' | 'assigned' | 'none';
  /** Format of access tokens for this app's API. Default: the emulator's `tokenVersion` (1). */
  accessTokenVersion?: EntraTokenVersion;
  /** Default 3600 s. */
  accessTokenLifetimeSeconds?: number;
}

/** An app as the emulator holds it (no secret values). */
export interface EntraApp {
  clientId: string;
  displayName: string;
  applicationIdUri: string;
  scopes: string[];
  adminConsent: boolean;
  allowPublicClient: boolean;
  redirectUris: string[];
  assignmentRequired: boolean;
  assignedUsers: string[];
  assignedGroups: string[];
  groupsClaim: 'all' | 'assigned' | 'none';
  accessTokenVersion: EntraTokenVersion;
  accessTokenLifetimeSeconds: number;
  /** Expiry (epoch ms, undefined = never) of each secret, in the order added. */
  secretExpiries: Array<number | undefined>;
}

/** A user of the directory. */
export interface EntraUserInput {
  /** Object id (GUID); generated when absent. The token's `oid`. */
  id?: string;
  userPrincipalName: string;
  password: string;
  displayName?: string;
  givenName?: string;
  surname?: string;
  /** Default true; false → AADSTS50057. */
  accountEnabled?: boolean;
  /** Smart lockout tripped → AADSTS50053. */
  locked?: boolean;
  /** Password expired → AADSTS50055. */
  passwordExpired?: boolean;
  /** Conditional Access / per-user MFA requires a second factor → AADSTS50076 (or 50079 when not registered). */
  mfaRequired?: boolean;
  /** Has registered MFA methods. Default true; with `mfaRequired`, false → AADSTS50079. */
  mfaRegistered?: boolean;
  /** Has an authenticator app (TOTP): browser and device sign-in ask for its code. Implied by `mfaRequired`. */
  totp?: boolean;
  /** Group names or object ids (groups are created on demand by name). */
  groups?: string[];
}

/** A user as the emulator holds it (no password). */
export type EntraUser = Required<Omit<EntraUserInput, 'password' | 'groups'>> & { groups: string[] };

/** A security group. */
export interface EntraGroup {
  /** Object id (GUID): the value in the `groups` claim. */
  id: string;
  displayName: string;
}

/** Options of `createEntraEmulator`. */
export interface EntraEmulatorOptions {
  /** Directory (tenant) ID, a GUID; generated when absent. */
  tenantId?: string;
  /** A verified domain of the tenant; also accepted in URLs in place of the id. Default `contoso.onmicrosoft.com`. */
  tenantDomain?: string;
  /**
   * Base URL before `listen()` (and in fetch-only mode). Default `https://login.microsoftonline.com`.
   * While listening, it is the listen URL.
   */
  baseUrl?: string;
  apps?: EntraAppInput[];
  users?: EntraUserInput[];
  groups?: Array<{ id?: string; displayName: string }>;
  /** Default access token version for apps that do not set one. Default 1 (what `api://` resources get). */
  tokenVersion?: EntraTokenVersion;
  clock?: EmulatorClock;
  /** Offset added to `iat`/`nbf`/`exp` of issued tokens, in ms. */
  skewMs?: number;
  modulusLength?: number;
}

/** The tenant's URLs and issuers. */
export interface EntraUrls {
  tenantId: string;
  /** `{base}/{tenant}/v2.0/.well-known/openid-configuration`. */
  discoveryUrl: string;
  /** `{base}/{tenant}/discovery/v2.0/keys` (the same keys sign v1 and v2 tokens). */
  jwksUri: string;
  /** `{base}/{tenant}/oauth2/v2.0/token`. */
  tokenEndpoint: string;
  /** `https://sts.windows.net/{tid}/`: the `iss` of v1 access tokens (what the seed tells Ubiq to expect). */
  issuerV1: string;
  /** `{base}/{tid}/v2.0`: the discovery document's issuer and the `iss` of v2 tokens and ID tokens. */
  issuerV2: string;
}

/** What `listen()` returns. */
export interface EntraListenInfo extends EntraUrls {
  url: string;
  port: number;
}

/** Options of `signToken()`. */
export interface EntraSignTokenOptions {
  header?: Record<string, unknown>;
  /** Sign with a key that is NOT in the JWKS (a forged token). */
  unpublishedKey?: boolean;
}

/** An in-process Entra ID tenant. See `createEntraEmulator`. */
export interface EntraEmulator
  extends EmulatorBase,
    Readonly<EntraUrls>,
    EmulatorDirectoryApi<EntraUserInput, EntraUser, { id?: string; displayName: string }, EntraGroup, EntraAppInput, EntraApp> {
  listen(options?: EmulatorListenOptions): Promise<EntraListenInfo>;
  /** The v1 issuer (`https://sts.windows.net/{tid}/`), the one the SSO endpoint is configured with. */
  readonly issuer: string;
  readonly tenantDomain: string;
  /** The `aud` of access tokens for an app's API: its Application ID URI (v1) or client id (v2). */
  audienceOf(clientId: string): string;

  /** Adds a client secret to an app. */
  addSecret(clientId: string, secret: EntraSecretInput): void;
  rotateKeys(options?: RotateKeysOptions): Promise<{ kid: string; previousKid: string | undefined }>;
  signToken(claims: JWTPayload, options?: EntraSignTokenOptions): Promise<string>;
  /** The current TOTP code (RFC 6238) of a user with an authenticator app (`totp` or `mfaRequired`). */
  totp(upnOrId: string): string;
  /** Approves a pending device code as this user, as if they completed the verification page. */
  approveDevice(userCode: string, upnOrId: string): void;
  /** Declines a pending device code, as if the person cancelled on the verification page. */
  denyDevice(userCode: string): void;
  /** User codes of device codes still waiting for the person. */
  pendingUserCodes(): string[];
}

interface StoredUser extends EntraUser {
  password: string;
  totpSecret: string | undefined;
}
interface StoredApp extends Omit<EntraApp, 'secretExpiries'> {
  secrets: Array<{ value: string; expiresAt: number | undefined }>;
  /** Per-user pairwise `sub`. */
  subjects: Map<string, string>;
}
/** Entra refresh tokens are bound to the client and user, not to one resource: any consented scope can be asked. */
interface RefreshGrant {
  clientId: string;
  userId: string;
  expiresAt: number;
}

const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';

/** Entra's answers to the device code and authorization code grants: status, error, AADSTS number, message. */
const ENTRA_DEVICE_ERRORS: Record<InteractiveTokenError, readonly [number, string, number, string]> = {
  authorization_pending: [400, 'authorization_pending', 70016, 'The provided request has not yet been authorized by the user. The user must input their code.'],
  slow_down: [400, 'slow_down', 70016, 'The client is polling too frequently. Wait for the interval before polling again.'],
  access_denied: [400, 'authorization_declined', 70000, 'The user denied the authorization request.'],
  expired_token: [400, 'expired_token', 70020, "The provided value for the input parameter 'device_code' is not valid. This device code has expired."],
  bad_verification_code: [400, 'bad_verification_code', 70019, "The provided value for the input parameter 'device_code' is not valid."],
  invalid_code: [400, 'invalid_grant', 70008, 'The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource.'],
  redirect_uri_mismatch: [400, 'invalid_grant', 500112, 'The reply address does not match the reply address provided when requesting Authorization code.'],
  pkce_mismatch: [400, 'invalid_grant', 50148, 'The code_verifier does not match the code_challenge supplied in the authorization request for PKCE.'],
};

const GRAPH_APP_ID = '00000003-0000-0000-c000-000000000000';
const OIDC_SCOPES = new Set(['openid', 'profile', 'email', 'offline_access']);
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function entraTimestamp(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}

/**
 * Creates an in-process Microsoft Entra ID tenant: v2.0 discovery, JWKS and token endpoint (ROPC and
 * refresh_token), v1 access tokens for `api://` resources (or v2), and Entra's error bodies (`AADSTSnnnnn`,
 * `error_codes`, `trace_id`, `correlation_id`). Nothing is shared between two emulators.
 *
 * Faithful on purpose: the v2.0 discovery document's `issuer` is the v2 issuer (`{base}/{tid}/v2.0`) even
 * though access tokens for an `api://` resource are v1 tokens with `iss` `https://sts.windows.net/{tid}/`.
 * Verify API access tokens against `emulator.issuer` (= `issuerV1`), as the seed's "IDP Token Issuer" says,
 * and the app's Application ID URI as audience. While listening, `issuerV2` uses the listen URL so that
 * OIDC discovery's issuer check passes; `issuerV1` never changes.
 *
 * @example
 * const entra = createEntraEmulator({
 *   apps: [{ clientId: '11111111-1111-1111-1111-111111111111', clientSecret: 's3cret' }],
 *   users: [{ userPrincipalName: 'ada@contoso.onmicrosoft.com', password: 'pw', groups: ['Engineering'] }],
 * });
 * const { tokenEndpoint, issuerV1 } = await entra.listen();
 * // POST tokenEndpoint: grant_type=password&username=…&password=…&client_id=…&client_secret=…
 * //                     &scope=api://11111111-1111-1111-1111-111111111111/.default
 * await entra.close();
 */
export function createEntraEmulator(options: EntraEmulatorOptions = {}): EntraEmulator {
  const clock = options.clock ?? createEmulatorClock();
  const tenantId = (options.tenantId ?? randomUUID()).toLowerCase();
  const tenantDomain = options.tenantDomain ?? 'contoso.onmicrosoft.com';
  const defaultVersion = options.tokenVersion ?? 1;
  const directory = createDirectory<StoredUser, EntraGroup, RefreshGrant>({
    provider: 'Entra',
    userName: (user) => user.userPrincipalName,
    groupName: (group) => group.displayName,
    createGroup: (displayName) => addGroup({ displayName }),
    foldIdCase: true,
  });
  const { users, groups, refreshTokens, findUser, requireUser } = directory;
  const apps = new Map<string, StoredApp>();
  const issuerV1 = `https://sts.windows.net/${tenantId}/`;
  const keys = createKeyRing({
    clock,
    modulusLength: options.modulusLength ?? 2048,
    // Entra's JWKS entries carry x5t (= kid) and the tenant issuer, and no `alg`.
    decorate: ({ alg: _alg, ...jwk }) => ({ ...jwk, x5t: jwk.kid, issuer: `https://login.microsoftonline.com/${tenantId}/v2.0` }),
    x5tHeader: true,
  });

  const host = createEmulatorHost({
    clock,
    skewMs: options.skewMs,
    defaultBaseUrl: options.baseUrl ?? 'https://login.microsoftonline.com',
    endpoints: () => ({ ...urls(), issuer: issuerV1 }),
    // The v1 discovery document counts (and takes faults) as `discovery` too.
    classify: (url) => routeOf(url.pathname)?.endpoint.replace('discovery_v1', 'discovery') ?? (interactive.ownsPath(url.pathname) ? 'sign_in_page' : 'not_found'),
    route,
    rateLimited: (_retryAfterSeconds, retryAfter) =>
      entraError(
        429,
        'temporarily_unavailable',
        90055,
        'TenantThrottlingError - There are too many incoming requests. Retry after the time in the Retry-After header.',
        undefined,
        { 'retry-after': retryAfter },
      ),
  });

  function urls(): EntraUrls {
    const base = host.baseUrl;
    return {
      tenantId,
      discoveryUrl: `${base}/${tenantId}/v2.0/.well-known/openid-configuration`,
      jwksUri: `${base}/${tenantId}/discovery/v2.0/keys`,
      tokenEndpoint: `${base}/${tenantId}/oauth2/v2.0/token`,
      issuerV1,
      issuerV2: `${base}/${tenantId}/v2.0`,
    };
  }

  // ---- errors -------------------------------------------------------------------------------

  function entraError(
    status: number,
    error: string,
    code: number,
    message: string,
    request: Request | undefined,
    headers: Record<string, string> = {},
    extra: Record<string, unknown> = {},
  ): Response {
    const traceId = randomUUID();
    const correlationId = request?.headers.get('client-request-id') ?? randomUUID();
    const timestamp = entraTimestamp(clock.now());
    return jsonResponse(
      status,
      {
        error,
        error_description: `AADSTS${code}: ${message}\r\nTrace ID: ${traceId}\r\nCorrelation ID: ${correlationId}\r\nTimestamp: ${timestamp}`,
        error_codes: [code],
        timestamp,
        trace_id: traceId,
        correlation_id: correlationId,
        error_uri: `${host.baseUrl}/error?code=${code}`,
        ...extra,
      },
      { 'x-ms-request-id': traceId, 'client-request-id': correlationId, ...headers },
    );
  }

  // ---- routing ------------------------------------------------------------------------------

  type Endpoint = 'discovery' | 'discovery_v1' | 'jwks' | 'token' | 'authorize' | 'device_authorization';
  function routeOf(pathname: string): { tenant: string; endpoint: Endpoint } | undefined {
    const match = /^\/([^/]+)\/(v2\.0\/\.well-known\/openid-configuration|\.well-known\/openid-configuration|discovery\/v2\.0\/keys|discovery\/keys|oauth2\/v2\.0\/token|oauth2\/v2\.0\/authorize|oauth2\/v2\.0\/devicecode)\/?$/.exec(pathname);
    if (match === null) return undefined;
    const tail = match[2] ?? '';
    const endpoint: Endpoint =
      tail === 'oauth2/v2.0/token'
        ? 'token'
        : tail === 'oauth2/v2.0/authorize'
          ? 'authorize'
          : tail === 'oauth2/v2.0/devicecode'
            ? 'device_authorization'
            : tail.includes('keys')
              ? 'jwks'
              : tail.startsWith('v2.0')
                ? 'discovery'
                : 'discovery_v1';
    return { tenant: decodeURIComponent(match[1] ?? ''), endpoint };
  }
  const knownTenant = (tenant: string) => tenant.toLowerCase() === tenantId || tenant.toLowerCase() === tenantDomain.toLowerCase();

  async function route(request: Request, context: { stats: { grant(name: string): void } }): Promise<Response> {
    const pathname = new URL(request.url).pathname;
    if (interactive.ownsPath(pathname)) return interactive.page(request);
    const target = routeOf(pathname);
    if (target === undefined) return new Response('Not Found', { status: 404, headers: { 'content-type': 'text/plain' } });
    if (!knownTenant(target.tenant)) {
      if (target.endpoint === 'token') context.stats.grant('(unknown tenant)');
      return entraError(
        400,
        'invalid_tenant',
        90002,
        `Tenant '${target.tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant.`,
        request,
      );
    }
    if (target.endpoint === 'token') {
      if (request.method !== 'POST') {
        context.stats.grant('(wrong method)');
        return entraError(400, 'invalid_request', 900561, 'The endpoint only accepts POST, OPTIONS requests. Received a GET request.', request);
      }
      return token(request, context.stats);
    }
    if (target.endpoint === 'authorize') return interactive.authorize(request, undefined);
    if (target.endpoint === 'device_authorization') {
      if (request.method !== 'POST') return entraError(400, 'invalid_request', 900561, 'The endpoint only accepts POST, OPTIONS requests. Received a GET request.', request);
      return deviceCode(request);
    }
    if (target.endpoint === 'jwks') return jsonResponse(200, await keys.jwks(), { 'cache-control': 'max-age=86400, private' });
    return jsonResponse(200, target.endpoint === 'discovery' ? discoveryV2() : discoveryV1(), { 'cache-control': 'max-age=86400, private' });
  }

  function discoveryV2(): Record<string, unknown> {
    const u = urls();
    const base = host.baseUrl;
    return {
      token_endpoint: u.tokenEndpoint,
      token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
      jwks_uri: u.jwksUri,
      response_modes_supported: ['query', 'fragment', 'form_post'],
      subject_types_supported: ['pairwise'],
      id_token_signing_alg_values_supported: ['RS256'],
      response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
      // Not in Entra's document; the emulator advertises what it implements so clients and doctor can check.
      grant_types_supported: ['authorization_code', 'refresh_token', 'password', 'urn:ietf:params:oauth:grant-type:device_code'],
      code_challenge_methods_supported: ['S256'],
      scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
      issuer: u.issuerV2,
      request_uri_parameter_supported: false,
      userinfo_endpoint: 'https://graph.microsoft.com/oidc/userinfo',
      authorization_endpoint: `${base}/${tenantId}/oauth2/v2.0/authorize`,
      device_authorization_endpoint: `${base}/${tenantId}/oauth2/v2.0/devicecode`,
      http_logout_supported: true,
      frontchannel_logout_supported: true,
      end_session_endpoint: `${base}/${tenantId}/oauth2/v2.0/logout`,
      claims_supported: ['sub', 'iss', 'cloud_instance_name', 'cloud_instance_host_name', 'cloud_graph_host_name', 'msgraph_host', 'aud', 'exp', 'iat', 'auth_time', 'acr', 'nonce', 'preferred_username', 'name', 'tid', 'ver', 'at_hash', 'c_hash', 'email'],
      kerberos_endpoint: `${base}/${tenantId}/kerberos`,
      tenant_region_scope: 'NA',
      cloud_instance_name: 'microsoftonline.com',
      cloud_graph_host_name: 'graph.windows.net',
      msgraph_host: 'graph.microsoft.com',
      rbac_url: 'https://pas.windows.net',
    };
  }
  function discoveryV1(): Record<string, unknown> {
    const base = host.baseUrl;
    return {
      token_endpoint: `${base}/${tenantId}/oauth2/token`,
      token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
      jwks_uri: `${base}/${tenantId}/discovery/keys`,
      response_modes_supported: ['query', 'fragment', 'form_post'],
      subject_types_supported: ['pairwise'],
      id_token_signing_alg_values_supported: ['RS256'],
      response_types_supported: ['code', 'id_token', 'code id_token', 'token id_token', 'token'],
      scopes_supported: ['openid'],
      issuer: issuerV1,
      authorization_endpoint: `${base}/${tenantId}/oauth2/authorize`,
      http_logout_supported: true,
      end_session_endpoint: `${base}/${tenantId}/oauth2/logout`,
      tenant_region_scope: 'NA',
      cloud_instance_name: 'microsoftonline.com',
    };
  }

  // ---- token endpoint -----------------------------------------------------------------------

  const invalidRequest = (request: Request) =>
    entraError(400, 'invalid_request', 9002313, 'Invalid request. Request is malformed or invalid.', request);
  const missing = (request: Request, parameter: string) =>
    entraError(400, 'invalid_request', 900144, `The request body must contain the following parameter: '${parameter}'.`, request);

  async function token(request: Request, stats: { grant(name: string): void }): Promise<Response> {
    const form = await readForm(request);
    if (form === undefined) {
      stats.grant('(unreadable)');
      return invalidRequest(request);
    }
    const grantType = form.get('grant_type') ?? '';
    stats.grant(grantType === '' ? '(none)' : grantType);
    if (grantType === '') return missing(request, 'grant_type');

    const client = authenticateClient(request, form, grantType === 'authorization_code');
    if (client instanceof Response) return client;
    const { app, confidential } = client;

    if (grantType === 'password') return passwordGrant(request, form, app, confidential);
    if (grantType === 'refresh_token') return refreshGrant(request, form, app, confidential);
    if (grantType === 'authorization_code') return interactive.tokenGrant('authorization_code', form, app.clientId, request);
    if (grantType === DEVICE_GRANT || grantType === 'device_code') return interactive.tokenGrant('device_code', form, app.clientId, request);
    return entraError(400, 'unsupported_grant_type', 70003, `The app requested an unsupported grant type '${grantType}'.`, request);
  }

  /**
   * Client authentication: the app and whether it sent a secret, or Entra's refusal. A client without a secret
   * needs "Allow public client flows", except when redeeming a code for a Mobile and desktop redirect URI.
   */
  function authenticateClient(request: Request, form: URLSearchParams, redeemingCode: boolean): { app: StoredApp; confidential: boolean } | Response {
    const auth = readClientAuth(request, form);
    if (auth.kind === 'multiple' || auth.kind === 'malformed') return invalidRequest(request);
    if (auth.clientId === undefined || auth.clientId === '') return missing(request, 'client_id');
    const app = apps.get(auth.clientId.toLowerCase());
    if (app === undefined) {
      return entraError(
        400,
        'unauthorized_client',
        700016,
        `Application with identifier '${auth.clientId}' was not found in the directory '${tenantDomain}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.`,
        request,
      );
    }
    const secret = auth.kind === 'none' ? undefined : auth.clientSecret;
    if (secret === undefined || secret === '') {
      if (!app.allowPublicClient && !(redeemingCode && app.redirectUris.length > 0)) {
        return entraError(401, 'invalid_client', 7000218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.", request);
      }
    } else {
      const matching = app.secrets.filter((s) => secretEquals(secret, s.value));
      const now = clock.now();
      if (matching.length === 0) {
        return entraError(
          401,
          'invalid_client',
          7000215,
          `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${app.clientId}'.`,
          request,
        );
      }
      if (matching.every((s) => s.expiresAt !== undefined && s.expiresAt <= now)) {
        return entraError(
          401,
          'invalid_client',
          7000222,
          `The provided client secret keys for app '${app.clientId}' are expired. Visit the Azure portal to create new keys for your app: https://aka.ms/NewClientSecret, or consider using certificate credentials for added security: https://aka.ms/certCreds.`,
          request,
        );
      }
    }
    return { app, confidential: secret !== undefined && secret !== '' };
  }

  async function deviceCode(request: Request): Promise<Response> {
    const form = await readForm(request);
    if (form === undefined) return invalidRequest(request);
    const client = authenticateClient(request, form, false);
    if (client instanceof Response) return client;
    const scope = form.get('scope');
    if (scope === null || scope.trim() === '') return missing(request, 'scope');
    const resolved = resolveScopes(request, scope);
    if (resolved instanceof Response) return resolved;
    return interactive.deviceAuthorization(form, client.app.clientId, undefined, request);
  }

  // ---- browser and device sign-in (pages and state in emulator-interactive.ts) ---------------

  const userConsents = new Set<string>();
  const interactiveUser = (user: StoredUser) => ({ id: user.id, login: user.userPrincipalName, totpSecret: user.totpSecret });
  const interactive = createInteractiveSignIn<undefined>({
    brand: 'Microsoft',
    clock,
    pagesPath: '/signin',
    verificationUri: () => `${host.baseUrl}/devicelogin`,
    formatUserCode: (code) => code,
    verificationUriComplete: false,
    deviceCodeLifetimeSeconds: 900,
    deviceMessage: (uri, code) => `To sign in, use a web browser to open the page ${uri} and enter the code ${code} to authenticate.`,
    appName: (clientId) => apps.get(clientId.toLowerCase())?.displayName,
    checkRedirectUri(clientId, redirectUri) {
      const app = apps.get(clientId.toLowerCase());
      if (app !== undefined && app.redirectUris.some((registered) => redirectMatches(registered, redirectUri))) return undefined;
      return `AADSTS50011: The redirect URI '${redirectUri}' specified in the request does not match the redirect URIs configured for the application '${clientId}'. Make sure the redirect URI sent in the request matches one added to your application in the Azure portal.`;
    },
    checkGrant: (clientId, grant) => {
      const app = apps.get(clientId.toLowerCase());
      if (app === undefined) return 'unauthorized_client';
      if (grant === 'authorization_code') return app.redirectUris.length > 0 ? undefined : 'invalid_request';
      return undefined; // the device code flow is checked by client authentication (public client flows)
    },
    verifyPassword(username, password) {
      const user = findUser(username);
      if (user === undefined) return "We couldn't find an account with that username.";
      if (!secretEquals(password, user.password)) return 'Your account or password is incorrect.';
      if (user.locked) return 'Your account is temporarily locked to prevent unauthorized use. Try again later.';
      if (!user.accountEnabled) return 'Your account has been locked. Contact your support person to unlock it, then try again.';
      return interactiveUser(user);
    },
    findUser(id) {
      const user = users.get(id);
      return user === undefined ? undefined : interactiveUser(user);
    },
    needsConsent: (clientId, userId) => apps.get(clientId.toLowerCase())?.adminConsent === false && !userConsents.has(`${clientId.toLowerCase()} ${userId}`),
    recordConsent: (clientId, userId) => userConsents.add(`${clientId.toLowerCase()} ${userId}`),
    async issue(grant, request) {
      const app = apps.get(grant.clientId.toLowerCase());
      const user = users.get(grant.userId);
      if (app === undefined || user === undefined) return invalidRequest(request);
      if (!user.accountEnabled) return entraError(400, 'invalid_grant', 50057, 'The user account is disabled.', request);
      const resolved = resolveScopes(request, grant.scope);
      if (resolved instanceof Response) return resolved;
      const confidential = readClientAuth(request, new URLSearchParams()).kind === 'basic';
      return issue(app, user, resolved.resource, resolved.scopes, resolved.oidc, confidential, { nonce: grant.nonce, amr: grant.amr });
    },
    tokenError: (kind: InteractiveTokenError, request) => {
      const [status, error, code, message] = ENTRA_DEVICE_ERRORS[kind];
      return entraError(status, error, code, message, request);
    },
    deviceError: (error, description, request) => entraError(400, error, 700016, description, request),
  });
  /** Entra accepts any port on a loopback redirect URI of a public client (RFC 8252 §7.3). */
  function redirectMatches(registered: string, requested: string): boolean {
    if (registered === requested) return true;
    try {
      const a = new URL(registered);
      const b = new URL(requested);
      const loopback = (u: URL) => u.protocol === 'http:' && (u.hostname === '127.0.0.1' || u.hostname === 'localhost' || u.hostname === '[::1]');
      return loopback(a) && loopback(b) && a.hostname === b.hostname && a.pathname === b.pathname && a.search === b.search;
    } catch {
      return false;
    }
  }

  /** Resolves the requested scopes to one resource app (or Graph) and its scopes; or an error. */
  function resolveScopes(request: Request, scope: string): { resource: StoredApp | undefined; scopes: string[]; oidc: string[] } | Response {
    const requested = [...new Set(scope.split(/\s+/).filter((s) => s !== ''))];
    const oidc = requested.filter((s) => OIDC_SCOPES.has(s));
    const resourceScopes = requested.filter((s) => !OIDC_SCOPES.has(s));
    const invalid = () =>
      entraError(
        400,
        'invalid_scope',
        70011,
        `The provided request must include a 'scope' input parameter. The provided value for the input parameter 'scope' is not valid. The scope ${scope} is not valid.`,
        request,
      );
    if (resourceScopes.length === 0) return { resource: undefined, scopes: ['User.Read'], oidc };
    let resource: StoredApp | undefined;
    const scopes: string[] = [];
    for (const item of resourceScopes) {
      const slash = item.lastIndexOf('/');
      if (slash <= 0) return invalid();
      const uri = item.slice(0, slash);
      const name = item.slice(slash + 1);
      const app = [...apps.values()].find((a) => a.applicationIdUri === uri || a.clientId === uri.toLowerCase());
      if (app === undefined) {
        return entraError(
          400,
          'invalid_resource',
          500011,
          `The resource principal named ${uri} was not found in the tenant named ${tenantDomain}. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You might have sent your authentication request to the wrong tenant.`,
          request,
        );
      }
      if (resource !== undefined && resource !== app) {
        return entraError(400, 'invalid_scope', 28000, 'Provided value for the input parameter scope is not valid because it contains more than one resource.', request);
      }
      resource = app;
      if (name === '.default') scopes.push(...app.scopes);
      else if (app.scopes.includes(name)) scopes.push(name);
      else return invalid();
    }
    return { resource, scopes: [...new Set(scopes)], oidc };
  }

  async function passwordGrant(request: Request, form: URLSearchParams, app: StoredApp, confidential: boolean): Promise<Response> {
    const scope = form.get('scope');
    if (scope === null || scope.trim() === '') return missing(request, 'scope');
    const username = form.get('username');
    const password = form.get('password');
    if (username === null || username === '') return missing(request, 'username');
    if (password === null || password === '') return missing(request, 'password');
    const resolved = resolveScopes(request, scope);
    if (resolved instanceof Response) return resolved;
    const user = findUser(username);
    const resourceName = resolved.resource?.applicationIdUri ?? GRAPH_APP_ID;
    if (user?.locked) {
      return entraError(400, 'invalid_grant', 50053, "The account is locked, you've tried to sign in too many times with an incorrect user ID or password.", request);
    }
    if (user === undefined || !secretEquals(password, user.password)) {
      return entraError(400, 'invalid_grant', 50126, 'Error validating credentials due to invalid username or password.', request);
    }
    if (!user.accountEnabled) return entraError(400, 'invalid_grant', 50057, 'The user account is disabled.', request);
    if (user.passwordExpired) {
      return entraError(400, 'invalid_grant', 50055, 'The password is expired.', request, {}, { suberror: 'user_password_expired' });
    }
    if (app.assignmentRequired && !isAssigned(app, user)) {
      return entraError(
        400,
        'invalid_grant',
        50105,
        `Your administrator has configured the application ${app.displayName} ('${app.clientId}') to block users unless they are specifically granted ('assigned') access to the application. The signed in user '${user.userPrincipalName}' is blocked because they are not a direct member of a group with access, nor had access directly assigned by an administrator. Please contact your administrator to assign access to this application.`,
        request,
      );
    }
    if (!app.adminConsent || (resolved.resource !== undefined && resolved.resource !== app && !resolved.resource.adminConsent)) {
      return entraError(
        400,
        'invalid_grant',
        65001,
        `The user or administrator has not consented to use the application with ID '${app.clientId}' named '${app.displayName}'. Send an interactive authorization request for this user and resource.`,
        request,
        {},
        { suberror: 'consent_required' },
      );
    }
    if (user.mfaRequired) {
      if (!user.mfaRegistered) {
        return entraError(
          400,
          'invalid_grant',
          50079,
          `Due to a configuration change made by your administrator, or because you moved to a new location, you must enroll in multi-factor authentication to access '${resourceName}'.`,
          request,
        );
      }
      return entraError(
        400,
        'invalid_grant',
        50076,
        `Due to a configuration change made by your administrator, or because you moved to a new location, you must use multi-factor authentication to access '${resourceName}'.`,
        request,
        {},
        { suberror: 'basic_action' },
      );
    }
    return issue(app, user, resolved.resource, resolved.scopes, resolved.oidc, confidential);
  }

  async function refreshGrant(request: Request, form: URLSearchParams, app: StoredApp, confidential: boolean): Promise<Response> {
    const presented = form.get('refresh_token');
    if (presented === null || presented === '') return missing(request, 'refresh_token');
    const scope = form.get('scope');
    if (scope === null || scope.trim() === '') return missing(request, 'scope');
    const grant = refreshTokens.get(presented);
    if (grant === undefined || grant.clientId !== app.clientId) return invalidRequest(request);
    if (grant.expiresAt <= clock.now()) {
      return entraError(400, 'invalid_grant', 70008, 'The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource.', request);
    }
    const user = users.get(grant.userId);
    if (user === undefined) return invalidRequest(request);
    if (!user.accountEnabled) return entraError(400, 'invalid_grant', 50057, 'The user account is disabled.', request);
    const resolved = resolveScopes(request, scope);
    if (resolved instanceof Response) return resolved;
    return issue(app, user, resolved.resource, resolved.scopes, resolved.oidc, confidential);
  }

  function isAssigned(app: StoredApp, user: StoredUser): boolean {
    return app.assignedUsers.includes(user.id) || user.groups.some((id) => app.assignedGroups.includes(id));
  }

  function subjectFor(app: StoredApp, user: StoredUser): string {
    let sub = app.subjects.get(user.id);
    if (sub === undefined) {
      sub = randomToken(32).slice(0, 43);
      app.subjects.set(user.id, sub);
    }
    return sub;
  }

  async function issue(
    client: StoredApp,
    user: StoredUser,
    resource: StoredApp | undefined,
    scopes: string[],
    oidc: string[],
    confidential: boolean,
    signIn: { nonce?: string | undefined; amr?: string[] } = {},
  ): Promise<Response> {
    const u = urls();
    const iat = host.issuedAt();
    const resourceApp = resource ?? client;
    const lifetime = resourceApp.accessTokenLifetimeSeconds;
    const version = resource === undefined ? 1 : resource.accessTokenVersion;
    const groupIds =
      resourceApp.groupsClaim === 'none'
        ? undefined
        : resourceApp.groupsClaim === 'assigned'
          ? user.groups.filter((id) => resourceApp.assignedGroups.includes(id))
          : [...user.groups];
    const common: JWTPayload = {
      iat,
      nbf: iat,
      exp: iat + lifetime,
      aio: randomToken(48),
      ...(groupIds === undefined ? {} : { groups: groupIds }),
      name: user.displayName,
      oid: user.id,
      rh: `0.${randomToken(24)}.`,
      scp: scopes.join(' '),
      sub: subjectFor(resourceApp, user),
      tid: tenantId,
      uti: randomToken(16),
    };
    const claims: JWTPayload =
      version === 1
        ? {
            aud: resource === undefined ? GRAPH_APP_ID : resource.applicationIdUri,
            iss: issuerV1,
            acr: '1',
            amr: signIn.amr ?? ['pwd'],
            appid: client.clientId,
            appidacr: confidential ? '1' : '0',
            ...(user.surname === '' ? {} : { family_name: user.surname }),
            ...(user.givenName === '' ? {} : { given_name: user.givenName }),
            ipaddr: '127.0.0.1',
            unique_name: user.userPrincipalName,
            upn: user.userPrincipalName,
            ver: '1.0',
            ...common,
          }
        : {
            aud: resourceApp.clientId,
            iss: u.issuerV2,
            azp: client.clientId,
            azpacr: confidential ? '1' : '0',
            preferred_username: user.userPrincipalName,
            ver: '2.0',
            ...common,
          };
    const header = { typ: 'JWT' };
    const accessToken = await keys.sign(claims, header);
    const body: Record<string, unknown> = {
      token_type: 'Bearer',
      scope: [...scopes.map((s) => (resource === undefined ? s : `${resource.applicationIdUri}/${s}`)), ...oidc.filter((s) => s !== 'offline_access'), ...(oidc.includes('offline_access') ? ['offline_access'] : [])].join(' '),
      expires_in: lifetime,
      ext_expires_in: lifetime,
      access_token: accessToken,
    };
    if (oidc.includes('offline_access')) {
      const refreshToken = `1.${randomToken(96)}`;
      refreshTokens.set(refreshToken, {
        clientId: client.clientId,
        userId: user.id,
        expiresAt: clock.now() + 90 * 24 * 3600 * 1000,
      });
      body.refresh_token = refreshToken;
    }
    if (oidc.includes('openid')) {
      body.id_token = await keys.sign(
        {
          aud: client.clientId,
          iss: u.issuerV2,
          iat,
          nbf: iat,
          exp: iat + 3600,
          // As Entra: the profile claims (name, oid, preferred_username) only with the profile scope.
          ...(oidc.includes('profile') ? { name: user.displayName, oid: user.id, preferred_username: user.userPrincipalName } : {}),
          rh: `0.${randomToken(24)}.`,
          sub: subjectFor(client, user),
          tid: tenantId,
          uti: randomToken(16),
          ver: '2.0',
          ...(signIn.nonce === undefined ? {} : { nonce: signIn.nonce }),
        },
        header,
      );
    }
    return jsonResponse(200, body);
  }

  // ---- directory ----------------------------------------------------------------------------

  function requireApp(clientId: string): StoredApp {
    const app = apps.get(clientId.toLowerCase());
    if (app === undefined) throw new EmulatorUsageError(`unknown Entra app "${clientId}"`);
    return app;
  }
  const guid = (value: string | undefined, what: string) => {
    const id = (value ?? randomUUID()).toLowerCase();
    if (!GUID.test(id)) throw new EmulatorUsageError(`${what} must be a GUID, got "${value}"`);
    return id;
  };
  const publicUser = (user: StoredUser): EntraUser => {
    const { password: _password, totpSecret: _totp, ...rest } = user;
    return structuredClone(rest);
  };
  const publicApp = (app: StoredApp): EntraApp => {
    const { secrets, subjects: _subjects, ...rest } = app;
    return { ...structuredClone(rest), secretExpiries: secrets.map((s) => s.expiresAt) };
  };
  const resolveGroupIds = directory.groupIds;
  const resolveUserIds = (refs: string[]) => refs.map((ref) => requireUser(ref).id);

  function addGroup(input: { id?: string; displayName: string }): EntraGroup {
    if (directory.findGroup(input.displayName) !== undefined) throw new EmulatorUsageError(`Entra group "${input.displayName}" already exists`);
    const group = { id: guid(input.id, 'group id'), displayName: input.displayName };
    groups.set(group.id, group);
    return { ...group };
  }
  function addUser(input: EntraUserInput): EntraUser {
    if (findUser(input.userPrincipalName) !== undefined) throw new EmulatorUsageError(`Entra user "${input.userPrincipalName}" already exists`);
    const local = input.userPrincipalName.split('@')[0] ?? input.userPrincipalName;
    const user: StoredUser = {
      id: guid(input.id, 'user object id'),
      userPrincipalName: input.userPrincipalName,
      password: input.password,
      displayName: input.displayName ?? local,
      givenName: input.givenName ?? local,
      surname: input.surname ?? '',
      accountEnabled: input.accountEnabled ?? true,
      locked: input.locked ?? false,
      passwordExpired: input.passwordExpired ?? false,
      mfaRequired: input.mfaRequired ?? false,
      mfaRegistered: input.mfaRegistered ?? true,
      totp: input.totp === true || input.mfaRequired === true,
      totpSecret: input.totp === true || input.mfaRequired === true ? newTotpSecret() : undefined,
      groups: [],
    };
    users.set(user.id, user);
    user.groups = resolveGroupIds(input.groups ?? []);
    return publicUser(user);
  }
  function addApp(input: EntraAppInput): EntraApp {
    const clientId = guid(input.clientId, 'clientId');
    if (apps.has(clientId)) throw new EmulatorUsageError(`Entra app "${clientId}" already exists`);
    const secrets = [
      ...(input.clientSecret === undefined ? [] : [{ value: input.clientSecret, expiresAt: undefined }]),
      ...(input.secrets ?? []).map((s) => ({ value: s.value, expiresAt: s.expiresAt === undefined ? undefined : +s.expiresAt })),
    ];
    const app: StoredApp = {
      clientId,
      displayName: input.displayName ?? 'Ubiq',
      applicationIdUri: input.applicationIdUri ?? `api://${clientId}`,
      scopes: [...(input.scopes ?? ['Custom.Read'])],
      adminConsent: input.adminConsent ?? true,
      allowPublicClient: input.allowPublicClient ?? false,
      redirectUris: [...(input.redirectUris ?? [])],
      assignmentRequired: input.assignmentRequired ?? false,
      assignedUsers: [],
      assignedGroups: [],
      groupsClaim: input.groupsClaim ?? 'all',
      accessTokenVersion: input.accessTokenVersion ?? defaultVersion,
      accessTokenLifetimeSeconds: input.accessTokenLifetimeSeconds ?? 3600,
      secrets,
      subjects: new Map(),
    };
    apps.set(clientId, app);
    // Assignments may name users added later in the options; resolved after users are added.
    pendingAssignments.push({ app, input });
    return publicApp(app);
  }
  const pendingAssignments: Array<{ app: StoredApp; input: EntraAppInput }> = [];
  function resolveAssignments(): void {
    for (const { app, input } of pendingAssignments.splice(0)) {
      app.assignedUsers = resolveUserIds(input.assignedUsers ?? []);
      app.assignedGroups = resolveGroupIds(input.assignedGroups ?? []);
    }
  }

  for (const group of options.groups ?? []) addGroup(group);
  for (const app of options.apps ?? []) addApp(app);
  for (const user of options.users ?? []) addUser(user);
  resolveAssignments();

  return withBase(host.base(), {
    tenantId,
    tenantDomain,
    issuerV1,
    get issuerV2() {
      return urls().issuerV2;
    },
    async listen(listenOptions) {
      const url = await host.listen(listenOptions);
      return { url, port: Number(new URL(url).port), ...urls() };
    },
    audienceOf(clientId) {
      const app = requireApp(clientId);
      return app.accessTokenVersion === 1 ? app.applicationIdUri : app.clientId;
    },
    addUser,
    updateUser(upnOrId, patch) {
      const user = requireUser(upnOrId);
      if (
        patch.userPrincipalName !== undefined &&
        patch.userPrincipalName.toLowerCase() !== user.userPrincipalName.toLowerCase() &&
        findUser(patch.userPrincipalName) !== undefined
      ) {
        throw new EmulatorUsageError(`Entra user "${patch.userPrincipalName}" already exists`);
      }
      const { userPrincipalName, password, displayName, givenName, surname, accountEnabled, locked, passwordExpired, mfaRequired, mfaRegistered } = patch;
      Object.assign(
        user,
        Object.fromEntries(
          Object.entries({ userPrincipalName, password, displayName, givenName, surname, accountEnabled, locked, passwordExpired, mfaRequired, mfaRegistered }).filter(
            ([, value]) => value !== undefined,
          ),
        ),
      );
      if (patch.totp !== undefined || patch.mfaRequired === true) {
        user.totp = patch.totp ?? true;
        user.totpSecret = user.totp ? (user.totpSecret ?? newTotpSecret()) : undefined;
      }
      return publicUser(user);
    },
    removeUser(upnOrId) {
      const user = directory.removeUser(upnOrId);
      for (const app of apps.values()) app.assignedUsers = app.assignedUsers.filter((id) => id !== user.id);
    },
    getUser(upnOrId) {
      const user = findUser(upnOrId);
      return user === undefined ? undefined : publicUser(user);
    },
    addGroup,
    getGroup(nameOrId) {
      const group = directory.findGroup(nameOrId);
      return group === undefined ? undefined : { ...group };
    },
    addMember: directory.addMember,
    removeMember: directory.removeMember,
    addApp(input) {
      const app = addApp(input);
      resolveAssignments();
      return publicApp(requireApp(app.clientId));
    },
    setAppOptions(clientId, patch) {
      const app = requireApp(clientId);
      if (patch.displayName !== undefined) app.displayName = patch.displayName;
      if (patch.clientSecret !== undefined) app.secrets.push({ value: patch.clientSecret, expiresAt: undefined });
      if (patch.secrets !== undefined) {
        app.secrets = patch.secrets.map((s) => ({ value: s.value, expiresAt: s.expiresAt === undefined ? undefined : +s.expiresAt }));
      }
      if (patch.applicationIdUri !== undefined) app.applicationIdUri = patch.applicationIdUri;
      if (patch.scopes !== undefined) app.scopes = [...patch.scopes];
      if (patch.adminConsent !== undefined) app.adminConsent = patch.adminConsent;
      if (patch.allowPublicClient !== undefined) app.allowPublicClient = patch.allowPublicClient;
      if (patch.redirectUris !== undefined) app.redirectUris = [...patch.redirectUris];
      if (patch.assignmentRequired !== undefined) app.assignmentRequired = patch.assignmentRequired;
      if (patch.assignedUsers !== undefined) app.assignedUsers = resolveUserIds(patch.assignedUsers);
      if (patch.assignedGroups !== undefined) app.assignedGroups = resolveGroupIds(patch.assignedGroups);
      if (patch.groupsClaim !== undefined) app.groupsClaim = patch.groupsClaim;
      if (patch.accessTokenVersion !== undefined) app.accessTokenVersion = patch.accessTokenVersion;
      if (patch.accessTokenLifetimeSeconds !== undefined) app.accessTokenLifetimeSeconds = patch.accessTokenLifetimeSeconds;
      return publicApp(app);
    },
    addSecret(clientId, secret) {
      requireApp(clientId).secrets.push({ value: secret.value, expiresAt: secret.expiresAt === undefined ? undefined : +secret.expiresAt });
    },
    expireSecret(clientId) {
      const app = requireApp(clientId);
      const now = clock.now();
      for (const secret of app.secrets) if (secret.expiresAt === undefined || secret.expiresAt > now) secret.expiresAt = now;
    },
    revokeRefreshTokens: directory.revokeRefreshTokens,
    rotateKeys: (rotateOptions) => keys.rotate(rotateOptions),
    totp: (upnOrId) => interactive.totp(interactiveUser(requireUser(upnOrId))),
    approveDevice: (userCode, upnOrId) => interactive.approveDevice(userCode, interactiveUser(requireUser(upnOrId))),
    denyDevice: (userCode) => interactive.denyDevice(userCode),
    pendingUserCodes: () => interactive.pendingUserCodes(),
    signToken: (claims, signOptions = {}) =>
      keys.sign(claims, { typ: 'JWT', ...signOptions.header }, { unpublished: signOptions.unpublishedKey ?? false }),
  });
}
