// Config fuzzing beyond the file parsers (test/config/property.test.ts covers file contents): the UBIQ_*
// environment (including hostile keys and file-path variables pointing at directories, devices, huge or
// binary files) and values in code, through loadConfig and through a provider. Never anything but a
// ConfigError / ConfigNotFoundError / CredentialsUnavailableError, never an Object.prototype change, and the
// secret values given never appear in the error or the warnings.
import { inspect } from 'node:util';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isConfigError, isConfigNotFoundError } from '../../src/config/errors.js';
import { loadConfig } from '../../src/config/load.js';
import { createIdpCredentialProvider } from '../../src/credentials/provider.js';
import { recordingLogger, tempHome, type TempHome } from '../config/helpers.js';

const prototypeNames = Object.getOwnPropertyNames(Object.prototype).sort();
function expectPrototypeClean(): void {
  expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(prototypeNames);
  const probe: Record<string, unknown> = {};
  for (const key of ['polluted', 'UBIQ_SERVER', 'idp', 'provider', 'server', 'x']) expect(probe[key]).toBeUndefined();
}

const SECRET_PASSWORD = 'canary-env-password-6b1f2e';
const SECRET_CLIENT = 'canary-env-client-secret-0c4d';
const SECRET_SIGNING = 'canary-env-signing-key-93aa';
const SECRET_CRYPTO = 'canary-env-crypto-key-1d7e';

let h: TempHome;
let paths: string[];
beforeAll(async () => {
  h = await tempHome({ '.ubiq/credentials': '[default]\nIDP_USERNAME=ada@example.com\n' });
  paths = [
    await h.write('huge.ini', `[default]\nSERVER=${'x'.repeat(3 * 1024 * 1024)}\n`),
    await h.write('binary', Buffer.from([0, 255, 254, 0, 1, 2, 3, 0xef, 0xbb, 0xbf])),
    await h.write('utf16.json', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('{"idp":{"type":"okta"}}', 'utf16le')])),
    await h.write('proto.json', '{"__proto__":{"polluted":1},"idp":{"__proto__":{"polluted":2},"constructor":{"prototype":{"polluted":3}}}}'),
    await h.write('world-readable.ini', `[default]\nIDP_PASSWORD=${SECRET_PASSWORD}\n`, 0o644),
    h.home, // a directory
    '/dev/null',
    '/nonexistent/dir/file',
    '',
    '\u0000',
    'relative/path',
  ];
});
afterAll(() => h.cleanup());

const hostile = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.constantFrom(
    '', ' ', '<https://api.ubiqsecurity.com>', 'https://', 'http://127.0.0.1:1', 'ftp://x', 'javascript:alert(1)', '__proto__', 'constructor',
    'okta', 'entra', 'Okta', 'azure', '3f0e3b7c-2a51-4b6e-9d2b-5b8f2f6f9a10', 'not-a-uuid', '${HOME}', '%00', '\u0000', '\uFEFF', '…', '<client secret>',
    'https://trial-1.okta.com/oauth2/v1/token', 'https://login.microsoftonline.com/x/oauth2/v2.0/token', 'x'.repeat(100_000),
  ),
);
const envKeys = [
  'UBIQ_SERVER', 'UBIQ_IDP_USERNAME', 'UBIQ_IDP_PROVIDER', 'UBIQ_IDP_CUSTOMER_ID', 'UBIQ_IDP_TOKEN_ENDPOINT_URL', 'UBIQ_IDP_TENANT_ID',
  'UBIQ_ACCESS_KEY_ID', 'UBIQ_PROFILE', '__proto__', 'constructor', 'polluted',
] as const;
const envArb = fc
  .record(
    {
      ...Object.fromEntries(envKeys.map((k) => [k, hostile])),
      UBIQ_IDP_PASSWORD: fc.constantFrom(SECRET_PASSWORD, undefined),
      UBIQ_IDP_CLIENT_SECRET: fc.constantFrom(SECRET_CLIENT, undefined),
      UBIQ_SECRET_SIGNING_KEY: fc.constantFrom(SECRET_SIGNING, undefined),
      UBIQ_SECRET_CRYPTO_ACCESS_KEY: fc.constantFrom(SECRET_CRYPTO, undefined),
      UBIQ_CONFIGURATION_FILE: fc.nat(20),
      UBIQ_CREDENTIALS_FILE: fc.nat(20),
    },
    { requiredKeys: [] },
  )
  .map((raw) => {
    const env: Record<string, string | undefined> = Object.create(null) as Record<string, string | undefined>;
    for (const [key, value] of Object.entries(raw)) {
      if (key === 'UBIQ_CONFIGURATION_FILE' || key === 'UBIQ_CREDENTIALS_FILE') {
        const index = value as number;
        if (index < paths.length) env[key] = paths[index];
      } else if (typeof value === 'string') env[key] = value;
    }
    return env;
  });

