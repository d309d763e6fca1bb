import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toUbiqSecurityCredentials } from '../../src/adapters/ubiq-security.js';
import { generateRsaKeyPair, encryptPrivateKeyPem, randomCryptoAccessKey, type RsaKeyPair } from '../../src/crypto/keypair.js';
import { createListeners, type CredentialProvider } from '../../src/credentials/provider.js';
import { fromStaticKeys } from '../../src/credentials/sources.js';
import { createUbiqIdpCredentials, type UbiqCredentials, type UbiqIdpCredentials } from '../../src/credentials/ubiq-credentials.js';
import { createCertificateAuthority, type CertificateAuthority } from '../../src/x509/index.js';
import { startIdpFixture, type IdpFixture } from '../credentials/helpers/idp-fixture.js';
import { officialEncryptionKeyFetch, officialUnawaitedRenew } from './helpers/official-client-double.js';
import { objectContaining, stringContaining } from '../helpers/matchers.js';

let ca: CertificateAuthority;
let keys: RsaKeyPair;
let passphrase: string;
let encryptedPrivateKey: string;

beforeAll(async () => {
  [ca, keys] = await Promise.all([createCertificateAuthority({ modulusLength: 2048 }), generateRsaKeyPair({ modulusLength: 2048 })]);
  passphrase = randomCryptoAccessKey();
  encryptedPrivateKey = encryptPrivateKeyPem(keys.privateKey, passphrase);
});

/** A provider double: answers `current`, counts calls, and can announce a refresh like the real one. */
function fakeIdpProvider() {
  const listeners = createListeners<UbiqCredentials>();
  let n = 0;
  const state = { calls: 0, current: undefined as UbiqIdpCredentials | undefined, fail: undefined as Error | undefined };
  async function issue(): Promise<UbiqIdpCredentials> {
    n += 1;
    const certificate = await ca.issue({ publicKey: keys.publicKey, lifetimeSeconds: 600 });
    return createUbiqIdpCredentials({
      server: 'https://ubiq.example',
      accessKeyId: `public-value-${n}`,
      secretSigningKey: `canary-signing-value-${n}`,
      secretCryptoAccessKey: passphrase,
      encryptedPrivateKey,
      privateKey: keys.privateKey,
      certificate,
      payloadCert: Buffer.from(certificate).toString('base64'),
      issuedAt: new Date(),
      expiresAt: new Date(Date.now() + 600_000),
      provider: 'okta',
      username: 'ada@example.com',
      profile: 'idp',
    });
  }
  const provider = (async () => {
    state.calls += 1;
    await new Promise((resolve) => setTimeout(resolve, 5));
    if (state.fail) throw state.fail;
    state.current ??= await issue();
    return state.current;
  }) as CredentialProvider<UbiqCredentials>;
  provider.forceRefresh = async () => {
    state.current = await issue();
    listeners.emitRefresh(state.current, { reason: 'forced', failedAttempts: 0, refreshAt: new Date(), expiresAt: state.current.expiresAt });
    return state.current;
  };
  provider.close = () => Promise.resolve(listeners.clear());
  provider.onRefresh = listeners.onRefresh;
  provider.onRefreshError = listeners.onRefreshError;
  return { provider, state };
}

