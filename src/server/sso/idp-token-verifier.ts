import {
  createRemoteJWKSet,
  customFetch,
  decodeJwt,
  decodeProtectedHeader,
  errors as joseErrors,
  jwtVerify,
  type JWTPayload,
} from 'jose';
import * as z from 'zod';
import { IdpTokenError, IdpTokenVerifierOptionsError, IdpUnavailableError } from './idp-token-errors.js';
import type { Clock } from '../../util/clock.js';

/** A `fetch` the verifier uses for the discovery document and the JWKS (tests inject one). */
export type VerifierFetch = (input: string, init: RequestInit) => Promise<Response>;

/** Signature algorithms an IdP may use. Symmetric (HS*) and `none` are never accepted. */
export type AsymmetricJwsAlgorithm =
  | 'RS256'
  | 'RS384'
  | 'RS512'
  | 'PS256'
  | 'PS384'
  | 'PS512'
  | 'ES256'
  | 'ES384'
  | 'ES512'
  | 'EdDSA'
  | 'Ed25519';

const ASYMMETRIC: readonly AsymmetricJwsAlgorithm[] = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519'];

/** Options of `createIdpTokenVerifier`: the three IdP Settings of the Ubiq UI plus knobs for tests. */
export interface IdpTokenVerifierOptions {
  /** "OpenID Connect Discovery URL": its `jwks_uri` names the keys that sign the tokens. */
  discoveryUrl: string;
  /** "IDP Token Issuer": the exact `iss` expected (Entra api:// tokens: `https://sts.windows.net/{tid}/`). */
  issuer: string;
  /** "IDP Token Audience": the `aud` expected (Entra: Application ID URI). Several may be given. */
  audience: string | readonly string[];
  /**
   * Claims that hold the user name, tried in order. Default: `upn`, `unique_name`, `preferred_username`
   * when the token is an Entra token (it has `tid`), else `sub` (Okta puts the login in `sub`).
   */
  usernameClaims?: readonly string[];
  /**
   * Client ids whose tokens are accepted, compared with the token's client claim: Okta `cid`, Entra `azp`
   * (v2 tokens) or `appid` (v1). Default: any client (every app of the org or tenant gets tokens with the
   * same issuer and audience, so give the Ubiq app's client id).
   */
  clientIds?: readonly string[];
  /** A scope the token must carry in `scp`. Default: none required. */
  requiredScope?: string;
  /** Entra directory (tenant) id expected in `tid`. Default: the GUID found in `issuer`, if any. */
  tenantId?: string;
  /** Allowed algorithms (a subset of the asymmetric ones). Default: all asymmetric ones. */
  algorithms?: readonly AsymmetricJwsAlgorithm[];
  /** Tolerance for `exp`/`nbf`/`iat`, seconds. Default 60. */
  clockToleranceSeconds?: number;
  /** Current time, epoch ms. Default `Date.now`. */
  now?: Clock;
  fetch?: VerifierFetch;
  /** Timeout of each discovery/JWKS request, ms. Default 5000. */
  timeoutMs?: number;
  /** How long a fetched discovery document is reused, ms. Default one hour. */
  discoveryCacheMs?: number;
  /** Keys are re-fetched after this long anyway, ms. Default 10 minutes. */
  jwksCacheMaxAgeMs?: number;
  /**
   * A token with an unknown `kid` triggers a JWKS re-fetch (that is how an IdP key rotation is picked up
   * without a restart), but at most once per this many ms, so forged kids cannot hammer the IdP. Default 30 s.
   */
  jwksCooldownMs?: number;
}

/** A token that passed every check. */
export interface VerifiedIdpToken {
  /** The user name the token names: match it against SCIM `userName` (case-insensitively). */
  username: string;
  /** Which claim `username` came from. */
  usernameClaim: string;
  /** The OAuth client the token was issued to (Okta `cid`, Entra `azp`/`appid`), when the token names one. */
  clientId: string | undefined;
  claims: JWTPayload;
}

