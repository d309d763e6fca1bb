// Start an in-process Okta org, listen on a free port on 127.0.0.1, get a token with the resource-owner
// password grant exactly as the Ubiq client libraries request it (ARCHITECTURE.md, IdP token request) with fetchIdpToken, and verify
// it as Ubiq's SSO endpoint would: against the JWKS named by the discovery document, with the org URL as
// issuer and audience. Run: npm run build, then npm run example -- examples/emulator-okta.ts
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { fetchIdpToken } from 'ubiq-idp';
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
  // The token request the Ubiq libraries send (client_id and client_secret in the form body), via fetchIdpToken.
  const token = await fetchIdpToken(
    {
      provider: 'okta',
      customerId: '6e7e795e-26a2-4973-aa73-b9fc259ebc5f',
      tokenEndpointUrl: tokenEndpoint,
      clientId: '0oamj6wsupUbPfqXt697',
      clientSecret: 'example-client-secret',
    },
    { username: 'ada@example.com', password: 'example-password' },
    { allowInsecureHttp: true }, // the emulator listens on http://127.0.0.1
  );

  // What the SSO endpoint does: discovery → JWKS → verify issuer and audience.
  const discovery = (await (await fetch(discoveryUrl, { signal: AbortSignal.timeout(5_000) })).json()) as { jwks_uri: string };
  const { payload } = await jwtVerify(token.accessToken, createRemoteJWKSet(new URL(discovery.jwks_uri)), { issuer, audience });
  console.log(`token for ${String(payload.sub)} (uid ${String(payload.uid)}), scopes ${String(payload.scp)}, expires ${token.expiresAt.toISOString()}`);
  console.log(`refresh token issued: ${token.refreshToken !== undefined}; requests served: ${JSON.stringify(okta.stats().byEndpoint)}`);
} finally {
  await okta.close();
}
