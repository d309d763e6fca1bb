// The JSON readers and the file reader on their own (src/config/sources/json.ts, src/config/read-sources.ts):
// exact problems and warnings, the keys they name, what is kept and what is marked as already reported.
// Written against the mutation report (`npm run mutate -- --mutate 'src/config/**/*.ts'`).
import { describe, expect, it } from 'vitest';
import { readFiles } from '../../src/config/read-sources.js';
import { isJsonObject, parseCredentialsJson, parseJsonText, readConfiguration } from '../../src/config/sources/json.js';
import type { ConfigProblem } from '../../src/config/errors.js';
import type { ConfigWarning } from '../../src/config/types.js';
import { tempHomes } from './helpers.js';

const temp = tempHomes();
const IDP_NAMES = ['idp.provider', 'idp.customerId', 'idp.tokenEndpointUrl', 'idp.clientId', 'idp.clientSecret', 'idp.scope', 'idp.grant', 'idp.redirectPort'];

describe('parseJsonText', () => {
  it('parses, dropping a BOM', () => {
    expect(parseJsonText('\uFEFF{"a": 1}', '/f')).toEqual({ value: { a: 1 }, problems: [] });
  });

  it('a syntax error says where; repairs are listed and the repaired value is still checked', () => {
    expect(parseJsonText('{"a": 1 "b": 2}', '/f')).toEqual({ value: undefined, problems: [{ source: '/f', code: 'invalid_json', message: 'is not valid JSON at line 1, column 9' }] });
    // V8's 'Unexpected token' message quotes the text (it may hold a secret) and has no position: nothing is added.
    expect(parseJsonText('{"a": x}', '/f').problems).toEqual([{ source: '/f', code: 'invalid_json', message: 'is not valid JSON' }]);
    expect(parseJsonText('{"a": 1,}', '/f')).toEqual({
      value: { a: 1 },
      problems: [{ source: '/f', code: 'trailing_comma', message: 'line 1: a comma before a closing bracket is not allowed in JSON; remove it' }],
    });
    expect(parseJsonText('{"a": x,}', '/f').problems).toEqual([
      { source: '/f', code: 'trailing_comma', message: 'line 1: a comma before a closing bracket is not allowed in JSON; remove it' },
      { source: '/f', code: 'invalid_json', message: 'even with the fixes above, the file is not valid JSON' },
    ]);
  });

  it('removes reserved keys at any depth, naming their path', () => {
    const text = '{"a": {"b": [{"constructor": 1}], "__proto__": 2, "ok": {"Prototype": 3}}, "prototype": 4}';
    const { value, problems } = parseJsonText(text, '/f');
    expect(value).toEqual({ a: { b: [{}], ok: {} } });
    expect(problems.map((p) => p.key).sort()).toEqual(['a.__proto__', 'a.b[0].constructor', 'a.ok.Prototype', 'prototype']);
    expect(problems[0]).toMatchObject({ source: '/f', code: 'forbidden_name', message: 'key name is not allowed (reserved JavaScript property name)' });
    const long = parseJsonText(`{"${'k'.repeat(300)}": {"__proto__": 1}}`, '/f');
    expect(long.problems[0]!.key).toHaveLength(200);
    expect(parseJsonText('["__proto__", {"x": ["constructor"]}]', '/f').problems).toEqual([]);
  });

  it('isJsonObject: objects only', () => {
    expect([{}, [], null, 'x', 1].map(isJsonObject)).toEqual([true, false, false, false, false]);
  });
});

