// The SCIM filter / PATCH path parser at its edges: the exact message of each refusal (a person reads it in
// the 400 body), tokenizer boundaries, keyword and operator case, numbers and literals, value paths with a
// sub-attribute, and the nesting and length limits.
import { describe, expect, it } from 'vitest';
import { MAX_FILTER_LENGTH, parseFilter, parsePatchPath } from '../../src/server/scim/filter.js';
import { ScimError } from '../../src/server/scim/errors.js';

/** `scimType: message` of the ScimError `fn` throws. */
const refusal = (fn: () => unknown): string => {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ScimError);
    return `${(error as ScimError).scimType ?? ''}: ${(error as ScimError).message}`;
  }
  throw new Error('did not throw');
};
const filterRefusal = (text: string) => refusal(() => parseFilter(text));

describe('parseFilter messages', () => {
  it('names what is wrong and where', () => {
    const cases: [string, string][] = [
      ['', 'empty'],
      [' \t\r\n', 'empty'],
      ['a eq "x', 'unterminated string starting at position 6'],
      ['a eq "\\x"', 'invalid string at position 6'],
      ['a eq 1 ~', 'unexpected character "~" at position 8'],
      ['a', 'unexpected end of filter'],
      ['"a" eq 1', 'expected an attribute name at position 1'],
      [') eq 1', 'expected an attribute name at position 1'],
      ['(a pr', 'unexpected end of filter'],
      ['(a pr]', 'expected ")" at position 6'],
      ['not (a pr]', 'expected ")" at position 10'],
      ['a[b pr)', 'expected "]" at position 7'],
      ['a[b pr].1x eq 1', 'invalid sub-attribute ".1x"'],
      ['a[b pr].c 1', 'expected an operator after ".c"'],
      ['a[b pr].c', 'unexpected end of filter'],
      ['a 1', 'expected an operator (eq, ne, co, sw, ew, gt, ge, lt, le, pr) after "a"'],
      ['a xx 1', 'expected an operator (eq, ne, co, sw, ew, gt, ge, lt, le, pr) after "a"'],
      ['a eq b', 'expected a value (string, number, true, false, null) at position 6'],
      ['a eq (', 'expected a value (string, number, true, false, null) at position 6'],
      ['1a eq 1', 'invalid attribute path "1a"'],
      ['a.b.c eq 1', 'invalid attribute path "a.b.c"'],
      ['a eq 1 b', 'unexpected "b" at position 8'],
      ['a eq 1 "s"', 'unexpected "s" at position 8'],
      ['a eq 1 )', 'unexpected "rparen" at position 8'],
      ['a eq 1 2', 'unexpected "number" at position 8'],
    ];
    for (const [text, why] of cases) expect(filterRefusal(text), text).toBe(`invalidFilter: Invalid filter: ${why}.`);
  });

  it('refuses input longer than the limit and nesting deeper than 32 levels, and takes both at the limit', () => {
    const atLimit = `a eq "${'x'.repeat(MAX_FILTER_LENGTH - 7)}"`;
    expect(atLimit).toHaveLength(MAX_FILTER_LENGTH);
    expect(parseFilter(atLimit)).toMatchObject({ kind: 'compare' });
    expect(filterRefusal(`${atLimit} `)).toBe(`invalidFilter: Invalid filter: longer than ${MAX_FILTER_LENGTH} characters.`);
    const nested = (n: number) => `${'('.repeat(n)}a pr${')'.repeat(n)}`;
    expect(parseFilter(nested(32))).toEqual({ kind: 'present', path: 'a' });
    expect(filterRefusal(nested(33))).toBe('invalidFilter: Invalid filter: nested deeper than 32 levels.');
    const nots = (n: number) => `${'not ('.repeat(n)}a pr${')'.repeat(n)}`;
    expect(parseFilter(nots(32))).toMatchObject({ kind: 'not' });
    expect(filterRefusal(nots(33))).toBe('invalidFilter: Invalid filter: nested deeper than 32 levels.');
    const brackets = (n: number) => `${'a['.repeat(n)}b pr${']'.repeat(n)}`;
    expect(parseFilter(brackets(32))).toMatchObject({ kind: 'valuePath' });
    expect(filterRefusal(brackets(33))).toBe('invalidFilter: Invalid filter: nested deeper than 32 levels.');
  });

  it('attribute paths: word characters, URNs (any case), and the 1024-character bound', () => {
    expect(parseFilter('a_$-9B.c pr')).toEqual({ kind: 'present', path: 'a_$-9B.c' });
    expect(parseFilter('$ref pr')).toEqual({ kind: 'present', path: '$ref' });
    expect(parseFilter('URN:Ietf:x-y.z:attr.sub pr')).toEqual({ kind: 'present', path: 'URN:Ietf:x-y.z:attr.sub' });
    expect(filterRefusal('urn:a b:c pr')).toBe('invalidFilter: Invalid filter: invalid attribute path "urn:a".');
    expect(filterRefusal('urx:a:c pr')).toBe('invalidFilter: Invalid filter: invalid attribute path "urx:a:c".');
    expect(filterRefusal('urn:a:1c pr')).toBe('invalidFilter: Invalid filter: invalid attribute path "urn:a:1c".');
    const long = `a${'b'.repeat(1023)}`;
    expect(parseFilter(`${long} pr`)).toEqual({ kind: 'present', path: long });
    expect(filterRefusal(`${long}b pr`)).toBe(`invalidFilter: Invalid filter: invalid attribute path "${long}b".`);
  });

  it('whitespace of every kind separates tokens; keywords and operators ignore case', () => {
    expect(parseFilter('a\teq\n1\rAND\tb PR')).toEqual({ kind: 'and', left: { kind: 'compare', path: 'a', op: 'eq', value: 1 }, right: { kind: 'present', path: 'b' } });
    expect(parseFilter('a Pr Or b pR')).toEqual({ kind: 'or', left: { kind: 'present', path: 'a' }, right: { kind: 'present', path: 'b' } });
    expect(parseFilter('NOT (a pr)')).toEqual({ kind: 'not', filter: { kind: 'present', path: 'a' } });
    for (const op of ['eq', 'ne', 'co', 'sw', 'ew', 'gt', 'ge', 'lt', 'le']) expect(parseFilter(`a ${op.toUpperCase()} "v"`)).toEqual({ kind: 'compare', path: 'a', op, value: 'v' });
    // "not" not followed by "(" is an attribute name.
    expect(parseFilter('not pr')).toEqual({ kind: 'present', path: 'not' });
    expect(parseFilter('and eq 1 and or pr')).toMatchObject({ kind: 'and', left: { path: 'and' }, right: { path: 'or' } });
  });

  it('values: numbers (sign, fraction, exponent), literals in any case, JSON strings', () => {
    const value = (text: string) => (parseFilter(`a eq ${text}`) as { value: unknown }).value;
    expect(value('-12')).toBe(-12);
    expect(value('1.5')).toBe(1.5);
    expect(value('1E2')).toBe(100);
    expect(value('2e-1')).toBe(0.2);
    expect(value('TRUE')).toBe(true);
    expect(value('False')).toBe(false);
    expect(value('NULL')).toBe(null);
    expect(value('"\\u00e9\\\\"')).toBe('é\\');
    expect(value('""')).toBe('');
    // Not numbers: a trailing dot, a bare exponent, a letter.
    for (const text of ['1.', '1e', '1x']) expect(filterRefusal(`a eq ${text}`)).toBe('invalidFilter: Invalid filter: expected a value (string, number, true, false, null) at position 6.');
  });

  it('value paths: bare, with a compared or present sub-attribute (operator in any case)', () => {
    const inner = { kind: 'compare', path: 'type', op: 'eq', value: 'work' };
    expect(parseFilter('emails[type eq "work"]')).toEqual({ kind: 'valuePath', path: 'emails', filter: inner });
    expect(parseFilter('emails[type eq "work"].value PR')).toEqual({ kind: 'valuePath', path: 'emails', filter: inner, sub: { name: 'value', op: 'pr', value: null } });
    expect(parseFilter('emails[type eq "work"].$ref SW "x"')).toEqual({ kind: 'valuePath', path: 'emails', filter: inner, sub: { name: '$ref', op: 'sw', value: 'x' } });
    expect(parseFilter('emails[type eq "work"] and a pr')).toMatchObject({ kind: 'and', left: { kind: 'valuePath' }, right: { kind: 'present' } });
  });
});

