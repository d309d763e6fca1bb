// The export formats: every value validated, escaped for its format, and refused when it cannot be written safely.
import { execFile } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { formatCredentials, shellQuote, type Format } from '../../src/cli/credentials-format.js';
import { parseCredentialsIni } from '../../src/config/sources/ini.js';
import { readEnv } from '../../src/config/sources/env.js';
import { isExportedCredentialsError } from '../../src/credentials/exported-errors.js';
import { createUbiqIdpCredentials, type UbiqIdpCredentials } from '../../src/credentials/ubiq-credentials.js';

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 1024 });
const encryptedPrivateKey = privateKey.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'crypto-access-key' }) as string;

function credentials(overrides: Partial<UbiqIdpCredentials> = {}): UbiqIdpCredentials {
  return createUbiqIdpCredentials({
    server: 'https://api.example.test',
    accessKeyId: 'AKID+abc/def==',
    secretSigningKey: 'SIGNING-canary-5e1c',
    secretCryptoAccessKey: 'CRYPTO-canary-77aa',
    encryptedPrivateKey,
    privateKey,
    certificate: '-----BEGIN CERTIFICATE-----\nAA==\n-----END CERTIFICATE-----\n',
    payloadCert: Buffer.from('cert').toString('base64'),
    issuedAt: new Date('2030-01-01T00:00:00Z'),
    expiresAt: new Date('2030-01-01T01:00:00Z'),
    provider: 'okta',
    username: 'ada@example.com',
    profile: 'idp',
    ...overrides,
  });
}

const FORMATS: Format[] = ['json', 'env', 'ini'];

describe('formatCredentials', () => {
  it('json carries every field the readers need, the private key as PEM', () => {
    const document = JSON.parse(formatCredentials(credentials(), 'json', 'idp')) as Record<string, unknown>;
    expect(document).toMatchObject({ version: 1, kind: 'idp', accessKeyId: 'AKID+abc/def==', encryptedPrivateKey, expiresAt: '2030-01-01T01:00:00.000Z', username: 'ada@example.com', provider: 'okta' });
  });

  it('env and ini read back (readEnv / the INI reader) as exactly the values, the PEM as one base64 line', () => {
    const env = formatCredentials(credentials(), 'env', 'idp');
    const vars = Object.fromEntries([...env.matchAll(/^export (\w+)='([^']*)'$/gm)].map((m): [string, string] => [m[1] ?? '', m[2] ?? '']));
    const read = readEnv(vars).values;
    expect(read.get('keys.accessKeyId')?.value).toBe('AKID+abc/def==');
    expect(Buffer.from(String(read.get('issued.encryptedPrivateKey')?.value), 'base64').toString()).toBe(encryptedPrivateKey);
    expect(read.get('issued.expiresAt')?.value).toBe('2030-01-01T01:00:00.000Z');
    const ini = parseCredentialsIni(formatCredentials(credentials(), 'ini', 'idp'), 'test');
    expect(ini.problems).toEqual([]);
    expect([...ini.sections.keys()]).toEqual(['idp']);
    expect(ini.sections.get('idp')?.get('CREDENTIALS_USERNAME')?.value).toBe('ada@example.com');
    expect(ini.sections.get('idp')?.get('PAYLOAD_CERT')?.value).toBe(Buffer.from('cert').toString('base64'));
  });

  it.each([
    ['a line break', 'AKID\n[default]\nSERVER=https://evil.test'],
    ['a section bracket', 'AKID[x]'],
    ['a quote', "AKID'; rm -rf ~; '"],
    ['an INI comment', 'AKID;comment'],
    ['a space', 'AKID X'],
  ])('refuses a server-chosen public_value with %s in every format, naming the field and not the value', (_what, accessKeyId) => {
    for (const format of FORMATS) {
      let caught: unknown;
      try {
        formatCredentials(credentials({ accessKeyId }), format, 'idp');
      } catch (error) {
        caught = error;
      }
      expect(isExportedCredentialsError(caught), format).toBe(true);
      const error = caught as Error & { code: string };
      expect(error.code).toBe('unsafe_credentials_value');
      expect(error.message).toContain("access key id (the server's public_value)");
      expect(error.message).not.toContain(accessKeyId);
      expect(JSON.stringify(error)).not.toContain('canary');
    }
  });

  it('refuses a username with a newline and an INI profile name that is not plain', () => {
    expect(() => formatCredentials(credentials({ username: 'ada\n[default]' }), 'env', 'idp')).toThrow(/username/);
    expect(() => formatCredentials(credentials(), 'ini', 'idp]\n[default')).toThrow(/profile/);
  });
});

describe('shellQuote', () => {
  it('round-trips awkward strings through a real bash eval', async () => {
    const values = ["it's", 'a"b', '$(touch /tmp/x)`id`', 'line1\nline2', '\\n \t', "''", ''];
    const script = values.map((value, i) => `V${i}=${shellQuote(value)}; printf '%s\\0' "$V${i}"`).join('\n');
    const { stdout } = await promisify(execFile)('bash', ['-c', script]);
    expect(stdout.split('\0').slice(0, -1)).toEqual(values);
  });
});
