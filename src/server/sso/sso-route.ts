import type { Hono } from 'hono';
import type { JWTPayload } from 'jose';
import * as z from 'zod';
import type { ServerContext, ServerEnv } from '../context.js';
import type { ServerCertificateAuthority } from '../ca.js';
import { isCsrError } from '../../x509/index.js';
import type { ServerIdpSettings } from '../store/types.js';
import { isIdpTokenError, isIdpUnavailableError } from './idp-token-errors.js';
import { bearerToken, createIdpTokenVerifier, type IdpTokenVerifier } from './idp-token-verifier.js';
import type { ResolvedSsoAndKeyOptions } from '../options.js';
import { readBodyBytes } from '../http-util.js';
import { jsonNoStore, problem } from './responses.js';

const ssoBodySchema = z.object({ csr: z.string().min(1).max(64 * 1024) });

/** The limit for an SSO body: a 16384-bit CSR is ~5 KB of PEM. */
const SSO_BODY_LIMIT = 64 * 1024;

const SSO_PATH = /^\/[^/]+\/api\/v3\/scim\/sso$/;

/**
 * The answer to `POST /{another customer id}/api/v3/scim/sso` (called where no route matched): the SSO
 * endpoint's 404 naming the customer id, or undefined for any other request.
 */
export function unknownCustomerSso(method: string, path: string): Response | undefined {
  if (method !== 'POST' || !SSO_PATH.test(path)) return undefined;
  return problem(404, 'not_found', 'No Ubiq customer with this id: use the customer id of the Ubiq SCIM URL.');
}

/**
 * Registers `POST {SCIM base}/sso` (ARCHITECTURE.md, SSO exchange): IdP access token (Bearer) + `{"csr": PEM}` →
 * `{"api_cert", "public_value", "signing_value"}`.
 *
 * Order of checks, so each refusal names one cause: customer id (404) → IdP integration enabled and
 * configured (403) → token (401; 503 when the IdP's keys cannot be fetched) → SCIM user and its
 * auto-provisioned key (403) → body and CSR (400). `public_value`/`signing_value` are the key's
 * `accessKeyId`/`secretSigningKey`, which never change while the key lives, so they stay valid across
 * certificate renewals (the official Node client keeps the first ones).
 */