describe('parsePatchPath messages and edges', () => {
  const pathRefusal = (text: string) => refusal(() => parsePatchPath(text));
  it('names what is wrong, quoting at most 200 characters of the path', () => {
    const cases: [string, string][] = [
      ['a b', 'not an attribute path'],
      ['a.b[c pr]', 'not an attribute path'],
      ['1a[c pr]', 'not an attribute path'],
      ['a[c pr', 'missing "]"'],
      ['a[ ]', 'empty filter'],
      ['a[c pr d pr]', 'unexpected text in the filter'],
      ['a[c pr]x', 'unexpected "x" after "]"'],
      ['a[c pr].1', 'unexpected ".1" after "]"'],
      ['a[c ~ 1]', 'unexpected character "~" at position 3'],
    ];
    for (const [text, why] of cases) expect(pathRefusal(text), text).toBe(`invalidPath: Invalid PATCH path "${text}": ${why}.`);
    const long = `${'a'.repeat(300)} b`;
    expect(pathRefusal(long)).toBe(`invalidPath: Invalid PATCH path "${'a'.repeat(200)}": not an attribute path.`);
    const tooLong = `a${'b'.repeat(MAX_FILTER_LENGTH)}`;
    expect(pathRefusal(tooLong)).toBe(`invalidPath: Invalid PATCH path "${tooLong.slice(0, 200)}": too long.`);
  });

  it('trims around the attribute and the tail; a URN attribute may hold dots before "["; nesting counts the brackets', () => {
    expect(parsePatchPath('  members  ')).toEqual({ attr: 'members', filter: undefined, sub: undefined });
    expect(parsePatchPath(' emails [type eq "work"] .value ')).toEqual({ attr: 'emails', filter: { kind: 'compare', path: 'type', op: 'eq', value: 'work' }, sub: 'value' });
    expect(parsePatchPath('urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager[value pr]')).toMatchObject({
      attr: 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager',
      filter: { kind: 'present', path: 'value' },
    });
    expect(parsePatchPath('URN:x:y[value pr]')).toMatchObject({ attr: 'URN:x:y' });
    const nested = (n: number) => `a[${'('.repeat(n)}b pr${')'.repeat(n)}]`;
    expect(parsePatchPath(nested(31)).filter).toEqual({ kind: 'present', path: 'b' });
    expect(pathRefusal(nested(32))).toBe(`invalidPath: Invalid PATCH path "${nested(32)}": nested deeper than 32 levels.`);
  });
});
