// The reference server's route table stays one that hono's RegExpRouter accepts (a parameter in the first
// path segment next to the `/api/v0/…` routes made it fall back to the slower TrieRouter on every request),
// and the SSO endpoint still answers its own 404 for another customer id.
import { describe, expect, it } from 'vitest';
import { createApp } from '../../src/server/app.js';
import type { ServerContext } from '../../src/server/context.js';
import { resolveOptions } from '../../src/server/options.js';
import { createProvisioningEngine } from '../../src/server/provisioning.js';
import { createMemoryStore } from '../../src/server/store/memory.js';

function app() {
  const { resolved, scimToken, adminToken, idp } = resolveOptions({ customerId: '11111111-2222-4333-8444-555555555555' });
  const store = createMemoryStore();
  const ctx: ServerContext = {
    store,
    engine: createProvisioningEngine(store),
    options: resolved,
    settings: { scimToken, adminToken, idp },
    now: resolved.now,
    logger: resolved.logger,
    origin: () => 'http://127.0.0.1',
    scimBaseUrl: () => 'http://127.0.0.1/11111111-2222-4333-8444-555555555555/api/v3/scim',
    adminBaseUrl: () => 'http://127.0.0.1/11111111-2222-4333-8444-555555555555/api/admin',
    onClose: () => {},
  };
  return { ...createApp(ctx), scimToken };
}

describe('route table', () => {
  it('is served by the RegExpRouter', async () => {
    const { app: hono, scimToken } = app();
    const response = await hono.fetch(new Request('http://127.0.0.1/11111111-2222-4333-8444-555555555555/api/v3/scim/Users?count=1', { headers: { authorization: `Bearer ${scimToken}` } }));
    expect(response.status).toBe(200);
    expect(hono.router.name).toBe('SmartRouter + RegExpRouter');
  });

  it('answers the SSO 404 for another customer id, and routes the own one to the SSO endpoint', async () => {
    const { app: hono } = app();
    const other = await hono.fetch(new Request('http://127.0.0.1/99999999-2222-4333-8444-555555555555/api/v3/scim/sso', { method: 'POST', body: '{}' }));
    expect(other.status).toBe(404);
    expect(((await other.json()) as { message: string }).message).toMatch(/No Ubiq customer with this id/);
    const own = await hono.fetch(new Request('http://127.0.0.1/11111111-2222-4333-8444-555555555555/api/v3/scim/sso', { method: 'POST', body: '{}' }));
    expect(own.status).not.toBe(404);
  });
});
