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

// Exported by ubiq-idp through idp/index.ts, which loads this module on its first call (the TSDoc is there).
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
