import { errorGuard, UbiqIdpError } from '../../errors.js';
import type { IdpTokenErrorCode, IdpTokenVerifierOptionsErrorCode, IdpUnavailableErrorCode } from '../../error-codes.js';

export type { IdpTokenErrorCode, IdpTokenVerifierOptionsErrorCode, IdpUnavailableErrorCode } from '../../error-codes.js';

/**
 * Why an IdP access token was refused. Stable: the SSO endpoint returns it as `reason`, tests and
 * clients may match on it.
 */
export type IdpTokenFailureReason =
  | 'missing'
  | 'malformed'
  | 'unsupported_algorithm'
  | 'unknown_key'
  | 'bad_signature'
  | 'expired'
  | 'not_yet_valid'
  | 'wrong_issuer'
  | 'wrong_audience'
  | 'foreign_tenant'
  | 'wrong_client'
  | 'insufficient_scope'
  | 'no_username';

const HINTS: Record<IdpTokenFailureReason, string> = {
  missing: 'Send the IdP access token as "Authorization: Bearer <token>".',
  malformed: 'Send the access token exactly as the IdP token endpoint returned it (a signed JWT).',
  unsupported_algorithm:
    'Only tokens signed by the IdP with an asymmetric key (RS256, PS256, ES256, ...) are accepted; unsigned or HMAC tokens never are.',
  unknown_key:
    'The token was not signed by a key of the IdP named by "OpenID Connect Discovery URL" in the Ubiq IDP Settings. Okta: use the discovery URL of the authorization server that issues the token (the org server publishes no key for its access tokens; use a custom authorization server).',
  bad_signature: 'The token was altered after the IdP signed it; request a new one.',
  expired: 'The token has expired; request a new one from the IdP (the credential provider does this itself).',
  not_yet_valid: "The token is not valid yet (nbf/iat in the future): check the clocks of this server and the IdP's.",
  wrong_issuer:
    'The token\'s issuer differs from "IDP Token Issuer" in the Ubiq IDP Settings (Entra: https://sts.windows.net/TENANT_ID/ for api:// tokens; Okta: the authorization server\'s issuer URL).',
  wrong_audience:
    'The token\'s audience differs from "IDP Token Audience" in the Ubiq IDP Settings (Entra: the Application ID URI under "Expose an API"; Okta: the audience of the authorization server).',
  foreign_tenant: "The token was issued by another Entra tenant than the one in the Ubiq IDP Settings' \"IDP Token Issuer\".",
  wrong_client:
    'The token was issued to another OAuth client (app) of the IdP than the Ubiq app: request it with the client id of the Ubiq app (Okta: the OIDC app of the setup document; Entra: the app registration), or add that client id to "Allowed client IDs" in the Ubiq IDP Settings.',
  insufficient_scope: 'The token lacks the scope the Ubiq IDP Settings require ("Required scope"): request it with that scope.',
  no_username:
    'The token carries no user name claim (Okta: sub; Entra: upn, unique_name or preferred_username). Entra: request the token for the API of your application (scope api://.../.default).',
};

const MESSAGES: Record<IdpTokenFailureReason, string> = {
  missing: 'No IdP access token was sent',
  malformed: 'The IdP access token is not a well-formed signed JWT',
  unsupported_algorithm: 'The IdP access token uses a signature algorithm that is not accepted',
  unknown_key: "The IdP access token was signed by a key that is not in the IdP's JWKS",
  bad_signature: "The IdP access token's signature does not verify",
  expired: 'The IdP access token has expired',
  not_yet_valid: 'The IdP access token is not valid yet',
  wrong_issuer: 'The IdP access token was issued by an unexpected issuer',
  wrong_audience: 'The IdP access token is meant for another audience',
  foreign_tenant: 'The IdP access token comes from another tenant',
  wrong_client: 'The IdP access token was issued to another client than the Ubiq app',
  insufficient_scope: 'The IdP access token lacks the required scope',
  no_username: 'The IdP access token names no user',
};

/**
 * An IdP access token was refused. `reason` says why; the message never contains the token.
 */
export class IdpTokenError extends UbiqIdpError<IdpTokenErrorCode> {
  static override readonly errorName = 'IdpTokenError';
  readonly reason: IdpTokenFailureReason;

  constructor(reason: IdpTokenFailureReason, options: { detail?: string; cause?: unknown } = {}) {
    super('idp_token_rejected', options.detail ? `${MESSAGES[reason]}: ${options.detail}` : MESSAGES[reason], {
      hint: HINTS[reason],
      cause: options.cause,
    });
    this.reason = reason;
  }
}

/** True when `value` is an `IdpTokenError`, also one made by another copy of this package. */
export const isIdpTokenError = errorGuard<IdpTokenError>('IdpTokenError');

/**
 * The IdP's discovery document or JWKS could not be fetched or parsed: not the token's fault, so the
 * SSO endpoint answers 503 rather than 401.
 */
export class IdpUnavailableError extends UbiqIdpError<IdpUnavailableErrorCode> {
  static override readonly errorName = 'IdpUnavailableError';
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('idp_unavailable', message, {
      hint: 'Check "OpenID Connect Discovery URL" in the Ubiq IDP Settings and that this server can reach the IdP.',
      cause: options.cause,
    });
  }
}

/** True when `value` is an `IdpUnavailableError`, also one made by another copy of this package. */
export const isIdpUnavailableError = errorGuard<IdpUnavailableError>('IdpUnavailableError');

/**
 * `createIdpTokenVerifier` was given options it cannot verify with (an `algorithms` list with no
 * asymmetric JWS algorithm). Thrown when the verifier is created, never for a token.
 *
 * @example
 * try { createIdpTokenVerifier({ discoveryUrl, issuer, audience, algorithms: [] }); } catch (error) { if (isIdpTokenVerifierOptionsError(error)) console.error(error.hint); }
 */
export class IdpTokenVerifierOptionsError extends UbiqIdpError<IdpTokenVerifierOptionsErrorCode> {
  static override readonly errorName = 'IdpTokenVerifierOptionsError';
  constructor(message: string, hint: string) {
    super('idp_token_verifier_options_invalid', message, { hint });
  }
}

/** True when `value` is an `IdpTokenVerifierOptionsError`, also one made by another copy of this package. */
export const isIdpTokenVerifierOptionsError = errorGuard<IdpTokenVerifierOptionsError>('IdpTokenVerifierOptionsError');