/** Verifies IdP access tokens for the SSO endpoint. See `createIdpTokenVerifier`. */
export interface IdpTokenVerifier {
  /** Resolves with the verified token or rejects with `IdpTokenError` (401) or `IdpUnavailableError` (503). */
  verify(token: string | undefined, options?: { signal?: AbortSignal }): Promise<VerifiedIdpToken>;
}

const discoverySchema = z.object({ jwks_uri: z.url({ protocol: /^https?$/ }) });
const MAX_TOKEN_LENGTH = 16 * 1024;
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;
const TENANT_IN_ISSUER = /([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})/i;
const ENTRA_CLAIMS = ['upn', 'unique_name', 'preferred_username'] as const;

/**
 * Reads the token from an `Authorization` header value. Throws `IdpTokenError` `missing` when there is
 * none and `malformed` when the scheme is not Bearer.
 *
 * @example
 * const token = bearerToken(request.headers.get('authorization'));
 */
export function bearerToken(header: string | null | undefined): string {
  if (header === null || header === undefined || header.trim() === '') throw new IdpTokenError('missing');
  const match = /^Bearer[ ]+(\S+)\s*$/i.exec(header.trim());
  if (match?.[1] === undefined) throw new IdpTokenError('malformed', { detail: 'the Authorization header is not "Bearer <token>"' });
  return match[1];
}

/**
 * Creates a verifier of IdP access tokens: the keys come from the `jwks_uri` of the discovery document
 * (fetched lazily and cached; an unknown `kid` re-fetches the JWKS, so an IdP key rotation is picked up
 * without a restart), and the token must carry the configured issuer and audience, be signed with an
 * asymmetric algorithm and be within its validity window (with a small clock tolerance).
 *
 * @example
 * const verifier = createIdpTokenVerifier({
 *   discoveryUrl: 'https://login.microsoftonline.com/{tid}/v2.0/.well-known/openid-configuration',
 *   issuer: 'https://sts.windows.net/{tid}/',
 *   audience: 'api://6731de76-14a6-49ae-97bc-6eba6914391e',
 * });
 * const { username } = await verifier.verify(bearerToken(request.headers.get('authorization')));
 */
