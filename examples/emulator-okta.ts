// Start an in-process Okta org, listen on a free port on 127.0.0.1, get a token with the resource-owner
// password grant exactly as the Ubiq client libraries request it (DESIGN §2.4), and verify it as Ubiq's
// SSO endpoint would: against the JWKS named by the discovery document, with the org URL as issuer and
// audience. Run: npx tsx examples/emulator-okta.ts
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { createOktaEmulator } from 'ubiq-idp/testing';

const okta = createOktaEmulator({
  apps: [
    {
      clientId: '0oamj6wsupUbPfqXt697',
      clientSecret: 'example-client-secret',
      // The seed's OIDC setup: a Native app with the Resource Owner Password grant, and the Okta API scopes granted.
      grantTypes: ['password', 'refresh_token'],
      grantedScopes: ['okta.users.read', 'okta.groups.read'],
    },
  ],
  users: [{ login: 'ada@example.com', password: 'example-password', groups: ['Engineering'] }],
});

const { tokenEndpoint, discoveryUrl, issuer, audience } = await okta.listen();
try {
  // The token request the Ubiq libraries send: client_id and client_secret in the form body.
  const response = await fetch(tokenEndpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    body: new URLSearchParams({
      grant_type: 'password',
      username: 'ada@example.com',
      password: 'example-password',
      client_id: '0oamj6wsupUbPfqXt697',
      client_secret: 'example-client-secret',
      scope: 'openid offline_access okta.users.read okta.groups.read',
    }),
    signal: AbortSignal.timeout(5_000),
  });
  const token = (await response.json()) as { access_token: string; refresh_token?: string; expires_in: number };

  // What the SSO endpoint does: discovery → JWKS → verify issuer and audience.
  const discovery = (await (await fetch(discoveryUrl, { signal: AbortSignal.timeout(5_000) })).json()) as { jwks_uri: string };
  const { payload } = await jwtVerify(token.access_token, createRemoteJWKSet(new URL(discovery.jwks_uri)), { issuer, audience });
  console.log(`token for ${String(payload.sub)} (uid ${String(payload.uid)}), scopes ${String(payload.scp)}, expires in ${token.expires_in} s`);
  console.log(`refresh token issued: ${token.refresh_token !== undefined}; requests served: ${JSON.stringify(okta.stats().byEndpoint)}`);
} finally {
  await okta.close();
}
