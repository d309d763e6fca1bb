// Start the reference implementation of Ubiq's side of the IdP integration on 127.0.0.1 and use it as
// Ubiq's UI and Okta/Entra would: read the "IDP Settings window", enter the IdP settings and create a
// dataset group through the admin API, then provision a user over SCIM with the SCIM secret token and see
// the auto-provisioned API key. (`npx ubiq-idp server --okta` does all this with an emulated Okta.)
// Run: npm run build, then npm run example -- examples/reference-server.ts
import { createReferenceServer } from 'ubiq-idp/server';

const server = createReferenceServer();
const { origin, scimBaseUrl, adminBaseUrl } = await server.listen({ port: 0 });
try {
  const info = server.info();
  console.log(`reference server on ${origin}, customer id ${info.customerId}`);
  console.log(`SCIM URL (give it to Okta/Entra): ${scimBaseUrl}`);
  console.log(info); // the SCIM secret token and admin token print as [REDACTED]

  const admin = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${adminBaseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${info.adminToken}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(5_000),
    });
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
    return (await response.json()) as Record<string, unknown>;
  };
  // The IDP Settings window: where Ubiq finds your IdP's signing keys and what its tokens must say.
  await admin('PATCH', '/idp', {
    discoveryUrl: 'https://trial-4377979.okta.com/.well-known/openid-configuration',
    issuer: 'https://trial-4377979.okta.com',
    audience: 'https://trial-4377979.okta.com',
  });
  // A dataset in a dataset group named like the IdP group that should get it.
  await admin('POST', '/datasets', { name: 'payroll' });
  await admin('POST', '/dataset-groups', { name: 'Finance', datasets: ['payroll'] });

  // What Okta's provisioning sends when you assign a user and push a group (abridged).
  const scim = async (method: string, path: string, body: unknown) => {
    const response = await fetch(`${scimBaseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${info.scimToken}`, 'content-type': 'application/scim+json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(5_000),
    });
    if (response.status !== 201) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
    return (await response.json()) as { id: string };
  };
  const user = await scim('POST', '/Users', {
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
    userName: 'ada@example.com',
    name: { givenName: 'Ada', familyName: 'Lovelace' },
    emails: [{ value: 'ada@example.com', primary: true, type: 'work' }],
    active: true,
  });
  await scim('POST', '/Groups', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], displayName: 'Finance', members: [{ value: user.id }] });

  // "IDP user is created" → an API key; "group members are changed" → access to the dataset group's datasets.
  const { apiKeys } = (await admin('GET', '/api-keys')) as { apiKeys: Array<{ name: string; enabled: boolean; autoProvisioned: boolean; access: Array<{ name: string }> }> };
  for (const key of apiKeys) console.log(`API key "${key.name}": enabled ${key.enabled}, auto-provisioned ${key.autoProvisioned}, may use ${key.access.map((d) => d.name).join(', ')}`);
} finally {
  await server.close();
}
