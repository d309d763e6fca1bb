// List/query (RFC 7644 §3.4.2): filter (served from an index when the filter pins userName, externalId,
// id or displayName with `eq`), sortBy/sortOrder, startIndex/count pagination in a stable order
// (creation order unless sorted), totalResults = all matches.
import { badRequest } from './errors.js';
import { compileFilter, type Resource } from './filter-eval.js';
import { parseFilter, type FilterNode } from './filter.js';
import { LIST_SCHEMA, resolveAttrPath, type ResolvedPath, type ResourceTypeDef } from './schema.js';
import { parseProjection, project, type Json, type Projection } from './render.js';
import { listResponseJson } from './render-json.js';

/** The maximum `count` honoured (advertised in /ServiceProviderConfig). */
export const MAX_RESULTS = 1000;

export interface ListSource<R> {
  type: ResourceTypeDef;
  all(): Iterable<R>;
  total(): number;
  /** Records that may satisfy `attr eq value` (canonical attribute name), or undefined if not indexed. */
  lookup(attr: string, value: string): readonly R[] | undefined;
  /**
   * Exactly the records that satisfy `attr eq value` on its own (the index compares as the filter does),
   * or undefined when the index cannot promise that for this attribute or these records. A filter that is
   * only that comparison is then answered without rendering each candidate to test it.
   */
  exactLookup?(attr: string, value: string): readonly R[] | undefined;
  render(record: R, projection: Projection, forFilter: boolean): Json;
  /**
   * Optional: the JSON text of `render(record, <all attributes>, false)`, written without the object.
   * `read`: the answer to a read (GET, search), after which a source may keep what it wrote for the next.
   */
  renderJson?: (record: R, read: boolean) => string;
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

const field = (obj: unknown, name: string): unknown =>
  typeof obj === 'object' && obj !== null && !Array.isArray(obj) ? (obj as Record<string, unknown>)[name] : undefined;

/**
 * The value a resource sorts by. For a multi-valued attribute, RFC 7644 §3.4.2.3: the value marked
 * primary, or else the first one; a complex value without a named sub-attribute sorts by its `value`.
 */
function sortKeyReader(resolved: ResolvedPath): (resource: Resource) => unknown {
  const { attr, sub, isExtension, schema } = resolved;
  const subName = sub?.name ?? (attr.type === 'complex' ? 'value' : undefined);
  return (resource) => {
    const raw = field(isExtension ? resource[schema] : resource, attr.name);
    let element = raw;
    if (attr.multiValued) {
      const list = Array.isArray(raw) ? raw : [];
      element = list.find((item) => field(item, 'primary') === true) ?? list[0];
    }
    return subName === undefined ? element : field(element, subName);
  };
}

/** One page of a query: its records, and those the filter already rendered in the page's projection. */
interface Page<R> {
  startIndex: number;
  total: number;
  projection: Projection;
  records: R[];
  /** `rendered[i]`, when present, is `records[i]` rendered (not yet projected). */
  rendered: readonly (Json | undefined)[];
}

/** A filter that is one `attr eq "text"` on an attribute the source looks up exactly: those records. */
function exactMatches<R>(source: ListSource<R>, node: FilterNode): readonly R[] | undefined {
  if (!source.exactLookup || node.kind !== 'compare' || node.op !== 'eq' || typeof node.value !== 'string') return undefined;
  const resolved = resolveAttrPath(source.type, node.path);
  if (!resolved || resolved.isExtension || resolved.sub) return undefined;
  return source.exactLookup(resolved.attr.name, node.value);
}

function selectPage<R>(source: ListSource<R>, query: ListQuery): Page<R> {
  const startIndex = Math.max(1, parseIntParam('startIndex', query.startIndex, 1));
  const count = Math.min(MAX_RESULTS, Math.max(0, parseIntParam('count', query.count, MAX_RESULTS)));
  const projection = parseProjection(source.type, query.attributes, query.excludedAttributes);
  let records: Iterable<R> = source.all();
  let matches: R[] | undefined;
  // The resources the filter saw that land on the page, reused when rendered the same way (a filter on
  // `members` renders groups with their members, which the page may leave out). Kept only for the page's
  // positions, so a filter matching 100,000 users holds no more than `count` of them.
  let rendered: Json[] | undefined;
  const filterText = query.filter?.trim();
  const mentionsMembers = filterText ? /members/i.test(filterText) : false;
  const node = filterText ? parseFilter(filterText) : undefined;
  const exact = node && exactMatches(source, node);
  if (exact) matches = [...exact];
  else if (node) {
    const predicate = compileFilter(node, source.type);
    const candidates = indexed(source, node);
    if (candidates) records = candidates;
    matches = [];
    if (!mentionsMembers && !query.sortBy) rendered = [];
    for (const record of records) {
      const resource = source.render(record, projection, mentionsMembers);
      if (!predicate(resource)) continue;
      if (rendered && matches.length >= startIndex - 1 && rendered.length < count) rendered.push(resource);
      matches.push(record);
    }
  }
  if (query.sortBy) {
    const resolved = resolveAttrPath(source.type, query.sortBy);
    if (!resolved) throw badRequest('invalidValue', `sortBy "${query.sortBy.slice(0, 100)}" is not an attribute of ${source.type.name}.`);
    const keyOf = sortKeyReader(resolved);
    const caseExact = (resolved.sub ?? resolved.attr).caseExact;
    const descending = (query.sortOrder ?? 'ascending').toLowerCase() === 'descending';
    const keyed = (matches ?? [...records]).map((record, index) => {
      const value = keyOf(source.render(record, projection, false));
      const key = typeof value === 'string' && !caseExact ? value.toLowerCase() : value;
      return { record, key: typeof key === 'string' || typeof key === 'number' || typeof key === 'boolean' ? key : undefined, index };
    });
    // RFC 7644 §3.4.2.3: unassigned values sort last ascending and first descending, as if they were
    // larger than every value; ties keep creation order.
    keyed.sort((a, b) => {
      let cmp: number;
      if (a.key === undefined || b.key === undefined) cmp = a.key === b.key ? 0 : a.key === undefined ? 1 : -1;
      else cmp = a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
      return (descending ? -cmp : cmp) || a.index - b.index;
    });
    matches = keyed.map((k) => k.record);
  } else if (query.sortOrder && !/^(ascending|descending)$/i.test(query.sortOrder)) {
    throw badRequest('invalidValue', 'sortOrder must be "ascending" or "descending".');
  }

  if (matches) return { startIndex, total: matches.length, projection, records: matches.slice(startIndex - 1, startIndex - 1 + count), rendered: rendered ?? [] };
  const page: R[] = [];
  let i = 0;
  for (const record of records) {
    i++;
    if (i < startIndex) continue;
    if (page.length >= count) break;
    page.push(record);
  }
  return { startIndex, total: source.total(), projection, records: page, rendered: [] };
}

/** The ListResponse of a page (RFC 7644 §3.4.2) as an object, each resource rendered in the page's projection. */
function listObject<R>(source: ListSource<R>, { startIndex, total, projection, records, rendered }: Page<R>): Json {
  const page = records.map((record, i) => project(rendered[i] ?? source.render(record, projection, false), projection));
  return { schemas: [LIST_SCHEMA], totalResults: total, startIndex, itemsPerPage: page.length, Resources: page };
}

/** The ListResponse of a query (RFC 7644 §3.4.2) as an object. */
export function listResources<R>(source: ListSource<R>, query: ListQuery): Json {
  return listObject(source, selectPage(source, query));
}

/**
 * {@link listResources} as JSON text, the same bytes as `JSON.stringify(listResources(source, query))`:
 * resources in their full form are written by `source.renderJson` when the source has it.
 */
export function listResourcesJson<R>(source: ListSource<R>, query: ListQuery): string {
  const selected = selectPage(source, query);
  const { startIndex, total, projection, records, rendered } = selected;
  const renderJson = source.renderJson;
  if (projection.mode !== 'all' || !renderJson) return JSON.stringify(listObject(source, selected));
  return listResponseJson(total, startIndex, records.map((record, i) => (rendered[i] ? JSON.stringify(rendered[i]) : renderJson(record, true))));
}
