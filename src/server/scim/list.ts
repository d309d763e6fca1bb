// List/query (RFC 7644 §3.4.2): filter (served from an index when the filter pins userName, externalId,
// id or displayName with `eq`), sortBy/sortOrder, startIndex/count pagination in a stable order
// (creation order unless sorted), totalResults = all matches.
import { badRequest } from './errors.js';
import { compileFilter, resourceResolver } from './filter-eval.js';
import { parseFilter, type FilterNode } from './filter.js';
import { LIST_SCHEMA, resolveAttrPath, type ResourceTypeDef } from './schema.js';
import { parseProjection, project, type Json, type Projection } from './render.js';

/** The maximum `count` honoured (advertised in /ServiceProviderConfig). */
export const MAX_RESULTS = 1000;

export interface ListSource<R> {
  type: ResourceTypeDef;
  all(): Iterable<R>;
  total(): number;
  /** Records that may satisfy `attr eq value` (canonical attribute name), or undefined if not indexed. */
  lookup(attr: string, value: string): readonly R[] | undefined;
  render(record: R, projection: Projection, forFilter: boolean): Json;
}

export interface ListQuery {
  filter?: string | undefined;
  startIndex?: string | undefined;
  count?: string | undefined;
  sortBy?: string | undefined;
  sortOrder?: string | undefined;
  attributes?: string | undefined;
  excludedAttributes?: string | undefined;
}

function parseIntParam(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined || text === '') return fallback;
  if (!/^-?\d{1,10}$/.test(text.trim())) throw badRequest('invalidValue', `Query parameter ${name} must be an integer, got "${text.slice(0, 40)}".`);
  return Number(text.trim());
}

function indexed<R>(source: ListSource<R>, node: FilterNode): readonly R[] | undefined {
  if (node.kind === 'compare' && node.op === 'eq' && typeof node.value === 'string') {
    const resolved = resolveAttrPath(source.type, node.path);
    if (resolved && !resolved.isExtension && !resolved.sub) return source.lookup(resolved.attr.name, node.value);
    return undefined;
  }
  if (node.kind === 'and') return indexed(source, node.left) ?? indexed(source, node.right);
  return undefined;
}

export function listResources<R>(source: ListSource<R>, query: ListQuery): Json {
  const startIndex = Math.max(1, parseIntParam('startIndex', query.startIndex, 1));
  const count = Math.min(MAX_RESULTS, Math.max(0, parseIntParam('count', query.count, MAX_RESULTS)));
  const projection = parseProjection(source.type, query.attributes, query.excludedAttributes);
  let records: Iterable<R> = source.all();
  let matches: R[] | undefined;
  const filterText = query.filter?.trim();
  const mentionsMembers = filterText ? /members/i.test(filterText) : false;
  if (filterText) {
    const node = parseFilter(filterText);
    const predicate = compileFilter(node, source.type);
    const candidates = indexed(source, node);
    if (candidates) records = candidates;
    matches = [];
    for (const record of records) if (predicate(source.render(record, projection, mentionsMembers))) matches.push(record);
  }
  if (query.sortBy) {
    const resolved = resolveAttrPath(source.type, query.sortBy);
    if (!resolved) throw badRequest('invalidValue', `sortBy "${query.sortBy.slice(0, 100)}" is not an attribute of ${source.type.name}.`);
    const getter = resourceResolver(source.type)(query.sortBy);
    const caseExact = (resolved.sub ?? resolved.attr).caseExact;
    const descending = (query.sortOrder ?? 'ascending').toLowerCase() === 'descending';
    const keyed = (matches ?? [...records]).map((record, index) => {
      const value = getter.get(source.render(record, projection, false))[0];
      const key = typeof value === 'string' && !caseExact ? value.toLowerCase() : value;
      return { record, key, index };
    });
    // Unassigned values sort last in both orders (RFC 7644 §3.4.2.3); ties keep creation order.
    keyed.sort((a, b) => {
      if (a.key === undefined || b.key === undefined) return a.key === b.key ? a.index - b.index : a.key === undefined ? 1 : -1;
      const cmp = (a.key as string | number) < (b.key as string | number) ? -1 : (a.key as string | number) > (b.key as string | number) ? 1 : 0;
      return (descending ? -cmp : cmp) || a.index - b.index;
    });
    matches = keyed.map((k) => k.record);
  } else if (query.sortOrder && !/^(ascending|descending)$/i.test(query.sortOrder)) {
    throw badRequest('invalidValue', 'sortOrder must be "ascending" or "descending".');
  }

  const page: Json[] = [];
  let total: number;
  if (matches) {
    total = matches.length;
    for (const record of matches.slice(startIndex - 1, startIndex - 1 + count)) page.push(project(source.render(record, projection, false), projection));
  } else {
    total = source.total();
    let i = 0;
    for (const record of records) {
      i++;
      if (i < startIndex) continue;
      if (page.length >= count) break;
      page.push(project(source.render(record, projection, false), projection));
    }
  }
  return { schemas: [LIST_SCHEMA], totalResults: total, startIndex, itemsPerPage: page.length, Resources: page };
}
