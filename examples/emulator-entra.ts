// Start an in-process Entra ID tenant, get a v1 access token for the app's own api:// resource with the
// password grant (DESIGN §2.4), and verify it with the issuer and audience the Entra seed document tells
// Ubiq to configure: https://sts.windows.net/{tenant}/ and the Application ID URI.
// Note the v2.0 discovery document's issuer is the v2 issuer, as at Entra: verify with `entra.issuer`.
// Run: npx tsx examples/emulator-entra.ts
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { createEntraEmulator } from 'ubiq-idp/testing';

const clientId = '6731de76-14a6-49ae-97bc-6eba6914391e';
const entra = createEntraEmulator({
  apps: [{ clientId, clientSecret: 'example-client-secret' }], // Application ID URI defaults to api://{clientId}
  users: [{ userPrincipalName: 'ada@contoso.onmicrosoft.com', password: 'example-password', groups: ['Engineering'] }],
});

const { tokenEndpoint, jwksUri, issuerV1 } = await entra.listen();
try {
  const response = await fetch(tokenEndpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'password',
      username: 'ada@contoso.onmicrosoft.com',
      password: 'example-password',
      client_id: clientId,
      client_secret: 'example-client-secret',
      scope: `api://${clientId}/.default`,
    }),
    signal: AbortSignal.timeout(5_000),
  });
  const token = (await response.json()) as { access_token: string };
  const { payload } = await jwtVerify(token.access_token, createRemoteJWKSet(new URL(jwksUri)), {
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
