// Reference-server fixtures for the SSO and key endpoint tests: a server wired to an emulator, users,
// groups, datasets and dataset groups put straight into the store through the provisioning engine (the
// same calls the SCIM and admin handlers make), and an SSO call as the credential provider makes it.
import { randomUUID } from 'node:crypto';
import { createCertificateAuthority } from '../../src/x509/index.js';
import { createReferenceServer, type ReferenceServer, type ReferenceServerOptions } from 'ubiq-idp/server';
import type { DatasetRecord, UserRecord } from 'ubiq-idp/server';

export type TestServerOptions = ReferenceServerOptions;

/**
 * A CA generated once per test file and handed to every server as `caCertificate`/`caKey`: RSA key
 * generation per server would dominate the run time (and this exercises the "CA given" path).
 */
let sharedCa: Promise<{ caCertificate: string; caKey: string }> | undefined;
export function testCa(): Promise<{ caCertificate: string; caKey: string }> {
  sharedCa ??= createCertificateAuthority().then((ca) => ({
    caCertificate: ca.certificatePem,
    caKey: String(ca.privateKey.export({ type: 'pkcs8', format: 'pem' })),
  }));
  return sharedCa;
}

export async function startServer(options: TestServerOptions): Promise<{ server: ReferenceServer; origin: string; ssoUrl: string }> {
  const server = createReferenceServer({ ...(await testCa()), ...options });
  const { origin, scimBaseUrl } = await server.listen();
  return { server, origin, ssoUrl: `${scimBaseUrl}/sso` };
}

/** What the SCIM POST /Users handler does: store the user, then "IDP user is created" → API key. */
export function addUser(server: ReferenceServer, userName: string, active = true): UserRecord {
  const now = new Date();
  const user: UserRecord = { id: randomUUID(), userName, active, externalId: undefined, attributes: { userName, active }, version: 1, created: now, lastModified: now };
  server.store.putUser(user);
  server.engine.userCreated(user);
  return user;
}

export function setActive(server: ReferenceServer, user: UserRecord, active: boolean): void {
  const updated = { ...user, active, version: user.version + 1, lastModified: new Date() };
  server.store.putUser(updated);
  server.engine.userChanged(updated);
}

/** A SCIM group with these members (what Push Groups does). */
export function addGroup(server: ReferenceServer, displayName: string, members: UserRecord[]): string {
  const now = new Date();
  const id = randomUUID();
  server.store.putGroup({ id, displayName, externalId: undefined, members: new Map(), version: 1, created: now, lastModified: now });
  for (const user of members) server.store.addMember(id, { value: user.id, display: user.userName });
  server.engine.membersChanged(members.map((user) => user.id));
  return id;
}

/** Datasets (created in the "Ubiq UI") in a dataset group named like a SCIM group. */
export function addDatasetGroup(server: ReferenceServer, name: string, datasets: Array<{ name: string; type?: DatasetRecord['type'] }>): void {
  const now = new Date();
  const ids = new Set<string>();
  for (const { name: datasetName, type } of datasets) {
    const existing = server.store.findDatasetByName(datasetName);
    const dataset = existing ?? { id: randomUUID(), name: datasetName, type: type ?? 'unstructured', created: now };
    if (!existing) server.store.putDataset(dataset);
    ids.add(dataset.id);
  }
  server.store.putDatasetGroup({ id: randomUUID(), name, datasetIds: ids, created: now });
  server.engine.usersOfGroupsNamed([name]);
}

export interface SsoAnswer {
  status: number;
  body: Record<string, unknown>;
  text: string;
  headers: Headers;
}

/** POST {SCIM base}/sso as the Ubiq clients do it (ARCHITECTURE.md, SSO exchange step 2). */
export async function postSso(ssoUrl: string, token: string | undefined, body: unknown, headers: Record<string, string> = {}): Promise<SsoAnswer> {
  const response = await fetch(ssoUrl, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json',
      ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
      ...headers,
    },
    body: typeof body === 'string' ? body : JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await response.text();
  let parsed: Record<string, unknown> = {};
  try {
    parsed = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // left empty: the test looks at text
  }
  return { status: response.status, body: parsed, text, headers: response.headers };
}
