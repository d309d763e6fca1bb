import { createHash } from 'node:crypto';
import type { JWTPayload } from 'jose';
import { createEmulatorClock, type EmulatorClock } from './emulator-clock.js';
import {
  createEmulatorHost,
  jsonResponse,
  randomId,
  randomToken,
  readClientAuth,
  readForm,
  secretEquals,
  type EmulatorBase,
  type EmulatorListenOptions,
  withBase,
} from './emulator-host.js';
import { createDirectory, type EmulatorDirectoryApi } from './emulator-directory.js';
import { createKeyRing, type KeyRing, type RotateKeysOptions } from './emulator-keys.js';
import { EmulatorUsageError } from './emulator-errors.js';
import { createInteractiveSignIn, type InteractiveTokenError, type IssuedGrant } from './emulator-interactive.js';
import { newTotpSecret } from './emulator-totp.js';

/** Okta user statuses that matter to the password grant. Only ACTIVE users get tokens. */
export type OktaUserStatus = 'ACTIVE' | 'LOCKED_OUT' | 'SUSPENDED' | 'PASSWORD_EXPIRED' | 'DEPROVISIONED' | 'STAGED' | 'PROVISIONED';

/** Grant types an Okta app can allow (Applications → General → Grant type). */
export type OktaGrantType = 'authorization_code' | 'refresh_token' | 'password' | 'client_credentials' | 'implicit' | 'urn:ietf:params:oauth:grant-type:device_code';

/** A user of the Okta org. */
export interface OktaUserInput {
  /** Okta user id (`00u…`); generated when absent. Becomes the access token's `uid` and the ID token's `sub`. */
  id?: string;
  /** The login (usually an email): the password grant's `username` and the access token's `sub`. */
  login: string;
  password: string;
  /** Default `ACTIVE`. */
  status?: OktaUserStatus;
  /** The sign-on policy requires a second factor for this user: the password grant is denied, and browser sign-in asks for a TOTP code. */
  mfaRequired?: boolean;
  /** The user has enrolled an authenticator app (TOTP): browser sign-in asks for its code. Implied by `mfaRequired`. */
  totp?: boolean;
  /** Group names or ids the user belongs to (groups are created on demand by name). */
  groups?: string[];
  profile?: { firstName?: string; lastName?: string; email?: string };
}

/** A user as the emulator holds it (no password). */
export interface OktaUser {
  id: string;
  login: string;
  status: OktaUserStatus;
  mfaRequired: boolean;
  /** Enrolled in TOTP (`emulator.totp(login)` gives the current code). */
  totp: boolean;
  /** Group ids. */
  groups: string[];
  profile: { firstName?: string; lastName?: string; email?: string };
}

/** An Okta group. */
export interface OktaGroup {
  /** `00g…`; generated when absent. */
  id: string;
  name: string;
}

/** An OIDC app integration (the "Native Application" of the seed's OIDC setup). */
export interface OktaAppInput {
  /** `0oa…`; generated when absent. */
  clientId?: string;
  /** Absent: a public client (token_endpoint_auth_method `none`). */
  clientSecret?: string;
  /** Epoch ms after which the secret is rejected (emulator clock). */
  clientSecretExpiresAt?: number;
  /**
   * Allowed grant types. Default `['authorization_code', 'refresh_token']` like a new Native app:
   * the seed's setup must tick "Resource Owner Password" explicitly, so must you.
   */
  grantTypes?: OktaGrantType[];
  /** Okta API scopes granted to the app ("Grant Okta API Scopes"), e.g. `okta.users.read`. Default none. */
  grantedScopes?: string[];
  /** Sign-on policy of the app ("Password Authentication Policy" in the seed): `mfa` denies password-only. Default `password`. */
  signOnPolicy?: 'password' | 'mfa';
  /** Access token lifetime; default 3600 s. */
  accessTokenLifetimeSeconds?: number;
  /** Refresh token lifetime; default 90 days. */
  refreshTokenLifetimeSeconds?: number;
  /** Refresh token rotation (default true): each refresh returns a new one and the used one dies. */
  refreshTokenRotation?: boolean;
  /** Sign-in redirect URIs (General → LOGIN): the authorization endpoint accepts exactly these. Default none. */
  redirectUris?: string[];
  /** User consent ("Require consent" on the app): browser and device sign-in show a consent page once per user. Default false. */
  consentRequired?: boolean;
}

/** An app as the emulator holds it (no secret). */
export type OktaApp = Required<Omit<OktaAppInput, 'clientSecret' | 'clientSecretExpiresAt'>> & {
  confidential: boolean;
  clientSecretExpiresAt: number | undefined;
};

/** A custom authorization server (`/oauth2/{id}`); `default` always exists unless you list others. */
export interface OktaAuthorizationServerInput {
  /** `default` or an `aus…` id. */
  id: string;
  /** The `aud` of its access tokens. Default `api://default`. */
  audience?: string;
  /** Custom scopes it defines besides the OIDC ones. */
  scopes?: string[];
}

/** Okta's /token rate limits. */
export interface OktaRateLimitOptions {
  /** Per-username limit on /token (password and refresh), per second. Okta's is 4. 0 disables. */
  perUserPerSecond?: number;
  /** Org-wide /token limit per minute (all users and clients). Default: none. */
  orgPerMinute?: number;
}

