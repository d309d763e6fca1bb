// The one error model: every error class is branded through UbiqIdpError, every guard is errorGuard(),
// guards recognise another copy of the package and never another library's look-alike.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, expectTypeOf, it, vi } from 'vitest';
import { errorGuard, isUbiqIdpError, UbiqIdpError, type UbiqIdpErrorCode } from '../../src/errors.js';
import type { IdpErrorCode, KeyPairErrorCode, ScimErrorCode, SsoErrorCode } from '../../src/error-codes.js';
import { ConfigError, ConfigNotFoundError, isConfigError, isConfigNotFoundError } from '../../src/config/errors.js';
import {
  CredentialsError,
  CredentialsUnavailableError,
  isCredentialsError,
  isCredentialsUnavailableError,
  isSsoError,
  SsoError,
} from '../../src/credentials/errors.js';
import { isKeyPairError, isKeySizeError, KeyPairError, KeySizeError } from '../../src/crypto/keypair.js';
import { HttpRequestError, isHttpRequestError } from '../../src/http/errors.js';
import { IdpError, isIdpError } from '../../src/idp/errors.js';
import { isSigningError, SigningError } from '../../src/signing/errors.js';
import {
  CertificateAuthorityError,
  CertificateError,
  CsrError,
  isCertificateAuthorityError,
  isCertificateError,
  isCsrError,
} from '../../src/x509/errors.js';
import { AdminError, isAdminError } from '../../src/server/admin/errors.js';
import { isPayloadCertError, PayloadCertError } from '../../src/server/ca-errors.js';
import { DataKeyError, isDataKeyError } from '../../src/server/keys/data-keys.js';
import { isReferenceServerOptionsError, ReferenceServerOptionsError } from '../../src/server/options.js';
import { isScimError, ScimError } from '../../src/server/scim/errors.js';
import {
  IdpTokenError,
  IdpTokenVerifierOptionsError,
  IdpUnavailableError,
  isIdpTokenError,
  isIdpTokenVerifierOptionsError,
  isIdpUnavailableError,
} from '../../src/server/sso/idp-token-errors.js';
import { EmulatorUsageError, isEmulatorUsageError } from '../../src/testing/emulator-errors.js';
import { isScimAgentError, ScimAgentError } from '../../src/testing/provisioning-agent-errors.js';
import { AdminApiError, isAdminApiError } from '../../src/cli/admin-client.js';
import { ExportedCredentialsError, isExportedCredentialsError, isProcessCredentialsError, ProcessCredentialsError } from '../../src/credentials/exported-errors.js';
import { isSessionError, SessionError } from '../../src/session/errors.js';
import { isSignInError, SignInError } from '../../src/idp/sign-in-errors.js';
import { isStructuredClientError, StructuredClientError } from '../../src/testing/structured-client.js';
import { CliTimeoutError, isCliTimeoutError, isUsageError, UsageError } from '../../src/cli/exit-codes.js';
import { isServerDependencyError, ServerDependencyError } from '../../src/cli/server-module.js';
import { DemoStepError, isDemoStepError } from '../../src/cli/demo-errors.js';

type Guard = (value: unknown) => boolean;

