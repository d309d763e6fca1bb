// Get a Microsoft Entra ID access token for your app's api:// resource with fetchIdpToken, against an
// in-process Entra tenant. Against the real service, tokenEndpointUrl is
// https://login.microsoftonline.com/{Directory (tenant) ID}/oauth2/v2.0/token.
// Run: npm run build, then npm run example -- examples/fetch-token-entra.ts
import { decodeJwt } from 'jose';
import { fetchIdpToken, isIdpError } from 'ubiq-idp';
import { createEntraEmulator } from 'ubiq-idp/testing';

const clientId = '6731de76-14a6-49ae-97bc-6eba6914391e'; // Application (client) ID: `tenant_id` in the idp block
const entra = createEntraEmulator({
  apps: [{ clientId, clientSecret: 'example-client-secret' }],
  users: [{ userPrincipalName: 'ada@contoso.onmicrosoft.com', password: 'example-password', groups: ['Engineering'] }],
});
const { tokenEndpoint } = await entra.listen();
try {
  const settings = {
    provider: 'entra' as const,
    customerId: '6e7e795e-26a2-4973-aa73-b9fc259ebc5f',
    tokenEndpointUrl: tokenEndpoint,
    clientId,
    clientSecret: 'example-client-secret',
    // scope defaults to api://{clientId}/.default; set it when the Application ID URI is different.
  };
  const token = await fetchIdpToken(settings, { username: 'ada@contoso.onmicrosoft.com', password: 'example-password' }, { allowInsecureHttp: true });
  const claims = decodeJwt(token.accessToken); // for display only: Ubiq's SSO endpoint verifies it
  console.log(`token for ${String(claims.upn)} (iss ${String(claims.iss)}, aud ${String(claims.aud)}), expires ${token.expiresAt.toISOString()}`);

  entra.expireSecret(clientId);
  try {
    await fetchIdpToken(settings, { username: 'ada@contoso.onmicrosoft.com', password: 'example-password' }, { allowInsecureHttp: true });
  } catch (error) {
    if (!isIdpError(error)) throw error;
    console.log(`${error.code} (AADSTS${error.idpErrorCode ?? '?'}, trace ${error.correlation?.traceId ?? '?'}): ${error.hint ?? ''}`);
  }
} finally {
  await entra.close();
}
