// Concurrency against the real pieces over sockets: 1,000 callers of one provider at cold start and at
// expiry make exactly one token request (counted by the Okta emulator) and one SSO request (counted in
// front of the reference server) each time; 200 concurrent membership PATCHes in both IdPs' dialects
// from several agents at once lose no member and keep access == derived.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateRsaKeyPair, type RsaKeyPair } from '../../src/crypto/keypair.js';
import { derived, materialised } from '../server/helpers.js';
import { scim } from '../server-keys/key-helpers.js';
import { trackUnhandledRejections } from './helpers/guards.js';
import { startSystem, type System } from './helpers/system.js';

const MIN = 60_000;
let sys: System;
let keys: RsaKeyPair;
beforeAll(async () => {
  [sys, keys] = await Promise.all([startSystem({ fakeTime: true }), generateRsaKeyPair({ modulusLength: 2048 })]);
});
afterAll(async () => {
  await sys.close();
});

describe('1,000 concurrent callers against the Okta emulator and the reference server', () => {
  it('cold start and at expiry: one token request and one SSO request each time', async () => {
    const unhandled = trackUnhandledRejections();
    try {
      const time = sys.time!;
      // Timers that never fire: no background refresh, so the second wave finds expired credentials.
      const provider = sys.provider({ pregenerateKeyPair: keys, timers: { setTimeout: () => 0, clearTimeout: () => {} } });
      sys.okta.resetStats();
      sys.front.reset();
      const cold = await Promise.all(Array.from({ length: 1_000 }, () => provider()));
      expect(new Set(cold).size).toBe(1);
      expect(sys.okta.stats().byEndpoint.token).toBe(1);
      expect(sys.front.ssoRequests).toBe(1);

      await time.advance(2 * 60 * MIN);
      sys.okta.resetStats();
      sys.front.reset();
      const expired = await Promise.all(Array.from({ length: 1_000 }, () => provider()));
      expect(new Set(expired).size).toBe(1);
      expect(expired[0]).not.toBe(cold[0]);
      expect(expired[0]!.expiresAt.getTime()).toBeGreaterThan(time.now());
      expect(sys.okta.stats().byEndpoint.token).toBe(1);
      expect(sys.front.ssoRequests).toBe(1);
      expect(unhandled.rejections).toEqual([]);
    } finally {
      unhandled.dispose();
      await sys.closeProviders();
    }
  });
});

describe('200 concurrent membership PATCHes from several agents', () => {
  it('Okta-style and Entra-style adds and removes interleaved on one group: no lost member, access == derived', async () => {
    const server = sys.server;
    const info = server.info();
    const userIds = await Promise.all(
      Array.from({ length: 200 }, async (_, i) => {
        const r = await server.fetch(
          new Request(`${info.scimBaseUrl}/Users`, {
            method: 'POST',
            headers: { authorization: `Bearer ${info.scimToken}`, 'content-type': 'application/scim+json' },
            body: JSON.stringify({ userName: `crowd${i}@example.com` }),
          }),
        );
        return ((await r.json()) as { id: string }).id;
      }),
    );
    // The dataset group "Engineering" exists (see startSystem): a group of that name grants payroll.
    const engineering = [...server.store.listGroups()].find((g) => g.displayName === 'Engineering')!;
    // The first 40 start as members and get removed concurrently with the 160 adds.
    const initial = userIds.slice(0, 40);
    const add = userIds.slice(40);
    for (const id of initial) {
      expect((await scim(server, 'PATCH', `/Groups/${engineering.id}`, { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'add', path: 'members', value: [{ value: id }] }] })).status).toBeLessThan(300);
    }
    const patch = (operations: unknown[]) =>
      fetch(`${info.scimBaseUrl}/Groups/${engineering.id}`, {
        method: 'PATCH',
        headers: { authorization: `Bearer ${info.scimToken}`, 'content-type': 'application/scim+json', connection: 'close' },
        body: JSON.stringify({ schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: operations }),
      }).then((r) => r.status);
    const requests: Array<Promise<number>> = [];
    for (const [i, id] of add.entries()) {
      if (i % 2 === 0) requests.push(patch([{ op: 'add', path: 'members', value: [{ value: id, display: `crowd` }] }])); // Okta Push Groups
      else requests.push(patch([{ op: 'Add', path: 'members', value: [{ value: id }] }])); // Entra
    }
    for (const [i, id] of initial.entries()) {
      if (i % 2 === 0) requests.push(patch([{ op: 'remove', path: `members[value eq "${id}"]` }])); // Okta
      else requests.push(patch([{ op: 'Remove', path: 'members', value: [{ value: id }] }])); // Entra legacy
    }
    const statuses = await Promise.all(requests);
    expect(statuses.every((s) => s === 200 || s === 204)).toBe(true);
    const members = new Set(server.store.getGroup(engineering.id)!.members.keys());
    for (const id of add) expect(members.has(id)).toBe(true);
    for (const id of initial) expect(members.has(id)).toBe(false);
    expect(materialised(server)).toEqual(derived(server));
    const payroll = server.store.findDatasetByName('payroll')!;
    for (const id of add) expect([...server.store.materialisedAccess(server.store.findApiKeyByUserId(id)!.id)]).toEqual([payroll.id]);
  });
});
