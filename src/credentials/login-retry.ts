import { isIdpError, type IdpErrorCode } from '../idp/errors.js';

/**
 * IdP failures that heal by themselves: rate limits, outages and the network. Everything else either
 * needs a person (wrong password, revoked secret: retrying locks accounts) or is a mistake in the
 * setup or the answer that the same request will meet again.
 */
const TRANSIENT: ReadonlySet<IdpErrorCode> = new Set<IdpErrorCode>(['rate_limited', 'idp_unavailable', 'network_error', 'timeout']);

/**
 * @internal True when a failed login is worth retrying while callers wait: the IdP rate-limited us, was
 * unavailable (5xx), or could not be reached in time.
 */
export function isTransientLoginError(error: unknown): boolean {
  return isIdpError(error) && TRANSIENT.has(error.code);
}

/** @internal The wait the IdP asked for (`Retry-After` / `X-Rate-Limit-Reset`), in ms, when it said one. */
export function askedRetryDelayMs(error: unknown): number | undefined {
  if (!isIdpError(error)) return undefined;
  const asked = error.retryAfterMs;
  return asked !== undefined && Number.isFinite(asked) && asked >= 0 ? asked : undefined;
}