/** Options of `createOktaEmulator`. */
export interface OktaEmulatorOptions {
  /**
   * The org URL used before `listen()` (and in fetch-only mode), e.g. `https://trial-4377979.okta.com`.
   * Default `https://emulator.okta.test`. While listening, the org URL is the listen URL.
   */
  orgUrl?: string;
  /** Custom authorization servers. Default: one, `default`, audience `api://default`. */
  authorizationServers?: OktaAuthorizationServerInput[];
  apps?: OktaAppInput[];
  users?: OktaUserInput[];
  groups?: Array<{ id?: string; name: string }>;
  rateLimit?: OktaRateLimitOptions;
  /** Share a clock between emulators or start at a fixed time. */
  clock?: EmulatorClock;
  /** Offset added to `iat`/`exp`/`auth_time` of issued tokens (a skewed IdP clock), in ms. */
  skewMs?: number;
  /** RSA modulus length of signing keys. Default 2048. */
  modulusLength?: number;
  /**
   * Whether the org server's JWKS holds the key that signs its access tokens. Default true, so an SSO
   * endpoint can verify them. Real Okta says org-server access tokens are for Okta alone: set false to
   * sign them with a key that is not published (ID tokens stay verifiable), as a test of that case.
   */
  orgAccessTokenKeyPublished?: boolean;
}

/** The URLs of one authorization server. */
export interface OktaServerUrls {
  issuer: string;
  discoveryUrl: string;
  jwksUri: string;
  tokenEndpoint: string;
  /** `aud` of access tokens: the org URL for the org server, the configured audience for custom ones. */
  audience: string;
}

/** What `listen()` returns. */
export interface OktaListenInfo extends OktaServerUrls {
  url: string;
  orgUrl: string;
  port: number;
}

/** Options of `signToken()`. */
export interface OktaSignTokenOptions {
  /** Sign with this custom server's keys (default: the org server). */
  authorizationServer?: string;
  /** Extra protected header members (`alg` and `kid` are set by the emulator). */
  header?: Record<string, unknown>;
  /** Sign with a key that is NOT in the JWKS (a forged token). */
  unpublishedKey?: boolean;
}

/** An in-process Okta org. See `createOktaEmulator`. */
export interface OktaEmulator
  extends EmulatorBase,
    EmulatorDirectoryApi<OktaUserInput, OktaUser, { id?: string; name: string }, OktaGroup, OktaAppInput, OktaApp> {
  listen(options?: EmulatorListenOptions): Promise<OktaListenInfo>;
  /** The org URL; `issuer`, `discoveryUrl`, `jwksUri` and `tokenEndpoint` are the org authorization server's. */
  readonly orgUrl: string;
  /** URLs of the org server (`'org'`, the default) or a custom server. */
  authorizationServer(id?: string): OktaServerUrls;
  /** Changes the /token rate limits (fields not given keep their value). */
  setRateLimit(options: OktaRateLimitOptions): void;
  /** Rotates the signing key of the org server or a custom server. */
  rotateKeys(options?: RotateKeysOptions & { authorizationServer?: string }): Promise<{ kid: string; previousKid: string | undefined }>;
  /** Signs arbitrary claims with a server's key, for tests that need custom or hostile tokens. */
  signToken(claims: JWTPayload, options?: OktaSignTokenOptions): Promise<string>;
  /** The current TOTP code (RFC 6238) of a user enrolled in TOTP (`totp` or `mfaRequired`), as their authenticator app shows it. */
  totp(loginOrId: string): string;
  /** Approves a pending device authorization as this user, as if they completed the verification page. */
  approveDevice(userCode: string, loginOrId: string): void;
  /** Denies a pending device authorization, as if the person clicked Cancel on the verification page. */
  denyDevice(userCode: string): void;
  /** User codes of device authorizations still waiting for the person. */
  pendingUserCodes(): string[];
}

interface StoredUser extends OktaUser {
  password: string;
  totpSecret: string | undefined;
}
interface StoredApp extends OktaApp {
  clientSecret: string | undefined;
}
interface AuthServer {
  id: string | undefined; // undefined = org server
  audience: string | undefined; // undefined = org URL
  scopes: Set<string>;
  keys: KeyRing;
}
interface RefreshGrant {
  clientId: string;
  userId: string;
  scopes: string[];
  serverId: string | undefined;
  authTime: number;
  expiresAt: number;
}

const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';

/** Okta's answers to the device and authorization code grants, as data. */
const OKTA_DEVICE_ERRORS: Record<InteractiveTokenError, readonly [number, string, string]> = {
  authorization_pending: [400, 'authorization_pending', 'The device authorization is pending. Please try again later.'],
  slow_down: [400, 'slow_down', 'The client is polling too frequently. Please slow down.'],
  access_denied: [400, 'access_denied', 'The resource owner or authorization server denied the request.'],
  expired_token: [400, 'expired_token', 'The device code has expired.'],
  bad_verification_code: [400, 'invalid_grant', 'The device code is invalid or has expired.'],
  invalid_code: [400, 'invalid_grant', 'The authorization code is invalid or has expired.'],
  redirect_uri_mismatch: [400, 'invalid_grant', "The 'redirect_uri' does not match the redirection URI used in the authorization request."],
  pkce_mismatch: [400, 'invalid_grant', 'PKCE verification failed.'],
};

const OIDC_SCOPES = new Set(['openid', 'profile', 'email', 'address', 'phone', 'offline_access', 'groups']);
const ORG_SERVER = 'org';

/** Okta's token endpoint errors, as data: status, `error`, `error_description`. */
const OKTA_ERRORS = {
  invalidCredentials: [400, 'invalid_grant', 'The credentials provided were invalid.'],
  invalidRefreshToken: [400, 'invalid_grant', 'The refresh token is invalid or expired.'],
  mfaRequired: [400, 'access_denied', 'Policy evaluation failed for this request, please check the policy configurations.'],
  clientAuthFailed: [401, 'invalid_client', 'Client authentication failed. Either the client or the client credentials are invalid.'],
  badSecret: [401, 'invalid_client', 'The client secret supplied for a confidential client is invalid.'],
  multipleCredentials: [
    400,
    'invalid_request',
    'Cannot supply multiple client credentials. Use one of the following: credentials in the Authorization header, credentials in the post body, or a client_assertion in the post body.',
  ],
  noScope: [400, 'invalid_scope', "The authorization server resource does not have any configured default scopes, 'scope' must be provided."],
  scopeNotConfigured: [400, 'invalid_scope', 'One or more scopes are not configured for the authorization server resource.'],
  scopeNotGranted: [400, 'invalid_scope', 'The requested scope is invalid, unknown, or malformed.'],
  contentType: [400, 'invalid_request', "The request must be sent with 'Content-Type: application/x-www-form-urlencoded'."],
} as const satisfies Record<string, readonly [number, string, string]>;

