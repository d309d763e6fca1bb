// With a pre-generated key pair the provider gets everything ready before the first call, the HTTP client
// and the connection to the IdP included (one GET of the IdP's public discovery document), so that the
// first call costs only the token and SSO round trips. Without one, nothing is sent before the first call.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { generateRsaKeyPair, type RsaKeyPair } from '../../src/crypto/keypair.js';
import type { IdpCredentialProviderOptions } from '../../src/credentials/provider.js';
import { startIdpFixture, type IdpFixture } from './helpers/idp-fixture.js';

let fx: IdpFixture;
let keys: RsaKeyPair;
beforeAll(async () => {
  [fx, keys] = await Promise.all([startIdpFixture(), generateRsaKeyPair({ modulusLength: 2048 })]);
});
beforeEach(async () => {
  await fx.reset();
});
afterAll(async () => {
  await fx.close();
});

async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

// The fixture's providers run the login on the caller's thread (they use its clock); `now: undefined`
// lets the provider use the login worker, as applications do.
const threads: [string, Partial<IdpCredentialProviderOptions>][] = [
  ['on the caller’s thread', {}],
  ['in the login worker', { now: undefined, timers: undefined, random: undefined }],
];

describe.each(threads)('a provider %s', (_label, where) => {
  it('with a pre-generated key pair, opens the IdP connection before the first call, and sends nothing else', async () => {
    const provider = fx.provider({ ...where, pregenerateKeyPair: keys });
    await until(() => fx.okta.stats().byEndpoint.discovery === 1, 'the warm-up request');
    expect(fx.okta.stats().byEndpoint.token).toBeUndefined();
    expect(fx.sso.requests).toBe(0);
    const credentials = await provider();
    expect(credentials.kind).toBe('idp');
    // (The reference server may fetch discovery and keys too, to check the token: only the token is counted.)
    expect(fx.okta.stats().byEndpoint.token).toBe(1);
    expect(fx.sso.requests).toBe(1);
  });

  it('without one, sends nothing before the first call and no warm-up with it', async () => {
    const provider = fx.provider({ ...where });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(fx.okta.stats().total).toBe(0);
    await provider();
    expect(fx.okta.stats().byEndpoint.token).toBe(1);
  });

  it('a warm-up that fails (connection dropped) leaves the first call to connect by itself', async () => {
    fx.okta.faults.set({ dropConnections: 1, endpoints: ['discovery'] });
    const debug: { message: string; fields: unknown }[] = [];
    const provider = fx.provider({ ...where, pregenerateKeyPair: keys, logger: { warn: () => {}, debug: (message, fields) => debug.push({ message, fields }) } });
    await until(() => fx.okta.stats().byEndpoint.discovery === 1, 'the warm-up request');
    const credentials = await provider();
    expect(credentials.kind).toBe('idp');
    expect(fx.okta.stats().byEndpoint.token).toBe(1);
    expect(debug).toContainEqual({ message: 'IdP connection warm-up failed; the sign-in connects by itself', fields: { reason: 'network_error' } });
  });
});
