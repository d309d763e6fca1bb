// Shared by the SSO tests: emulators set up as the seed documents describe, and real password-grant tokens.
import { createEntraEmulator, createOktaEmulator, type EntraEmulator, type EntraEmulatorOptions, type OktaEmulator, type OktaEmulatorOptions } from 'ubiq-idp/testing';

export const OKTA_CLIENT = '0oassoclient000000001';
export const OKTA_SECRET = 'okta-client-secret-canary-sso';
export const OKTA_SCOPE = 'openid offline_access okta.users.read okta.groups.read';
export const ENTRA_TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
export const ENTRA_CLIENT = '6731de76-14a6-49ae-97bc-6eba6914391e';
export const ENTRA_V2_CLIENT = '11111111-2222-4333-8444-555555555555';
export const ENTRA_SECRET = 'entra-client-secret-canary-sso';

export function oktaEmulator(extra: Partial<OktaEmulatorOptions> = {}): OktaEmulator {
  return createOktaEmulator({
    apps: [
      {
        clientId: OKTA_CLIENT,
        clientSecret: OKTA_SECRET,
        grantTypes: ['password', 'refresh_token'],
        grantedScopes: ['okta.users.read', 'okta.groups.read'],
      },
    ],
    users: [
      { login: 'ada@example.com', password: 'ada-password', groups: ['Engineering'] },
      { login: 'bob@example.com', password: 'bob-password' },
    ],
    // Tests ask for many tokens for one user within a second.
    rateLimit: { perUserPerSecond: 0 },
    ...extra,
  });
}

export function entraEmulator(extra: Partial<EntraEmulatorOptions> = {}): EntraEmulator {
  return createEntraEmulator({
    tenantId: ENTRA_TENANT,
    apps: [
      { clientId: ENTRA_CLIENT, clientSecret: ENTRA_SECRET, displayName: 'Ubiq' },
      { clientId: ENTRA_V2_CLIENT, clientSecret: ENTRA_SECRET, displayName: 'Ubiq v2', accessTokenVersion: 2 },
    ],
    users: [
      { userPrincipalName: 'ada@contoso.onmicrosoft.com', password: 'ada-password', groups: ['Engineering'] },
      { userPrincipalName: 'bob@contoso.onmicrosoft.com', password: 'bob-password' },
    ],
    ...extra,
  });
}

async function passwordGrant(tokenEndpoint: string, form: Record<string, string>): Promise<string> {
  const response = await fetch(tokenEndpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'password', ...form }),
    signal: AbortSignal.timeout(5_000),
  });
  const body = (await response.json()) as { access_token?: string };
  if (response.status !== 200 || body.access_token === undefined) throw new Error(`token request failed: HTTP ${response.status}`);
  return body.access_token;
}

/** A real Okta access token from the password grant, as the Ubiq clients request it (ARCHITECTURE.md, IdP token request). */
export function oktaToken(
  okta: OktaEmulator,
  username = 'ada@example.com',
  password = 'ada-password',
  tokenEndpoint = okta.tokenEndpoint,
  scope = OKTA_SCOPE,
): Promise<string> {
  return passwordGrant(tokenEndpoint, { username, password, client_id: OKTA_CLIENT, client_secret: OKTA_SECRET, scope });
}

/** A real Entra access token for the app's own api:// resource (v1 for ENTRA_CLIENT, v2 for ENTRA_V2_CLIENT). */
export function entraToken(entra: EntraEmulator, username = 'ada@contoso.onmicrosoft.com', password = 'ada-password', clientId = ENTRA_CLIENT): Promise<string> {
  return passwordGrant(entra.tokenEndpoint, { username, password, client_id: clientId, client_secret: ENTRA_SECRET, scope: `api://${clientId}/.default` });
}

const b64url = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

/** An unsigned token (`alg: none`) with the given claims. */
export function unsignedToken(claims: Record<string, unknown>): string {
  return `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url(claims)}.`;
}

/** Replaces the payload of a signed token, keeping its header and signature (a tampered token). */
export function tamper(token: string, change: (claims: Record<string, unknown>) => Record<string, unknown>): string {
  const [header, payload, signature] = token.split('.');
  const claims = JSON.parse(Buffer.from(payload ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
  return `${header}.${b64url(change(claims))}.${signature}`;
}

export function claimsOf(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
}