function oauthError(entry: readonly [number, string, string], headers?: Record<string, string>): Response {
  const [status, error, description] = entry;
  return jsonResponse(status, { error, error_description: description }, headers);
}

/** Okta's management-style error body (used for an unknown client id and the org rate limit). */
function oktaApiError(status: number, code: string, summary: string, headers?: Record<string, string>): Response {
  return jsonResponse(status, { errorCode: code, errorSummary: summary, errorLink: code, errorId: randomId('oae', 22), errorCauses: [] }, headers);
}

/**
 * Creates an in-process Okta org: the org authorization server (`/oauth2/v1/*`, issuer = org URL) and
 * custom authorization servers (`/oauth2/{id}/v1/*`), with Okta's claim shapes, error bodies and the
 * per-user /token rate limit. Nothing is shared between two emulators.
 *
 * Deviation from real Okta, on purpose and by default: the org server's JWKS (`/oauth2/v1/keys`) publishes
 * the key that signs its access tokens, so an SSO endpoint can verify them (real Okta says only Okta should
 * validate org-server access tokens; `orgAccessTokenKeyPublished: false` behaves that way).
 *
 * @example
 * const okta = createOktaEmulator({
 *   apps: [{ clientId: '0oaclient', clientSecret: 's3cret', grantTypes: ['password', 'refresh_token'],
 *            grantedScopes: ['okta.users.read', 'okta.groups.read'] }],
 *   users: [{ login: 'ada@example.com', password: 'pw', groups: ['Engineering'] }],
 * });
 * const { tokenEndpoint, issuer } = await okta.listen();
 * // POST tokenEndpoint: grant_type=password&username=…&password=…&client_id=…&client_secret=…&scope=openid offline_access okta.users.read
 * await okta.close();
 */
