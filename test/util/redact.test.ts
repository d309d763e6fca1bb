import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { basicCredentialForms, REDACTED, redactable, scrub, secretForms } from '../../src/util/redact.js';

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

describe('scrub: encoded forms', () => {
  const secret = "p@ss word+/&=%!~*'(é)";
  it.each([
    ['as is', secret],
    ['encodeURIComponent', encodeURIComponent(secret)],
    ['encodeURIComponent with + for spaces', encodeURIComponent(secret).replace(/%20/g, '+')],
    ['URLSearchParams (form body)', new URLSearchParams([['', secret]]).toString().slice(1)],
    ['lower-case percent escapes', new URLSearchParams([['', secret]]).toString().slice(1).replace(/%[0-9A-F]{2}/g, (e) => e.toLowerCase())],
  ])('removes the secret %s', (_name, form) => {
    expect(form.length).toBeGreaterThan(0);
    expect(scrub(`before ${form} after`, [secret])).toBe(`before ${REDACTED} after`);
  });

  it('removes HTTP Basic credentials given with basicCredentialForms, padded or not', () => {
    const oauthForm = (v: string) => encodeURIComponent(v).replace(/[-_.!~*'()]|%20/g, (c) => (c === '%20' ? '+' : `%${c.charCodeAt(0).toString(16).toUpperCase()}`));
    const sent = Buffer.from(`${oauthForm('client id')}:${oauthForm(secret)}`).toString('base64');
    const raw = Buffer.from(`client id:${secret}`).toString('base64');
    const forms = basicCredentialForms('client id', secret);
    expect(scrub(`Authorization: Basic ${sent}`, [secret, ...forms])).not.toContain(sent.replace(/=+$/, ''));
    expect(scrub(`Basic ${raw}`, [secret, ...forms])).not.toContain(raw.replace(/=+$/, ''));
    expect(basicCredentialForms('client id', 'abc')).toEqual([]);
  });

  it('lists each form once', () => {
    expect(secretForms('plainsecret')).toEqual(['plainsecret']);
    expect(new Set(secretForms(secret)).size).toBe(secretForms(secret).length);
  });
});
