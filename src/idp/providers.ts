import type { IdpProvider, IdpSettings } from '../config/types.js';
import type { IdpCorrelation, IdpErrorCode } from './errors.js';

/** An IdP error answer, parsed loosely (any field may be missing). */
export interface IdpErrorBody {
  error?: string;
  error_description?: string;
  /** Entra. */
  error_codes?: number[];
  trace_id?: string;
  correlation_id?: string;
  /** Okta's management-style body (unknown client id, org rate limit). */
  errorCode?: string;
  errorSummary?: string;
  errorId?: string;
}

/** Which grant was attempted: some answers mean different things for a refresh. */
export type GrantKind = 'password' | 'refresh_token' | 'discovery' | 'device_code' | 'authorization_code';

/** Everything that differs between Okta and Entra, as data. The token code has no provider `if`s. */
export interface ProviderProfile {
  displayName: string;
  /** The scope the official clients request (ARCHITECTURE.md, IdP token request). */
  defaultScope(settings: IdpSettings): string;
  /** The issuer of ID tokens from this token endpoint (for openid-client's ID token checks). */
  issuerFromTokenEndpoint(tokenEndpoint: URL): string;
  /** Entra requires `scope` on a refresh; Okta keeps the granted scopes when it is absent. */
  refreshSendsScope: boolean;
  /** The IdP's own error number: AADSTS code (Entra) or `errorCode` (Okta). */
  idpErrorCode(body: IdpErrorBody): string | undefined;
  correlation(body: IdpErrorBody, headers: Headers): IdpCorrelation | undefined;
  /** Maps an error answer (status already known not to be 429/5xx) to a code; undefined = generic. */
  classify(answer: { status: number; body: IdpErrorBody; idpErrorCode: string | undefined; grant: GrantKind; sentSecret: boolean }): IdpErrorCode | undefined;
  /** Hints naming the step of this IdP's integration guide (Ubiq's Okta or Entra ID setup document) that fixes each problem. */
  hints: Partial<Record<IdpErrorCode, string>>;
}

const OKTA_SEED = 'Okta IDP Integration';
const ENTRA_SEED = 'Entra IDP Integration';

/** Entra error numbers (AADSTSnnnnn) → our codes. https://learn.microsoft.com/entra/identity-platform/reference-error-codes */
const AADSTS: Record<string, IdpErrorCode> = {
  '50126': 'invalid_credentials',
  '50034': 'invalid_credentials',
  '50053': 'account_locked',
  '50057': 'account_disabled',
  '50055': 'password_expired',
  '50076': 'mfa_required',
  '50079': 'mfa_required',
  '50074': 'mfa_required',
  '50158': 'mfa_required',
  '53003': 'mfa_required',
  '65001': 'consent_required',
  '50105': 'user_not_assigned',
  '7000215': 'invalid_client_secret',
  '7000222': 'client_secret_expired',
  '7000218': 'client_secret_required',
  '700016': 'application_not_found',
  '90002': 'tenant_not_found',
  '70003': 'grant_not_enabled',
  '70011': 'invalid_scope',
  '28000': 'invalid_scope',
  '500011': 'invalid_scope',
  '70008': 'refresh_token_invalid',
  '700082': 'refresh_token_invalid',
  '90055': 'rate_limited',
  '900144': 'invalid_request',
};