export function createOktaEmulator(options: OktaEmulatorOptions = {}): OktaEmulator {
  const clock = options.clock ?? createEmulatorClock();
  const modulusLength = options.modulusLength ?? 2048;
  const orgId = randomId('00o', 17);
  const directory = createDirectory<StoredUser, OktaGroup, RefreshGrant>({
    provider: 'Okta',
    userName: (user) => user.login,
    groupName: (group) => group.name,
    createGroup: (name) => addGroup({ name }),
  });
  const { users, groups, refreshTokens, findUser, requireUser } = directory;
  const apps = new Map<string, StoredApp>(); // by client id
  const userWindows = new Map<string, { window: number; count: number }>();
  let orgWindow = { window: 0, count: 0 };
  let rateLimit = { perUserPerSecond: 4, orgPerMinute: 0, ...options.rateLimit };

  const servers = new Map<string, AuthServer>();
  servers.set(ORG_SERVER, { id: undefined, audience: undefined, scopes: new Set(), keys: createKeyRing({ clock, modulusLength }) });
  for (const input of options.authorizationServers ?? [{ id: 'default' }]) {
    if (input.id === ORG_SERVER || input.id === 'v1') throw new EmulatorUsageError(`"${input.id}" is not a valid authorization server id`);
    servers.set(input.id, {
      id: input.id,
      audience: input.audience ?? 'api://default',
      scopes: new Set(input.scopes ?? []),
      keys: createKeyRing({ clock, modulusLength }),
    });
  }

  const host = createEmulatorHost({
    clock,
    skewMs: options.skewMs,
    defaultBaseUrl: options.orgUrl ?? 'https://emulator.okta.test',
    endpoints: () => serverUrls(serverById(undefined)),
    classify: (url) => routeOf(url.pathname)?.endpoint ?? (interactive.ownsPath(url.pathname) ? 'sign_in_page' : 'not_found'),
    route,
    rateLimited: (retryAfterSeconds, retryAfter) => {
      const reset = Math.ceil(clock.now() / 1000) + retryAfterSeconds;
      return oktaApiError(429, 'E0000047', 'API call exceeded rate limit due to too many requests.', {
        'retry-after': retryAfter,
        'x-rate-limit-limit': String(rateLimit.orgPerMinute || rateLimit.perUserPerSecond || 1),
        'x-rate-limit-remaining': '0',
        'x-rate-limit-reset': String(reset),
      });
    },
  });

  function serverUrls(server: AuthServer): OktaServerUrls {
    const org = host.baseUrl;
    const base = server.id === undefined ? `${org}/oauth2` : `${org}/oauth2/${server.id}`;
    return {
      issuer: server.id === undefined ? org : base,
      discoveryUrl: server.id === undefined ? `${org}/.well-known/openid-configuration` : `${base}/.well-known/openid-configuration`,
      jwksUri: `${base}/v1/keys`,
      tokenEndpoint: `${base}/v1/token`,
      audience: server.audience ?? org,
    };
  }
  function serverById(id: string | undefined): AuthServer {
    const server = servers.get(id ?? ORG_SERVER);
    if (server === undefined) throw new EmulatorUsageError(`unknown authorization server "${id}"`);
    return server;
  }

  /** Maps a path to (server, endpoint); undefined when not an emulated path. */
  function routeOf(pathname: string): { server: AuthServer; endpoint: 'discovery' | 'jwks' | 'token' | 'authorize' | 'device_authorization' | 'revoke' } | undefined {
    const path = pathname.replace(/\/+$/, '');
    const org = servers.get(ORG_SERVER);
    if (org === undefined) return undefined;
    if (path === '/.well-known/openid-configuration' || path === '/.well-known/oauth-authorization-server') {
      return { server: org, endpoint: 'discovery' };
    }
    if (path === '/oauth2/v1/keys') return { server: org, endpoint: 'jwks' };
    if (path === '/oauth2/v1/token') return { server: org, endpoint: 'token' };
    if (path === '/oauth2/v1/authorize') return { server: org, endpoint: 'authorize' };
    if (path === '/oauth2/v1/device/authorize') return { server: org, endpoint: 'device_authorization' };
    if (path === '/oauth2/v1/revoke') return { server: org, endpoint: 'revoke' };
    const custom = /^\/oauth2\/([^/]+)\/(\.well-known\/openid-configuration|\.well-known\/oauth-authorization-server|v1\/keys|v1\/token|v1\/authorize|v1\/device\/authorize|v1\/revoke)$/.exec(path);
    if (custom === null) return undefined;
    const server = servers.get(decodeURIComponent(custom[1] ?? ''));
    if (server === undefined || server.id === undefined) return undefined;
    const tail = custom[2] ?? '';
    const endpoints = { 'v1/keys': 'jwks', 'v1/token': 'token', 'v1/authorize': 'authorize', 'v1/device/authorize': 'device_authorization', 'v1/revoke': 'revoke' } as const;
    return { server, endpoint: (endpoints as Record<string, (typeof endpoints)[keyof typeof endpoints]>)[tail] ?? 'discovery' };
  }

  async function route(request: Request, context: { stats: { grant(name: string): void } }): Promise<Response> {
    const url = new URL(request.url);
    if (interactive.ownsPath(url.pathname)) return interactive.page(request);
    const target = routeOf(url.pathname);
    if (target === undefined) {
      return oktaApiError(404, 'E0000022', 'The endpoint does not support the provided HTTP method');
    }
    if (target.endpoint === 'authorize') {
      if (request.method !== 'GET') return oktaApiError(405, 'E0000022', 'The endpoint does not support the provided HTTP method');
      return interactive.authorize(request, target.server);
    }
    if (target.endpoint === 'device_authorization') {
      if (request.method !== 'POST') return oktaApiError(405, 'E0000022', 'The endpoint does not support the provided HTTP method');
      return deviceAuthorization(request, target.server);
    }
    if (target.endpoint === 'token') {
      if (request.method !== 'POST') return oktaApiError(405, 'E0000022', 'The endpoint does not support the provided HTTP method');
      return token(request, target.server, context.stats);
    }
    if (target.endpoint === 'revoke') {
      if (request.method !== 'POST') return oktaApiError(405, 'E0000022', 'The endpoint does not support the provided HTTP method');
      return revoke(request, target.server);
    }
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      return oktaApiError(405, 'E0000022', 'The endpoint does not support the provided HTTP method');
    }
    if (target.endpoint === 'jwks') {
      return jsonResponse(200, await target.server.keys.jwks(), { 'cache-control': 'max-age=3600, must-revalidate' });
    }
    return jsonResponse(200, discovery(target.server), { 'cache-control': 'max-age=86400, must-revalidate' });
  }

  function discovery(server: AuthServer): Record<string, unknown> {
    const urls = serverUrls(server);
    const base = server.id === undefined ? `${host.baseUrl}/oauth2` : `${host.baseUrl}/oauth2/${server.id}`;
    const scopes = [...OIDC_SCOPES, ...(server.id === undefined ? ['okta.users.read', 'okta.groups.read'] : [...server.scopes])];
    return {
      issuer: urls.issuer,
      authorization_endpoint: `${base}/v1/authorize`,
      device_authorization_endpoint: `${base}/v1/device/authorize`,
      token_endpoint: urls.tokenEndpoint,
      userinfo_endpoint: `${base}/v1/userinfo`,
      registration_endpoint: `${host.baseUrl}/oauth2/v1/clients`,
      jwks_uri: urls.jwksUri,
      // What the emulator implements: the code flow (query response mode) and these four grants.
      response_types_supported: ['code'],
      response_modes_supported: ['query'],
      grant_types_supported: ['authorization_code', 'refresh_token', 'password', 'urn:ietf:params:oauth:grant-type:device_code'],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: ['RS256'],
      scopes_supported: scopes,
      token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'client_secret_jwt', 'private_key_jwt', 'none'],
      claims_supported: ['iss', 'ver', 'sub', 'aud', 'iat', 'exp', 'jti', 'auth_time', 'amr', 'idp', 'nonce', 'name', 'nickname', 'preferred_username', 'given_name', 'family_name', 'email', 'email_verified', 'groups'],
      code_challenge_methods_supported: ['S256'],
      introspection_endpoint: `${base}/v1/introspect`,
      revocation_endpoint: `${base}/v1/revoke`,
      end_session_endpoint: `${base}/v1/logout`,
      request_parameter_supported: true,
      request_object_signing_alg_values_supported: ['HS256', 'HS384', 'HS512', 'RS256', 'RS384', 'RS512', 'ES256', 'ES384', 'ES512'],
    };
  }

  // ---- rate limits -------------------------------------------------------------------------

  function userLimitHeaders(window: number, count: number): Record<string, string> {
    return {
      'x-rate-limit-limit': String(rateLimit.perUserPerSecond),
      'x-rate-limit-remaining': String(Math.max(0, rateLimit.perUserPerSecond - count)),
      'x-rate-limit-reset': String(window + 1),
    };
  }
  /** Counts one /token request for `username`; returns the 429 when over the limit, else the headers. */
  function takeUserLimit(username: string): { limited: Response } | { headers: Record<string, string> } {
    if (!(rateLimit.perUserPerSecond > 0)) return { headers: {} };
    const window = Math.floor(clock.now() / 1000);
    const key = username.toLowerCase();
    let entry = userWindows.get(key);
    if (entry === undefined || entry.window !== window) {
      entry = { window, count: 0 };
      userWindows.set(key, entry);
    }
    entry.count += 1;
    const headers = userLimitHeaders(window, entry.count);
    if (entry.count > rateLimit.perUserPerSecond) {
      // Okta answers the per-user /token limit with 429 and an OAuth body (error=invalid_grant), not E0000047.
      return {
        limited: jsonResponse(
          429,
          { error: 'invalid_grant', error_description: 'The request was rate limited for this user. Retry after the time in the X-Rate-Limit-Reset header.' },
          headers,
        ),
      };
    }
    return { headers };
  }
  function takeOrgLimit(): Response | undefined {
    if (!(rateLimit.orgPerMinute > 0)) return undefined;
    const window = Math.floor(clock.now() / 60_000);
    if (orgWindow.window !== window) orgWindow = { window, count: 0 };
    orgWindow.count += 1;
    if (orgWindow.count <= rateLimit.orgPerMinute) return undefined;
    const reset = (window + 1) * 60;
    return oktaApiError(429, 'E0000047', 'API call exceeded rate limit due to too many requests.', {
      'x-rate-limit-limit': String(rateLimit.orgPerMinute),
      'x-rate-limit-remaining': '0',
      'x-rate-limit-reset': String(reset),
    });
  }

  // ---- token endpoint ----------------------------------------------------------------------

  /**
   * RFC 7009 token revocation as Okta answers it: client authentication as at the token endpoint, then
   * 200 with an empty body whether or not the token was known (so a caller learns nothing about it).
   * Revoking a refresh token ends it; access tokens are self-contained JWTs here and stay valid until `exp`.
   */
  async function revoke(request: Request, server: AuthServer): Promise<Response> {
    const form = await readForm(request);
    if (form === undefined) return oauthError(OKTA_ERRORS.contentType);
    const auth = readClientAuth(request, form);
    if (auth.kind === 'multiple') return oauthError(OKTA_ERRORS.multipleCredentials);
    if (auth.kind === 'malformed' || auth.clientId === undefined || auth.clientId === '') return oauthError(OKTA_ERRORS.clientAuthFailed);
    const app = apps.get(auth.clientId);
    if (app === undefined) return oktaApiError(401, 'invalid_client', "Invalid value for 'client_id' parameter.");
    if (app.confidential && (auth.kind === 'none' || !secretEquals(auth.clientSecret, app.clientSecret))) return oauthError(OKTA_ERRORS.badSecret);
    const presented = form.get('token') ?? '';
    if (presented === '') return jsonResponse(400, { error: 'invalid_request', error_description: "The 'token' parameter is required." });
    const grant = refreshTokens.get(presented);
    if (grant !== undefined && grant.clientId === app.clientId && grant.serverId === server.id) refreshTokens.delete(presented);
    return new Response(null, { status: 200 });
  }

  async function token(request: Request, server: AuthServer, stats: { grant(name: string): void }): Promise<Response> {
    const form = await readForm(request);
    if (form === undefined) {
      stats.grant('(unreadable)');
      return oauthError(OKTA_ERRORS.contentType);
    }
    const grantType = form.get('grant_type') ?? '';
    stats.grant(grantType === '' ? '(none)' : grantType);
    const orgLimited = takeOrgLimit();
    if (orgLimited !== undefined) return orgLimited;

    const app = authenticateClient(request, form);
    if (app instanceof Response) return app;

    if (grantType === '') {
      return jsonResponse(400, { error: 'invalid_request', error_description: "The 'grant_type' parameter is required." });
    }
    if (grantType !== 'password' && grantType !== 'refresh_token' && !app.grantTypes.includes(grantType as OktaGrantType)) {
      return jsonResponse(400, {
        error: 'unsupported_grant_type',
        error_description: `The authorization grant type is not supported by the authorization server. Configured grant types: [${app.grantTypes.join(', ')}].`,
      });
    }
    if (!app.grantTypes.includes(grantType as OktaGrantType)) {
      return jsonResponse(400, {
        error: 'unauthorized_client',
        error_description: `The client is not authorized to use the provided grant type. Configured grant types: [${app.grantTypes.join(', ')}].`,
      });
    }
    if (grantType === 'password') return passwordGrant(form, app, server);
    if (grantType === 'refresh_token') return refreshGrant(form, app, server);
    if (grantType === 'authorization_code') return interactive.tokenGrant('authorization_code', form, app.clientId, request);
    if (grantType === DEVICE_GRANT) return interactive.tokenGrant('device_code', form, app.clientId, request);
    return jsonResponse(400, {
      error: 'unsupported_grant_type',
      error_description: `The emulator does not implement the '${grantType}' grant.`,
    });
  }

  /** Client authentication of the token and device authorization endpoints: the app, or Okta's refusal. */
  function authenticateClient(request: Request, form: URLSearchParams): StoredApp | Response {
    const auth = readClientAuth(request, form);
    if (auth.kind === 'multiple') return oauthError(OKTA_ERRORS.multipleCredentials);
    if (auth.kind === 'malformed') return oauthError(OKTA_ERRORS.clientAuthFailed);
    if (auth.clientId === undefined || auth.clientId === '') return oauthError(OKTA_ERRORS.clientAuthFailed);
    const app = apps.get(auth.clientId);
    if (app === undefined) return oktaApiError(401, 'invalid_client', "Invalid value for 'client_id' parameter.");
    if (app.confidential) {
      if (auth.kind === 'none') return oauthError(OKTA_ERRORS.clientAuthFailed);
      const expired = app.clientSecretExpiresAt !== undefined && app.clientSecretExpiresAt <= clock.now();
      if (expired || !secretEquals(auth.clientSecret, app.clientSecret)) return oauthError(OKTA_ERRORS.badSecret);
    }
    return app;
  }

  async function deviceAuthorization(request: Request, server: AuthServer): Promise<Response> {
    const form = await readForm(request);
    if (form === undefined) return oauthError(OKTA_ERRORS.contentType);
    const app = authenticateClient(request, form);
    if (app instanceof Response) return app;
    const scopes = checkScopes(splitScopes(form.get('scope')), app, server);
    if (scopes instanceof Response) return scopes;
    return interactive.deviceAuthorization(form, app.clientId, server, request);
  }

  // ---- browser and device sign-in (pages and state in emulator-interactive.ts) -------------

  const consents = new Set<string>();
  const interactive = createInteractiveSignIn<AuthServer>({
    brand: 'Okta',
    clock,
    pagesPath: '/signin',
    verificationUri: () => `${host.baseUrl}/activate`,
    formatUserCode: (code) => `${code.slice(0, 4)}-${code.slice(4)}`,
    verificationUriComplete: true,
    deviceCodeLifetimeSeconds: 600,
    appName: (clientId) => (apps.has(clientId) ? `Ubiq (${clientId})` : undefined),
    checkRedirectUri(clientId, redirectUri) {
      if (apps.get(clientId)?.redirectUris.includes(redirectUri) === true) return undefined;
      return `The 'redirect_uri' parameter must be a Login redirect URI in the client app settings: ${host.baseUrl}/admin/app/oidc_client/instance/${clientId}#tab-general`;
    },
    checkGrant(clientId, grant) {
      const wanted: OktaGrantType = grant === 'device_code' ? DEVICE_GRANT : 'authorization_code';
      return apps.get(clientId)?.grantTypes.includes(wanted) === true ? undefined : 'unauthorized_client';
    },
    verifyPassword(username, password) {
      const user = findUser(username);
      // Okta's sign-in widget says the same for a wrong password and an account that cannot sign in.
      if (user === undefined || !secretEquals(password, user.password) || user.status !== 'ACTIVE') return 'Unable to sign in';
      return interactiveUser(user);
    },
    findUser(id) {
      const user = users.get(id);
      return user === undefined ? undefined : interactiveUser(user);
    },
    needsConsent: (clientId, userId) => apps.get(clientId)?.consentRequired === true && !consents.has(`${clientId} ${userId}`),
    recordConsent: (clientId, userId) => consents.add(`${clientId} ${userId}`),
    async issue(grant: IssuedGrant<AuthServer>) {
      const app = apps.get(grant.clientId);
      const user = users.get(grant.userId);
      if (app === undefined || user === undefined || user.status !== 'ACTIVE') return oauthError(OKTA_ERRORS.invalidCredentials);
      return issue(app, grant.context, user, splitScopes(grant.scope), grant.authTime, {}, undefined, { nonce: grant.nonce, amr: grant.amr });
    },
    tokenError: (kind: InteractiveTokenError) => oauthError(OKTA_DEVICE_ERRORS[kind]),
    deviceError: (error, description) => jsonResponse(400, { error, error_description: description }),
  });
  const interactiveUser = (user: StoredUser) => ({ id: user.id, login: user.login, totpSecret: user.totpSecret });

  /** Checks requested scopes against the server and the app; returns the scopes or an error. */
  function checkScopes(requested: string[], app: StoredApp, server: AuthServer): string[] | Response {
    if (requested.length === 0) return oauthError(OKTA_ERRORS.noScope);
    for (const scope of requested) {
      if (OIDC_SCOPES.has(scope)) continue;
      if (server.id === undefined) {
        if (!scope.startsWith('okta.')) return oauthError(OKTA_ERRORS.scopeNotConfigured);
        if (!app.grantedScopes.includes(scope)) return oauthError(OKTA_ERRORS.scopeNotGranted);
      } else if (!server.scopes.has(scope)) {
        return oauthError(OKTA_ERRORS.scopeNotConfigured);
      }
    }
    return requested;
  }

  async function passwordGrant(form: URLSearchParams, app: StoredApp, server: AuthServer): Promise<Response> {
    const username = form.get('username');
    const password = form.get('password');
    if (username === null || username === '' || password === null) {
      return jsonResponse(400, { error: 'invalid_request', error_description: "The 'username' and 'password' parameters are required." });
    }
    const limit = takeUserLimit(username);
    if ('limited' in limit) return limit.limited;
    const scopes = checkScopes(splitScopes(form.get('scope')), app, server);
    if (scopes instanceof Response) return withHeaders(scopes, limit.headers);
    const user = findUser(username);
    // Okta never says which part was wrong, nor that the account is locked, suspended or deprovisioned.
    if (user === undefined || !secretEquals(password, user.password)) return oauthError(OKTA_ERRORS.invalidCredentials, limit.headers);
    if (user.status === 'PASSWORD_EXPIRED') {
      return jsonResponse(400, { error: 'invalid_grant', error_description: 'The password has expired.' }, limit.headers);
    }
    if (user.status !== 'ACTIVE') return oauthError(OKTA_ERRORS.invalidCredentials, limit.headers);
    if (user.mfaRequired || app.signOnPolicy === 'mfa') return oauthError(OKTA_ERRORS.mfaRequired, limit.headers);
    const authTime = host.issuedAt();
    return issue(app, server, user, scopes, authTime, limit.headers);
  }

  async function refreshGrant(form: URLSearchParams, app: StoredApp, server: AuthServer): Promise<Response> {
    const presented = form.get('refresh_token');
    if (presented === null || presented === '') {
      return jsonResponse(400, { error: 'invalid_request', error_description: "The 'refresh_token' parameter is required." });
    }
    const grant = refreshTokens.get(presented);
    const user = grant === undefined ? undefined : users.get(grant.userId);
    const limit = user === undefined ? { headers: {} } : takeUserLimit(user.login);
    if ('limited' in limit) return limit.limited;
    if (
      grant === undefined ||
      user === undefined ||
      grant.clientId !== app.clientId ||
      grant.serverId !== server.id ||
      grant.expiresAt <= clock.now() ||
      user.status !== 'ACTIVE'
    ) {
      return oauthError(OKTA_ERRORS.invalidRefreshToken, limit.headers);
    }
    let scopes = grant.scopes;
    const requested = splitScopes(form.get('scope'));
    if (requested.length > 0) {
      if (requested.some((scope) => !grant.scopes.includes(scope))) return oauthError(OKTA_ERRORS.scopeNotGranted, limit.headers);
      scopes = requested;
    }
    if (app.refreshTokenRotation) refreshTokens.delete(presented);
    return issue(app, server, user, scopes, grant.authTime, limit.headers, app.refreshTokenRotation ? undefined : presented);
  }

  async function issue(
    app: StoredApp,
    server: AuthServer,
    user: StoredUser,
    scopes: string[],
    authTime: number,
    headers: Record<string, string>,
    keepRefreshToken?: string,
    signIn: { nonce?: string | undefined; amr?: string[] } = {},
  ): Promise<Response> {
    const urls = serverUrls(server);
    const iat = host.issuedAt();
    const accessToken = await server.keys.sign({
      ver: 1,
      jti: `AT.${randomToken(32)}`,
      iss: urls.issuer,
      aud: urls.audience,
      iat,
      exp: iat + app.accessTokenLifetimeSeconds,
      cid: app.clientId,
      uid: user.id,
      scp: scopes,
      auth_time: authTime,
      sub: user.login,
    }, {}, { unpublished: server.id === undefined && options.orgAccessTokenKeyPublished === false });
    const body: Record<string, unknown> = {
      token_type: 'Bearer',
      expires_in: app.accessTokenLifetimeSeconds,
      access_token: accessToken,
      scope: scopes.join(' '),
    };
    if (scopes.includes('offline_access') && app.grantTypes.includes('refresh_token')) {
      const refreshToken = keepRefreshToken ?? randomToken(32);
      refreshTokens.set(refreshToken, {
        clientId: app.clientId,
        userId: user.id,
        scopes,
        serverId: server.id,
        authTime,
        expiresAt: clock.now() + app.refreshTokenLifetimeSeconds * 1000,
      });
      body.refresh_token = refreshToken;
    }
    if (scopes.includes('openid')) {
      const digest = createHash('sha256').update(accessToken).digest();
      const claims: JWTPayload = {
        sub: user.id,
        ver: 1,
        iss: urls.issuer,
        aud: app.clientId,
        iat,
        exp: iat + 3600,
        jti: `ID.${randomToken(32)}`,
        amr: signIn.amr ?? ['pwd'],
        idp: orgId,
        ...(signIn.nonce === undefined ? {} : { nonce: signIn.nonce }),
        auth_time: authTime,
        at_hash: digest.subarray(0, digest.length / 2).toString('base64url'),
      };
      // As Okta: the profile claims (preferred_username, the login, among them) only with the profile scope.
      if (scopes.includes('profile')) {
        claims.preferred_username = user.login;
        claims.name = [user.profile.firstName, user.profile.lastName].filter(Boolean).join(' ') || user.login;
      }
      if (scopes.includes('email') && user.profile.email !== undefined) claims.email = user.profile.email;
      if (scopes.includes('groups')) claims.groups = user.groups.map((id) => groups.get(id)?.name ?? id);
      body.id_token = await server.keys.sign(claims);
    }
    return jsonResponse(200, body, headers);
  }

  // ---- directory ---------------------------------------------------------------------------

  function requireApp(clientId: string): StoredApp {
    const app = apps.get(clientId);
    if (app === undefined) throw new EmulatorUsageError(`unknown Okta app "${clientId}"`);
    return app;
  }
  const publicUser = (user: StoredUser): OktaUser => {
    const { password: _password, totpSecret: _totp, ...rest } = user;
    return structuredClone(rest);
  };
  const publicApp = (app: StoredApp): OktaApp => {
    const { clientSecret: _secret, ...rest } = app;
    return structuredClone(rest);
  };

  function addGroup(input: { id?: string; name: string }): OktaGroup {
    if (directory.findGroup(input.name) !== undefined) throw new EmulatorUsageError(`Okta group "${input.name}" already exists`);
    const group = { id: input.id ?? randomId('00g', 17), name: input.name };
    groups.set(group.id, group);
    return { ...group };
  }
  function addUser(input: OktaUserInput): OktaUser {
    if (findUser(input.login) !== undefined) throw new EmulatorUsageError(`Okta user "${input.login}" already exists`);
    const user: StoredUser = {
      id: input.id ?? randomId('00u', 17),
      login: input.login,
      password: input.password,
      status: input.status ?? 'ACTIVE',
      mfaRequired: input.mfaRequired ?? false,
      totp: input.totp === true || input.mfaRequired === true,
      totpSecret: input.totp === true || input.mfaRequired === true ? newTotpSecret() : undefined,
      groups: [],
      profile: { ...input.profile },
    };
    users.set(user.id, user);
    user.groups = directory.groupIds(input.groups ?? []);
    return publicUser(user);
  }
  function addApp(input: OktaAppInput): OktaApp {
    const clientId = input.clientId ?? randomId('0oa', 17);
    if (apps.has(clientId)) throw new EmulatorUsageError(`Okta app "${clientId}" already exists`);
    const app: StoredApp = {
      clientId,
      clientSecret: input.clientSecret,
      clientSecretExpiresAt: input.clientSecretExpiresAt,
      confidential: input.clientSecret !== undefined,
      grantTypes: [...(input.grantTypes ?? ['authorization_code', 'refresh_token'])],
      grantedScopes: [...(input.grantedScopes ?? [])],
      signOnPolicy: input.signOnPolicy ?? 'password',
      accessTokenLifetimeSeconds: input.accessTokenLifetimeSeconds ?? 3600,
      refreshTokenLifetimeSeconds: input.refreshTokenLifetimeSeconds ?? 90 * 24 * 3600,
      refreshTokenRotation: input.refreshTokenRotation ?? true,
      redirectUris: [...(input.redirectUris ?? [])],
      consentRequired: input.consentRequired ?? false,
    };
    apps.set(clientId, app);
    return publicApp(app);
  }

  for (const group of options.groups ?? []) addGroup(group);
  for (const app of options.apps ?? []) addApp(app);
  for (const user of options.users ?? []) addUser(user);

  const org = () => serverUrls(serverById(undefined));
  return withBase(host.base(), {
    get orgUrl() {
      return host.baseUrl;
    },
    async listen(listenOptions) {
      const url = await host.listen(listenOptions);
      return { url, orgUrl: url, port: Number(new URL(url).port), ...org() };
    },
    authorizationServer: (id) => serverUrls(serverById(id === undefined || id === ORG_SERVER ? undefined : id)),
    addUser,
    updateUser(loginOrId, patch) {
      const user = requireUser(loginOrId);
      if (patch.login !== undefined && patch.login.toLowerCase() !== user.login.toLowerCase() && findUser(patch.login) !== undefined) {
        throw new EmulatorUsageError(`Okta user "${patch.login}" already exists`);
      }
      if (patch.login !== undefined) user.login = patch.login;
      if (patch.password !== undefined) user.password = patch.password;
      if (patch.status !== undefined) user.status = patch.status;
      if (patch.mfaRequired !== undefined) user.mfaRequired = patch.mfaRequired;
      const wantsTotp = patch.totp ?? (patch.mfaRequired === true ? true : undefined);
      if (wantsTotp !== undefined) {
        user.totp = wantsTotp;
        user.totpSecret = wantsTotp ? (user.totpSecret ?? newTotpSecret()) : undefined;
      }
      if (patch.profile !== undefined) user.profile = { ...user.profile, ...patch.profile };
      return publicUser(user);
    },
    removeUser(loginOrId) {
      directory.removeUser(loginOrId);
    },
    getUser(loginOrId) {
      const user = findUser(loginOrId);
      return user === undefined ? undefined : publicUser(user);
    },
    addGroup,
    getGroup(nameOrId) {
      const group = directory.findGroup(nameOrId);
      return group === undefined ? undefined : { ...group };
    },
    addMember: directory.addMember,
    removeMember: directory.removeMember,
    addApp,
    setAppOptions(clientId, patch) {
      const app = requireApp(clientId);
      if (patch.clientSecret !== undefined) {
        app.clientSecret = patch.clientSecret;
        app.confidential = true;
      }
      if ('clientSecretExpiresAt' in patch) app.clientSecretExpiresAt = patch.clientSecretExpiresAt;
      if (patch.grantTypes !== undefined) app.grantTypes = [...patch.grantTypes];
      if (patch.grantedScopes !== undefined) app.grantedScopes = [...patch.grantedScopes];
      if (patch.signOnPolicy !== undefined) app.signOnPolicy = patch.signOnPolicy;
      if (patch.accessTokenLifetimeSeconds !== undefined) app.accessTokenLifetimeSeconds = patch.accessTokenLifetimeSeconds;
      if (patch.refreshTokenLifetimeSeconds !== undefined) app.refreshTokenLifetimeSeconds = patch.refreshTokenLifetimeSeconds;
      if (patch.refreshTokenRotation !== undefined) app.refreshTokenRotation = patch.refreshTokenRotation;
      if (patch.redirectUris !== undefined) app.redirectUris = [...patch.redirectUris];
      if (patch.consentRequired !== undefined) app.consentRequired = patch.consentRequired;
      return publicApp(app);
    },
    expireSecret(clientId) {
      requireApp(clientId).clientSecretExpiresAt = clock.now();
    },
    revokeRefreshTokens: directory.revokeRefreshTokens,
    setRateLimit(patch) {
      rateLimit = { ...rateLimit, ...patch };
    },
    rotateKeys(rotateOptions = {}) {
      const { authorizationServer, ...rest } = rotateOptions;
      return serverById(authorizationServer === ORG_SERVER ? undefined : authorizationServer).keys.rotate(rest);
    },
    totp: (loginOrId) => interactive.totp(interactiveUser(requireUser(loginOrId))),
    approveDevice: (userCode, loginOrId) => interactive.approveDevice(userCode, interactiveUser(requireUser(loginOrId))),
    denyDevice: (userCode) => interactive.denyDevice(userCode),
    pendingUserCodes: () => interactive.pendingUserCodes(),
    signToken(claims, signOptions = {}) {
      const server = serverById(signOptions.authorizationServer === ORG_SERVER ? undefined : signOptions.authorizationServer);
      return server.keys.sign(claims, signOptions.header, { unpublished: signOptions.unpublishedKey ?? false });
    },
  });
}

function splitScopes(scope: string | null): string[] {
  return [...new Set((scope ?? '').split(/\s+/).filter((s) => s !== ''))];
}

function withHeaders(response: Response, headers: Record<string, string>): Response {
  for (const [name, value] of Object.entries(headers)) response.headers.set(name, value);
  return response;
}
