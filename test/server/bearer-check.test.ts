// The cached bearer check the SCIM routes use: same answers as bearerMatches, and a rotated token is honoured
// at once (the cached digest belongs to the previous token and must not be reused).
import { describe, expect, it } from 'vitest';
import { bearerMatches, createBearerCheck } from '../../src/server/http-util.js';

const first = 'first-token-0123456789abcdef';
const second = 'second-token-0123456789abcdef';

describe('createBearerCheck', () => {
  it('answers as bearerMatches does', () => {
    const check = createBearerCheck();
    for (const header of [`Bearer ${first}`, `bearer ${first}`, `Bearer\t${first} `, `Bearer ${second}`, 'Bearer ', '', undefined, null, first, `Basic ${first}`]) {
      expect(check(header, first)).toBe(bearerMatches(header, first));
    }
    expect(check(`Bearer ${first}`, first)).toBe(true);
    expect(check(`Bearer ${first}x`, first)).toBe(false);
  });

  it('follows a rotated token: the old one stops matching, the new one matches, and back', () => {
    const check = createBearerCheck();
    expect(check(`Bearer ${first}`, first)).toBe(true);
    expect(check(`Bearer ${first}`, second)).toBe(false);
    expect(check(`Bearer ${second}`, second)).toBe(true);
    expect(check(`Bearer ${second}`, first)).toBe(false);
    expect(check(`Bearer ${first}`, first)).toBe(true);
  });

  it('never matches an empty expected token with an empty given one', () => {
    const check = createBearerCheck();
    expect(check('Bearer ', '')).toBe(false);
    expect(check(undefined, '')).toBe(false);
  });

  it('refuses a wrong token of the same length, a prefix, and a longer one (also by a multi-byte character)', () => {
    const check = createBearerCheck();
    const sameLength = `${first.slice(0, -1)}${first.endsWith('f') ? 'e' : 'f'}`;
    expect(sameLength.length).toBe(first.length);
    expect(check(`Bearer ${sameLength}`, first)).toBe(false);
    expect(check(`Bearer ${first.slice(0, -1)}`, first)).toBe(false);
    expect(check(`Bearer ${first}\u00e9`, first)).toBe(false);
    expect(check(`Bearer ${first}\u20ac`, first)).toBe(false);
  });
});
