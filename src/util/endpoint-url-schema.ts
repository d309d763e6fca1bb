// checkEndpointUrl() as a zod schema, in a module of its own: the URL check itself is on the path of every
// import of ubiq-idp, and zod is not.
import * as z from 'zod';
import { checkEndpointUrl } from './endpoint-url.js';

/**
 * {@link checkEndpointUrl} as a zod schema (for option objects and HTTP bodies): the normalised URL, or
 * an issue per problem.
 *
 * @example
 * const discoveryUrl = endpointUrlSchema('url', { allowInsecureHttp: true }).parse(body.discoveryUrl);
 */
export function endpointUrlSchema(kind: 'server' | 'url', options: { allowInsecureHttp: boolean }): z.ZodType<string, string> {
  return z.string().transform((value, ctx) => {
    const checked = checkEndpointUrl(kind, value, options);
    if (checked.url !== undefined) return checked.url;
    for (const problem of checked.problems) ctx.addIssue({ code: 'custom', message: problem.message });
    return z.NEVER;
  });
}
