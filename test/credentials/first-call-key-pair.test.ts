// Without a session, the first call always signs in and the key pair is its longest step: the provider
// starts it with that call on the caller's thread (libuv pool), not after the login worker has loaded
// its modules and the settings. With a session possible, no key pair is made before one is needed.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import * as keypair from '../../src/crypto/keypair.js';
import { createIdpCredentialProvider, type IdpCredentialProviderOptions } from '../../src/credentials/provider.js';
import { defaultProvider } from '../../src/credentials/sources.js';
import { CLIENT_ID, CLIENT_SECRET, CUSTOMER_ID, PASSWORD, startIdpFixture, USERNAME, type IdpFixture } from './helpers/idp-fixture.js';

vi.mock('../../src/crypto/keypair.js', async (importOriginal) => {
  const original = await importOriginal<typeof keypair>();
  return { ...original, generateRsaKeyPair: vi.fn(original.generateRsaKeyPair) };
});
const generated = vi.mocked(keypair.generateRsaKeyPair);

let fx: IdpFixture;
let dir: string;
let silentWorker: URL;
beforeAll(async () => {
  fx = await startIdpFixture();
  dir = await mkdtemp(join(tmpdir(), 'ubiq-first-key-'));
  // A login worker that never answers a setup or a login (the first call waits), and confirms close().
  const script = join(dir, 'silent-worker.mjs');
  await writeFile(
    script,
    "import { parentPort } from 'node:worker_threads';\nparentPort.on('message', (m) => { if (m.type === 'close') parentPort.postMessage({ type: 'closed', slot: m.slot }); });\n",
  );
  silentWorker = pathToFileURL(script);
});
beforeEach(async () => {
  generated.mockClear();
  await fx.reset();
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
  await fx.close();
});

function load(): NonNullable<IdpCredentialProviderOptions['load']> {
  const tokenEndpointUrl = fx.config.kind === 'idp' ? fx.config.idp.tokenEndpointUrl : '';
  return {
    env: {},
    homeDir: join(dir, 'home'),
    allowInsecureHttp: true,
    overrides: { server: fx.sso.url, idp: { provider: 'okta', customerId: CUSTOMER_ID, tokenEndpointUrl, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET }, username: USERNAME, password: PASSWORD },
  };
}

describe('the key pair of the first call', () => {
  it('starts with the first call, before the login worker has answered, and not at creation', async () => {
    const provider = createIdpCredentialProvider({ load: load(), session: false, modulusLength: 2048, retry: false, loginWorkerScript: silentWorker });
    try {
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(generated).not.toHaveBeenCalled();
      const call = provider();
      call.catch(() => {});
      expect(generated).toHaveBeenCalledTimes(1);
      expect(generated).toHaveBeenCalledWith({ modulusLength: 2048, keyGeneration: 'parallel-primes' });
    } finally {
      await provider.close();
    }
  });

  it('is the key pair the worker signs in with: the credentials carry the private key made on this thread', async () => {
    const provider = createIdpCredentialProvider({ load: load(), session: false, modulusLength: 2048, retry: false });
    try {
      const credentials = await provider();
      expect(generated).toHaveBeenCalledTimes(1);
      const made = (await generated.mock.results[0]?.value) as keypair.RsaKeyPair;
      expect(credentials.privateKey.equals(made.privateKey)).toBe(true);
    } finally {
      await provider.close();
    }
  });

  it('is left to the login when a session could serve the call (a valid session needs no key pair)', async () => {
    const provider = createIdpCredentialProvider({ load: load(), session: { dir: join(dir, 'sessions') }, modulusLength: 2048, retry: false, loginWorkerScript: silentWorker });
    try {
      const call = provider();
      call.catch(() => {});
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(generated).not.toHaveBeenCalled();
    } finally {
      await provider.close();
    }
  });
});

describe('keyGeneration', () => {
  it("'openssl' reaches every key pair the provider makes: the first call's, a pre-generated one, and a source's", async () => {
    const first = createIdpCredentialProvider({ load: load(), session: false, modulusLength: 2048, retry: false, keyGeneration: 'openssl', loginWorkerScript: silentWorker });
    const call = first();
    call.catch(() => {});
    await first.close();
    const ahead = createIdpCredentialProvider({ load: load(), session: false, modulusLength: 2048, retry: false, keyGeneration: 'openssl', loginInWorker: false, pregenerateKeyPair: true });
    await ahead.close();
    const source = defaultProvider({ load: load(), session: false, modulusLength: 2048, retry: false, keyGeneration: 'openssl', pregenerateKeyPair: true });
    await source.close();
    expect(generated.mock.calls).toEqual([[{ modulusLength: 2048, keyGeneration: 'openssl' }], [{ modulusLength: 2048, keyGeneration: 'openssl' }], [{ modulusLength: 2048, keyGeneration: 'openssl' }]]);
  });

  it('in the login, where a renewal makes a new key pair (rotateKeyPair)', async () => {
    const provider = createIdpCredentialProvider({ load: load(), session: false, modulusLength: 2048, retry: false, keyGeneration: 'openssl', loginInWorker: false, rotateKeyPair: true });
    try {
      await provider();
      await provider.forceRefresh();
      expect(generated.mock.calls.length).toBeGreaterThanOrEqual(2);
      for (const [options] of generated.mock.calls) expect(options).toEqual({ modulusLength: 2048, keyGeneration: 'openssl' });
    } finally {
      await provider.close();
    }
  });

  it('an unknown value is refused when the provider is created', () => {
    expect(() => createIdpCredentialProvider({ load: load(), keyGeneration: 'fast' as never })).toThrow(expect.objectContaining({ code: 'invalid_provider_options' }));
  });
});
