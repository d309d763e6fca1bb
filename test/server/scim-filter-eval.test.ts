// The SCIM filter evaluator on rendered resources (no HTTP): null, boolean, number and dateTime comparisons,
// `pr` on empty values, and the refusals of comparisons that make no sense.
import { describe, expect, it } from 'vitest';
import { parseFilter } from '../../src/server/scim/filter.js';
import { compileElementFilter, compileFilter, type Resource } from '../../src/server/scim/filter-eval.js';
import { ScimError } from '../../src/server/scim/errors.js';
import { userType, type AttrDef } from '../../src/server/scim/schema.js';

const matches = (filter: string, r: Resource) => compileFilter(parseFilter(filter), userType)(r);
const which = (filter: string, rs: Resource[]) => rs.map((r) => matches(filter, r));
const refusal = (filter: string, r: Resource = {}) => {
  try {
    compileFilter(parseFilter(filter), userType)(r);
  } catch (error) {
    expect(error).toBeInstanceOf(ScimError);
    return (error as ScimError).message;
  }
  throw new Error('did not throw');
};

describe('compileFilter comparisons', () => {
  it('null: eq matches only an absent value, ordering operators never match', () => {
    const rs: Resource[] = [{}, { displayName: 'x' }];
    expect(which('displayName eq null', rs)).toEqual([true, false]);
    expect(which('displayName gt null', rs)).toEqual([false, false]);
  });

  it('null: ne is the complement of eq, so an absent value is not "ne null"', () => {
    const rs: Resource[] = [{}, { displayName: 'x' }, { emails: [] }, { emails: [{ value: 'a@example.com' }] }];
    expect(which('displayName ne null', rs)).toEqual([false, true, false, false]);
    expect(which('emails ne null', rs)).toEqual([false, false, false, true]);
    expect(which('emails eq null', rs)).toEqual([true, true, true, false]);
  });

  it('booleans: eq and ne; ordering operators are refused', () => {
    const rs: Resource[] = [{ active: true }, { active: false }, {}];
    expect(which('active eq true', rs)).toEqual([true, false, false]);
    expect(which('active eq false', rs)).toEqual([false, true, false]);
    expect(which('active ne true', rs)).toEqual([false, true, true]);
    expect(refusal('active gt true')).toBe('Invalid filter: operator "gt" cannot compare a boolean.');
  });

  it('numbers against a string attribute match only ne', () => {
    expect(which('displayName eq 2', [{ displayName: '2' }])).toEqual([false]);
    expect(which('displayName ne 2', [{ displayName: '2' }])).toEqual([true]);
  });

  it('dateTime: compared as instants; co/sw/ew compare the text; a non-date value is refused', () => {
    const at = (iso: string): Resource => ({ meta: { lastModified: iso } });
    const rs = [at('2026-01-01T00:00:00Z'), at('2026-01-01T01:00:00+01:00'), at('2026-01-02T00:00:00Z')];
    expect(which('meta.lastModified eq "2026-01-01T00:00:00.000Z"', rs)).toEqual([true, true, false]);
    expect(which('meta.lastModified ne "2026-01-01T00:00:00Z"', rs)).toEqual([false, false, true]);
    expect(which('meta.lastModified gt "2026-01-01T00:00:00Z"', rs)).toEqual([false, false, true]);
    expect(which('meta.lastModified ge "2026-01-01T00:00:00Z"', rs)).toEqual([true, true, true]);
    expect(which('meta.lastModified lt "2026-01-02T00:00:00Z"', rs)).toEqual([true, true, false]);
    expect(which('meta.lastModified le "2026-01-01T00:00:00Z"', rs)).toEqual([true, true, false]);
    expect(which('meta.lastModified sw "2026-01-01T01"', rs)).toEqual([false, true, false]);
    expect(refusal('meta.lastModified gt "soon"', rs[0])).toBe('Invalid filter: "soon" is not a dateTime.');
  });

  it('pr: empty strings, nulls, empty lists and empty objects are not present', () => {
    expect(which('displayName pr', [{ displayName: 'x' }, { displayName: '' }, { displayName: null }, {}])).toEqual([true, false, false, false]);
    expect(which('name pr', [{ name: { givenName: 'A' } }, { name: {} }])).toEqual([true, false]);
    expect(which('emails pr', [{ emails: [{ value: 'a@b.c' }] }, { emails: [] }])).toEqual([true, false]);
  });

  it('complex attributes are compared through a sub-attribute; value paths need a multi-valued complex attribute', () => {
    expect(refusal('name eq "x"')).toBe('Invalid filter: "name" is complex; compare one of its sub-attributes.');
    expect(refusal('title[value eq "x"]')).toBe('Invalid filter: "title[…]" needs a multi-valued complex attribute.');
    expect(matches('nosuch[value eq "x"]', { nosuch: [{ value: 'x' }] })).toBe(false);
  });
});

