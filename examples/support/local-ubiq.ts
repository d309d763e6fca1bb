// A stand-in for "Okta + Ubiq" on this machine, so the credential examples run with no account and no
// network: an Okta org (emulator) with the seed's OIDC app and one user, and the reference Ubiq server
// with that user provisioned by SCIM (as Okta's provisioning does) into a group whose dataset group holds
// a dataset. Your application does not need any of this: it talks to your Okta and api.ubiqsecurity.com.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createReferenceServer } from 'ubiq-idp/server';
import { createOktaEmulator, createOktaProvisioningAgent } from 'ubiq-idp/testing';

export interface LocalUbiq {
  /** SERVER of the credentials file. */
  server: string;
  customerId: string;
  tokenEndpoint: string;
  clientId: string;
  /** Secret. */
  clientSecret: string;
  username: string;
  /** Secret. */
  password: string;
  /** A dataset the user may encrypt with. */
  dataset: string;
  /** Writes ~/.ubiq/configuration (idp block, seed key names) and ~/.ubiq/credentials ([idp] profile) into a temporary home. */
  writeHome(): Promise<string>;
  /** The same settings as UBIQ_* environment variables (the CI way). */
  env(): Record<string, string>;
  close(): Promise<void>;
}

export async function startLocalUbiq(): Promise<LocalUbiq> {
  const clientId = '0oaExampleUbiqApp01';
  const clientSecret = 'example-client-secret';
  const username = 'ada@example.com';
  const password = 'example-password';
  const okta = createOktaEmulator({
    apps: [{ clientId, clientSecret, grantTypes: ['password', 'refresh_token'], grantedScopes: ['okta.users.read', 'okta.groups.read'] }],
    users: [{ login: username, password, groups: ['Engineering'], profile: { firstName: 'Ada', lastName: 'Lovelace', email: username } }],
  });
  const idp = await okta.listen();
  const ubiq = createReferenceServer({ idp: { discoveryUrl: idp.discoveryUrl, issuer: idp.issuer, audience: idp.audience } });
  const { origin, scimBaseUrl } = await ubiq.listen();
  const info = ubiq.info();

  // The Ubiq UI: a dataset in a dataset group named like the Okta group.
  const admin = (path: string, body: unknown) =>
    fetch(`${info.adminBaseUrl}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${info.adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(5_000),
    });
  await admin('/dataset-groups', { name: 'Engineering' });
  await admin('/datasets', { name: 'payroll', datasetGroups: ['Engineering'] });
  // Okta's provisioning: assign the user to the app, push the group.
  const agent = createOktaProvisioningAgent({ scimBaseUrl, token: info.scimToken, emulator: okta });
  await agent.assignUser(username);
  await agent.pushGroup('Engineering');

  const homes: string[] = [];
  return {
    server: origin,
    customerId: info.customerId,
    tokenEndpoint: idp.tokenEndpoint,
    clientId,
    clientSecret,
    username,
    password,
    dataset: 'payroll',
    async writeHome() {
      const home = await mkdtemp(join(tmpdir(), 'ubiq-idp-example-'));
      homes.push(home);
      await mkdir(join(home, '.ubiq'));
      const configuration = { idp: { type: 'okta', customer_id: info.customerId, token_endpoint_url: idp.tokenEndpoint, tenant_id: clientId, client_secret: clientSecret } };
      await writeFile(join(home, '.ubiq', 'configuration'), JSON.stringify(configuration, null, 2), { mode: 0o600 });
      await writeFile(join(home, '.ubiq', 'credentials'), `[idp]\nSERVER=${origin}\nIDP_USERNAME=${username}\nIDP_PASSWORD=${password}\n`, { mode: 0o600 });
      return home;
    },
    env() {
      return {
        UBIQ_SERVER: origin,
        UBIQ_IDP_USERNAME: username,
        UBIQ_IDP_PASSWORD: password,
        UBIQ_IDP_PROVIDER: 'okta',
        UBIQ_IDP_CUSTOMER_ID: info.customerId,
        UBIQ_IDP_TOKEN_ENDPOINT_URL: idp.tokenEndpoint,
        UBIQ_IDP_TENANT_ID: clientId,
        UBIQ_IDP_CLIENT_SECRET: clientSecret,
      };
    },
    async close() {
      await Promise.all(homes.map((home) => rm(home, { recursive: true, force: true })));
      await ubiq.close();
      await okta.close();
    },
  };
}
