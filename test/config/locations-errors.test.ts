// Where the loader looks, which profile it reads and why, how it reads a file, and how its errors read
// (src/config/paths.ts, profile.ts, read-file.ts, errors.ts) on their own, with exact outcomes.
// Written against the mutation report (`npm run mutate -- --mutate 'src/config/**/*.ts'`).
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, ConfigNotFoundError, isConfigError, isConfigNotFoundError, type ConfigProblem } from '../../src/config/errors.js';
import { resolveLocations } from '../../src/config/paths.js';
import { chooseProfile } from '../../src/config/profile.js';
import { readConfigFile } from '../../src/config/read-file.js';
import { parseCredentialsIni } from '../../src/config/sources/ini.js';
import { tempHomes } from './helpers.js';

const HOME = '/home/alice';
const temp = tempHomes();

describe('resolveLocations', () => {
  it('defaults: [default] and the files in ~/.ubiq, with credentials.json as the fallback', () => {
    expect(resolveLocations({}, {}, HOME)).toEqual({
      profile: { name: 'default', chosenBy: 'default' },
      configuration: { path: join(HOME, '.ubiq', 'configuration'), chosenBy: 'default' },
      credentials: { path: join(HOME, '.ubiq', 'credentials'), chosenBy: 'default' },
      credentialsFallback: join(HOME, '.ubiq', 'credentials.json'),
    });
  });

  it('options before UBIQ_* variables; blank values do not count; names are trimmed', () => {
    const env = { UBIQ_PROFILE: ' ops ', UBIQ_CREDENTIALS_FILE: '/env/credentials', UBIQ_CONFIGURATION_FILE: '/env/configuration' };
    expect(resolveLocations({}, env, HOME)).toEqual({
      profile: { name: 'ops', chosenBy: 'env' },
      configuration: { path: '/env/configuration', chosenBy: 'env' },
      credentials: { path: '/env/credentials', chosenBy: 'env' },
      credentialsFallback: undefined,
    });
    expect(resolveLocations({ profile: ' dev ', credentialsFile: ' /opt/c ', configurationFile: '/opt/conf' }, env, HOME)).toEqual({
      profile: { name: 'dev', chosenBy: 'option' },
      configuration: { path: '/opt/conf', chosenBy: 'option' },
      credentials: { path: '/opt/c', chosenBy: 'option' },
      credentialsFallback: undefined,
    });
    expect(resolveLocations({ profile: '  ', credentialsFile: '', configurationFile: ' ' }, { UBIQ_PROFILE: ' ', UBIQ_CREDENTIALS_FILE: '  ' }, HOME)).toMatchObject({
      profile: { name: 'default', chosenBy: 'default' },
      credentials: { chosenBy: 'default' },
      configuration: { chosenBy: 'default' },
    });
  });

  it('expands ~ and resolves relative paths', () => {
    expect(resolveLocations({ credentialsFile: '~' }, {}, HOME).credentials!.path).toBe(HOME);
    expect(resolveLocations({ credentialsFile: '~/c' }, {}, HOME).credentials!.path).toBe(join(HOME, 'c'));
    expect(resolveLocations({ credentialsFile: '~\\c' }, {}, HOME).credentials!.path).toBe(join(HOME, '\\c'));
    expect(resolveLocations({ credentialsFile: '~c' }, {}, HOME).credentials!.path).toBe(resolve('~c'));
    expect(resolveLocations({ credentialsFile: 'rel/c' }, {}, HOME).credentials!.path).toBe(resolve('rel/c'));
    expect(resolveLocations({}, { UBIQ_CONFIGURATION_FILE: '~/conf' }, HOME).configuration!.path).toBe(join(HOME, 'conf'));
    // No home directory: ~ is not expanded, and nothing is looked for by default.
    expect(resolveLocations({ credentialsFile: '~/c' }, {}, '').credentials!.path).toBe(resolve('~/c'));
    expect(resolveLocations({}, {}, '')).toEqual({ profile: { name: 'default', chosenBy: 'default' }, configuration: undefined, credentials: undefined, credentialsFallback: undefined });
  });
});