/** Every error class of the library: a sample instance, its guard, and the classes it extends. */
const CLASSES: { name: string; make: () => UbiqIdpError; guard: Guard; parents: string[] }[] = [
  { name: 'ConfigError', make: () => new ConfigError([{ source: 'options', message: 'bad', code: 'invalid_url' }]), guard: isConfigError, parents: [] },
  { name: 'ConfigNotFoundError', make: () => new ConfigNotFoundError('nothing', ['environment']), guard: isConfigNotFoundError, parents: [] },
  { name: 'CredentialsError', make: () => new CredentialsError('provider_closed', 'closed'), guard: isCredentialsError, parents: [] },
  {
    name: 'CredentialsUnavailableError',
    make: () => new CredentialsUnavailableError('nothing here'),
    guard: isCredentialsUnavailableError,
    parents: ['CredentialsError'],
  },
  { name: 'SsoError', make: () => new SsoError('sso_forbidden', 'no', { status: 403 }), guard: isSsoError, parents: [] },
  { name: 'KeyPairError', make: () => new KeyPairError('passphrase_empty', 'empty'), guard: isKeyPairError, parents: [] },
  { name: 'KeySizeError', make: () => new KeySizeError(1024), guard: isKeySizeError, parents: ['KeyPairError'] },
  { name: 'HttpRequestError', make: () => new HttpRequestError('timeout', 'slow', { url: 'https://x.example/', attempts: 1 }), guard: isHttpRequestError, parents: [] },
  { name: 'IdpError', make: () => new IdpError('invalid_credentials', 'wrong', 'fix it', { provider: 'okta' }), guard: isIdpError, parents: [] },
  { name: 'SigningError', make: () => new SigningError('signing_invalid_url', 'not absolute'), guard: isSigningError, parents: [] },
  { name: 'CsrError', make: () => new CsrError('csr_malformed', 'not a CSR'), guard: isCsrError, parents: [] },
  { name: 'CertificateError', make: () => new CertificateError('certificate_expired', 'expired'), guard: isCertificateError, parents: [] },
  { name: 'CertificateAuthorityError', make: () => new CertificateAuthorityError('bad CA'), guard: isCertificateAuthorityError, parents: [] },
  { name: 'AdminError', make: () => new AdminError(404, 'dataset_not_found', 'no dataset'), guard: isAdminError, parents: [] },
  { name: 'PayloadCertError', make: () => new PayloadCertError('expired'), guard: isPayloadCertError, parents: [] },
  { name: 'DataKeyError', make: () => new DataKeyError('not ours'), guard: isDataKeyError, parents: [] },
  { name: 'ReferenceServerOptionsError', make: () => new ReferenceServerOptionsError('bad option'), guard: isReferenceServerOptionsError, parents: [] },
  { name: 'ScimError', make: () => new ScimError(400, 'bad filter', 'invalidFilter'), guard: isScimError, parents: [] },
  { name: 'IdpTokenError', make: () => new IdpTokenError('expired'), guard: isIdpTokenError, parents: [] },
  { name: 'IdpUnavailableError', make: () => new IdpUnavailableError('JWKS unreachable'), guard: isIdpUnavailableError, parents: [] },
  {
    name: 'IdpTokenVerifierOptionsError',
    make: () => new IdpTokenVerifierOptionsError('no asymmetric algorithm', 'name one'),
    guard: isIdpTokenVerifierOptionsError,
    parents: [],
  },
  { name: 'EmulatorUsageError', make: () => new EmulatorUsageError('no such user'), guard: isEmulatorUsageError, parents: [] },
  {
    name: 'ScimAgentError',
    make: () => new ScimAgentError('SCIM_AGENT_REQUEST_FAILED', 'refused', { agent: 'okta' }),
    guard: isScimAgentError,
    parents: [],
  },
  { name: 'AdminApiError', make: () => new AdminApiError(409, 'dataset_exists', 'exists'), guard: isAdminApiError, parents: [] },
  { name: 'UsageError', make: () => new UsageError('unknown option --x'), guard: isUsageError, parents: [] },
  { name: 'CliTimeoutError', make: () => new CliTimeoutError('Gave up after 30 s.'), guard: isCliTimeoutError, parents: [] },
  { name: 'ServerDependencyError', make: () => new ServerDependencyError('hono', new Error('not found')), guard: isServerDependencyError, parents: [] },
  { name: 'DemoStepError', make: () => new DemoStepError('the decrypted text differs'), guard: isDemoStepError, parents: [] },
  {
    name: 'ExportedCredentialsError',
    make: () => new ExportedCredentialsError('exported_credentials_expired', 'expired'),
    guard: isExportedCredentialsError,
    parents: [],
  },
  { name: 'ProcessCredentialsError', make: () => new ProcessCredentialsError('process_timeout', 'killed'), guard: isProcessCredentialsError, parents: [] },
  { name: 'SignInError', make: () => new SignInError('state_mismatch', 'forged redirect'), guard: isSignInError, parents: [] },
  { name: 'SessionError', make: () => new SessionError('session_corrupt', 'truncated'), guard: isSessionError, parents: [] },
  { name: 'StructuredClientError', make: () => new StructuredClientError('structured_unsupported', 'pad character'), guard: isStructuredClientError, parents: [] },
];

