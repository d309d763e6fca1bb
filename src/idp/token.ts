import * as z from 'zod';
import { redactable } from '../util/redact.js';

/** An access token from the IdP. `accessToken` and `refreshToken` print as `[REDACTED]`. */
export interface IdpToken {
  /** Secret. */
  accessToken: string;
  tokenType: 'Bearer';
  expiresAt: Date;
  /** Secret. Present when the IdP issued one (Okta with `offline_access`). */
  refreshToken?: string;
  /** The scopes granted, as the IdP reported them. */
  scope?: string;
  /** The ID token's claims, checked by openid-client (issuer, audience, times), when an ID token came back. */
  idTokenClaims?: Record<string, unknown>;
}

/** A renewed token and how it was obtained. */
export type RenewedIdpToken = IdpToken & { via: 'refresh_token' | 'password' | 'device' | 'browser' };

/**
 * A successful token answer (RFC 6749 §5.1) as far as we rely on it, checked on what openid-client parsed
 * (it has already checked the types, lower-cased `token_type` and turned a numeric-string `expires_in` into
 * a number): we also need a Bearer token and an expiry.
 */
export const tokenResultSchema = z.object({
  access_token: z.string().min(1, 'access_token is empty'),
  token_type: z.string().refine((value) => value.toLowerCase() === 'bearer', 'token_type is not Bearer'),
  expires_in: z.number({ error: 'expires_in is missing' }).positive('expires_in is not positive'),
  refresh_token: z.string().min(1).optional(),
  scope: z.string().optional(),
  id_token: z.string().optional(),
});
export type TokenResponse = z.infer<typeof tokenResultSchema>;

/** Names of the fields of a token answer that hold secrets (for scrubbing). */
export const SECRET_RESPONSE_FIELDS = ['access_token', 'refresh_token', 'id_token', 'device_code'] as const;

/** @internal Builds the redacting token object. */
export function makeIdpToken(
  response: TokenResponse,
  now: number,
  idTokenClaims: Record<string, unknown> | undefined,
): IdpToken {
  const token: IdpToken = {
    accessToken: response.access_token,
    tokenType: 'Bearer',
    expiresAt: new Date(now + response.expires_in * 1000),
    ...(response.refresh_token === undefined ? {} : { refreshToken: response.refresh_token }),
    ...(response.scope === undefined ? {} : { scope: response.scope }),
    ...(idTokenClaims === undefined ? {} : { idTokenClaims }),
  };
  return redactable(token, ['accessToken', 'refreshToken'], 'IdpToken');
}

/** @internal Adds `via` while keeping the redaction. */
export function withVia(token: IdpToken, via: RenewedIdpToken['via']): RenewedIdpToken {
  return redactable({ ...token, via }, ['accessToken', 'refreshToken'], 'IdpToken');
}