export function registerSsoRoute(
  app: Hono<ServerEnv>,
  ctx: ServerContext,
  options: ResolvedSsoAndKeyOptions,
  ca: () => Promise<ServerCertificateAuthority>,
): void {
  let cached: { key: string; verifier: IdpTokenVerifier } | undefined;
  // The admin API edits the settings in place: build a verifier per distinct setting, reuse it otherwise
  // (it holds the discovery and JWKS caches).
  const verifierFor = (idp: ServerIdpSettings & { discoveryUrl: string; issuer: string; audience: string }): IdpTokenVerifier => {
    const key = JSON.stringify([idp.discoveryUrl, idp.issuer, idp.audience, idp.usernameClaim ?? null, idp.allowedClientIds, idp.requiredScope ?? null]);
    if (cached?.key !== key) {
      cached = {
        key,
        verifier: createIdpTokenVerifier({
          discoveryUrl: idp.discoveryUrl,
          issuer: idp.issuer,
          audience: idp.audience,
          ...(idp.usernameClaim === undefined ? {} : { usernameClaims: [idp.usernameClaim] }),
          clientIds: [...idp.allowedClientIds],
          ...(idp.requiredScope === undefined ? {} : { requiredScope: idp.requiredScope }),
          clockToleranceSeconds: options.clockSkewSeconds,
          now: () => ctx.now().getTime(),
          timeoutMs: options.idpTimeoutMs,
          jwksCooldownMs: options.jwksCooldownMs,
          ...(options.idpFetch === undefined ? {} : { fetch: options.idpFetch }),
        }),
      };
    }
    return cached.verifier;
  };

  // The customer id is part of the registered path (as for the SCIM routes), not a `:customerId` parameter: a
  // parameter in the first segment next to the `/api/v0/…` routes makes hono's RegExpRouter refuse the route
  // table, and every request then goes through the slower TrieRouter. Another customer id: see unknownCustomerSso.
  app.post(`/${ctx.options.customerId}/api/v3/scim/sso`, async (c) => {
    const idp = ctx.settings.idp;
    if (!idp.enabled) {
      return problem(403, 'idp_integration_disabled', 'The IdP integration is disabled for this Ubiq account.', {
        hint: 'Enable IDP Integration on the account page (IDP Integration setup) of the Ubiq UI.',
      });
    }
    const { discoveryUrl, issuer, audience } = idp;
    if (discoveryUrl === undefined || issuer === undefined || audience === undefined) {
      return problem(403, 'idp_not_configured', 'The IdP integration is not configured for this Ubiq account.', {
        hint: 'Enter the OpenID Connect Discovery URL, IDP Token Issuer and IDP Token Audience in the Ubiq IDP Settings window.',
      });
    }

    let username: string;
    let claims: JWTPayload;
    try {
      const token = bearerToken(c.req.header('authorization'));
      ({ username, claims } = await verifierFor({ ...idp, discoveryUrl, issuer, audience }).verify(token, { signal: c.req.raw.signal }));
    } catch (error) {
      if (isIdpTokenError(error)) {
        return problem(401, 'invalid_token', error.message, { reason: error.reason, ...(error.hint ? { hint: error.hint } : {}) }, {
          'www-authenticate': `Bearer error="invalid_token", error_description="${error.reason}"`,
        });
      }
      if (isIdpUnavailableError(error)) {
        ctx.logger.warn('sso: IdP keys unavailable', { discoveryUrl });
        return problem(503, 'idp_unavailable', error.message, { hint: error.hint });
      }
      throw error;
    }

    const user = ctx.store.findUserByUserName(username);
    if (user === undefined) {
      return problem(403, 'unknown_user', 'No SCIM-provisioned Ubiq user matches the user named by the IdP token.', {
        reason: 'user_not_found',
        hint: 'Assign the user to the SCIM application in the IdP (Okta: Assignments; Entra: Users and groups) and let provisioning run.',
      });
    }
    const bindingClaim = idp.externalIdClaim ?? (typeof claims.tid === 'string' ? undefined : 'uid');
    if (bindingClaim !== false && bindingClaim !== undefined && user.externalId !== undefined && claims[bindingClaim] !== user.externalId) {
      // Same name, another person: the IdP account that got this token is not the one provisioned under this name.
      return problem(403, 'user_mismatch', `The IdP token's ${bindingClaim} is not the externalId the IdP provisioned for this user.`, {
        reason: 'external_id_mismatch',
        hint: `The user named by the token is not the directory user SCIM provisioned under that name. If the provisioning mapping sends another attribute as externalId, set "externalIdClaim" in the Ubiq IDP Settings (or false to turn the check off).`,
      });
    }
    if (!user.active) {
      return problem(403, 'user_inactive', 'The Ubiq user is deactivated (SCIM active: false).', { reason: 'user_inactive' });
    }
    const key = ctx.store.findApiKeyByUserId(user.id);
    if (key === undefined || !key.autoProvisioned) {
      return problem(403, 'no_api_key', 'The Ubiq user has no auto-provisioned API key.', { reason: 'api_key_not_found' });
    }
    if (!key.enabled) {
      return problem(403, 'api_key_disabled', "The user's auto-provisioned API key is disabled.", { reason: 'api_key_disabled' });
    }

    const bytes = await readBodyBytes(c.req.raw, SSO_BODY_LIMIT);
    if (bytes === undefined) return problem(413, 'body_too_large', `The request body is larger than ${SSO_BODY_LIMIT} bytes.`);
    let json: unknown;
    try {
      json = JSON.parse(Buffer.from(bytes).toString('utf8'));
    } catch {
      return problem(400, 'invalid_request', 'The body must be JSON: {"csr": "<PEM>"}.', { reason: 'invalid_json' });
    }
    const body = ssoBodySchema.safeParse(json);
    if (!body.success) return problem(400, 'invalid_request', 'The body must be {"csr": "<PEM certificate signing request>"}.', { reason: 'missing_csr' });

    const authority = await ca();
    let certificatePem: string;
    try {
      certificatePem = await authority.issueFromCsr(body.data.csr, { accessKeyId: key.accessKeyId }, ctx.now());
    } catch (error) {
      if (isCsrError(error)) {
        return problem(400, 'invalid_csr', error.message, { reason: error.code.replace(/^csr_/, ''), ...(error.hint ? { hint: error.hint } : {}) });
      }
      throw error;
    }
    ctx.logger.info?.('sso: certificate issued', { user: user.userName, accessKeyId: key.accessKeyId });
    return jsonNoStore(200, { api_cert: certificatePem, public_value: key.accessKeyId, signing_value: key.secretSigningKey });
  });
}