describe('readConfiguration', () => {
  it('an empty or blank file is a warning', () => {
    for (const text of ['', '\uFEFF  \n']) {
      expect(readConfiguration(text, '/conf')).toMatchObject({ warnings: [{ source: '/conf', code: 'empty_file', message: 'is empty' }], problems: [], hasIdpBlock: false });
      expect(readConfiguration(text, '/conf').reported.size).toBe(0);
    }
  });

  it('a file that is not JSON, or not an object, marks every idp field as reported', () => {
    const broken = readConfiguration('{', '/conf');
    expect([...broken.reported]).toEqual(IDP_NAMES);
    const list = readConfiguration('[1]', '/conf');
    expect(list.problems).toEqual([{ source: '/conf', code: 'not_an_object', message: 'must be a JSON object ({ "idp": { … } })' }]);
    expect([...list.reported]).toEqual(IDP_NAMES);
    const idp = readConfiguration('{"idp": "okta"}', '/conf');
    expect(idp.problems).toEqual([{ source: '/conf', key: 'idp', code: 'not_an_object', message: 'must be an object { "type": …, "customer_id": …, … }' }]);
    expect([...idp.reported]).toEqual(IDP_NAMES);
    expect(idp.hasIdpBlock).toBe(false);
  });

  it('keeps the other blocks, warns about an "IDP" block, and has no idp block without one', () => {
    const read = readConfiguration('{"crypto": {"a": 1}, "IDP": {}}', '/conf');
    expect(read.otherBlocks).toEqual({ crypto: { a: 1 }, IDP: {} });
    expect(read.warnings).toEqual([{ source: '/conf', key: 'IDP', code: 'unknown_key', message: 'is not read as the idp block; the name is lower-case "idp"' }]);
    expect(read.hasIdpBlock).toBe(false);
    expect(read.reported.size).toBe(0);
  });

  it('reads either name of a field, naming the key it came from', () => {
    const read = readConfiguration('{"idp": {"type": "okta", "idp_scope": "openid", "client_id": "c"}, "x": 1}', '/conf');
    expect(read.hasIdpBlock).toBe(true);
    expect(read.otherBlocks).toEqual({ x: 1 });
    expect([...read.idp]).toEqual([
      ['idp.provider', { value: 'okta', where: { origin: 'configuration', source: '/conf', key: 'idp.type' } }],
      ['idp.clientId', { value: 'c', where: { origin: 'configuration', source: '/conf', key: 'idp.client_id' } }],
      ['idp.scope', { value: 'openid', where: { origin: 'configuration', source: '/conf', key: 'idp.idp_scope' } }],
    ]);
    expect(read.warnings).toEqual([]);
  });

  it('several names of one field with different values: one problem naming all of them', () => {
    const read = readConfiguration('{"idp": {"tenant_id": "a", "idp_tenant_id": "a", "client_id": "b"}}', '/conf');
    expect(read.problems).toEqual([
      {
        source: '/conf',
        key: 'idp.tenant_id',
        code: 'conflicting_keys',
        message: '"tenant_id", "idp_tenant_id" and "client_id" are given, with different values (these names mean the same setting); keep one',
      },
    ]);
    expect([...read.reported]).toEqual(['idp.clientId']);
    expect(read.idp.has('idp.clientId')).toBe(false);
    const two = readConfiguration('{"idp": {"scope": "a", "idp_scope": "b"}}', '/conf');
    expect(two.problems[0]!.message).toBe('"scope" and "idp_scope" are given, with different values (these names mean the same setting); keep one');
    expect(readConfiguration('{"idp": {"scope": "a", "idp_scope": "a"}}', '/conf').idp.get('idp.scope')!.value).toBe('a');
  });

  it('unknown idp keys: a warning, with a suggestion when one is close', () => {
    const read = readConfiguration('{"idp": {"client_secert": "s", "colour": "blue"}}', '/conf');
    expect(read.warnings).toEqual([
      { source: '/conf', key: 'idp.client_secert', code: 'unknown_key', message: 'is not a known idp setting; did you mean "client_secret"?' },
      { source: '/conf', key: 'idp.colour', code: 'unknown_key', message: 'is not a known idp setting and is ignored' },
    ]);
    expect(read.misspelled).toEqual([{ key: 'client_secert', meant: 'client_secret' }]);
  });
});