export function createIdpTokenVerifier(options: IdpTokenVerifierOptions): IdpTokenVerifier {
  const fetchImpl: VerifierFetch = options.fetch ?? ((input, init) => fetch(input, init));
  const now = options.now ?? Date.now;
  const timeoutMs = options.timeoutMs ?? 5_000;
  const discoveryCacheMs = options.discoveryCacheMs ?? 3_600_000;
  const algorithms = [...(options.algorithms ?? ASYMMETRIC)].filter((alg) => ASYMMETRIC.includes(alg));
  if (algorithms.length === 0) {
    throw new IdpTokenVerifierOptionsError('createIdpTokenVerifier: algorithms names no asymmetric JWS algorithm.', `Pass some of ${ASYMMETRIC.join(', ')} (or leave algorithms out to accept all of them); HMAC and "none" are never accepted.`);
  }
  const tolerance = options.clockToleranceSeconds ?? 60;
  const audiences = typeof options.audience === 'string' ? [options.audience] : [...options.audience];
  const expectedTenant = (options.tenantId ?? TENANT_IN_ISSUER.exec(options.issuer)?.[1])?.toLowerCase();

  let discovered: { jwksUri: string; at: number; jwks: ReturnType<typeof createRemoteJWKSet> } | undefined;
  let pendingDiscovery: Promise<ReturnType<typeof createRemoteJWKSet>> | undefined;

  // Shared by concurrent callers, so it runs on its own timeout rather than one caller's signal.
  const loadDiscovery = async () => {
    let response: Response;
    try {
      response = await fetchImpl(options.discoveryUrl, {
        method: 'GET',
        headers: { accept: 'application/json' },
        signal: AbortSignal.timeout(timeoutMs),
        redirect: 'manual',
      });
    } catch (cause) {
      throw new IdpUnavailableError(`Could not fetch the OpenID Connect discovery document ${options.discoveryUrl}`, { cause });
    }
    if (response.status !== 200) {
      await response.body?.cancel();
      throw new IdpUnavailableError(`The OpenID Connect discovery document ${options.discoveryUrl} answered HTTP ${response.status}`);
    }
    const parsed = discoverySchema.safeParse(await response.json().catch(() => undefined));
    if (!parsed.success) throw new IdpUnavailableError(`The OpenID Connect discovery document ${options.discoveryUrl} has no valid jwks_uri`);
    const jwksUri = parsed.data.jwks_uri;
    if (discovered?.jwksUri === jwksUri) {
      discovered.at = now();
      return discovered.jwks;
    }
    const jwks = createRemoteJWKSet(new URL(jwksUri), {
      timeoutDuration: timeoutMs,
      cacheMaxAge: options.jwksCacheMaxAgeMs ?? 600_000,
      cooldownDuration: options.jwksCooldownMs ?? 30_000,
      [customFetch]: (url: string, init: RequestInit) => fetchImpl(url, init),
    });
    discovered = { jwksUri, at: now(), jwks };
    return jwks;
  };

  const keySet = async (signal?: AbortSignal) => {
    if (discovered !== undefined && now() - discovered.at < discoveryCacheMs) return discovered.jwks;
    // One discovery fetch in flight, shared; a failure is not cached.
    const shared = (pendingDiscovery ??= loadDiscovery().finally(() => {
      pendingDiscovery = undefined;
    }));
    if (signal === undefined) return shared;
    // A caller that gives up stops waiting; the shared fetch goes on for the others.
    const aborted = () => new IdpUnavailableError('The request was aborted while the IdP discovery document was being fetched');
    if (signal.aborted) throw aborted();
    return new Promise<Awaited<typeof shared>>((resolve, reject) => {
      const onAbort = () => reject(aborted());
      signal.addEventListener('abort', onAbort, { once: true });
      shared.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
    });
  };

  const usernameOf = (claims: JWTPayload): { username: string; usernameClaim: string } => {
    const names = options.usernameClaims ?? (typeof claims.tid === 'string' ? ENTRA_CLAIMS : ['sub']);
    for (const claim of names) {
      const value = claims[claim];
      if (typeof value === 'string' && value.trim() !== '') return { username: value.trim(), usernameClaim: claim };
    }
    throw new IdpTokenError('no_username', { detail: `none of ${names.join(', ')} is present` });
  };

  const clientIds = options.clientIds === undefined ? undefined : new Set(options.clientIds);
  const clientOf = (claims: JWTPayload): string | undefined => {
    const names = typeof claims.tid === 'string' ? ['azp', 'appid'] : ['cid', 'azp'];
    for (const name of names) if (typeof claims[name] === 'string') return claims[name];
    return undefined;
  };
  const checkClientAndScope = (claims: JWTPayload): string | undefined => {
    const clientId = clientOf(claims);
    if (clientIds !== undefined && clientIds.size > 0 && (clientId === undefined || !clientIds.has(clientId))) {
      throw new IdpTokenError('wrong_client', { detail: clientId === undefined ? 'the token names no client (cid, azp or appid)' : `client ${JSON.stringify(clientId.slice(0, 64))}` });
    }
    if (options.requiredScope !== undefined) {
      const scp = claims.scp;
      const scopes = Array.isArray(scp) ? scp : typeof scp === 'string' ? scp.split(' ') : [];
      if (!scopes.includes(options.requiredScope)) throw new IdpTokenError('insufficient_scope', { detail: `scope ${JSON.stringify(options.requiredScope)} is missing` });
    }
    return clientId;
  };

  const checkTenant = (claims: JWTPayload) => {
    if (expectedTenant !== undefined && typeof claims.tid === 'string' && claims.tid.toLowerCase() !== expectedTenant) {
      throw new IdpTokenError('foreign_tenant');
    }
  };

  return {
    async verify(token, verifyOptions = {}) {
      if (token === undefined || token === '') throw new IdpTokenError('missing');
      if (token.length > MAX_TOKEN_LENGTH || !COMPACT_JWS.test(token)) throw new IdpTokenError('malformed');
      let alg: unknown;
      try {
        alg = decodeProtectedHeader(token).alg;
        decodeJwt(token);
      } catch (cause) {
        throw new IdpTokenError('malformed', { cause: describe(cause) });
      }
      if (typeof alg !== 'string' || !(algorithms as readonly string[]).includes(alg)) {
        throw new IdpTokenError('unsupported_algorithm', { detail: `alg ${JSON.stringify(String(alg)).slice(0, 40)}` });
      }
      const jwks = await keySet(verifyOptions.signal);
      let claims: JWTPayload;
      try {
        ({ payload: claims } = await jwtVerify(token, jwks, {
          issuer: options.issuer,
          audience: audiences,
          algorithms,
          clockTolerance: tolerance,
          currentDate: new Date(now()),
          requiredClaims: ['exp'],
        }));
      } catch (error) {
        throw mapJoseError(error, token, checkTenant);
      }
      checkTenant(claims);
      if (typeof claims.iat === 'number' && claims.iat > now() / 1000 + tolerance) throw new IdpTokenError('not_yet_valid', { detail: 'iat is in the future' });
      const clientId = checkClientAndScope(claims);
      return { ...usernameOf(claims), clientId, claims };
    },
  };
}

