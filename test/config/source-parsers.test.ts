// The source readers on their own (src/config/sources/ini.ts, env.ts, json-syntax.ts): exact problems,
// line numbers, keys named and what is kept. Written against the mutation report
// (`npm run mutate -- --mutate 'src/config/**/*.ts'`).
import { describe, expect, it } from 'vitest';
import { readEnv } from '../../src/config/sources/env.js';
import { parseCredentialsIni } from '../../src/config/sources/ini.js';
import { diagnoseJson, syntaxErrorLocation } from '../../src/config/sources/json-syntax.js';

const ini = (text: string) => parseCredentialsIni(text, '/c');
const entries = (text: string, section = 'default') => Object.fromEntries([...(ini(text).sections.get(section) ?? new Map<string, { value: string }>())].map(([k, e]) => [k, e.value]));

describe('parseCredentialsIni', () => {
  it('skips comments and blank lines, trims, keeps the key as written and its line', () => {
    const parsed = ini('; comment\n# other\n\n  [ default ]  ; note\n  Idp_Username =  alice  \n');
    expect(parsed.problems).toEqual([]);
    expect(parsed.warnings).toEqual([]);
    expect(parsed.format).toBe('ini');
    expect([...parsed.sections.get('default')!]).toEqual([['IDP_USERNAME', { value: 'alice', key: 'Idp_Username', line: 5 }]]);
  });

  it('counts lines over CR, LF and CRLF alike', () => {
    expect(ini('[a]\r\n\rX\n').problems).toEqual([{ source: '/c', key: '[a]', code: 'missing_equals', message: "line 3: expected KEY=value but there is no '='" }]);
  });

  it('section headers: empty, reserved, malformed; the lines under a refused header are skipped', () => {
    const parsed = ini('[ ]\nIDP_USERNAME=a\n[team.__proto__]\nIDP_USERNAME=b\n[ok\nIDP_USERNAME=c\n[ok]\nIDP_USERNAME=d\n');
    expect(parsed.problems).toEqual([
      { source: '/c', code: 'empty_section', message: 'line 1: section name is empty' },
      { source: '/c', code: 'forbidden_name', message: "line 3: section name 'team.__proto__' is not allowed (reserved JavaScript property name)" },
      { source: '/c', code: 'malformed_section', message: "line 5: looks like a section header but is not '[name]'" },
    ]);
    expect(parsed.warnings).toEqual([]);
    expect([...parsed.sections.keys()]).toEqual(['ok']);
    expect(entries('[ok]\nIDP_USERNAME=d\n', 'ok')).toEqual({ IDP_USERNAME: 'd' });
  });

  it('a section given twice adds to the same profile', () => {
    expect(entries('[default]\nIDP_USERNAME=a\n[x]\n[default]\nIDP_PASSWORD=p\n')).toEqual({ IDP_USERNAME: 'a', IDP_PASSWORD: 'p' });
  });

  it('keys before the first profile: one warning, with the first line', () => {
    const parsed = ini('\nSERVER=x\nOTHER=y\n[default]\n');
    expect(parsed.warnings).toEqual([{ source: '/c', code: 'keys_outside_profile', message: 'line 2: keys before the first [profile] line are ignored' }]);
    expect(parsed.problems).toEqual([]);
  });

  it('bad entries name the profile and the key, never the value, and are remembered as reported', () => {
    const parsed = ini(`[p]\nNOEQUALS\n= v\n${'K'.repeat(70)}=[1\nconstructor=x\n"__proto__"=x\nIDP_PASSWORD[]=x\nOTHER[]=x\n`);
    expect(parsed.problems).toEqual([
      { source: '/c', key: '[p]', code: 'missing_equals', message: "line 2: expected KEY=value but there is no '='" },
      { source: '/c', key: '[p]', code: 'missing_key', message: "line 3: nothing before '='" },
      { source: '/c', key: '[p] constructor', code: 'forbidden_name', message: 'line 5: key name is not allowed (reserved JavaScript property name)' },
      { source: '/c', key: '[p] "__proto__"', code: 'forbidden_name', message: 'line 6: key name is not allowed (reserved JavaScript property name)' },
      { source: '/c', key: '[p] IDP_PASSWORD[]', code: 'not_a_string', message: 'line 7: must be a single value (remove the [] after the key)' },
    ]);
    expect([...parsed.reported].sort()).toEqual(['p\n', 'p\n"__PROTO__"', 'p\nCONSTRUCTOR', 'p\nIDP_PASSWORD', 'p\nNOEQUALS'].sort());
    expect(parsed.sections.get('p')!.has('OTHER')).toBe(false);
  });

  it('shortens a key over 64 characters in the message', () => {
    const at64 = 'K'.repeat(64);
    const at65 = 'K'.repeat(65);
    expect(ini(`[p]\n${at64}=a\n${at64}=b\n`).problems.map((p) => p.key)).toEqual([`[p] ${at64}`]);
    expect(ini(`[p]\n${at65}=a\n${at65}=b\n`).problems.map((p) => p.key)).toEqual([`[p] ${at64}…`]);
  });

  it('; or # in an unquoted known value is refused; quoted, escaped or in unknown keys it is not', () => {
    const message =
      "line 2: the value contains ';' or '#', which starts a comment in INI files, so the rest of the value would be lost; put the value in double quotes or write \\; and \\#";
    expect(ini('[p]\nIDP_PASSWORD=ab;cd\n').problems).toEqual([{ source: '/c', key: '[p] IDP_PASSWORD', code: 'ini_inline_comment', message }]);
    expect(ini('[p]\nIDP_PASSWORD=#cd\n').problems[0]!.code).toBe('ini_inline_comment');
    expect(entries('[p]\nIDP_PASSWORD="ab;cd"\n', 'p')).toEqual({ IDP_PASSWORD: 'ab;cd' });
    expect(entries("[p]\nIDP_PASSWORD='ab#cd'\n", 'p')).toEqual({ IDP_PASSWORD: 'ab#cd' });
    expect(entries('[p]\nIDP_PASSWORD=ab\\;cd\n', 'p')).toEqual({ IDP_PASSWORD: 'ab;cd' });
    expect(ini('[p]\nIDP_PASSWORD="ab;cd\n').problems[0]!.code).toBe('ini_inline_comment');
    expect(ini('[p]\nIDP_PASSWORD="\n').problems).toEqual([]);
    expect(ini('[p]\nUNKNOWN=ab;cd\n').problems).toEqual([]);
  });

  it('the same key twice: the same value is fine, another is a problem naming both lines', () => {
    expect(ini('[p]\nIDP_USERNAME=a\nidp_username=a\n').problems).toEqual([]);
    expect(ini('[p]\nIDP_USERNAME=a\n\nidp_username=b\n').problems).toEqual([
      { source: '/c', key: '[p] idp_username', code: 'duplicate_key', message: 'line 4: IDP_USERNAME is given again with a different value (first on line 2); keep one' },
    ]);
    expect(entries('[p]\nIDP_USERNAME=a\nidp_username=b\n', 'p')).toEqual({ IDP_USERNAME: 'a' });
  });
});

