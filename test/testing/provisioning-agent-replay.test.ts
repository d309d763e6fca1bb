import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startRecordingScimServer, type RecordingScimServer } from './provisioning-agent-recorder.js';
import { readScimFixture, replayScimFixture } from './provisioning-agent-fixtures.js';

let server: RecordingScimServer;
beforeEach(async () => {
  server = await startRecordingScimServer();
});
afterEach(async () => {
  await server.close();
});

describe('recorded SCIM fixtures', () => {
  it.each(['okta-lifecycle', 'entra-default-lifecycle', 'entra-aadoptscim062020'])(
    '%s replays on a fresh server with ids remapped and every answer acceptable to the IdP',
    async (name) => {
      // Ids on the fresh server are shifted by one object, so the remapping is really exercised.
      server.users.set('u1', { id: 'u1', userName: 'placeholder@example.com' });
      const fixture = readScimFixture(name);
      const results = await replayScimFixture(fixture, { scimBaseUrl: server.baseUrl, token: server.token });
      expect(results.filter((r) => !r.ok)).toEqual([]);
      expect(results.length).toBe(fixture.requests.length);
      // Every recorded u1 became the id the fresh server handed out; the placeholder is never touched.
      expect(results.filter((r) => r.path === '/Users/u1')).toEqual([]);
      expect(server.users.get('u1')).toEqual({ id: 'u1', userName: 'placeholder@example.com' });
      expect(server.requests.map((r) => r.method)).toEqual(fixture.requests.map((r) => r.method));
    },
  );
});