function expectOnlyConfigErrors(error: unknown): void {
  if (isConfigError(error) || isConfigNotFoundError(error)) return;
  if (error instanceof Error && (error as { code?: unknown }).code === 'credentials_unavailable') return;
  throw error;
}

function expectNoSecret(text: string): void {
  for (const secret of [SECRET_PASSWORD, SECRET_CLIENT, SECRET_SIGNING, SECRET_CRYPTO]) expect(text).not.toContain(secret);
}

describe('config fuzzing: environment and values in code', () => {
  it('loadConfig with random UBIQ_* env (hostile values, file paths to odd files): only config errors, prototype clean, no secret in errors or warnings', async () => {
    await fc.assert(
      fc.asyncProperty(envArb, fc.boolean(), async (env, strictPermissions) => {
        const logger = recordingLogger();
        try {
          const config = await loadConfig({ env, homeDir: h.home, logger, strictPermissions });
          expectNoSecret(inspect(config, { depth: 10 }) + JSON.stringify(config));
        } catch (error) {
          expectOnlyConfigErrors(error);
          expectNoSecret(inspect(error, { depth: 10 }) + JSON.stringify(error) + String(error));
        }
        expectNoSecret(JSON.stringify(logger.lines));
        expectPrototypeClean();
      }),
      { numRuns: 400, seed: 42 },
    );
  }, 60_000);

  it('random overrides in code (wrong types included) through loadConfig and through a provider: only typed errors', async () => {
    const overridesArb = fc.record(
      {
        server: fc.oneof(hostile, fc.jsonValue()),
        username: fc.oneof(hostile, fc.jsonValue()),
        password: fc.constantFrom(SECRET_PASSWORD, 7, null, ['x']),
        idp: fc.oneof(
          fc.record({ provider: fc.oneof(hostile, fc.jsonValue()), customerId: hostile, tokenEndpointUrl: hostile, clientId: hostile, clientSecret: fc.constantFrom(SECRET_CLIENT, 42) }, { requiredKeys: [] }),
          fc.jsonValue(),
          fc.constant(JSON.parse('{"__proto__":{"polluted":1}}') as unknown),
        ),
      },
      { requiredKeys: [] },
    );
    await fc.assert(
      fc.asyncProperty(overridesArb, async (overrides) => {
        const load = { env: {}, homeDir: h.home, overrides: overrides as never };
        try {
          await loadConfig(load);
        } catch (error) {
          expectOnlyConfigErrors(error);
          expectNoSecret(inspect(error, { depth: 10 }) + JSON.stringify(error));
        }
        const provider = createIdpCredentialProvider({ load, modulusLength: 2048, retry: false, timeoutMs: 200 });
        try {
          await provider();
        } catch (error) {
          // With a complete, valid setting the provider would sign in: every endpoint here is unreachable or
          // invalid, so a network/IdP error is also a typed outcome; anything untyped fails the test.
          if (!(error instanceof Error) || typeof (error as { code?: unknown }).code !== 'string') throw error;
          expectNoSecret(inspect(error, { depth: 10 }) + JSON.stringify(error));
        } finally {
          await provider.close();
        }
        expectPrototypeClean();
      }),
      { numRuns: 200, seed: 43 },
    );
  }, 60_000);
});
