import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { REDACTED, redactable, scrub } from '../../src/util/redact.js';

describe('redactable', () => {
  const make = () => redactable({ user: 'alice', password: 'canary-pw-123', token: undefined as string | undefined }, ['password', 'token'], 'Creds');

  it('hides secrets from JSON.stringify, inspect and String() but keeps property access', () => {
    const creds = make();
    expect(creds.password).toBe('canary-pw-123');
    // eslint-disable-next-line @typescript-eslint/no-base-to-string -- redactable objects define toString at run time; printing them is what this checks
    for (const text of [JSON.stringify(creds), inspect(creds), String(creds), inspect({ nested: creds }, { depth: 5 })]) {
      expect(text).not.toContain('canary-pw-123');
      expect(text).toContain('alice');
    }
    expect(JSON.parse(JSON.stringify(creds))).toEqual({ user: 'alice', password: REDACTED });
  });

  it('keeps hooks out of Object.keys and spreads', () => {
    expect(Object.keys(make())).toEqual(['user', 'password', 'token']);
  });
});

describe('scrub', () => {
  it('removes every occurrence of each secret', () => {
    expect(scrub('a sekret b sekret', ['sekret'])).toBe(`a ${REDACTED} b ${REDACTED}`);
  });
  it('ignores empty and very short secrets', () => {
    expect(scrub('abc', ['', undefined, 'a'])).toBe('abc');
  });
});
