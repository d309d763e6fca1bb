// `ubiq-idp server --okta` started in process; `login` and `credentials` then sign in with the files it wrote.
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from '../../src/cli/exit-codes.js';
import { cli, type CliRun } from './cli-helpers.js';

const controller = new AbortController();
let server: Promise<CliRun>;
let env: Record<string, string>;
let window = '';

beforeAll(async () => {
  let ready!: () => void;
  const started = new Promise<void>((resolve) => (ready = resolve));
  server = cli(['server', '--okta', '--port', '0'], {
    signal: controller.signal,
    onStdout: (text) => {
      window = text;
      if (text.includes('Press Ctrl-C to stop.')) ready();
    },
  });
  await Promise.race([started, server.then((run) => Promise.reject(new Error(`server exited early: ${run.stdout}${run.stderr}`)))]);
  const configuration = /UBIQ_CONFIGURATION_FILE=(\S+)/.exec(window)?.[1] ?? '';
  const credentials = /UBIQ_CREDENTIALS_FILE=(\S+)/.exec(window)?.[1] ?? '';
  env = { UBIQ_CONFIGURATION_FILE: configuration, UBIQ_CREDENTIALS_FILE: credentials, UBIQ_PROFILE: 'idp' };
});

afterAll(async () => {
  controller.abort();
  await server;
});

describe('ubiq-idp server', () => {
  it('prints the IDP Settings window and how to sign in', () => {
    expect(window).toMatch(/Customer id\s+[0-9a-f-]{36}/);
    expect(window).toMatch(/SCIM URL\s+http:\/\/127\.0\.0\.1:\d+\/[0-9a-f-]{36}\/api\/v3\/scim/);
    expect(window).toMatch(/SCIM Secret Token\s+\S{20,}/);
    expect(window).toMatch(/OpenID Connect Discovery URL\s+http:\/\/127\.0\.0\.1:\d+\/\.well-known\/openid-configuration/);
    expect(window).toMatch(/IDP Token Issuer\s+http:\/\/127\.0\.0\.1:\d+/);
    expect(window).toContain('Provisioned user  ada@example.com');
    expect(existsSync(env.UBIQ_CONFIGURATION_FILE ?? '')).toBe(true);
  });
});

describe('ubiq-idp login', () => {
  it('signs in with the default provider: who, IdP, shortened key id, expiry, step timings; no secrets', async () => {
    const run = await cli(['login', '--allow-http', '--key-size', '2048'], { env });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toMatch(/✓ settings\s+\S+ m?s/);
    expect(run.stdout).toMatch(/✓ key pair\s+.*RSA-2048/);
    expect(run.stdout).toMatch(/✓ IdP sign-in\s+.*POST http:\/\/127\.0\.0\.1:\d+\/oauth2\/v1\/token → 200/);
    expect(run.stdout).toMatch(/✓ SSO exchange\s+.*\/api\/v3\/scim\/sso → 200/);
    expect(run.stdout).toContain('Signed in as ada@example.com.');
    expect(run.stdout).toMatch(/access key id\s+\S{6}…\S{4}\n/);
    expect(run.stdout).toMatch(/certificate\s+valid until \d{4}-/);
    const json = await cli(['login', '--allow-http', '--key-size', '2048', '--json'], { env });
    const body = JSON.parse(json.stdout) as Record<string, unknown>;
    expect(body).toMatchObject({ ok: true, kind: 'idp', username: 'ada@example.com', provider: 'okta' });
    expect(Object.keys(body)).not.toContain('secretSigningKey');
    const secret = await cli(['credentials', '--allow-http', '--key-size', '2048'], { env });
    const { secretSigningKey, secretCryptoAccessKey } = JSON.parse(secret.stdout) as Record<string, string>;
    // The signing key belongs to the auto-provisioned API key, so every login of this user gets the same one.
    for (const output of [run.stdout, run.stderr, json.stdout]) {
      expect(output).not.toMatch(/secret|BEGIN|password/i);
      expect(output).not.toContain(secretSigningKey);
      expect(output).not.toContain(secretCryptoAccessKey);
    }
  });

  it('exits 4 with the typed IdP error and its hint when the password is wrong (UBIQ_IDP_PASSWORD wins over the file)', async () => {
    const run = await cli(['login', '--allow-http', '--key-size', '2048'], { env: { ...env, UBIQ_IDP_PASSWORD: 'not-her-password' } });
    expect(run.code).toBe(EXIT.idp);
    expect(run.stderr).toMatch(/✗ Okta refused the password sign-in: the username or password is wrong/);
    expect(run.stderr).toMatch(/fix: Check IDP_USERNAME .* IDP_PASSWORD/);
    expect(run.stderr).toContain('code: invalid_credentials (exit 4');
    expect(run.stderr + run.stdout).not.toContain('not-her-password');
  });

  it('refuses http:// endpoints without --allow-http (exit 3, the fix named)', async () => {
    const run = await cli(['login', '--json'], { env });
    expect(run.code).toBe(EXIT.config);
    const body = JSON.parse(run.stdout) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('config_invalid');
    expect(body.error.message).toContain('http://');
  });
});