/** Errors of other libraries (and plain objects) that look like ours. */
const LOOK_ALIKES: [string, unknown][] = [
  // node-postgres DatabaseError: a string code and a hint, as ours.
  ['pg DatabaseError', Object.assign(new Error('duplicate key value'), { name: 'DatabaseError', code: '23505', hint: 'Use another key.', severity: 'ERROR' })],
  // AWS SDK CredentialsProviderError: tryNextLink, the way our CredentialsUnavailableError says "next".
  ['AWS CredentialsProviderError', Object.assign(new Error('Could not load credentials'), { name: 'CredentialsProviderError', tryNextLink: true })],
  ['AWS error with our code', Object.assign(new Error('x'), { name: 'CredentialsProviderError', tryNextLink: true, code: 'credentials_unavailable' })],
  ...CLASSES.map(({ name, make }): [string, unknown] => {
    const real = make();
    return [`an Error named ${name} with its code and hint`, Object.assign(new Error(real.message), { name, code: real.code, hint: real.hint })];
  }),
  ...CLASSES.map(({ name }): [string, unknown] => [`a plain object named ${name}`, { name, code: 'x', message: 'x', hint: 'x' }]),
  // The brand's own symbol on something that is not an error of ours (no code, no message).
  ['an object carrying the brand but not the shape', { [Symbol.for('ubiq-idp.error')]: ['IdpError', 'UbiqIdpError'] }],
  ['a string', 'IdpError'],
  ['null', null],
  ['undefined', undefined],
];

