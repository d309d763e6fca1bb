// queryOf: the SCIM query parameters by lower-cased name, as the engine reads them. Checked against the
// rule it implements (a name repeated exactly keeps its first value, names differing only in case the
// last), written out here over URLSearchParams, for fixed and generated queries.
import type { Context } from 'hono';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { queryOf, type ScimQuery } from '../../src/server/scim/http.js';

const NAMES = ['filter', 'startindex', 'count', 'sortby', 'sortorder', 'attributes', 'excludedattributes'] as const;
const contextOf = (url: string) => ({ req: { url } }) as unknown as Context;

function expected(query: string): Record<string, string | undefined> {
  const all = new Map<string, string>();
  const seen = new Set<string>();
  for (const [name, value] of new URLSearchParams(query)) {
    if (name === '' || seen.has(name)) continue;
    seen.add(name);
    all.set(name.toLowerCase(), value);
  }
  return Object.fromEntries(NAMES.map((n) => [n, all.get(n)]));
}
const read = (q: ScimQuery) => Object.fromEntries(NAMES.map((n) => [n, q[n]]));

describe('queryOf', () => {
  it('reads the seven parameters by lower-cased name, first exact repeat wins, last case variant wins', () => {
    const q = queryOf(contextOf('http://h/x/Users?filter=a&FILTER=b&filter=c&StartIndex=2&count=&sortBy=userName+x&sortOrder=descending&ATTRIBUTES=id&excludedAttributes=groups#frag=1'));
    expect(read(q)).toEqual({ filter: 'b', startindex: '2', count: '', sortby: 'userName x', sortorder: 'descending', attributes: 'id', excludedattributes: 'groups' });
    expect(read(queryOf(contextOf('http://h/x/Users')))).toEqual(Object.fromEntries(NAMES.map((n) => [n, undefined])));
  });

  it('ignores other names, including __proto__ and constructor, without touching prototypes', () => {
    const q = queryOf(contextOf('http://h/x?__proto__=x&constructor=y&toString=z&hasOwnProperty=w&filter=f'));
    expect(q.filter).toBe('f');
    expect(Object.keys(q).sort()).toEqual([...NAMES].sort());
    expect(({} as Record<string, unknown>).x).toBeUndefined();
    expect(typeof q.constructor).toBe('function');
  });

  it('agrees with the rule over generated queries', () => {
    const parts = ['filter', 'FILTER', 'Filter', 'count', 'COUNT', 'startIndex', 'sortBy', 'attributes', 'excludedAttributes', 'other', '', '__proto__'];
    const values = ['', 'a', 'b%20c', 'd+e', '%zz', 'userName%20eq%20%22x%22'];
    let seed = 11;
    const next = (n: number) => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed % n;
    };
    for (let i = 0; i < 3000; i++) {
      const query = Array.from({ length: next(6) + 1 }, () => `${parts[next(parts.length)]}=${values[next(values.length)]}`).join('&');
      expect(read(queryOf(contextOf(`http://h/x?${query}`))), query).toEqual(expected(query));
    }
  });

  it('reads `?filter=…` alone (decoded without URLSearchParams) as URLSearchParams does (fast-check)', () => {
    // Valid and broken escapes, UTF-8 and overlong or surrogate sequences, '+' and an escaped '+'.
    const piece = fc.constantFrom('userName', '%20', ' ', '+', '%2B', 'eq', '%22', '"', '%40', '@', '%', '%2', '%zz', '%C3%A9', 'é', '%E2%82', '%E2%82%AC', '%ED%A0%80', '%C0%AF', '%00', '%25', '=', '#', '%23');
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 10 }), (pieces) => {
        const query = `filter=${pieces.join('')}`;
        const hash = query.indexOf('#');
        expect(read(queryOf(contextOf(`http://h/x?${query}`))), query).toEqual(expected(hash === -1 ? query : query.slice(0, hash)));
      }),
      { numRuns: 2000 },
    );
  });
});