describe('parseCredentialsJson', () => {
  it('profiles of KEY: "value"; known keys case-insensitive and trimmed; others kept as text', () => {
    const parsed = parseCredentialsJson('{"default": {"idp_username": " a ", "EXTRA": {"n": 1}, "NOTE": "x", "NIL": null}}', '/c.json');
    expect(parsed.format).toBe('json');
    expect(parsed.problems).toEqual([]);
    expect([...parsed.sections.get('default')!]).toEqual([
      ['IDP_USERNAME', { value: 'a', key: 'idp_username' }],
      ['EXTRA', { value: '{"n":1}', key: 'EXTRA' }],
      ['NOTE', { value: 'x', key: 'NOTE' }],
      ['NIL', { value: 'null', key: 'NIL' }],
    ]);
  });

  it('problems: not an object, a profile that is not one, a known key that is not a string, the same key twice', () => {
    expect(parseCredentialsJson('[]', '/c').problems).toEqual([{ source: '/c', code: 'not_an_object', message: 'must be a JSON object of profiles ({ "default": { "SERVER": … } })' }]);
    expect(parseCredentialsJson('{', '/c').problems.map((p) => p.code)).toEqual(['invalid_json']);
    const parsed = parseCredentialsJson('{"a": [], "b": {"IDP_PASSWORD": 5, "IDP_USERNAME": "x", "Idp_Username": "y"}}', '/c');
    expect(parsed.problems).toEqual([
      { source: '/c', key: 'a', code: 'not_an_object', message: 'a profile must be an object of KEY: "value" pairs' },
      { source: '/c', key: '[b] IDP_PASSWORD', code: 'not_a_string', message: 'must be a string' },
      { source: '/c', key: '[b] Idp_Username', code: 'duplicate_key', message: 'IDP_USERNAME is given twice (in different letter case); keep one' },
    ]);
    expect([...parsed.reported]).toEqual(['b\nIDP_PASSWORD']);
    expect([...parsed.sections.keys()]).toEqual(['b']);
    expect(parsed.sections.get('b')!.get('IDP_USERNAME')!.value).toBe('x');
  });
});