describe('chooseProfile', () => {
  const profiles = (text: string) => parseCredentialsIni(text, '/c');
  const none = { name: 'default', chosenBy: 'default' } as const;
  it('a named profile is used as named, saying by what', () => {
    expect(chooseProfile({ name: 'x', chosenBy: 'option' }, profiles('[idp]\nIDP_USERNAME=a\n'))).toEqual({ name: 'x', chosenBy: 'option', reason: 'named by the profile option (--profile)' });
    expect(chooseProfile({ name: 'x', chosenBy: 'env' }, undefined)).toEqual({ name: 'x', chosenBy: 'env', reason: 'named by UBIQ_PROFILE' });
  });

  it('none named: [default] with credentials, else [idp] with IDP_USERNAME, else [default]', () => {
    expect(chooseProfile(none, undefined)).toEqual({ ...none, reason: 'no profile named and no credentials file read: [default]' });
    expect(chooseProfile(none, profiles('[default]\nACCESS_KEY_ID=k\n[idp]\nIDP_USERNAME=a\n'))).toEqual({ ...none, reason: 'no profile named; [default] holds credentials' });
    expect(chooseProfile(none, profiles('[default]\nIDP_PASSWORD=p\n[idp]\nIDP_USERNAME=a\n'))).toEqual({ ...none, reason: 'no profile named; [default] holds credentials' });
    expect(chooseProfile(none, profiles('[default]\nSERVER=x\nIDP_USERNAME= \n[idp]\nIDP_USERNAME=a\n'))).toEqual({
      name: 'idp',
      chosenBy: 'detected',
      reason: 'no profile named; [default] holds no credentials and [idp] holds IDP_USERNAME (the profile the setup documents write)',
    });
    expect(chooseProfile(none, profiles('[idp]\nIDP_USERNAME=a\n'))).toEqual({
      name: 'idp',
      chosenBy: 'detected',
      reason: 'no profile named; [default] does not exist and [idp] holds IDP_USERNAME (the profile the setup documents write)',
    });
    expect(chooseProfile(none, profiles('[idp]\nIDP_PASSWORD=p\n'))).toEqual({ ...none, reason: 'no profile named; neither [default] nor [idp] holds credentials' });
    expect(chooseProfile(none, profiles(''))).toEqual({ ...none, reason: 'no profile named; neither [default] nor [idp] holds credentials' });
  });
});

describe('readConfigFile', () => {
  it('missing files and paths through a file are missing', async () => {
    const h = await temp({ file: 'x' });
    expect(await readConfigFile(h.path('nope'))).toEqual({ status: 'missing' });
    expect(await readConfigFile(h.path('file/below'))).toEqual({ status: 'missing' });
  });

  it('reads UTF-8 (dropping a BOM) with the file mode', async () => {
    const h = await temp();
    const path = await h.write('c', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('[default]\n')]), 0o640);
    const read = await readConfigFile(path);
    expect(read).toMatchObject({ status: 'ok', text: '[default]\n' });
    expect((read as { mode: number }).mode & 0o777).toBe(0o640);
    expect(await readConfigFile(await h.write('e', ''))).toMatchObject({ status: 'ok', text: '' });
  });

  it('refuses UTF-16 (either byte order) and invalid UTF-8', async () => {
    const h = await temp();
    const utf16 = { status: 'error', code: 'utf16', message: 'is saved as UTF-16; save it as UTF-8' };
    expect(await readConfigFile(await h.write('le', Buffer.from([0xff, 0xfe, 0x5b, 0x00])))).toEqual(utf16);
    expect(await readConfigFile(await h.write('be', Buffer.from([0xfe, 0xff, 0x00, 0x5b])))).toEqual(utf16);
    expect(await readConfigFile(await h.write('ff', Buffer.from([0xff, 0x41])))).toEqual({ status: 'error', code: 'not_utf8', message: 'is not UTF-8 text' });
    expect(await readConfigFile(await h.write('fe', Buffer.from([0x41, 0xfe, 0xff])))).toEqual({ status: 'error', code: 'not_utf8', message: 'is not UTF-8 text' });
  });

  it('refuses a file over the cap, and reads one exactly at it', async () => {
    const h = await temp();
    const path = await h.write('big', 'x'.repeat(11));
    expect(await readConfigFile(path, 10)).toEqual({ status: 'error', code: 'file_too_large', message: 'is 11 bytes; refusing to read a configuration file over 10 bytes' });
    expect(await readConfigFile(path, 11)).toMatchObject({ status: 'ok', text: 'x'.repeat(11) });
  });

  it('a directory is named as such', async () => {
    const h = await temp({ 'dir/x': 'x' });
    expect(await readConfigFile(h.path('dir'))).toEqual({ status: 'error', code: 'not_a_file', message: 'is a directory, not a regular file; point the setting at the file itself' });
  });
});

