// What the device and browser sign-in tests share: a free loopback port (the Okta app's registered
// redirect), and a reference server trusting one IdP with its user provisioned over SCIM into a group
// that may use the `payroll` dataset.
import { createServer } from 'node:net';
import { createReferenceServer, type ReferenceServer } from 'ubiq-idp/server';
import { datasetGroup, scimGroup, scimUser } from '../server-keys/key-helpers.js';
import { testCa } from '../server-sso/server-helpers.js';

/** A port on 127.0.0.1 that was free a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** A listening reference server for `idp`, with `username` in group Engineering (dataset `payroll`). */
export async function provisionedReferenceServer(idp: { discoveryUrl: string; issuer: string; audience: string }, username: string): Promise<ReferenceServer> {
  const server = createReferenceServer({ ...(await testCa()), idp });
  await server.listen();
  const id = await scimUser(server, username);
  await datasetGroup(server, 'Engineering', ['payroll']);
  await scimGroup(server, 'Engineering', [id]);
  return server;
}