describe('readFiles', () => {
  const run = async (locations: Parameters<typeof readFiles>[0], strict = false) => {
    const problems: ConfigProblem[] = [];
    const warnings: ConfigWarning[] = [];
    const out = await readFiles(locations, strict, problems, warnings);
    return { out, problems, warnings };
  };
  const profile = { name: 'default', chosenBy: 'default' } as const;

  it('files named by option or variable that do not exist are warnings; default ones are looked at quietly', async () => {
    const h = await temp();
    const { out, problems, warnings } = await run({
      profile,
      configuration: { path: h.path('conf'), chosenBy: 'env' },
      credentials: { path: h.path('cred'), chosenBy: 'option' },
      credentialsFallback: undefined,
    });
    expect(problems).toEqual([]);
    expect(warnings).toEqual([
      { source: h.path('conf'), code: 'file_not_found', message: 'was named by an environment variable but does not exist' },
      { source: h.path('cred'), code: 'file_not_found', message: 'was named by an option but does not exist' },
    ]);
    expect(out.lookedAt).toEqual([`${h.path('cred')} (not found)`]);
    expect(out.files).toEqual([
      { path: h.path('conf'), chosenBy: 'env', found: false },
      { path: h.path('cred'), chosenBy: 'option', found: false },
    ]);
    const quiet = await run({ profile, configuration: { path: h.path('conf'), chosenBy: 'default' }, credentials: { path: h.path('cred'), chosenBy: 'default' }, credentialsFallback: h.path('cred.json') });
    expect(quiet.warnings).toEqual([]);
    expect(quiet.out.lookedAt).toEqual([`${h.path('cred')} (not found)`, `${h.path('cred.json')} (not found)`]);
    expect(quiet.out.files.map((f) => f.chosenBy)).toEqual(['default', 'default', 'fallback']);
    expect(quiet.out.credentials).toBeUndefined();
    expect(quiet.out.credentialsPath).toBeUndefined();
  });

  it('reads the fallback credentials.json as JSON, and a credentials file starting with { as JSON too', async () => {
    const h = await temp({ 'cred.json': '{"default": {"IDP_USERNAME": "a"}}', cred2: '\uFEFF  {"default": {"IDP_USERNAME": "b"}}', cred3: '[default]\nIDP_USERNAME=c\n' });
    const fallback = await run({ profile, configuration: undefined, credentials: { path: h.path('nope'), chosenBy: 'default' }, credentialsFallback: h.path('cred.json') });
    expect(fallback.out.files).toEqual([
      { path: h.path('nope'), chosenBy: 'default', found: false },
      { path: h.path('cred.json'), chosenBy: 'fallback', found: true, format: 'json' },
    ]);
    expect(fallback.out.credentialsPath).toBe(h.path('cred.json'));
    expect(fallback.out.credentials!.sections.get('default')!.get('IDP_USERNAME')!.value).toBe('a');
    const byContent = await run({ profile, configuration: undefined, credentials: { path: h.path('cred2'), chosenBy: 'option' }, credentialsFallback: undefined });
    expect(byContent.out.files[0]).toMatchObject({ format: 'json', found: true });
    expect(byContent.out.credentials!.sections.get('default')!.get('IDP_USERNAME')!.value).toBe('b');
    const ini = await run({ profile, configuration: undefined, credentials: { path: h.path('cred3'), chosenBy: 'option' }, credentialsFallback: h.path('cred.json') });
    expect(ini.out.files).toEqual([{ path: h.path('cred3'), chosenBy: 'option', found: true, format: 'ini' }]);
    expect(ini.out.credentials!.format).toBe('ini');
  });

  it('an unreadable file is a problem and stops the search; an empty one is a warning', async () => {
    const h = await temp({ 'dir/x': '', empty: '  \n', 'cred.json': '{"default": {}}' });
    const dir = await run({ profile, configuration: { path: h.path('dir'), chosenBy: 'default' }, credentials: { path: h.path('dir'), chosenBy: 'default' }, credentialsFallback: h.path('cred.json') });
    expect(dir.problems.map((p) => [p.source, p.code])).toEqual([
      [h.path('dir'), 'not_a_file'],
      [h.path('dir'), 'not_a_file'],
    ]);
    expect(dir.out.configurationUnreadable).toBe(true);
    expect(dir.out.credentialsPath).toBe(h.path('dir'));
    expect(dir.out.credentials).toBeUndefined();
    expect(dir.out.files.map((f) => f.found)).toEqual([true, true]);
    const empty = await run({ profile, configuration: undefined, credentials: { path: h.path('empty'), chosenBy: 'default' }, credentialsFallback: undefined });
    expect(empty.warnings).toEqual([{ source: h.path('empty'), code: 'empty_file', message: 'is empty' }]);
    expect(empty.out.configurationUnreadable).toBe(false);
  });

  it('permissions: a warning (an error when strict) naming the mode and the chmod; a configuration without a secret is not checked', async () => {
    const h = await temp();
    const cred = await h.write('cred', '[default]\nIDP_USERNAME=a\n', 0o640);
    const conf = await h.write('conf', '{"idp": {"client_secret": "s"}}', 0o604);
    const plain = await h.write('plain', '{"idp": {"type": "okta"}}', 0o644);
    const message = (path: string, mode: string) => `holds secrets but is readable or writable by group or others (mode ${mode}); run: chmod 600 '${path}'`;
    const loose = await run({ profile, configuration: { path: conf, chosenBy: 'option' }, credentials: { path: cred, chosenBy: 'option' }, credentialsFallback: undefined });
    expect(loose.problems).toEqual([]);
    expect(loose.warnings).toEqual([
      { source: conf, code: 'file_permissions', message: message(conf, '604') },
      { source: cred, code: 'file_permissions', message: message(cred, '640') },
    ]);
    const strict = await run({ profile, configuration: { path: conf, chosenBy: 'option' }, credentials: undefined, credentialsFallback: undefined }, true);
    expect(strict.problems).toEqual([{ source: conf, code: 'file_permissions', message: message(conf, '604') }]);
    expect(strict.warnings).toEqual([]);
    const noSecret = await run({ profile, configuration: { path: plain, chosenBy: 'option' }, credentials: undefined, credentialsFallback: undefined }, true);
    expect(noSecret.problems).toEqual([]);
    expect(noSecret.out.configuration!.hasIdpBlock).toBe(true);
    expect(noSecret.out.files).toEqual([{ path: plain, chosenBy: 'option', found: true, format: 'json' }]);
    const tight = await h.write('tight', '[default]\n', 0o400);
    expect((await run({ profile, configuration: undefined, credentials: { path: tight, chosenBy: 'option' }, credentialsFallback: undefined }, true)).problems).toEqual([]);
    const o010 = await h.write('o010', '[default]\n', 0o610);
    expect((await run({ profile, configuration: undefined, credentials: { path: o010, chosenBy: 'option' }, credentialsFallback: undefined }, true)).problems[0]!.message).toBe(message(o010, '610'));
  });
});
