import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { MAX_CONFIG_FILE_BYTES } from '../../src/config/read-file.js';
import { parseCredentialsIni } from '../../src/config/sources/ini.js';
import { CANARY, loadProblems, oktaSeedDialect, tempHomes } from './helpers.js';
import { objectContaining, stringContaining, stringMatching } from '../helpers/matchers.js';

const home = tempHomes();
const fixture = (name: string) => readFile(new URL(`../fixtures/config/${name}`, import.meta.url));

async function withCredentials(credentials: string | Uint8Array) {
  const h = await home({ '.ubiq/configuration': oktaSeedDialect() });
  await h.write('.ubiq/credentials', credentials);
  return h;
}

describe('credentials INI', () => {
  it('reads CRLF line endings and a UTF-8 BOM', async () => {
    const h = await withCredentials(await fixture('credentials-crlf-bom.ini'));
    const config = await loadConfig({ homeDir: h.home, env: {} });
    if (config.kind !== 'idp') throw new Error('expected idp');
    expect(config.user).toMatchObject({ username: 'alice@example.com', password: CANARY.password });
    expect(config.server).toBe('https://api.ubiqsecurity.com');
    expect(config.sources.profilesFound).toEqual(['default']);
  });

  it('keeps dotted section names as profile names', async () => {
    const h = await withCredentials(await fixture('credentials-dotted.ini'));
    const load = (profile: string) => loadConfig({ homeDir: h.home, env: {}, profile });
    await expect(load('team')).resolves.toMatchObject({ server: 'https://team.example.com', user: { username: 'team-user@example.com' } });
    await expect(load('team.prod')).resolves.toMatchObject({ server: 'https://prod.example.com', user: { username: 'prod-user@example.com' } });
    await expect(load('a.b.c')).resolves.toMatchObject({ kind: 'static', keys: { accessKeyId: 'abc-access-key-id' } });
    expect((await load('team')).sources.profilesFound).toEqual(['team', 'team.prod', 'a.b.c']);
  });

  it('rejects __proto__/constructor/prototype as section and key names, and pollutes nothing', async () => {
    const h = await withCredentials(await fixture('credentials-hostile.ini'));
    const list = await loadProblems(h);
    expect(list.map((p) => [p.key ?? '', p.code, p.message.slice(0, 7)])).toEqual([
      ['', 'forbidden_name', 'line 1:'],
      ['', 'forbidden_name', 'line 3:'],
      ['[default] prototype', 'forbidden_name', 'line 6:'],
      ['[default] __proto__', 'forbidden_name', 'line 7:'],
      ['', 'forbidden_name', 'line 10'],
    ]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('IDP_USERNAME');
  });

  it('an empty credentials file means no credentials (config_not_found), with a warning', async () => {
    const h = await withCredentials('');
    const error = await loadConfig({ homeDir: h.home, env: {} }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'config_not_found' });
  });

  it('refuses a file over the size cap before parsing it', async () => {
    const h = await withCredentials(`[default]\nIDP_USERNAME=u\nIDP_PASSWORD=p\n;${'x'.repeat(MAX_CONFIG_FILE_BYTES)}\n`);
    expect(await loadProblems(h)).toEqual([objectContaining({ source: h.path('.ubiq/credentials'), code: 'file_too_large' })]);
  });

  it('explains UTF-16 files and invalid UTF-8', async () => {
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('[default]\nIDP_USERNAME=u\n', 'utf16le')]);
    expect(await loadProblems(await withCredentials(utf16))).toEqual([objectContaining({ code: 'utf16' })]);
    expect(await loadProblems(await withCredentials(Buffer.from([0x5b, 0xc3, 0x28, 0x5d])))).toEqual([objectContaining({ code: 'not_utf8' })]);
  });

  it('a directory where the file should be is a problem, not "not found"', async () => {
    const h = await home({ '.ubiq/configuration': oktaSeedDialect(), '.ubiq/credentials/x': '' });
    expect(await loadProblems(h)).toEqual([objectContaining({ code: 'not_a_file' })]);
  });

  it('refuses ; or # in an unquoted secret (INI would cut the value there) and accepts it quoted or escaped', async () => {
    let h = await withCredentials(`[default]\nIDP_USERNAME=u\nIDP_PASSWORD=${CANARY.password}#tail\n`);
    expect(await loadProblems(h)).toEqual([objectContaining({ key: '[default] IDP_PASSWORD', code: 'ini_inline_comment', message: stringMatching(/^line 3: /) })]);
    h = await withCredentials(`[default]\nIDP_USERNAME=u\nIDP_PASSWORD="${CANARY.password}#tail"\n`);
    await expect(loadConfig({ homeDir: h.home, env: {} })).resolves.toMatchObject({ user: { password: `${CANARY.password}#tail` } });
    h = await withCredentials(`[default]\nIDP_USERNAME=u\nIDP_PASSWORD=${CANARY.password}\\;tail\n`);
    await expect(loadConfig({ homeDir: h.home, env: {} })).resolves.toMatchObject({ user: { password: `${CANARY.password};tail` } });
  });

  it('values are trimmed strings: true/false/null stay text', async () => {
    const h = await withCredentials('[default]\n  IDP_USERNAME =   null  \nIDP_PASSWORD= true\n');
    const config = await loadConfig({ homeDir: h.home, env: {} });
    expect(config).toMatchObject({ user: { username: 'null', password: 'true' } });
  });

  it('keys are case-insensitive; the same key twice with different values is a problem', async () => {
    let h = await withCredentials('[default]\nidp_username=u\nIdp_Password=p\n');
    await expect(loadConfig({ homeDir: h.home, env: {} })).resolves.toMatchObject({ user: { username: 'u', password: 'p' } });
    h = await withCredentials(`[default]\nIDP_USERNAME=u\nIDP_PASSWORD=${CANARY.password}\n[x]\n[default]\nidp_password=other\n`);
    expect(await loadProblems(h)).toEqual([
      objectContaining({ key: '[default] idp_password', code: 'duplicate_key', message: 'line 6: IDP_PASSWORD is given again with a different value (first on line 3); keep one' }),
    ]);
  });

  it('malformed lines are problems with line numbers; keys before any section are a warning', async () => {
    const h = await withCredentials('SERVER=x\n[default\nIDP_USERNAME=u\n[default]\nIDP_USERNAME=u\nIDP_PASSWORD\n=p\n[]\nARR[]=1\nIDP_PASSWORD[]=p\n');
    expect((await loadProblems(h)).map((p) => `${p.code} ${p.message.slice(0, 7)}`)).toEqual([
      'malformed_section line 2:',
      'missing_equals line 6:',
      'missing_key line 7:',
      'empty_section line 8:',
    ]);
    const parsed = parseCredentialsIni('SERVER=x\n[default]\nIDP_PASSWORD[]=p\n', 'f');
    expect(parsed.warnings).toEqual([objectContaining({ code: 'keys_outside_profile' })]);
    expect(parsed.problems).toEqual([objectContaining({ code: 'not_a_string', key: '[default] IDP_PASSWORD[]' })]);
  });

  it('unknown keys in the chosen profile are warnings with a suggestion', async () => {
    const h = await withCredentials('[default]\nIDP_USERNAME=u\nIDP_PASSWORD=p\nUSERNAME=x\nHOST=y\n');
    const config = await loadConfig({ homeDir: h.home, env: {} });
    expect(config.warnings.map((w) => [w.key, w.message])).toEqual([
      ['[default] USERNAME', 'is not a known key; did you mean IDP_USERNAME?'],
      ['[default] HOST', 'is not a known key and is ignored'],
    ]);
  });

  it('a named profile that does not exist never silently becomes [default]', async () => {
    const h = await withCredentials('[default]\nIDP_USERNAME=u\nIDP_PASSWORD=p\n');
    expect(await loadProblems(h, { profile: 'prod' })).toEqual([
      objectContaining({ key: '[prod]', code: 'profile_not_found', message: stringContaining('(profiles: default)') }),
    ]);
    // With the sign-in in the environment, the missing profile is only a warning.
    const config = await loadConfig({ homeDir: h.home, profile: 'prod', env: { UBIQ_IDP_USERNAME: 'e', UBIQ_IDP_PASSWORD: 'f' } });
    expect(config.warnings.map((w) => w.code)).toContain('profile_not_found');
  });

  it('a credentials file in JSON is detected by its content, whatever its name', async () => {
    const h = await withCredentials(JSON.stringify({ default: { IDP_USERNAME: 'json-user', IDP_PASSWORD: CANARY.password, EXTRA: 1 } }));
    const config = await loadConfig({ homeDir: h.home, env: {} });
    expect(config).toMatchObject({ user: { username: 'json-user' } });
    expect(config.sources.files.find((f) => f.found && f.path.endsWith('credentials'))?.format).toBe('json');
    const bad = await withCredentials(JSON.stringify({ default: { IDP_USERNAME: 7, IDP_PASSWORD: 'p' }, other: 'x', __proto__: { a: 1 } }).replace('"other"', '"__proto__":{},"other"'));
    expect((await loadProblems(bad)).map((p) => `${p.key} ${p.code}`).sort()).toEqual(['[default] IDP_USERNAME not_a_string', '__proto__ forbidden_name', 'other not_an_object']);
  });
});
