// The parts of a SCIM resource endpoint that /Users and /Groups share: the list handler, the index lookup
// behind `filter=… eq …`, finding the `:id` record (404, If-Match 412) and the single-resource response.
import type { Context } from 'hono';
import { badRequest, notFound } from './errors.js';
import { checkIfMatch, queryOf, scimJson } from './http.js';
import { listResources, type ListSource } from './list.js';
import { etagOf, parseProjection, project } from './render.js';

interface Versioned {
  id: string;
  version: number;
}

/** GET on the collection (RFC 7644 §3.4.2) with the request's query parameters. */
export function listHandler<R>(source: ListSource<R>): (c: Context) => Response {
  return (c) => {
    const q = queryOf(c);
    return scimJson(
      200,
      listResources(source, {
        filter: q.filter,
        startIndex: q.startindex,
        count: q.count,
        sortBy: q.sortby,
        sortOrder: q.sortorder,
        attributes: q.attributes,
        excludedAttributes: q.excludedattributes,
      }),
    );
  };
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

/** One resource in the response body, projected by `attributes`/`excludedAttributes`, with its ETag. */
export function resourceResponder<R extends Versioned>(source: ListSource<R>) {
  return (c: Context, record: R, status: number, extra: Record<string, string> = {}): Response => {
    const q = queryOf(c);
    const projection = parseProjection(source.type, q.attributes, q.excludedattributes);
    return scimJson(status, project(source.render(record, projection, false), projection), { etag: etagOf(record.version), ...extra });
  };
}
