// `POST {SCIM base}/.search` (RFC 7644 §3.4.3): one query over every resource type, Users then Groups,
// paged as one list. The per-type engine is the one GET and `/Users/.search` use.
import type { Context } from 'hono';
import type { ServerContext } from '../context.js';
import { badRequest } from './errors.js';
import { scimJson } from './http.js';
import { MAX_RESULTS, type ListQuery } from './list.js';
import type { Json } from './render.js';
import { readSearchRequest } from './resource.js';
import { LIST_SCHEMA } from './schema.js';

interface Page {
  totalResults: number;
  Resources: unknown[];
}

/** `lists`: one query function per resource type, in the order their results are listed. */
export function rootSearchHandler(ctx: ServerContext, lists: ReadonlyArray<(query: ListQuery) => Json>): (c: Context) => Promise<Response> {
  return async (c) => {
    const query = await readSearchRequest(c, ctx);
    // One sort order across types would need a common attribute; the RFC leaves it to the server.
    if (query.sortBy !== undefined) throw badRequest('invalidValue', 'sortBy is not supported on a search over every resource type; search /Users/.search or /Groups/.search to sort.');
    const startIndex = Math.max(1, Number(query.startIndex ?? '1') || 1);
    let remaining = Math.min(MAX_RESULTS, Math.max(0, Number(query.count ?? String(MAX_RESULTS))));
    // `skip` counts how many matches of the earlier types come before the requested window.
    let skip = startIndex - 1;
    let total = 0;
    const resources: unknown[] = [];
    for (const list of lists) {
      const page = list({ ...query, startIndex: String(skip + 1), count: String(remaining) }) as unknown as Page;
      total += page.totalResults;
      resources.push(...page.Resources);
      remaining -= page.Resources.length;
      skip = Math.max(0, skip - page.totalResults);
    }
    return scimJson(200, { schemas: [LIST_SCHEMA], totalResults: total, startIndex, itemsPerPage: resources.length, Resources: resources });
  };
}
