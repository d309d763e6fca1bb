/**
 * The one clock convention of this package: a function returning the current time in milliseconds since
 * the epoch, like `Date.now`. Every `now` option (credential providers, IdP grants, request signing and
 * verification, retries, the reference server, the token verifier) takes one, so tests move time by
 * passing their own; the emulators' controllable clock exposes one as `clock.now`.
 *
 * @example
 * const frozen: Clock = () => Date.parse('2030-01-01T00:00:00Z');
 * signUbiqRequest({ method: 'GET', url, credentials, now: frozen });
 */
export type Clock = () => number;

/**
 * @internal Milliseconds since the epoch from a `now` option that may still be in the 0.1 form (a `Date`
 * or an epoch-ms number, deprecated) rather than a {@link Clock}; `Date.now()` when absent.
 */
export function epochMillisOf(now: Clock | Date | number | undefined): number {
  if (now === undefined) return Date.now();
  if (typeof now === 'function') return now();
  return typeof now === 'number' ? now : now.getTime();
}