const okta: ProviderProfile = {
  displayName: 'Okta',
  defaultScope: () => 'openid offline_access okta.users.read okta.groups.read',
  // Org server: …/oauth2/v1/token → the org URL. Custom server: …/oauth2/{id}/v1/token → …/oauth2/{id}.
  issuerFromTokenEndpoint(url) {
    const path = url.pathname.replace(/\/+$/, '');
    const custom = /^(.*\/oauth2\/[^/]+)\/v1\/token$/.exec(path);
    if (custom?.[1] !== undefined && !custom[1].endsWith('/oauth2/v1')) return `${url.origin}${custom[1]}`;
    const org = /^(.*)\/oauth2\/v1\/token$/.exec(path);
    return `${url.origin}${org?.[1] ?? ''}`;
  },
  refreshSendsScope: false,
  idpErrorCode: (body) => body.errorCode,
  correlation(body, headers) {
    const errorId = body.errorId ?? headers.get('x-okta-request-id') ?? undefined;
    return errorId === undefined ? undefined : { errorId };
  },
  classify({ body, status, grant, sentSecret }) {
    const description = (body.error_description ?? body.errorSummary ?? '').toLowerCase();
    if (status === 404) return 'endpoint_not_found';
    switch (body.error ?? body.errorCode) {
      case 'invalid_grant':
        if (grant === 'refresh_token') return 'refresh_token_invalid';
        if (description.includes('password has expired')) return 'password_expired';
        return 'invalid_credentials';
      case 'access_denied':
      case 'password_auth_denied_mfa':
        return 'mfa_required';
      case 'invalid_client':
        if (description.includes("'client_id'")) return 'application_not_found';
        if (!sentSecret) return 'client_secret_required';
        return 'invalid_client_secret';
      case 'unauthorized_client':
      case 'unsupported_grant_type':
        return 'grant_not_enabled';
      case 'invalid_scope':
        return 'scope_not_granted';
      case 'invalid_request':
        return 'invalid_request';
      default:
        return undefined;
    }
  },
  hints: {
    invalid_credentials: `Check IDP_USERNAME (the user's Okta login) and IDP_PASSWORD in the [idp] profile of ~/.ubiq/credentials ("${OKTA_SEED}" → Ubiq Credential settings). Okta gives the same answer for a locked, suspended or deactivated user: check the user's status in the Okta Admin Console.`,
    password_expired: `The user's Okta password has expired: sign in to Okta once to change it, then update IDP_PASSWORD in ~/.ubiq/credentials.`,
    mfa_required: `The sign-on policy asks for a second factor, which the password grant cannot give. Sign in with the device grant (grant = device, \`ubiq-idp login --device\`: tick "Device Authorization" under General → Grant type of the Native OIDC application) or the browser grant (grant = browser, \`ubiq-idp login --browser\`: tick "Authorization Code" and add the Sign-in redirect URI http://127.0.0.1:{port}/callback). Or keep the password grant with "Create a new Password Authentication Policy" and "Set the password Authentication Policy to the OIDC application" ("${OKTA_SEED}").`,
    invalid_client_secret: `client_secret in the idp block of ~/.ubiq/configuration must be a current secret from the OIDC application's CLIENT SECRETS (General tab), and tenant_id its Client ID ("Get the Client ID and Client Secret for the application"). An expired or deactivated secret gives the same answer.`,
    client_secret_expired: `Generate a new secret under CLIENT SECRETS of the OIDC application (General tab) and put it in client_secret ("Get the Client ID and Client Secret for the application").`,
    client_secret_required: `The OIDC application is confidential: set client_secret in the idp block of ~/.ubiq/configuration ("Get the Client ID and Client Secret for the application").`,
    application_not_found: `tenant_id in the idp block must be the Client ID from the General tab of the OIDC application ("Create a Native Application using OpenID Connect Sign-in method", "Get the Client ID and Client Secret").`,
    grant_not_enabled: `Enable the "Resource Owner Password" and "Refresh Token" grant types of the Native OIDC application ("Configure properties for the OIDC application", "${OKTA_SEED}").`,
    scope_not_granted: `Grant okta.users.read and okta.groups.read to the OIDC application ("Grant Okta API Scopes"), or set a scope override that the authorization server defines.`,
    endpoint_not_found: `token_endpoint_url must be https://{your-org}.okta.com/oauth2/v1/token ("The oath2/v1/token is consistent") or a custom server's /oauth2/{id}/v1/token.`,
    rate_limited: 'Okta limits /token to 4 requests per second per user and has org-wide limits: wait for the time given (retryAfterMs) and share one token between callers instead of signing in per request.',
  },
};

