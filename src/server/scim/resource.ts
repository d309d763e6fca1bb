// The parts of a SCIM resource endpoint that /Users and /Groups share: the list handler, the index lookup
// behind `filter=… eq …`, finding the `:id` record (404, If-Match 412) and the single-resource response.
import type { Context } from 'hono';
import { answerResponse, type Answer } from '../http-util.js';
import { badRequest, notFound, SCIM_CONTENT_TYPE } from './errors.js';
import { checkIfMatch, ifNoneMatchHits, queryOf, queryOfUrl, readScimBody, scimText } from './http.js';
import type { ServerContext } from '../context.js';
import * as z from 'zod';
import { listResourcesJson, type ListQuery, type ListSource } from './list.js';
import { etagOf, parseProjection, project } from './render.js';

interface Versioned {
  id: string;
  version: number;
}

const SEARCH_REQUEST = 'urn:ietf:params:scim:api:messages:2.0:SearchRequest';
const names = z.union([z.array(z.string().max(1024)).max(200), z.string().max(8192)]).optional();
const searchRequestSchema = z.looseObject({
  schemas: z.array(z.string()).optional(),
  attributes: names,
  excludedAttributes: names,
  filter: z.string().optional(),
  sortBy: z.string().optional(),
  sortOrder: z.string().optional(),
  startIndex: z.number().int().optional(),
  count: z.number().int().optional(),
});

/**
 * The body of `POST …/.search` (RFC 7644 §3.4.3) as the query of a GET: the same engine answers both.
 * Throws SCIM 400 invalidSyntax for a body that is not a SearchRequest.
 */
export async function readSearchRequest(c: Context, ctx: ServerContext): Promise<ListQuery> {
  const parsed = searchRequestSchema.safeParse(await readScimBody(c, ctx));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw badRequest('invalidSyntax', `Invalid SearchRequest: ${issue?.path.join('.') || 'body'}: ${issue?.message ?? 'invalid'}.`);
  }
  const body = parsed.data;
  if (body.schemas && !body.schemas.includes(SEARCH_REQUEST)) throw badRequest('invalidSyntax', `A search body must list the schema "${SEARCH_REQUEST}".`);
  const joined = (value: string | string[] | undefined) => (Array.isArray(value) ? value.join(',') : value);
  return {
    filter: body.filter,
    sortBy: body.sortBy,
    sortOrder: body.sortOrder,
    startIndex: body.startIndex === undefined ? undefined : String(body.startIndex),
    count: body.count === undefined ? undefined : String(body.count),
    attributes: joined(body.attributes),
    excludedAttributes: joined(body.excludedAttributes),
  };
}

/** `POST /Users/.search`, `POST /Groups/.search`. */
export function searchHandler<R>(ctx: ServerContext, source: ListSource<R>): (c: Context) => Promise<Response> {
  return async (c) => scimText(200, listResourcesJson(source, await readSearchRequest(c, ctx)));
}

/** GET of one resource; 304 with no body when If-None-Match names its current version (RFC 7644 §3.14). */
export function getHandler<R extends Versioned>(source: ListSource<R>, kind: 'user' | 'group', get: (id: string) => R | undefined): (c: Context) => Response {
  const respond = resourceResponder(source);
  return (c) => {
    const record = recordOf(c, kind, get);
    if (ifNoneMatchHits(c, record.version)) return new Response(null, { status: 304, headers: { etag: etagOf(record.version) } });
    return respond(c, record, 200, {}, true);
  };
}

/**
 * The body of a 200 answer to GET on the collection (RFC 7644 §3.4.2), from the request URL's query
 * parameters; throws {@link ScimError} (400) for a query it refuses. Needs no hono Context: the node:http
 * listener answers collection GETs with it directly (see `node-listener.ts`), the route through the app.
 */
export type CollectionRead = (url: string) => string;

export function collectionRead<R>(source: ListSource<R>): CollectionRead {
  return (url) => {
    const q = queryOfUrl(url);
    return listResourcesJson(source, {
      filter: q.filter,
      startIndex: q.startindex,
      count: q.count,
      sortBy: q.sortby,
      sortOrder: q.sortorder,
      attributes: q.attributes,
      excludedAttributes: q.excludedattributes,
    });
  };
}

/** GET on the collection (RFC 7644 §3.4.2) with the request's query parameters. */
export function listHandler(read: CollectionRead): (c: Context) => Response {
  return (c) => scimText(200, read(c.req.url));
}

/** `ListSource.lookup` over the store's indexes: the unique name attribute, `externalId` and `id`. */
export function indexedLookup<R>(index: {
  uniqueAttr: string;
  byUnique(value: string): R | undefined;
  byExternalId(value: string): readonly R[];
  byId(value: string): R | undefined;
}): ListSource<R>['lookup'] {
  const one = (record: R | undefined): readonly R[] => (record ? [record] : []);
  return (attr, value) => {
    if (attr === index.uniqueAttr) return one(index.byUnique(value));
    if (attr === 'externalId') return index.byExternalId(value);
    if (attr === 'id') return one(index.byId(value));
    return undefined;
  };
}

/** The record named by the `:id` route parameter, or 404. */
export function recordOf<R>(c: Context, kind: 'user' | 'group', get: (id: string) => R | undefined): R {
  const id = c.req.param('id') ?? '';
  const record = get(id);
  if (!record) throw notFound(`No ${kind} with id "${id.slice(0, 100)}".`);
  return record;
}

/** {@link recordOf} for a change: also 412 when If-Match names another version. */
export function currentRecordOf<R extends Versioned>(c: Context, kind: 'user' | 'group', get: (id: string) => R | undefined): R {
  const record = recordOf(c, kind, get);
  checkIfMatch(c, record.version);
  return record;
}

/** PUT must not change `id` (RFC 7643 §3.1: id is readOnly). */
export function assertSameId(body: Record<string, unknown>, record: Versioned): void {
  if (typeof body.id === 'string' && body.id !== record.id) throw badRequest('mutability', 'Attribute "id" cannot be changed.');
}

/**
 * One resource as the answer's body, projected by the `attributes`/`excludedAttributes` query parameters
 * (undefined: none), with its ETag. `read`: a GET of the resource (see {@link ListSource.renderJson});
 * writes answer with `false`.
 */
export function resourceAnswer<R extends Versioned>(
  source: ListSource<R>,
  record: R,
  status: number,
  extra: Record<string, string>,
  read: boolean,
  query: { attributes?: string | undefined; excludedattributes?: string | undefined } = {},
): Answer {
  const projection = parseProjection(source.type, query.attributes, query.excludedattributes);
  const headers = { 'content-type': SCIM_CONTENT_TYPE, etag: etagOf(record.version), ...extra };
  if (projection.mode === 'all' && source.renderJson) return { status, headers, body: source.renderJson(record, read) };
  return { status, headers, body: JSON.stringify(project(source.render(record, projection, false), projection)) };
}

/** {@link resourceAnswer} with the request's query parameters, as a Response. */
export function resourceResponder<R extends Versioned>(source: ListSource<R>) {
  return (c: Context, record: R, status: number, extra: Record<string, string> = {}, read = false): Response =>
    answerResponse(resourceAnswer(source, record, status, extra, read, queryOf(c)));
}
