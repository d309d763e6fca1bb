// Get an Okta access token with fetchIdpToken, against an in-process Okta org (no network, no account):
// the same call works against https://{your-org}.okta.com/oauth2/v1/token with your idp settings.
// Run: npm run build, then npm run example -- examples/fetch-token-okta.ts
import { fetchIdpToken, isIdpError, renewIdpToken } from 'ubiq-idp';
import { createOktaEmulator } from 'ubiq-idp/testing';

const okta = createOktaEmulator({
  apps: [
    {
      clientId: '0oamj6wsupUbPfqXt697',
      clientSecret: 'example-client-secret',
      grantTypes: ['password', 'refresh_token'], // "Configure properties for the OIDC application"
      grantedScopes: ['okta.users.read', 'okta.groups.read'], // "Grant Okta API Scopes"
    },
  ],
  users: [{ login: 'ada@example.com', password: 'example-password' }],
});
const { tokenEndpoint } = await okta.listen();
try {
  // What the idp block of ~/.ubiq/configuration and the [idp] profile of ~/.ubiq/credentials hold.
  const settings = {
    provider: 'okta' as const,
    customerId: '6e7e795e-26a2-4973-aa73-b9fc259ebc5f',
    tokenEndpointUrl: tokenEndpoint,
    clientId: '0oamj6wsupUbPfqXt697',
    clientSecret: 'example-client-secret',
  };
  const credentials = { username: 'ada@example.com', password: 'example-password' };
  // allowInsecureHttp only because the emulator listens on http://127.0.0.1.
  const token = await fetchIdpToken(settings, credentials, { allowInsecureHttp: true });
  // The ID token's sub is the Okta user id; its login (preferred_username) comes only with the profile scope.
  console.log(`token for user ${String(token.idTokenClaims?.sub)}, scope "${token.scope}", expires ${token.expiresAt.toISOString()}`);
  console.log('printed, the token is redacted:', token);

  // Later: renew with the refresh token (offline_access), falling back to the password when refused.
  const renewed = await renewIdpToken(settings, credentials, token, { allowInsecureHttp: true });
  console.log(`renewed via ${renewed.via}`);

  // Errors carry a stable code and a hint naming the setup step that fixes them.
  try {
    await fetchIdpToken(settings, { ...credentials, password: 'wrong' }, { allowInsecureHttp: true });
  } catch (error) {
    if (!isIdpError(error)) throw error;
    console.log(`${error.code}: ${error.hint ?? ''}`);
  }
} finally {
  await okta.close();
}
