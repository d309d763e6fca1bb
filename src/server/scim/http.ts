// Request/response plumbing shared by the SCIM route modules.
import type { Context } from 'hono';
import type { ServerContext } from '../context.js';
import { bearerMatches, readJsonBody, type JsonBodyResult } from '../http-util.js';
import { SCIM_CONTENT_TYPE, ScimError, badRequest } from './errors.js';
import { etagOf } from './render.js';

export function scimJson(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return scimText(status, JSON.stringify(body), headers);
}

/** A SCIM response whose body is JSON text already written. */
export function scimText(status: number, text: string, headers: Record<string, string> = {}): Response {
  return new Response(text, { status, headers: { 'content-type': SCIM_CONTENT_TYPE, ...headers } });
}

/** 401 unless the request carries the current SCIM secret token (compared in constant time). */
export function requireScimAuth(c: Context, ctx: ServerContext, check: typeof bearerMatches = bearerMatches): void {
  if (!check(c.req.header('authorization'), ctx.settings.scimToken)) {
    throw new ScimError(401, 'Missing or invalid bearer token: use the Ubiq SCIM Secret Token from the IDP Settings window.');
  }
}

const JSON_TYPES = /^application\/(scim\+)?json\s*(;|$)/i;

/** Whether a request body of this Content-Type is read as JSON (absent: yes); other types are refused with 415. */
export function isJsonBodyType(type: string | undefined): boolean {
  return !type || JSON_TYPES.test(type);
}

/** Read a JSON object body (413 over the limit, 415 for non-JSON content types, 400 invalidSyntax). */
export async function readScimBody(c: Context, ctx: ServerContext): Promise<Record<string, unknown>> {
  const type = c.req.header('content-type');
  if (!isJsonBodyType(type)) throw new ScimError(415, `Content-Type "${type!.slice(0, 80)}" is not supported: send application/scim+json or application/json.`);
  return scimBodyOf(await readJsonBody(c.req.raw, ctx.options.bodyLimitBytes));
}

/** A body read as JSON ({@link readJsonBody}, {@link parseJsonBytes}) as a SCIM request body: a JSON object, or a SCIM error. */
export function scimBodyOf(result: JsonBodyResult): Record<string, unknown> {
  if (!result.ok) {
    const f = result.failure;
    if (f.kind === 'too_large') throw new ScimError(413, `The request body is larger than ${f.limit} bytes.`);
    if (f.kind === 'empty') throw badRequest('invalidSyntax', 'The request has no body; send a JSON object.');
    throw badRequest('invalidSyntax', `The request body is not valid JSON: ${f.message}.`);
  }
  if (typeof result.value !== 'object' || result.value === null || Array.isArray(result.value))
    throw badRequest('invalidSyntax', 'The request body must be a JSON object.');
  return result.value as Record<string, unknown>;
}

/** RFC 7644 §3.14: If-Match with a different version → 412. `*` matches anything. */
export function checkIfMatch(c: Context, version: number): void {
  const header = c.req.header('if-match');
  if (!header) return;
  const current = etagOf(version);
  const tags = header.split(',').map((t) => t.trim());
  if (tags.includes('*')) return;
  const strip = (t: string) => t.replace(/^W\//, '');
  if (!tags.some((t) => strip(t) === strip(current)))
    throw new ScimError(412, `The resource changed (current version ${current}); fetch it again and retry with the new ETag.`);
}

/** RFC 9110 §13.1.2: If-None-Match naming the current version (or `*`) means the client's copy is current. */
export function ifNoneMatchHits(c: Context, version: number): boolean {
  const header = c.req.header('if-none-match');
  if (!header) return false;
  const current = etagOf(version).replace(/^W\//, '');
  // Weak comparison, as RFC 9110 requires for If-None-Match.
  return header.split(',').some((tag) => {
    const t = tag.trim();
    return t === '*' || t.replace(/^W\//, '') === current;
  });
}

/** The query parameters the SCIM endpoints read, by lower-cased name (clients send startindex, Count …). */
export interface ScimQuery {
  filter: string | undefined;
  startindex: string | undefined;
  count: string | undefined;
  sortby: string | undefined;
  sortorder: string | undefined;
  attributes: string | undefined;
  excludedattributes: string | undefined;
}

// A fixed shape: one hidden class for every request's query, where an object with a null prototype (the
// previous form) is a dictionary built and probed per request.
class Query implements ScimQuery {
  filter: string | undefined = undefined;
  startindex: string | undefined = undefined;
  count: string | undefined = undefined;
  sortby: string | undefined = undefined;
  sortorder: string | undefined = undefined;
  attributes: string | undefined = undefined;
  excludedattributes: string | undefined = undefined;
}

/**
 * The query parameters the SCIM endpoints read: one URLSearchParams pass over the query string, other
 * names ignored. A name repeated exactly keeps its first value; names differing only in case: the last.
 */
export function queryOf(c: Context): ScimQuery {
  return queryOfUrl(c.req.url);
}

/** {@link queryOf} of a request URL (absolute or a path with its query), for callers without a hono Context. */
export function queryOfUrl(url: string): ScimQuery {
  const out = new Query();
  const start = url.indexOf('?');
  if (start === -1) return out;
  const hash = url.indexOf('#', start);
  const query = url.slice(start + 1, hash === -1 ? undefined : hash);
  // `?filter=…` alone (an IdP's lookup before each push) is decoded as URLSearchParams would: '+' is a
  // space, then percent-decoding, which decodeURIComponent does the same way for any valid escape; it
  // throws on the others (URLSearchParams keeps or replaces them), which the general path then reads.
  if (query.startsWith('filter=') && !query.includes('&')) {
    try {
      out.filter = decodeURIComponent(query.slice(7).replaceAll('+', ' '));
      return out;
    } catch {
      // An invalid escape: below.
    }
  }
  let seen: Set<string> | undefined;
  for (const [name, value] of new URLSearchParams(query)) {
    const key = name.toLowerCase();
    if (!Object.hasOwn(out, key)) continue;
    if (seen?.has(name)) continue;
    (seen ??= new Set()).add(name);
    out[key as keyof ScimQuery] = value;
  }
  return out;
}
