// parseExportedCredentials(): the public check of the document `ubiq-idp credentials --format json` prints.
import { describe, expect, it } from 'vitest';
import { isExportedCredentialsError, isUbiqIdpError, parseExportedCredentials } from '../../src/index.js';

const CANARY = 'PARSE-canary-secret-4c7e';
const STATIC = { version: 1, kind: 'static', server: 'https://api.example.test', accessKeyId: 'AKID', secretSigningKey: 'SIGN', secretCryptoAccessKey: 'CRYPTO' };

describe('parseExportedCredentials', () => {
  it('returns a valid document as its typed value', async () => {
    const parsed = await parseExportedCredentials(STATIC);
    expect(parsed).toEqual(STATIC);
    expect(parsed.kind).toBe('static');
  });

  it('refuses a wrong document with exported_credentials_invalid, naming the fields and never the values', async () => {
    const error: unknown = await parseExportedCredentials({ ...STATIC, accessKeyId: `A\n${CANARY}`, secretSigningKey: undefined, kind: 'static' }).catch((caught: unknown) => caught);
    expect(isExportedCredentialsError(error) && isUbiqIdpError(error)).toBe(true);
    if (!isExportedCredentialsError(error)) return;
    expect(error.code).toBe('exported_credentials_invalid');
    expect(error.message).toContain('access key id');
    expect(error.message).toContain('secret signing key');
    expect(`${error.message} ${error.hint ?? ''} ${JSON.stringify(error)}`).not.toContain(CANARY);
  });

  it('refuses what is not a document at all', async () => {
    for (const value of [null, 'text', 42, [], { kind: 'other' }]) {
      await expect(parseExportedCredentials(value), JSON.stringify(value)).rejects.toMatchObject({ code: 'exported_credentials_invalid' });
    }
  });
});