const entra: ProviderProfile = {
  displayName: 'Microsoft Entra ID',
  defaultScope: (settings) => `api://${settings.clientId}/.default`,
  // …/{tenant}/oauth2/v2.0/token → …/{tenant}/v2.0 (the v2.0 issuer of ID tokens when {tenant} is the id).
  issuerFromTokenEndpoint(url) {
    const path = url.pathname.replace(/\/+$/, '');
    const match = /^(.*)\/oauth2\/v2\.0\/token$/.exec(path);
    return `${url.origin}${match?.[1] ?? path}/v2.0`;
  },
  refreshSendsScope: true,
  idpErrorCode(body) {
    const first = body.error_codes?.[0];
    if (first !== undefined) return String(first);
    return /^AADSTS(\d+)/.exec(body.error_description ?? '')?.[1];
  },
  correlation(body, headers) {
    const traceId = body.trace_id ?? headers.get('x-ms-request-id') ?? undefined;
    const correlationId = body.correlation_id ?? headers.get('client-request-id') ?? undefined;
    if (traceId === undefined && correlationId === undefined) return undefined;
    return { ...(traceId === undefined ? {} : { traceId }), ...(correlationId === undefined ? {} : { correlationId }) };
  },
  classify({ body, status, idpErrorCode, grant }) {
    if (grant === 'refresh_token' && (body.error === 'invalid_grant' || idpErrorCode === '9002313')) {
      const mapped = idpErrorCode === undefined ? undefined : AADSTS[idpErrorCode];
      // A disabled or locked account is not fixed by signing in again with the password.
      if (mapped === 'account_disabled' || mapped === 'account_locked' || mapped === 'consent_required') return mapped;
      return 'refresh_token_invalid';
    }
    if (idpErrorCode !== undefined && AADSTS[idpErrorCode] !== undefined) return AADSTS[idpErrorCode];
    if (status === 404) return 'endpoint_not_found';
    switch (body.error) {
      case 'invalid_grant':
        return 'invalid_credentials';
      case 'invalid_client':
        return 'invalid_client_secret';
      case 'invalid_scope':
        return 'invalid_scope';
      case 'invalid_request':
        return 'invalid_request';
      case 'unsupported_grant_type':
        return 'grant_not_enabled';
      default:
        return undefined;
    }
  },
  hints: {
    invalid_credentials: `Check IDP_USERNAME (the user principal name, e.g. ada@contoso.onmicrosoft.com) and IDP_PASSWORD in the [idp] profile of ~/.ubiq/credentials. The password grant only works for cloud accounts of the tenant, not federated or personal Microsoft accounts.`,
    account_locked: 'Entra locked the account after too many failed sign-ins: wait for the lockout to end or have an administrator unlock it, then check IDP_PASSWORD.',
    account_disabled: 'The user is disabled in Entra ID (Users → the user → Account enabled): enable it, and assign it to the Enterprise Application ("Users & Groups → + Add user/group").',
    password_expired: 'The Entra password has expired: sign in interactively once to change it, then update IDP_PASSWORD in ~/.ubiq/credentials.',
    mfa_required: 'Conditional Access or per-user MFA requires a second factor, which the password grant cannot give. Sign in with the device grant (grant = device, `ubiq-idp login --device`: App registrations → your application → Authentication → "Allow public client flows" = Yes) or the browser grant (grant = browser, `ubiq-idp login --browser`: Authentication → + Add a platform → "Mobile and desktop applications" → redirect URI http://127.0.0.1/callback).',
    consent_required: `In App registrations → your application → API permissions, click "Grant admin consent for YourAzureADTenantName" and confirm ("API Permissions" step of "${ENTRA_SEED}").`,
    user_not_assigned: 'The Enterprise Application requires assignment: add the user or one of its groups under "Users & Groups → + Add user/group → Assign".',
    invalid_client_secret: 'client_secret must be the secret\'s Value (shown once when created), not its Secret ID: create one under "Certificates & secrets → Client Secrets → + New client secret" and copy the value.',
    client_secret_expired: 'The client secret has expired: create a new one under "Certificates & secrets → Client Secrets → + New client secret" (choose the expiration) and put its value in client_secret.',
    client_secret_required: 'Set client_secret in the idp block of ~/.ubiq/configuration to a secret\'s Value from "Certificates & secrets → Client Secrets", or, to sign in without a secret (device grant, password grant of a public client), set Authentication → "Allow public client flows" to Yes.',
    application_not_found: 'tenant_id in the idp block must be the Application (client) ID of the app registration (App registrations → All Applications → Your Application), in the directory named in token_endpoint_url.',
    tenant_not_found: 'token_endpoint_url must be https://login.microsoftonline.com/{Directory (tenant) ID}/oauth2/v2.0/token, with the "Directory (tenant) ID" from App registrations → Your Application.',
    grant_not_enabled: 'Entra rejected the grant type: check that token_endpoint_url is the v2.0 endpoint (…/oauth2/v2.0/token) of a work or school tenant.',
    invalid_scope: 'The scope must be the Application ID URI followed by /.default ("Expose an API → Add Application ID URI"). If the Application ID URI is not api://{client id}, set the scope override.',
    scope_not_granted: 'Add the exposed scope under "API permissions → + Add a permission → APIs my organization uses" and grant admin consent.',
    endpoint_not_found: 'token_endpoint_url must be https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token.',
    rate_limited: 'Entra is throttling this tenant or application: wait for the time given (retryAfterMs) and share one token between callers.',
  },
};

