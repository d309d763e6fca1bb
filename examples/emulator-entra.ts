// Start an in-process Entra ID tenant, get a v1 access token for the app's own api:// resource with the
// password grant (ARCHITECTURE.md, IdP token request), and verify it with the issuer and audience the Entra seed document tells
// Ubiq to configure: https://sts.windows.net/{tenant}/ and the Application ID URI.
// Note the v2.0 discovery document's issuer is the v2 issuer, as at Entra: verify with `entra.issuer`.
// Run: npm run build, then npm run example -- examples/emulator-entra.ts
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { fetchIdpToken } from 'ubiq-idp';
import { createEntraEmulator } from 'ubiq-idp/testing';

const clientId = '6731de76-14a6-49ae-97bc-6eba6914391e';
const entra = createEntraEmulator({
  apps: [{ clientId, clientSecret: 'example-client-secret' }], // Application ID URI defaults to api://{clientId}
  users: [{ userPrincipalName: 'ada@contoso.onmicrosoft.com', password: 'example-password', groups: ['Engineering'] }],
});

const { tokenEndpoint, jwksUri, issuerV1 } = await entra.listen();
try {
  const token = await fetchIdpToken(
    { provider: 'entra', customerId: '6e7e795e-26a2-4973-aa73-b9fc259ebc5f', tokenEndpointUrl: tokenEndpoint, clientId, clientSecret: 'example-client-secret' },
    { username: 'ada@contoso.onmicrosoft.com', password: 'example-password' }, // scope: api://{clientId}/.default
    { allowInsecureHttp: true }, // the emulator listens on http://127.0.0.1
  );
  const { payload } = await jwtVerify(token.accessToken, createRemoteJWKSet(new URL(jwksUri)), {
    issuer: issuerV1,
    audience: entra.audienceOf(clientId),
  });
  console.log(`v${String(payload.ver)} token for ${String(payload.upn)}, groups ${JSON.stringify(payload.groups)}`);

  // Faults for resilience tests: the next two token requests fail with 503.
  entra.faults.set({ failNext: { count: 2, status: 503 } });
  console.log('pending faults:', entra.faults.pending());
} finally {
  await entra.close();
}