describe('ubiq-idp credentials', () => {
  it('exports JSON, shell env and INI; secrets only here; a warning only on a terminal', async () => {
    const json = await cli(['credentials', '--allow-http', '--key-size', '2048', '--format', 'json'], { env });
    expect(json.code).toBe(0);
    const record = JSON.parse(json.stdout) as Record<string, string>;
    expect(record).toMatchObject({ kind: 'idp', username: 'ada@example.com', provider: 'okta' });
    for (const field of ['accessKeyId', 'secretSigningKey', 'secretCryptoAccessKey', 'payloadCert', 'encryptedPrivateKey', 'expiresAt', 'server']) expect(record[field]).toBeTruthy();
    expect(record.encryptedPrivateKey).toContain('BEGIN ENCRYPTED PRIVATE KEY');
    expect(json.stderr).not.toContain('These are secrets');

    const shell = await cli(['credentials', '--allow-http', '--key-size', '2048', '--format', 'env'], { env, tty: true });
    expect(shell.code).toBe(0);
    expect(shell.stdout).toMatch(/^export UBIQ_SERVER='http:\/\/127\.0\.0\.1:\d+'$/m);
    expect(shell.stdout).toMatch(/^export UBIQ_ACCESS_KEY_ID='[^']+'$/m);
    expect(shell.stdout).toMatch(/^export UBIQ_SECRET_SIGNING_KEY='[^']+'$/m);
    expect(shell.stdout).toMatch(/^export UBIQ_PAYLOAD_CERT='[A-Za-z0-9+/=]+'$/m);
    const pem = /^export UBIQ_ENCRYPTED_PRIVATE_KEY='([A-Za-z0-9+/=]+)'$/m.exec(shell.stdout)?.[1] ?? '';
    expect(Buffer.from(pem, 'base64').toString()).toMatch(/^-----BEGIN ENCRYPTED PRIVATE KEY-----\n[\s\S]+-----\n$/);
    expect(shell.stdout).toMatch(/^export UBIQ_CREDENTIALS_USERNAME='ada@example\.com'$/m);
    expect(shell.stderr).toContain('These are secrets');

    const ini = await cli(['credentials', '--allow-http', '--key-size', '2048', '--format', 'ini'], { env });
    expect(ini.code).toBe(0);
    expect(ini.stdout).toMatch(/^\[idp\]\nSERVER=http:\/\/127\.0\.0\.1:\d+\nACCESS_KEY_ID=\S+\nSECRET_SIGNING_KEY=\S+\nSECRET_CRYPTO_ACCESS_KEY=\S+\nPAYLOAD_CERT=\S+\nENCRYPTED_PRIVATE_KEY=\S+\nCREDENTIALS_EXPIRES_AT=\S+\nCREDENTIALS_USERNAME=ada@example\.com\nCREDENTIALS_PROVIDER=okta\n$/m);
    expect(ini.stdout).toMatch(/^# Short-lived Ubiq credentials for ada@example\.com \(okta\), valid until/);
  });
});
