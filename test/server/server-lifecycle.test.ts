import { afterEach, describe, expect, it } from 'vitest';
import { inspect } from 'node:util';
import { createReferenceServer, type ReferenceServer } from 'ubiq-idp/server';

const servers: ReferenceServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});

describe('reference server lifecycle', () => {
  it('listens on 127.0.0.1 with port 0 and reports its URLs', async () => {
    const server = createReferenceServer();
    servers.push(server);
    const address = await server.listen();
    expect(address.origin).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const info = server.info();
    expect(address.scimBaseUrl).toBe(`${address.origin}/${info.customerId}/api/v3/scim`);
    expect(address.adminBaseUrl).toBe(`${address.origin}/${info.customerId}/api/admin`);
    expect(info.customerId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('never prints its tokens', () => {
    const server = createReferenceServer({ scimToken: 'canary-scim-token-0123456789', adminToken: 'canary-admin-token-0123456789' });
    servers.push(server);
    const info = server.info();
    expect(info.scimToken).toBe('canary-scim-token-0123456789');
    // eslint-disable-next-line @typescript-eslint/no-base-to-string -- redactable objects define toString at run time; printing them is what this checks
    for (const text of [JSON.stringify(info), inspect(info), String(info), inspect(server.context.settings), JSON.stringify(server.context.settings)]) {
      expect(text).not.toContain('canary');
    }
  });

  it('two servers in one process are independent', () => {
    const a = createReferenceServer();
    const b = createReferenceServer();
    servers.push(a, b);
    expect(a.info().customerId).not.toBe(b.info().customerId);
    expect(a.info().scimToken).not.toBe(b.info().scimToken);
    expect(a.store).not.toBe(b.store);
  });

  it('rejects invalid options without quoting a token', () => {
    expect(() => createReferenceServer({ customerId: 'not-a-uuid' })).toThrow(/customerId/);
    expect(() => createReferenceServer({ scimToken: 'short' })).toThrow(/scimToken/);
  });

  it('close() is idempotent and frees the port', async () => {
    const server = createReferenceServer();
    const { origin } = await server.listen();
    await server.close();
    await server.close();
    await expect(fetch(origin)).rejects.toThrow();
  });
});
