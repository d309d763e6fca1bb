import process from 'node:process';

/** The environment variable that allows `http://` endpoints, for local emulators (`1`, `true` or `yes`). */
export const ALLOW_INSECURE_HTTP_ENV = 'UBIQ_ALLOW_INSECURE_HTTP';

/** How to allow `http://`, for the messages that refuse it. */
export const HOW_TO_ALLOW_HTTP =
  `for a local emulator only, allow http:// with the option allowInsecureHttp: true, ${ALLOW_INSECURE_HTTP_ENV}=1 in the environment, or the CLI's --allow-http`;

/**
 * The one decision whether `http://` endpoints (IdP token endpoint and discovery, Ubiq server) are
 * allowed: when the `allowInsecureHttp` option is true, or `UBIQ_ALLOW_INSECURE_HTTP` is `1`/`true`/`yes`.
 * Everything that talks to an endpoint asks this, so the option and the variable mean the same everywhere.
 *
 * @example
 * allowsInsecureHttp(undefined, { UBIQ_ALLOW_INSECURE_HTTP: '1' }); // true
 * allowsInsecureHttp(undefined, {}); // false
 */
export function allowsInsecureHttp(option: boolean | undefined, env: Record<string, string | undefined> = process.env): boolean {
  if (option === true) return true;
  const value = env[ALLOW_INSECURE_HTTP_ENV]?.trim().toLowerCase();
  return value === '1' || value === 'true' || value === 'yes';
}
