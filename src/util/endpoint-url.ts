import { HOW_TO_ALLOW_HTTP } from './insecure-http.js';

/** The Ubiq API the official clients use when no `SERVER` is given. */
export const DEFAULT_SERVER = 'https://api.ubiqsecurity.com';

/** Why a server or endpoint URL is refused (also the `code` of the config loader's problem). */
export type EndpointUrlProblemCode = 'not_absolute_url' | 'invalid_url' | 'insecure_http' | 'unsupported_scheme' | 'credentials_in_url' | 'query_in_url';

/** One reason a URL is refused, in words that finish "server …" / "token_endpoint_url …". Never quotes the URL. */
export interface EndpointUrlProblem {
  code: EndpointUrlProblemCode;
  message: string;
}

/** The verdict on a URL: the normalised URL, or every problem found. */
export type EndpointUrlCheck = { url: string; problems: readonly [] } | { url: undefined; problems: readonly EndpointUrlProblem[] };

const HAS_SCHEME = /^[a-z][a-z0-9+.-]*:\/\//i;

/**
 * The one validation of every URL the library accepts for a server or an endpoint: the Ubiq `SERVER`, the
 * IdP token endpoint, an OpenID Connect discovery URL, the reference server's IdP settings. The same value
 * gets the same verdict wherever it is given (a file, an environment variable, an option, the admin API).
 *
 * - `kind: 'server'`: a base URL; `https://` is added when no scheme is given (as the official clients do)
 *   and a trailing `/` is dropped.
 * - `kind: 'url'`: an endpoint, given in full.
 *
 * Refused: not a URL, spaces, a scheme other than https (http only with `allowInsecureHttp`: the requests
 * carry passwords, client secrets and tokens), a user name or password in the URL, a `?query` or `#fragment`.
 *
 * @example
 * checkEndpointUrl('server', 'api.example.com/', { allowInsecureHttp: false }); // { url: 'https://api.example.com', problems: [] }
 * checkEndpointUrl('server', 'http://api.example.com/?q=1#f', { allowInsecureHttp: false }).problems.map((p) => p.code); // ['insecure_http', 'query_in_url']
 */
export function checkEndpointUrl(kind: 'server' | 'url', raw: string, options: { allowInsecureHttp: boolean }): EndpointUrlCheck {
  const refuse = (...problems: EndpointUrlProblem[]): EndpointUrlCheck => ({ url: undefined, problems });
  const value = raw.trim();
  if (!HAS_SCHEME.test(value) && kind === 'url') return refuse({ code: 'not_absolute_url', message: 'must be a full URL starting with https://' });
  let url: URL;
  try {
    url = new URL(HAS_SCHEME.test(value) ? value : `https://${value}`);
  } catch {
    return refuse({ code: 'invalid_url', message: 'is not a valid URL' });
  }
  if (/\s/.test(value)) return refuse({ code: 'invalid_url', message: 'contains spaces, so it is not a valid URL' });
  const problems: EndpointUrlProblem[] = [];
  if (url.protocol === 'http:' && !options.allowInsecureHttp) {
    problems.push({ code: 'insecure_http', message: `uses http://, which would send credentials unencrypted; use https:// (${HOW_TO_ALLOW_HTTP})` });
  } else if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    problems.push({ code: 'unsupported_scheme', message: `uses ${url.protocol}//; it must use https://` });
  }
  if (url.username || url.password) problems.push({ code: 'credentials_in_url', message: 'contains a user name or password; remove it from the URL' });
  if (url.search || url.hash) problems.push({ code: 'query_in_url', message: 'has a ?query or #fragment; give the plain URL' });
  if (problems.length > 0) return refuse(...problems);
  const path = url.pathname.replace(/\/+$/, '');
  return { url: kind === 'server' ? `${url.origin}${path}` : `${url.origin}${url.pathname}`, problems: [] };
}
