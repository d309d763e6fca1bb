// Who signed in, for display only: a device or browser sign-in has no configured username, so the
// session, `login` and `whoami` name the person from the claims the IdP returned. Never used to decide
// anything: the Ubiq server reads the user from the verified access token itself.
import { decodeJwt } from 'jose';
import * as z from 'zod';
import type { IdpProvider } from '../config/types.js';
import { stripControl } from './device.js';
import type { IdpToken } from './token.js';

/** One name claim: a short printable string, or nothing (a malformed claim is ignored, not an error). */
const nameClaim = z
  .string()
  .transform((value) => stripControl(value).trim())
  .pipe(z.string().min(1).max(256))
  .optional()
  .catch(undefined);

const claimsSchema = z.object({
  preferred_username: nameClaim,
  upn: nameClaim,
  unique_name: nameClaim,
  email: nameClaim,
  sub: nameClaim,
});
type NameClaims = z.infer<typeof claimsSchema>;
type NameClaim = keyof NameClaims;

/**
 * Where each IdP puts a name a person recognises, in order of preference. Okta: the ID token's
 * `preferred_username` (with the `profile` scope) or `email`, else the access token's `sub`, which Okta
 * sets to the user's login (the ID token's `sub` is the opaque user id). Entra: the ID token's
 * `preferred_username` (v2) or `upn`, else the access token's `upn` / `unique_name` (v1) or
 * `preferred_username` (v2); never `sub`, which Entra makes pairwise and opaque.
 */
const ORDER: Record<IdpProvider, { id: readonly NameClaim[]; access: readonly NameClaim[] }> = {
  okta: { id: ['preferred_username', 'email'], access: ['sub'] },
  entra: { id: ['preferred_username', 'upn', 'email'], access: ['upn', 'unique_name', 'preferred_username'] },
};

function parse(claims: unknown): NameClaims {
  const parsed = claimsSchema.safeParse(claims);
  return parsed.success ? parsed.data : {};
}

/** The access token's payload, unverified (display only), or nothing when it is not a JWT. */
function accessTokenClaims(accessToken: string): NameClaims {
  try {
    return parse(decodeJwt(accessToken));
  } catch {
    return {};
  }
}

/**
 * @internal The name of the person a token was issued to, for display (session, `login`, `whoami`):
 * from the ID token's claims (checked by openid-client) first, then from the access token's. Control
 * characters are removed and the length is capped; undefined when no claim names the person.
 *
 * @example
 * signedInUserOf(token, 'entra'); // 'ada@contoso.onmicrosoft.com'
 */
export function signedInUserOf(token: Pick<IdpToken, 'accessToken' | 'idTokenClaims'>, provider: IdpProvider): string | undefined {
  const order = ORDER[provider];
  const id = parse(token.idTokenClaims ?? {});
  for (const claim of order.id) if (id[claim] !== undefined) return id[claim];
  const access = accessTokenClaims(token.accessToken);
  for (const claim of order.access) if (access[claim] !== undefined) return access[claim];
  return undefined;
}