describe('ConfigError and ConfigNotFoundError', () => {
  const problem = (n: number, key?: string): ConfigProblem => ({ source: `/c${n}`, ...(key === undefined ? {} : { key }), code: 'x', message: `bad ${n}` });

  it('one problem, several, with and without key; the setup-document hint by default', () => {
    const one = new ConfigError([problem(1, 'idp.type')]);
    expect(one.message).toBe('Invalid Ubiq configuration (1 problem):\n  - /c1 idp.type: bad 1');
    expect(one).toMatchObject({ code: 'config_invalid', name: 'ConfigError', problems: [problem(1, 'idp.type')] });
    expect(one.hint).toBe(
      "Compare your files with the setup documents: the idp block is the step 'Ubiq configuration file settings for the IDP', the credentials profile the step 'Ubiq Credential settings' (Okta IDP Integration).",
    );
    const two = new ConfigError([problem(1), problem(2, 'K')], { hint: 'Fix it.' });
    expect(two.message).toBe('Invalid Ubiq configuration (2 problems):\n  - /c1: bad 1\n  - /c2 K: bad 2');
    expect(two.hint).toBe('Fix it.');
    expect(isConfigError(two)).toBe(true);
    expect(isConfigNotFoundError(two)).toBe(false);
  });

  it('lists the first 50 problems and counts the rest', () => {
    const fifty = new ConfigError(Array.from({ length: 50 }, (_, i) => problem(i)));
    expect(fifty.message.split('\n')).toHaveLength(51);
    expect(fifty.message).not.toContain('more');
    const many = new ConfigError(Array.from({ length: 53 }, (_, i) => problem(i)));
    const lines = many.message.split('\n');
    expect(lines).toHaveLength(52);
    expect(lines[50]).toBe('  - /c49: bad 49');
    expect(lines[51]).toBe('  - … and 3 more (see .problems)');
    expect(many.problems).toHaveLength(53);
  });

  it('not found: where it looked, and how to create the credentials', () => {
    const error = new ConfigNotFoundError('No Ubiq credentials found.', ['/home/a/.ubiq/credentials (not found)', 'UBIQ_IDP_USERNAME']);
    expect(error.message).toBe('No Ubiq credentials found.\nLooked at:\n  - /home/a/.ubiq/credentials (not found)\n  - UBIQ_IDP_USERNAME');
    expect(error).toMatchObject({ code: 'config_not_found', name: 'ConfigNotFoundError', lookedAt: ['/home/a/.ubiq/credentials (not found)', 'UBIQ_IDP_USERNAME'] });
    expect(error.hint).toBe(
      "Create ~/.ubiq/credentials with a profile holding IDP_USERNAME and IDP_PASSWORD (setup step 'Ubiq Credential settings'), or set UBIQ_IDP_USERNAME and UBIQ_IDP_PASSWORD.",
    );
    expect(new ConfigNotFoundError('x', [], { hint: 'Other.' }).hint).toBe('Other.');
    expect(isConfigNotFoundError(error)).toBe(true);
    expect(isConfigError(error)).toBe(false);
  });
});
