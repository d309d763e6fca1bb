import { createPrivateKey } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { isConfigError } from '../../src/config/errors.js';
import { CredentialsUnavailableError, isCredentialsUnavailableError } from '../../src/credentials/errors.js';
import { createIdpCredentialProvider, type IdpCredentialProviderOptions } from '../../src/credentials/provider.js';
import { IdpError, isIdpError } from '../../src/idp/errors.js';
import { isUbiqIdpError } from '../../src/errors.js';
import { createFreshProcessRunner, projectRoot } from '../helpers/fresh-process.js';
import { CLIENT_ID, CLIENT_SECRET, CUSTOMER_ID, PASSWORD, startIdpFixture, USERNAME, type IdpFixture } from './helpers/idp-fixture.js';

// The provider's default: the login runs on a worker thread (the fixture's provider() injects a clock,
// which keeps its tests on the test's thread, so these tests build their providers themselves).
let fx: IdpFixture;
const runner = createFreshProcessRunner('ubiq-login-worker-');
beforeAll(async () => {
  fx = await startIdpFixture();
  await runner.setup();
});
beforeEach(async () => {
  await fx.reset();
});
afterAll(async () => {
  await runner.cleanup();
  await fx.close();
});

function loadOptions(password = PASSWORD): NonNullable<IdpCredentialProviderOptions['load']> {
  const tokenEndpointUrl = fx.config.kind === 'idp' ? fx.config.idp.tokenEndpointUrl : '';
  return {
    env: {},
    homeDir: '/nonexistent-ubiq-idp-test-home',
    allowInsecureHttp: true,
    overrides: {
      server: fx.sso.url,
      idp: { provider: 'okta', customerId: CUSTOMER_ID, tokenEndpointUrl, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET },
      username: USERNAME,
      password,
    },
  };
}

function recordingLogger() {
  const lines: Array<{ level: string; message: string; fields: Record<string, unknown> | undefined }> = [];
  const at = (level: string) => (message: string, fields?: Record<string, unknown>) => lines.push({ level, message, fields });
  return { lines, logger: { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') } };
}

describe('login worker', () => {
  it('logs in on the worker: credentials with a usable private key, logs forwarded, nothing on the fallback path', async () => {
    const { lines, logger } = recordingLogger();
    const provider = createIdpCredentialProvider({ load: loadOptions(), modulusLength: 2048, retry: false, logger });
    try {
      const credentials = await provider();
      expect(credentials).toMatchObject({ kind: 'idp', server: fx.sso.url, username: USERNAME, accessKeyId: fx.sso.issued[0]?.publicValue });
      // The key crossed the thread boundary as a KeyObject and the encrypted PEM opens with the passphrase.
      const reopened = createPrivateKey({ key: credentials.encryptedPrivateKey, passphrase: credentials.secretCryptoAccessKey });
      expect(reopened.equals(credentials.privateKey)).toBe(true);
      // Secrets stay redacted after the trip.
      expect(JSON.stringify(credentials)).not.toContain(credentials.secretSigningKey);
      expect(lines.map((line) => line.message)).toContain('Ubiq credentials refreshed');
      expect(lines.filter((line) => line.level === 'warn')).toEqual([]);
      expect(fx.okta.stats().byGrant).toEqual({ password: 1 });
    } finally {
      await provider.close();
    }
  });

  it("gives the caller the worker's errors as this library's own classes (wrong password, API-key profile, bad settings)", async () => {
    const wrong = createIdpCredentialProvider({ load: loadOptions('not-the-password'), modulusLength: 2048, retry: false });
    const error: unknown = await wrong().catch((e: unknown) => e);
    await wrong.close();
    expect(error).toBeInstanceOf(IdpError);
    expect(isIdpError(error) && isUbiqIdpError(error)).toBe(true);
    expect(error).toMatchObject({ name: 'IdpError', code: 'invalid_credentials', provider: 'okta' });
    expect((error as IdpError).hint).toEqual(expect.any(String));
    expect(String((error as Error).stack)).toContain('IdpError');

    const keys = createIdpCredentialProvider({
      load: { env: {}, homeDir: '/nonexistent-ubiq-idp-test-home', allowInsecureHttp: true, overrides: { server: fx.sso.url, accessKeyId: 'a', secretSigningKey: 'b', secretCryptoAccessKey: 'c' } },
      retry: false,
    });
    const unavailable: unknown = await keys().catch((e: unknown) => e);
    await keys.close();
    expect(unavailable).toBeInstanceOf(CredentialsUnavailableError);
    expect(isCredentialsUnavailableError(unavailable)).toBe(true);

    const bad = createIdpCredentialProvider({ load: { env: {}, homeDir: '/nonexistent-ubiq-idp-test-home', overrides: { server: 'not a url' } }, retry: false });
    const invalid: unknown = await bad().catch((e: unknown) => e);
    await bad.close();
    expect(isConfigError(invalid) || (isUbiqIdpError(invalid) && invalid.name === 'ConfigNotFoundError')).toBe(true);
  });

  it('falls back to the main thread, with the reason logged (info), when the worker cannot start', async () => {
    const { lines, logger } = recordingLogger();
    const provider = createIdpCredentialProvider({
      load: loadOptions(),
      modulusLength: 2048,
      retry: false,
      logger,
      loginWorkerScript: new URL('file:///nonexistent/ubiq-idp/login-worker.js'),
    });
    try {
      const credentials = await provider();
      expect(credentials.kind).toBe('idp');
      const notice = lines.find((line) => /main thread/.test(line.message));
      expect(notice?.level).toBe('info');
      expect(String(notice?.fields?.reason)).toMatch(/login worker/);
    } finally {
      await provider.close();
    }
  });

  it('never keeps the process alive: a script that forgets close() still exits, and close() ends a waiting call', async () => {
    const load = loadOptions();
    const result = await runner.run(
      'forgot-close',
      `
      const lib = await import(${JSON.stringify(join(projectRoot, 'src/index.ts'))});
      const idle = lib.createIdpCredentialProvider({ load: ${JSON.stringify(load)}, modulusLength: 2048, pregenerateKeyPair: true });
      const used = lib.createIdpCredentialProvider({ load: ${JSON.stringify(load)}, modulusLength: 2048 });
      const credentials = await used();
      const closing = lib.createIdpCredentialProvider({ load: ${JSON.stringify(load)}, modulusLength: 2048 });
      const waiting = closing().catch((error) => error.code);
      await closing.close();
      console.log(JSON.stringify({ kind: credentials.kind, closed: await waiting }));
      // No close() for idle and used: the process must end by itself.
      `,
      { timeoutMs: 30_000 },
    );
    expect(result).toEqual({ kind: 'idp', closed: 'provider_closed' });
  }, 60_000);
});
