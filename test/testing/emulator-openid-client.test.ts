// Contract: a standard OIDC client (openid-client 6, which the token fetcher uses) accepts what the
// emulators serve: discovery with the issuer check, token responses with ID token validation, refresh.
import * as client from 'openid-client';
import { afterEach, expect, it } from 'vitest';
import { createEntraEmulator, createOktaEmulator } from 'ubiq-idp/testing';

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

it('works with openid-client against the Okta org server: discovery, password grant, ID token, refresh', async () => {
  const okta = createOktaEmulator({
    apps: [{ clientId: '0oaclient', clientSecret: 'okta-secret', grantTypes: ['password', 'refresh_token'], grantedScopes: ['okta.users.read'] }],
    users: [{ login: 'ada@example.com', password: 'ada-password' }],
  });
  closers.push(() => okta.close());
  const { orgUrl } = await okta.listen();
  for (const auth of [client.ClientSecretPost('okta-secret'), client.ClientSecretBasic('okta-secret')]) {
    const config = await client.discovery(new URL(orgUrl), '0oaclient', undefined, auth, { execute: [client.allowInsecureRequests] });
    expect(config.serverMetadata().issuer).toBe(orgUrl);
    const tokens = await client.genericGrantRequest(config, 'password', {
      username: 'ada@example.com',
      password: 'ada-password',
      scope: 'openid profile offline_access okta.users.read',
    });
    expect(tokens.token_type).toBe('bearer');
    expect(tokens.claims()?.preferred_username).toBe('ada@example.com');
    const refreshed = await client.refreshTokenGrant(config, String(tokens.refresh_token));
    expect(refreshed.access_token).not.toBe(tokens.access_token);
    expect(refreshed.claims()?.sub).toBe(tokens.claims()?.sub);
  }
});

it('works with openid-client against the Entra v2.0 endpoints (issuer follows the listen URL)', async () => {
  const clientId = '6731de76-14a6-49ae-97bc-6eba6914391e';
  const entra = createEntraEmulator({
    apps: [{ clientId, clientSecret: 'entra-secret' }],
    users: [{ userPrincipalName: 'ada@contoso.onmicrosoft.com', password: 'ada-password' }],
  });
  closers.push(() => entra.close());
  const { issuerV2 } = await entra.listen();
  const config = await client.discovery(new URL(issuerV2), clientId, undefined, client.ClientSecretPost('entra-secret'), {
    execute: [client.allowInsecureRequests],
  });
  const tokens = await client.genericGrantRequest(config, 'password', {
    username: 'ada@contoso.onmicrosoft.com',
    password: 'ada-password',
    scope: `api://${clientId}/.default openid profile offline_access`,
  });
  expect(tokens.claims()?.preferred_username).toBe('ada@contoso.onmicrosoft.com');
  await expect(
    client.genericGrantRequest(config, 'password', { username: 'ada@contoso.onmicrosoft.com', password: 'nope', scope: `api://${clientId}/.default` }),
  ).rejects.toMatchObject({ error: 'invalid_grant' });
});