describe('readEnv', () => {
  it('reads the UBIQ_* variables, trimmed, with a warning per trimmed one; empty counts as unset', () => {
    const { values, warnings } = readEnv({ UBIQ_SERVER: ' https://x \n', UBIQ_IDP_USERNAME: 'alice', UBIQ_IDP_PASSWORD: '   ', UBIQ_ACCESS_KEY_ID: '', OTHER: 'x' });
    expect([...values]).toEqual([
      ['server', { value: 'https://x', where: { origin: 'env', source: 'environment', key: 'UBIQ_SERVER' } }],
      ['user.username', { value: 'alice', where: { origin: 'env', source: 'environment', key: 'UBIQ_IDP_USERNAME' } }],
    ]);
    expect(warnings).toEqual([{ source: 'environment', key: 'UBIQ_SERVER', code: 'env_whitespace', message: 'had leading or trailing whitespace, which was removed' }]);
    expect(readEnv({}).values.size).toBe(0);
  });
});

describe('diagnoseJson', () => {
  it('leaves valid JSON alone', () => {
    const text = '{"idp": {"a": "x\\n\\u00e9\\\\"}}';
    expect(diagnoseJson(text)).toEqual({ repaired: text, repairs: [] });
  });

  it('"<https://…>" from the setup document, naming the key and the line', () => {
    const text = '{\n  "idp": {\n    "token_endpoint_url": "<https://x.okta.com/t">,\n    "a": "<b">\n  }\n}';
    const { repaired, repairs } = diagnoseJson(text);
    expect(repairs).toEqual([
      {
        code: 'angle_brackets',
        message: 'line 3: the value of "token_endpoint_url" is wrapped in <...> with the closing quote inside the bracket (as in the setup document); write just "https://…" without < and >',
      },
      { code: 'angle_brackets', message: 'line 4: the value of "a" is wrapped in <...> with the closing quote inside the bracket (as in the setup document); write just "https://…" without < and >' },
    ]);
    expect(JSON.parse(repaired)).toEqual({ idp: { token_endpoint_url: 'https://x.okta.com/t', a: 'b' } });
    expect(diagnoseJson('["<x">]')).toEqual({
      repaired: '["x"]',
      repairs: [{ code: 'angle_brackets', message: 'line 1: the value is wrapped in <...> with the closing quote inside the bracket (as in the setup document); write just "https://…" without < and >' }],
    });
  });

  it('invalid escapes: the shortened secret \\< and any other backslash', () => {
    const { repaired, repairs } = diagnoseJson('{\n"client_secret": "abc\\<…>",\n"path": "C:\\dir"\n}');
    expect(repairs).toEqual([
      {
        code: 'invalid_escape',
        message: 'line 2: \\< is not a valid escape in a JSON string (value of "client_secret"); the setup document\'s client_secret example is shortened, so paste your full secret',
      },
      { code: 'invalid_escape', message: 'line 3: a backslash is not a valid escape in a JSON string (value of "path"); write \\\\ for a literal backslash' },
    ]);
    expect(JSON.parse(repaired)).toEqual({ client_secret: 'abc<…>', path: 'C:dir' });
    expect(diagnoseJson('["\\u12"]').repairs.map((r) => r.code)).toEqual(['invalid_escape']);
    expect(diagnoseJson('["a\\x"]').repairs[0]!.message).toBe('line 1: a backslash is not a valid escape in a JSON string; write \\\\ for a literal backslash');
  });

  it('typographic quotes, trailing commas, a trailing dot and a bare "idp": fragment', () => {
    expect(diagnoseJson('{\n“a”: 1}')).toEqual({ repaired: '{\n"a": 1}', repairs: [{ code: 'smart_quotes', message: 'line 2: typographic quotes (“ ”) are not JSON quotes; use plain "' }] });
    expect(diagnoseJson('{"a": „x”}').repaired).toBe('{"a": "x"}');
    expect(diagnoseJson('{"a": [1,\n ],\n"b": 2,\n}')).toEqual({
      repaired: '{"a": [1\n ],\n"b": 2\n}',
      repairs: [
        { code: 'trailing_comma', message: 'line 1: a comma before a closing bracket is not allowed in JSON; remove it' },
        { code: 'trailing_comma', message: 'line 3: a comma before a closing bracket is not allowed in JSON; remove it' },
      ],
    });
    expect(diagnoseJson('{"a": 1}\n.\n')).toEqual({
      repaired: '{"a": 1}',
      repairs: [{ code: 'trailing_dot', message: "line 2: remove the '.' after the closing '}' (it ends the sentence in the setup document, it is not part of the JSON)" }],
    });
    expect(diagnoseJson('{"a": "x."}').repairs).toEqual([]);
    expect(diagnoseJson('  "idp": {"a": 1}')).toEqual({
      repaired: '{  "idp": {"a": 1}\n}',
      repairs: [{ code: 'json_fragment', message: 'the file starts with a "key": value pair; the whole file must be one JSON object, so put { before "idp" and } at the end' }],
    });
    expect(diagnoseJson('"idp"').repairs).toEqual([]);
  });

  it('reports five of a kind and counts the rest', () => {
    const { repairs } = diagnoseJson(`[${'1,]'.repeat(0)}${Array.from({ length: 8 }, () => '[1,]').join(',')}]`);
    expect(repairs.map((r) => r.code)).toEqual(['trailing_comma', 'trailing_comma', 'trailing_comma', 'trailing_comma', 'trailing_comma', 'trailing_comma']);
    expect(repairs[5]).toEqual({ code: 'trailing_comma', message: 'and 3 more of the same kind' });
    expect(diagnoseJson(`[${Array.from({ length: 5 }, () => '[1,]').join(',')}]`).repairs).toHaveLength(5);
  });
});

describe('syntaxErrorLocation', () => {
  const errorOf = (text: string) => {
    try {
      JSON.parse(text);
    } catch (error) {
      return error;
    }
    throw new Error('parsed');
  };
  it('turns V8 positions into line and column, and names an early end', () => {
    expect(syntaxErrorLocation('{\n  "a": x}', new SyntaxError('Unexpected token x in JSON at position 9'))).toBe(' at line 2, column 8');
    expect(syntaxErrorLocation('{"a": x}', new SyntaxError('Unexpected token x in JSON at position 6'))).toBe(' at line 1, column 7');
    expect(syntaxErrorLocation('', new SyntaxError('Expected x (line 3 column 14)'))).toBe(' at line 3, column 14');
    expect(syntaxErrorLocation('{"a": ', new SyntaxError('Unexpected end of JSON input'))).toBe(' (it ends too early: a closing } or " is missing)');
    expect(syntaxErrorLocation('x', new SyntaxError('something else'))).toBe('');
    expect(syntaxErrorLocation('x', 'not an error')).toBe('');
    expect(syntaxErrorLocation('{\n\n "a" x}', errorOf('{\n\n "a" x}'))).toMatch(/^ at line 3, column \d+$/);
  });
});
