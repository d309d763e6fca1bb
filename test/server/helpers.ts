// Shared helpers for the reference server tests: a listening server, SCIM and admin clients over real sockets.
import { createReferenceServer, type ReferenceServer, type ReferenceServerOptions } from 'ubiq-idp/server';
import { deriveAllAccess } from '../../src/server/provisioning.js';

export interface Running {
  server: ReferenceServer;
  scimBaseUrl: string;
  adminBaseUrl: string;
  origin: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests assert on the JSON wire shape of any answer
  scim(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<{ status: number; body: any; headers: Headers }>;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests assert on the JSON wire shape of any answer
  admin(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<{ status: number; body: any; headers: Headers }>;
  close(): Promise<void>;
}

async function call(url: string, token: string, method: string, body: unknown, headers: Record<string, string>, contentType: string) {
  const response = await fetch(url, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'content-type': contentType }),
      ...headers,
    },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as unknown) : undefined, headers: response.headers };
}

export async function startServer(options: ReferenceServerOptions = {}): Promise<Running> {
  const server = createReferenceServer(options);
  const address = await server.listen();
  return {
    server,
    ...address,
    scim: (method, path, body, headers = {}) => call(`${address.scimBaseUrl}${path}`, server.info().scimToken, method, body, headers, 'application/scim+json'),
    admin: (method, path, body, headers = {}) => call(`${address.adminBaseUrl}${path}`, server.info().adminToken, method, body, headers, 'application/json'),
    close: () => server.close(),
  };
}

/** Materialised access of every auto-provisioned key as plain data (key id → sorted dataset ids). */
export function materialised(server: ReferenceServer): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const key of server.store.listApiKeys()) {
    if (!key.autoProvisioned) continue;
    const access = [...server.store.materialisedAccess(key.id)].sort();
    if (access.length > 0) out[key.id] = access;
  }
  return out;
}

/** The derived function, same shape. */
export function derived(server: ReferenceServer): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [keyId, access] of deriveAllAccess(server.store)) out[keyId] = [...access].sort();
  return out;
}

/** Dataset names the key of SCIM user `userName` may use, sorted. */
export function accessOf(server: ReferenceServer, userName: string): string[] {
  const user = server.store.findUserByUserName(userName);
  if (!user) return [];
  const key = server.store.findApiKeyByUserId(user.id);
  if (!key) return [];
  return [...server.store.materialisedAccess(key.id)].map((id) => server.store.getDataset(id)?.name ?? id).sort();
}

export const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';
export const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
export const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
export const patchOf = (...Operations: unknown[]) => ({ schemas: [PATCH_OP], Operations });