describe('error model', () => {
  it('lists every error class of src/, each declaring its errorName (a new class must join this table)', async () => {
    const declared: string[] = [];
    const extending: [string, string][] = [];
    const walk = async (dir: string): Promise<void> => {
      for (const entry of await readdir(dir, { withFileTypes: true })) {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) await walk(path);
        else if (entry.name.endsWith('.ts')) {
          const text = await readFile(path, 'utf8');
          for (const m of text.matchAll(/static override readonly errorName(?::\s*string)?\s*=\s*'(\w+)'/g)) declared.push(m[1] ?? '');
          for (const m of text.matchAll(/class (\w+) extends (\w+)/g)) extending.push([m[1] ?? '', m[2] ?? '']);
        }
      }
    };
    await walk(join(import.meta.dirname, '../../src'));
    expect(declared.sort()).toEqual(CLASSES.map((c) => c.name).sort());
    // Every class extending UbiqIdpError (or one of its subclasses) declares an errorName of its own.
    const ours = new Set(['UbiqIdpError']);
    for (let grown = true; grown; ) {
      grown = false;
      for (const [child, parent] of extending) {
        if (ours.has(parent) && !ours.has(child)) {
          ours.add(child);
          grown = true;
        }
      }
    }
    ours.delete('UbiqIdpError');
    expect([...ours].sort()).toEqual(declared);
  });

  it.each(CLASSES)('$name: name comes from errorName, and it is a branded UbiqIdpError', ({ name, make }) => {
    const error = make();
    expect(error.name).toBe(name);
    expect(error).toBeInstanceOf(UbiqIdpError);
    expect(error).toBeInstanceOf(Error);
    expect(isUbiqIdpError(error)).toBe(true);
    expect(String(error)).toMatch(new RegExp(`^${name}: `));
    // The brand is not enumerable: it never shows in JSON or object spreads.
    expect(Object.keys(error)).not.toContain('Symbol(ubiq-idp.error)');
    expect(JSON.stringify(error)).not.toContain('ubiq-idp.error');
  });

  it('each guard is true exactly for its class and its subclasses', () => {
    for (const subject of CLASSES) {
      const error = subject.make();
      for (const guard of CLASSES) {
        const expected = guard.name === subject.name || subject.parents.includes(guard.name);
        expect({ guard: guard.name, error: subject.name, matches: guard.guard(error) }).toEqual({ guard: guard.name, error: subject.name, matches: expected });
      }
    }
  });

  it.each(LOOK_ALIKES)('no guard matches %s', (_label, value) => {
    expect(isUbiqIdpError(value)).toBe(false);
    for (const { name, guard } of CLASSES) expect({ name, matches: guard(value) }).toEqual({ name, matches: false });
  });

  it('recognises errors made by another copy of the package (a fresh module instance)', async () => {
    vi.resetModules();
    const other = await import('../../src/idp/errors.js');
    const otherCredentials = await import('../../src/credentials/errors.js');
    const otherBase = await import('../../src/errors.js');
    expect(other.IdpError).not.toBe(IdpError);
    const foreignCopy = new other.IdpError('rate_limited', 'slow down', 'wait', { provider: 'entra', retryAfterMs: 1_000 });
    expect(foreignCopy).not.toBeInstanceOf(IdpError);
    expect(foreignCopy).not.toBeInstanceOf(UbiqIdpError);
    expect(isIdpError(foreignCopy)).toBe(true);
    expect(isUbiqIdpError(foreignCopy)).toBe(true);
    expect(isSsoError(foreignCopy)).toBe(false);
    // And the other way round: the other copy's guards recognise ours.
    expect(other.isIdpError(new IdpError('timeout', 'slow', 'wait', { provider: 'okta' }))).toBe(true);
    const unavailable = new otherCredentials.CredentialsUnavailableError('nothing');
    expect(isCredentialsUnavailableError(unavailable)).toBe(true);
    expect(isCredentialsError(unavailable)).toBe(true);
    expect(otherBase.isUbiqIdpError(new KeySizeError(512))).toBe(true);
  });

  it('errorGuard() matches the class name anywhere in the chain, nothing else', () => {
    const isCredentials = errorGuard<CredentialsError>('CredentialsError');
    expect(isCredentials(new CredentialsUnavailableError('x'))).toBe(true);
    expect(isCredentials(new SsoError('sso_rejected', 'x'))).toBe(false);
    expect(errorGuard('NoSuchError')(new CredentialsError('provider_closed', 'x'))).toBe(false);
  });

  it('the type of each code is its class union; UbiqIdpError["code"] is the union of all', () => {
    expectTypeOf<UbiqIdpError['code']>().toEqualTypeOf<UbiqIdpErrorCode>();
    expectTypeOf<IdpError['code']>().toEqualTypeOf<IdpErrorCode>();
    expectTypeOf<SsoError['code']>().toEqualTypeOf<SsoErrorCode>();
    expectTypeOf<KeyPairError['code']>().toEqualTypeOf<KeyPairErrorCode>();
    expectTypeOf<KeySizeError['code']>().toEqualTypeOf<'key_size_invalid'>();
    expectTypeOf<CredentialsUnavailableError['code']>().toEqualTypeOf<'credentials_unavailable'>();
    expectTypeOf<ConfigError['code']>().toEqualTypeOf<'config_invalid'>();
    expectTypeOf<ScimError['code']>().toEqualTypeOf<ScimErrorCode>();
    expectTypeOf<'scim_invalidFilter'>().toExtend<UbiqIdpErrorCode>();
    expectTypeOf<'key_generation_failed' | 'signing_invalid_url' | 'ca_usage' | 'server_options_invalid'>().toExtend<UbiqIdpErrorCode>();
    expectTypeOf<'not_a_code'>().not.toExtend<UbiqIdpErrorCode>();
    expectTypeOf<string>().not.toExtend<UbiqIdpErrorCode>();
    // Guards are real type guards: they narrow unknown to the class.
    expectTypeOf(isCredentialsUnavailableError).guards.toEqualTypeOf<CredentialsUnavailableError>();
    expectTypeOf(isIdpError).guards.toEqualTypeOf<IdpError>();
    expectTypeOf(isUbiqIdpError).guards.toEqualTypeOf<UbiqIdpError>();
    const caught: unknown = new IdpError('rate_limited', 'x', 'y', { provider: 'okta' });
    if (isIdpError(caught)) expectTypeOf(caught.code).toEqualTypeOf<IdpErrorCode>();
    if (isUbiqIdpError(caught)) expect(caught.code).toBe('rate_limited');
  });

  it('the base class is abstract: only subclasses are thrown', () => {
    // @ts-expect-error UbiqIdpError cannot be constructed directly.
    const direct = (): unknown => new UbiqIdpError('config_invalid', 'x');
    expect(direct).toBeTypeOf('function');
  });
});