/** The provider table. */
export const PROVIDERS: Readonly<Record<IdpProvider, ProviderProfile>> = { okta, entra };

/** Hints that do not depend on the provider. */
export const COMMON_HINTS: Record<IdpErrorCode, string> = {
  invalid_credentials: 'Check IDP_USERNAME and IDP_PASSWORD in ~/.ubiq/credentials.',
  account_locked: 'The account is locked: have an administrator unlock it.',
  account_disabled: 'The account is disabled: have an administrator enable it.',
  password_expired: 'The password has expired: change it, then update IDP_PASSWORD.',
  mfa_required: 'The IdP requires a second factor, which the password grant cannot give.',
  consent_required: 'An administrator must grant consent to the application.',
  user_not_assigned: 'Assign the user to the application.',
  invalid_client_secret: 'Check client_secret in the idp block of ~/.ubiq/configuration.',
  client_secret_expired: 'Create a new client secret and put it in client_secret.',
  client_secret_required: 'Set client_secret in the idp block of ~/.ubiq/configuration.',
  application_not_found: 'Check tenant_id (the OAuth client id) in the idp block of ~/.ubiq/configuration.',
  tenant_not_found: 'Check the directory in token_endpoint_url.',
  grant_not_enabled: 'Enable the password and refresh token grants for the application.',
  scope_not_granted: 'Grant the requested scopes to the application, or override the scope.',
  invalid_scope: 'Check the scope override.',
  refresh_token_invalid: 'The refresh token was revoked, has expired or was already used: sign in with the password again (renewIdpToken does so by itself).',
  invalid_request: 'The IdP rejected the request as malformed: check token_endpoint_url and the idp block of ~/.ubiq/configuration.',
  idp_rejected: 'See idpError and idpErrorDescription for what the IdP said.',
  rate_limited: 'The IdP is throttling requests: wait for the time given (retryAfterMs) and retry.',
  idp_unavailable: "The IdP answered with a server error or stayed unavailable through every retry: try again later and check the IdP's status page.",
  endpoint_not_found: 'Check token_endpoint_url in the idp block of ~/.ubiq/configuration.',
  invalid_response:
    'The answer was not an OAuth token response: check that token_endpoint_url is the IdP\'s token endpoint (Okta …/oauth2/v1/token, Entra …/oauth2/v2.0/token), not a proxy or sign-in page.',
  invalid_settings: 'Fix token_endpoint_url / tenant_id in the idp block of ~/.ubiq/configuration.',
  insecure_endpoint:
    "Token endpoints must use https://. For a local emulator only: the option allowInsecureHttp: true, UBIQ_ALLOW_INSECURE_HTTP=1 in the environment, or the CLI's --allow-http.",
  network_error: 'Check that token_endpoint_url is reachable from this machine; behind a proxy set HTTPS_PROXY (and NO_PROXY).',
  timeout: 'The IdP did not answer in time: check the network, or raise timeoutMs / retry.deadlineMs.',
  aborted: 'The caller aborted the request.',
};

/** The hint for a code at a provider. */
export function hintFor(provider: IdpProvider, code: IdpErrorCode): string {
  // `provider` comes from user settings: an unknown one still gets the common hint.
  return (PROVIDERS as Partial<Record<string, ProviderProfile>>)[provider]?.hints[code] ?? COMMON_HINTS[code];
}

/**
 * The OpenID Connect discovery document of the IdP, found from the token endpoint: Okta org server
 * `{org}/.well-known/openid-configuration`, custom server `{org}/oauth2/{id}/.well-known/openid-configuration`,
 * Entra `…/{tenant}/v2.0/.well-known/openid-configuration`.
 *
 * @example
 * discoveryUrlFor({ provider: 'okta', tokenEndpointUrl: 'https://acme.okta.com/oauth2/v1/token', … });
 * // 'https://acme.okta.com/.well-known/openid-configuration'
 */
export function discoveryUrlFor(settings: Pick<IdpSettings, 'provider' | 'tokenEndpointUrl'>): string {
  const profile = PROVIDERS[settings.provider];
  return `${profile.issuerFromTokenEndpoint(new URL(settings.tokenEndpointUrl.trim()))}/.well-known/openid-configuration`;
}