// Element filters (PATCH `attr[filter]`) against an attribute with a number and case-exact text, which no
// User attribute has: the number comparisons and the case rule of sub-attributes.
const sub = (name: string, type: AttrDef['type'], caseExact: boolean): AttrDef => ({ name, type, multiValued: false, required: false, caseExact, mutability: 'readWrite', returned: 'default', uniqueness: 'none', description: name });
const scores: AttrDef = { ...sub('scores', 'complex', false), multiValued: true, subAttributes: [sub('n', 'integer', false), sub('code', 'string', true), sub('label', 'string', false)] };
const elements: Resource[] = [{ n: 3, code: 'Abc', label: 'Abc' }, { n: 5, code: 'abc', label: 'abc' }, { n: '5' }, {}];
const elementMatches = (filter: string) => elements.map((el) => compileElementFilter(parseFilter(filter), scores)(el));

describe('compileElementFilter', () => {
  it('compares numbers with every ordering operator; a value that is not a number matches only ne', () => {
    expect(elementMatches('n eq 5')).toEqual([false, true, false, false]);
    expect(elementMatches('n ne 5')).toEqual([true, false, true, true]);
    expect(elementMatches('n gt 3')).toEqual([false, true, false, false]);
    expect(elementMatches('n ge 3')).toEqual([true, true, false, false]);
    expect(elementMatches('n lt 5')).toEqual([true, false, false, false]);
    expect(elementMatches('n le 5')).toEqual([true, true, false, false]);
    expect(elementMatches('scores.n eq 3')).toEqual([true, false, false, false]);
  });

  it('refuses text operators on a number', () => {
    expect(() => elementMatches('n co 5')).toThrow('Invalid filter: operator "co" cannot compare a number.');
  });

  it('compares a caseExact sub-attribute exactly and the others ignoring ASCII case; an unknown name matches nothing', () => {
    expect(elementMatches('code eq "Abc"')).toEqual([true, false, false, false]);
    expect(elementMatches('label eq "Abc"')).toEqual([true, true, false, false]);
    expect(elementMatches('code sw "a"')).toEqual([false, true, false, false]);
    expect(elementMatches('nope eq "x"')).toEqual([false, false, false, false]);
  });
});

describe('value paths', () => {
  const scimTypeOf = (run: () => unknown): unknown => {
    try {
      run();
    } catch (error) {
      expect(error).toBeInstanceOf(ScimError);
      return { scimType: (error as ScimError).scimType, message: (error as ScimError).message };
    }
    throw new Error('did not throw');
  };

  it('match elements that are objects only, and pr inside them', () => {
    const rs: Resource[] = [{ emails: ['b', null, { value: 'b' }] }, { emails: [{ type: 'work' }] }, { emails: 'b' }];
    expect(which('emails[value eq "b"]', rs)).toEqual([true, false, false]);
    expect(which('emails[value pr]', rs)).toEqual([true, false, false]);
    expect(which('emails[type pr]', rs)).toEqual([false, true, false]);
  });

  it('are refused on a single-valued attribute and inside another value path (invalidFilter)', () => {
    expect(scimTypeOf(() => matches('displayName[value eq "x"]', {}))).toEqual({ scimType: 'invalidFilter', message: 'Invalid filter: "displayName[…]" needs a multi-valued complex attribute.' });
    expect(scimTypeOf(() => compileElementFilter(parseFilter('scores[n eq 1]'), scores))).toEqual({ scimType: 'invalidFilter', message: 'Invalid filter: value paths cannot be nested.' });
  });
});
