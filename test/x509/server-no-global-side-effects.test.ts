import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFreshProcessRunner, projectRoot } from '../helpers/fresh-process.js';

// The server entry ("ubiq-idp/server") must not leave globals behind either (package.json "sideEffects":
// false; ARCHITECTURE.md, Invariants). pkijs registers a default engine in global[process.pid] when it is first evaluated,
// so it may only be loaded through loadPkijs(), which puts that slot back. Like the client-entry test in
// test/crypto/no-global-side-effects.test.ts, this runs in a fresh Node process: vitest's own imports
// would hide the effect.
const root = projectRoot;
const runner = createFreshProcessRunner('ubiq-server-globals-');
const runScript = runner.run;

const src = (path: string) => JSON.stringify(join(root, 'src', path));

describe('no global side effects of the server entry', () => {
  beforeAll(runner.setup);
  afterAll(runner.cleanup);

  it('importing ubiq-idp/server, creating a reference server and running an SSO exchange leaves no global behind', async () => {
    const result = await runScript(
      'server',
      `
      const names = () => [...Object.getOwnPropertyNames(globalThis), ...Object.getOwnPropertySymbols(globalThis).map(String)];
      // The Okta emulator and the client pieces are tools of this test: load them first, so only the
      // server entry and what it does are measured.
      const testing = await import(${src('testing/index.ts')});
      const { generateRsaKeyPair, createCsr } = await import(${src('index.ts')});
      const keyPair = await generateRsaKeyPair({ modulusLength: 2048 });
      const csr = await createCsr(keyPair, { hash: 'SHA-1', subject: 'empty' });
      const okta = testing.createOktaEmulator({
        apps: [{ clientId: 'client-1', clientSecret: 'secret-1', grantTypes: ['password'] }],
        users: [{ login: 'ada@example.com', password: 'pw-1' }],
      });
      await okta.listen();
      const tokenAnswer = await fetch(okta.tokenEndpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'password', username: 'ada@example.com', password: 'pw-1', client_id: 'client-1', client_secret: 'secret-1', scope: 'openid' }),
      });
      const token = (await tokenAnswer.json()).access_token;
      const org = okta.authorizationServer();

      const before = names();
      const slotBefore = Object.prototype.hasOwnProperty.call(globalThis, process.pid);
      const { createReferenceServer } = await import(${src('server/index.ts')});
      const afterImport = names().filter((n) => !before.includes(n));
      const server = createReferenceServer({ idp: { discoveryUrl: org.discoveryUrl, issuer: org.issuer, audience: org.audience } });
      const { scimBaseUrl } = await server.listen();
      const created = await fetch(scimBaseUrl + '/Users', {
        method: 'POST',
        headers: { authorization: 'Bearer ' + server.info().scimToken, 'content-type': 'application/scim+json' },
        body: JSON.stringify({ schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: 'ada@example.com', active: true }),
      });
      const sso = await fetch(scimBaseUrl + '/sso', {
        method: 'POST',
        headers: { authorization: 'Bearer ' + token, 'content-type': 'application/json' },
        body: JSON.stringify({ csr }),
      });
      const answer = await sso.json();
      await server.close();
      await okta.close();
      const afterSso = names().filter((n) => !before.includes(n));
      const slotAfter = Object.prototype.hasOwnProperty.call(globalThis, process.pid);
      console.log(JSON.stringify({ afterImport, afterSso, slotBefore, slotAfter, scim: created.status, sso: sso.status, cert: String(answer.api_cert).slice(0, 27) }));
      `,
    );
    expect(result).toEqual({ afterImport: [], afterSso: [], slotBefore: false, slotAfter: false, scim: 201, sso: 200, cert: '-----BEGIN CERTIFICATE-----' });
  });

  it("keeps an application's own pkijs engine while the server verifies CSRs", async () => {
    const result = await runScript(
      'preset',
      `
      // What an application's own pkijs setEngine() leaves; a null crypto makes any use of it throw.
      globalThis[process.pid] = { pkijs: { engine: { name: 'application', crypto: null } } };
      const { generateRsaKeyPair, createCsr } = await import(${src('index.ts')});
      await import(${src('server/index.ts')});
      const { verifyCsrPem } = await import(${src('x509/index.ts')});
      const keyPair = await generateRsaKeyPair({ modulusLength: 2048 });
      const verified = await verifyCsrPem(await createCsr(keyPair));
      console.log(JSON.stringify({ engine: globalThis[process.pid].pkijs.engine.name, bits: verified.modulusLength }));
      `,
    );
    expect(result).toEqual({ engine: 'application', bits: 2048 });
  });
});
