// Who signed in, for display: the claims each IdP really puts the person's name in, validated, with control
// characters removed; never Entra's pairwise sub; nothing when no claim names the person.
import { describe, expect, it } from 'vitest';
import { signedInUserOf } from '../../src/idp/signed-in-user.js';

/** An unsigned JWT with these claims (the function decodes the access token for display only). */
function jwt(claims: Record<string, unknown>): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'RS256', typ: 'JWT' })}.${part(claims)}.c2lnbmF0dXJl`;
}

describe('signedInUserOf', () => {
  it("Okta: the ID token's preferred_username, else its email, else the access token's sub (the login); not the ID token's sub (the user id)", () => {
    const access = jwt({ sub: 'ada@example.com', uid: '00uada' });
    expect(signedInUserOf({ accessToken: access, idTokenClaims: { sub: '00uada', preferred_username: 'ada.l@example.com' } }, 'okta')).toBe('ada.l@example.com');
    expect(signedInUserOf({ accessToken: access, idTokenClaims: { sub: '00uada', email: 'ada@mail.example' } }, 'okta')).toBe('ada@mail.example');
    expect(signedInUserOf({ accessToken: access, idTokenClaims: { sub: '00uada' } }, 'okta')).toBe('ada@example.com');
    expect(signedInUserOf({ accessToken: 'opaque-token', idTokenClaims: { sub: '00uada' } }, 'okta')).toBeUndefined();
  });

  it("Entra: the ID token's preferred_username or upn, else the access token's upn / unique_name / preferred_username; never sub", () => {
    expect(signedInUserOf({ accessToken: jwt({ upn: 'x@contoso.example' }), idTokenClaims: { sub: 'pairwise-abc', preferred_username: 'ada@contoso.example' } }, 'entra')).toBe('ada@contoso.example');
    expect(signedInUserOf({ accessToken: jwt({ upn: 'ada@contoso.example', sub: 'pairwise' }) }, 'entra')).toBe('ada@contoso.example');
    expect(signedInUserOf({ accessToken: jwt({ unique_name: 'ada@contoso.example' }) }, 'entra')).toBe('ada@contoso.example');
    expect(signedInUserOf({ accessToken: jwt({ preferred_username: 'ada@contoso.example' }) }, 'entra')).toBe('ada@contoso.example');
    expect(signedInUserOf({ accessToken: jwt({ sub: 'pairwise-abc', oid: '1234' }), idTokenClaims: { sub: 'pairwise-abc' } }, 'entra')).toBeUndefined();
  });

  it('validates: control characters removed, a too long or non-string claim ignored for the next one', () => {
    expect(signedInUserOf({ accessToken: 'opaque', idTokenClaims: { preferred_username: 'ada\u001b[31m@example.com\u0007' } }, 'okta')).toBe('ada[31m@example.com');
    expect(signedInUserOf({ accessToken: 'opaque', idTokenClaims: { preferred_username: 'x'.repeat(300), email: 'ada@example.com' } }, 'okta')).toBe('ada@example.com');
    expect(signedInUserOf({ accessToken: 'opaque', idTokenClaims: { preferred_username: 42, upn: '  ', email: 'ada@contoso.example' } }, 'entra')).toBe('ada@contoso.example');
  });
});
