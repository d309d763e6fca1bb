import * as oidc from 'openid-client';
import type { IdpSettings } from '../config/types.js';
import { describeUrl } from '../http/index.js';
import type { FetchIdpTokenOptions } from './grant.js';
import { toIdpError } from './map-error.js';
import { openIdpClient } from './oidc-client.js';

/** What {@link revokeRefreshToken} did. */
export type RevokeResult =
  | { revoked: true; endpoint: string }
  /** The IdP's discovery document advertises no `revocation_endpoint` (Microsoft Entra ID has none). */
  | { revoked: false; reason: 'no_revocation_endpoint' };

/**
 * Revokes a refresh token at the IdP (RFC 7009) through the `revocation_endpoint` its OpenID Connect
 * discovery document advertises (Okta: `…/oauth2/v1/revoke`). Microsoft Entra ID advertises none: there
 * a refresh token ends only when it expires or an administrator revokes the user's sessions, and this
 * returns `{ revoked: false, reason: 'no_revocation_endpoint' }`. Failures throw an `IdpError`; the
 * token never appears in it.
 *
 * @example
 * const result = await revokeRefreshToken(settings, refreshToken);
 * if (!result.revoked) console.log('this IdP cannot revoke tokens');
 */
export async function revokeRefreshToken(settings: IdpSettings, refreshToken: string, options: FetchIdpTokenOptions = {}): Promise<RevokeResult> {
  const client = await openIdpClient(settings, 'refresh_token', options, [refreshToken]);
  try {
    const endpoint = client.config.serverMetadata().revocation_endpoint;
    if (endpoint === undefined) return { revoked: false, reason: 'no_revocation_endpoint' };
    try {
      await oidc.tokenRevocation(client.config, refreshToken, { token_type_hint: 'refresh_token' });
    } catch (error) {
      throw await toIdpError(error, client.lastStatus(), client.context, options.signal);
    }
    return { revoked: true, endpoint: describeUrl(endpoint) };
  } finally {
    await client.close();
  }
}
