// Unit tests of the SCIM filter / PATCH path parser: shapes, precedence, and robustness on hostile input
// (every failure is a SCIM 400, never another exception; nesting is bounded).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseFilter, parsePatchPath } from '../../src/server/scim/filter.js';
import { ScimError } from '../../src/server/scim/errors.js';

const scimTypeOf = (fn: () => unknown): string | undefined => {
  try {
    fn();
    return undefined;
  } catch (error) {
    expect(error).toBeInstanceOf(ScimError);
    return (error as ScimError).scimType;
  }
};

describe('parseFilter', () => {
  it('parses what the IdPs send', () => {
    expect(parseFilter('userName eq "alice@example.com"')).toEqual({ kind: 'compare', path: 'userName', op: 'eq', value: 'alice@example.com' });
    expect(parseFilter('emails[type eq "work"].value eq "a@b.c"')).toEqual({
      kind: 'valuePath',
      path: 'emails',
      filter: { kind: 'compare', path: 'type', op: 'eq', value: 'work' },
      sub: { name: 'value', op: 'eq', value: 'a@b.c' },
    });
    expect(parseFilter('urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber EQ "1"')).toMatchObject({ path: 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber', op: 'eq' });
    expect(parseFilter('title pr')).toEqual({ kind: 'present', path: 'title' });
    expect(parseFilter('active eq True')).toMatchObject({ value: true });
    expect(parseFilter('x eq null')).toMatchObject({ value: null });
    expect(parseFilter('meta.version gt 2.5e1')).toMatchObject({ value: 25 });
    expect(parseFilter('displayName eq "say \\"hi\\" \\u00e9"')).toMatchObject({ value: 'say "hi" é' });
  });

  it('not > and > or; parentheses group', () => {
    expect(parseFilter('a eq 1 or b eq 2 and c eq 3')).toEqual({
      kind: 'or',
      left: { kind: 'compare', path: 'a', op: 'eq', value: 1 },
      right: { kind: 'and', left: { kind: 'compare', path: 'b', op: 'eq', value: 2 }, right: { kind: 'compare', path: 'c', op: 'eq', value: 3 } },
    });
    expect(parseFilter('(a eq 1 or b eq 2) and not (c pr)')).toMatchObject({ kind: 'and', left: { kind: 'or' }, right: { kind: 'not', filter: { kind: 'present' } } });
  });

  it('rejects malformed or hostile input with invalidFilter, including deep nesting and very long input', () => {
    for (const bad of ['', 'a', 'a eq', 'a eq "x" or', 'a eq "x" b', 'a[b eq 1', 'a eq "x', '(((a pr)', 'a eq 1)', 'a ~ 1', '1 eq a', 'urn:x eq 1']) {
      expect(scimTypeOf(() => parseFilter(bad)), bad).toBe('invalidFilter');
    }
    expect(scimTypeOf(() => parseFilter(`${'('.repeat(2000)}a pr${')'.repeat(2000)}`))).toBe('invalidFilter');
    expect(scimTypeOf(() => parseFilter(`${'not ('.repeat(500)}a pr${')'.repeat(500)}`))).toBe('invalidFilter');
    expect(scimTypeOf(() => parseFilter(`urn:${'a:'.repeat(1500)}!`))).toBe('invalidFilter');
    expect(scimTypeOf(() => parseFilter(`urn:${':.'.repeat(2000)} eq 1`))).toBe('invalidFilter');
    expect(scimTypeOf(() => parseFilter('a eq "x" and '.repeat(400) + 'a eq "x"'))).toBe('invalidFilter'); // > 4096 chars
    // Long but legal: 300 conjunctions parse (iteratively, not by recursion per operator).
    expect(parseFilter(Array.from({ length: 300 }, (_, i) => `a eq ${i}`).join(' or ')).kind).toBe('or');
  });

  it('reads a lone `attr eq "text"` as the parser does (fast-check)', () => {
    // In parentheses the same filter always goes through the tokenizer and the parser.
    const part = fc.constantFrom('userName', 'name.familyName', 'a$b-c_1', '$x', '1x', 'a.b.c', 'urn:x:y', 'emails[type', ' ', '  ', '\t', '\n', '', 'eq', 'EQ', 'eQ', 'ne', 'pr', '"a"', '"a b@c.d"', '""', '"\\"x"', '"\\u0041"', '"é"', '"\u0001"', '"a', '"', 'true', 'and');
    const outcome = (filter: string) => {
      try {
        return parseFilter(filter);
      } catch (error) {
        return (error as ScimError).scimType;
      }
    };
    // Shaped like the comparison (space, name, space, operator, space, string, space), each slot with
    // near misses, and free sequences of the same parts.
    const space = fc.constantFrom('', ' ', '  ', '\t', '\n', '\r', '\u00a0');
    const name = fc.constantFrom('userName', 'name.familyName', 'a$b-c_1', '$x', '1x', 'a.b.c', 'urn:x:y', 'emails[type', 'x y');
    const op = fc.constantFrom('eq', 'EQ', 'eQ', 'ne', 'co', 'pr', 'e q', '');
    const text = fc.constantFrom('"a"', '"a b@c.d"', '""', '"\\"x"', '"\\u0041"', '"a\\\\"', '"é"', '"\u0001"', '"\u001f"', '"\u007f"', '"a', '"', 'true', '1', '"a" and b pr');
    const shaped = fc.tuple(space, name, space, op, space, text, space).map((slots) => slots.join(''));
    const free = fc.array(part, { maxLength: 7 }).map((parts) => parts.join(''));
    fc.assert(
      fc.property(fc.oneof(shaped, free), (filter) => {
        expect(outcome(filter), filter).toEqual(outcome(`(${filter})`));
      }),
      { numRuns: 4000 },
    );
    expect(parseFilter(' userName  EQ "Kate@example.com" ')).toEqual({ kind: 'compare', path: 'userName', op: 'eq', value: 'Kate@example.com' });
  });

  it('any string either parses or fails with a SCIM 400 invalidFilter (fast-check)', () => {
    const alphabet = fc.constantFrom('a', 'b', ' ', '(', ')', '[', ']', '"', '\\', '.', ':', 'eq', 'and', 'or', 'not', 'pr', 'urn:', '1', '-', 'true', 'null');
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 200 }), fc.array(alphabet, { maxLength: 60 }).map((parts) => parts.join(' '))), (text) => {
        const type = scimTypeOf(() => parseFilter(text));
        expect(type === undefined || type === 'invalidFilter').toBe(true);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('parsePatchPath', () => {
  it('parses attribute paths, URNs and value-path filters', () => {
    expect(parsePatchPath('members')).toEqual({ attr: 'members', filter: undefined, sub: undefined });
    expect(parsePatchPath('name.givenName')).toEqual({ attr: 'name.givenName', filter: undefined, sub: undefined });
    expect(parsePatchPath('urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager')).toMatchObject({ attr: 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager' });
    expect(parsePatchPath('members[value eq "u1"]')).toEqual({ attr: 'members', filter: { kind: 'compare', path: 'value', op: 'eq', value: 'u1' }, sub: undefined });
    expect(parsePatchPath('emails[type eq "work"].value')).toMatchObject({ attr: 'emails', sub: 'value' });
  });

  it('rejects bad paths with invalidPath', () => {
    for (const bad of ['', 'a b', 'emails[type eq "work"', 'emails[]', 'emails[type eq "work"]x', 'name.given.more', 'emails[type eq "work"].value.more']) {
      expect(scimTypeOf(() => parsePatchPath(bad)), bad).toBe('invalidPath');
    }
  });
});