/** A cause that names the jose error without echoing any token material. */
function describe(error: unknown): Error {
  return new Error(error instanceof Error ? `${error.name}${'code' in error ? ` (${String(error.code)})` : ''}` : 'unknown error');
}

function mapJoseError(error: unknown, token: string, checkTenant: (claims: JWTPayload) => void): Error {
  const cause = describe(error);
  if (error instanceof joseErrors.JWTExpired) return new IdpTokenError('expired', { cause });
  if (error instanceof joseErrors.JWTClaimValidationFailed) {
    if (error.claim === 'iss' || error.claim === 'aud') {
      try {
        checkTenant(decodeJwt(token));
      } catch (tenantError) {
        return tenantError as Error;
      }
    }
    if (error.claim === 'iss') return new IdpTokenError('wrong_issuer', { cause });
    if (error.claim === 'aud') return new IdpTokenError('wrong_audience', { cause });
    if (error.claim === 'nbf' || error.claim === 'iat') return new IdpTokenError('not_yet_valid', { cause });
    return new IdpTokenError('malformed', { detail: `claim ${error.claim} is invalid`, cause });
  }
  if (error instanceof joseErrors.JWSSignatureVerificationFailed) return new IdpTokenError('bad_signature', { cause });
  if (error instanceof joseErrors.JWKSNoMatchingKey || error instanceof joseErrors.JWKSMultipleMatchingKeys) {
    return new IdpTokenError('unknown_key', { cause });
  }
  if (error instanceof joseErrors.JOSEAlgNotAllowed || error instanceof joseErrors.JOSENotSupported) {
    return new IdpTokenError('unsupported_algorithm', { cause });
  }
  if (error instanceof joseErrors.JWSInvalid || error instanceof joseErrors.JWTInvalid) return new IdpTokenError('malformed', { cause });
  if (error instanceof joseErrors.JWKSTimeout || error instanceof joseErrors.JWKSInvalid || error instanceof joseErrors.JOSEError) {
    return new IdpUnavailableError("Could not load the IdP's signing keys (JWKS)", { cause });
  }
  return new IdpUnavailableError("Could not verify the token against the IdP's keys", { cause });
}