describe('toUbiqSecurityCredentials', () => {
  it('behaves like the official Credentials before and after initAsync()', async () => {
    const { provider } = fakeIdpProvider();
    const credentials = toUbiqSecurityCredentials(provider);
    expect(credentials.initialized).toBe(false);
    expect(() => credentials.isIdp()).toThrow(objectContaining({ code: 'adapter_not_initialized', hint: stringContaining('initAsync') }));
    await credentials.initAsync({ event_reporting: {} });
    expect(credentials.isIdp()).toBe(true);
    const current = await provider();
    expect(credentials).toMatchObject({
      access_key_id: current.accessKeyId,
      secret_signing_key: current.secretSigningKey,
      secret_crypto_access_key: passphrase,
      host: 'https://ubiq.example',
      idp_cert_base64: current.kind === 'idp' ? current.payloadCert : '',
      encryptedPrivateKey,
      idp_username: 'ada@example.com',
      initialized: true,
    });
    expect(credentials.getEncryptedPrivateKey()).toBe(encryptedPrivateKey);
  });

  it("passes the official client's key-request flow: payload_cert, signing keys, and forge opens the local private key", async () => {
    const { provider } = fakeIdpProvider();
    const credentials = toUbiqSecurityCredentials(provider);
    await credentials.initAsync();
    const { dataKeyMatches, seen } = await officialEncryptionKeyFetch(credentials);
    expect(dataKeyMatches).toBe(true);
    expect(seen[0]).toMatchObject({ papi: 'public-value-1', sapi: 'canary-signing-value-1', host: 'https://ubiq.example' });
  });

  it('keeps the fields current after every refresh of the provider, also before renewIdpCertAsync() is called', async () => {
    const { provider } = fakeIdpProvider();
    const credentials = toUbiqSecurityCredentials(provider);
    await credentials.initAsync();
    const before = credentials.idp_cert_base64;
    const fresh = await provider.forceRefresh();
    expect(credentials.access_key_id).toBe('public-value-2');
    expect(credentials.idp_cert_base64).not.toBe(before);
    expect(credentials.idp_cert_base64).toBe(fresh.kind === 'idp' ? fresh.payloadCert : '');
    // The official Encryption reads payload_cert before renewing: it gets the new certificate.
    const { seen, dataKeyMatches } = await officialEncryptionKeyFetch(credentials);
    expect(seen[0]!.payloadCert).toBe(credentials.idp_cert_base64);
    expect(dataKeyMatches).toBe(true);
    credentials.detach();
    await provider.forceRefresh();
    expect(credentials.access_key_id).toBe('public-value-2');
  });

  it('renewIdpCertAsync() is single-flight: 100 concurrent calls ask the provider once', async () => {
    const { provider, state } = fakeIdpProvider();
    const credentials = toUbiqSecurityCredentials(provider);
    await credentials.initAsync();
    const before = state.calls;
    await Promise.all(Array.from({ length: 100 }, () => credentials.renewIdpCertAsync()));
    expect(state.calls - before).toBe(1);
  });

  it('a failed renewal rejects for callers that await it and is never an unhandled rejection for those that do not', async () => {
    const { provider, state } = fakeIdpProvider();
    const credentials = toUbiqSecurityCredentials(provider);
    await credentials.initAsync();
    state.fail = Object.assign(new Error('expired and could not be renewed'), { code: 'credentials_expired' });
    officialUnawaitedRenew(credentials);
    await expect(credentials.renewIdpCertAsync()).rejects.toMatchObject({ code: 'credentials_expired' });
    await new Promise((resolve) => setTimeout(resolve, 20));
  });

  it('static keys: isIdp() is false and the key triple is passed through', async () => {
    const credentials = toUbiqSecurityCredentials(fromStaticKeys({ accessKeyId: 'AK', secretSigningKey: 'canary-ssk', secretCryptoAccessKey: 'canary-scak', server: 'https://api.ubiqsecurity.com' }));
    await credentials.initAsync();
    expect(credentials.isIdp()).toBe(false);
    expect(credentials).toMatchObject({ access_key_id: 'AK', secret_signing_key: 'canary-ssk', secret_crypto_access_key: 'canary-scak', host: 'https://api.ubiqsecurity.com', idp_cert_base64: '' });
  });

  it('prints no secret', async () => {
    const { provider } = fakeIdpProvider();
    const credentials = toUbiqSecurityCredentials(provider);
    await credentials.initAsync();
    // eslint-disable-next-line @typescript-eslint/no-base-to-string -- redactable objects define toString at run time; printing them is what this checks
    for (const text of [inspect(credentials, { depth: 5 }), JSON.stringify(credentials), String(credentials)]) {
      expect(text).not.toContain('canary-signing-value');
      expect(text).not.toContain(passphrase);
      expect(text).not.toContain(encryptedPrivateKey.split('\n')[1]!);
      expect(text).toContain('public-value-1');
    }
    expect(Object.keys(credentials)).not.toContain('isIdp');
  });
});

describe('toUbiqSecurityCredentials with the real provider', () => {
  let fx: IdpFixture;
  beforeAll(async () => {
    fx = await startIdpFixture();
  });
  afterAll(async () => {
    await fx.close();
  });

  it('runs the official key-request flow on credentials from an Okta sign-in and the SSO exchange', async () => {
    const provider = fx.provider({ pregenerateKeyPair: keys });
    const credentials = toUbiqSecurityCredentials(provider);
    await credentials.initAsync();
    const { dataKeyMatches, seen } = await officialEncryptionKeyFetch(credentials);
    expect(dataKeyMatches).toBe(true);
    expect(seen[0]!.papi).toBe(fx.sso.issued[0]!.publicValue);
    // A refresh by the provider (here forced) reaches the adapter without any call on it.
    await provider.forceRefresh();
    expect(credentials.access_key_id).toBe(fx.sso.issued[1]!.publicValue);
    expect(fx.sso.requests).toBe(2);
  });
});
