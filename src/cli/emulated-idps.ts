import { randomBytes, randomUUID } from 'node:crypto';
import { createEntraEmulator, createOktaEmulator, type EntraEmulator, type OktaEmulator } from '../testing/index.js';

/** A person in the emulated directory. */
export interface DemoPerson {
  /** Okta login / Entra user principal name: the IDP_USERNAME. */
  username: string;
  firstName: string;
  lastName: string;
  /** Directory groups the person belongs to. */
  groups: string[];
}

/**
 * An emulated IdP set up as the seed documents describe (Okta: a Native OIDC app with the password
 * grant and the Okta API scopes; Entra: an app registration with a client secret, exposed API and admin
 * consent), listening on 127.0.0.1, with what the Ubiq side and the client configuration need from it.
 */
export interface EmulatedIdp {
  provider: 'okta' | 'entra';
  displayName: string;
  emulator: OktaEmulator | EntraEmulator;
  /** The "Okta account URL" / login.microsoftonline.com stand-in. */
  baseUrl: string;
  tokenEndpoint: string;
  /** What goes in the Ubiq IDP Settings window (the Ubiq app's client id among the allowed ones). */
  settings: { discoveryUrl: string; issuer: string; audience: string; allowedClientIds: string[] };
  /** `tenant_id` of the configuration file: the OAuth client id. */
  clientId: string;
  /** Secret: written to configuration files only, never printed. */
  clientSecret: string;
  people: DemoPerson[];
  /** Secret: each person's password, by username. Written to credentials files only. */
  passwords: ReadonlyMap<string, string>;
  close(): Promise<void>;
}

/**
 * A random secret (24 bytes, base64url) that does not start with '-': the values land in files and in
 * commands a person copies (`configure --password …`), where a leading '-' reads as an option.
 */
export function newSecret(): string {
  for (;;) {
    const value = randomBytes(24).toString('base64url');
    if (!value.startsWith('-')) return value;
  }
}

/** Starts an Okta org emulator with one OIDC app and the given people. */
export async function startOktaIdp(people: DemoPerson[]): Promise<EmulatedIdp> {
  const clientId = `0oa${randomBytes(8).toString('hex')}`;
  const clientSecret = newSecret();
  const passwords = new Map(people.map((p) => [p.username, newSecret()]));
  const okta = createOktaEmulator({
    apps: [{ clientId, clientSecret, grantTypes: ['password', 'refresh_token'], grantedScopes: ['okta.users.read', 'okta.groups.read'] }],
    users: people.map((p) => ({ login: p.username, password: passwords.get(p.username) ?? '', groups: p.groups, profile: { firstName: p.firstName, lastName: p.lastName, email: p.username } })),
    rateLimit: { perUserPerSecond: 0 },
  });
  const info = await okta.listen();
  return {
    provider: 'okta',
    displayName: 'Okta',
    emulator: okta,
    baseUrl: info.orgUrl,
    tokenEndpoint: info.tokenEndpoint,
    settings: { discoveryUrl: info.discoveryUrl, issuer: info.issuer, audience: info.audience, allowedClientIds: [clientId] },
    clientId,
    clientSecret,
    people,
    passwords,
    close: () => okta.close(),
  };
}

/** Starts an Entra tenant emulator with one app registration (v1 tokens for its api:// resource). */
export async function startEntraIdp(people: DemoPerson[]): Promise<EmulatedIdp> {
  const clientId = randomUUID();
  const clientSecret = newSecret();
  const passwords = new Map(people.map((p) => [p.username, newSecret()]));
  const entra = createEntraEmulator({
    apps: [{ clientId, clientSecret, displayName: 'Ubiq' }],
    users: people.map((p) => ({ userPrincipalName: p.username, password: passwords.get(p.username) ?? '', givenName: p.firstName, surname: p.lastName, displayName: `${p.firstName} ${p.lastName}`, groups: p.groups })),
  });
  const info = await entra.listen();
  return {
    provider: 'entra',
    displayName: 'Microsoft Entra ID',
    emulator: entra,
    baseUrl: info.url,
    tokenEndpoint: info.tokenEndpoint,
    settings: { discoveryUrl: info.discoveryUrl, issuer: entra.issuer, audience: entra.audienceOf(clientId), allowedClientIds: [clientId] },
    clientId,
    clientSecret,
    people,
    passwords,
    close: () => entra.close(),
  };
}

/**
 * The `~/.ubiq/configuration` for this IdP, with the official ubiq-security client's key names (which this
 * library reads too), so every client can use the file.
 */
export function configurationFor(idp: EmulatedIdp, customerId: string): string {
  return `${JSON.stringify(
    {
      idp: {
        provider: idp.provider,
        ubiq_customer_id: customerId,
        idp_token_endpoint_url: idp.tokenEndpoint,
        idp_tenant_id: idp.clientId,
        idp_client_secret: idp.clientSecret,
      },
    },
    null,
    2,
  )}\n`;
}

/** The `~/.ubiq/credentials` with an `[idp]` profile for one person. */
export function credentialsFor(idp: EmulatedIdp, server: string, username: string, profile = 'idp'): string {
  return `[${profile}]\nSERVER=${server}\nIDP_USERNAME=${username}\nIDP_PASSWORD=${idp.passwords.get(username) ?? ''}\n`;
}
