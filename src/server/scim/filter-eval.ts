// Compile a parsed filter into a predicate over a rendered SCIM resource. Attribute names resolve through
// the schema once, at compile time, so evaluation is a walk over the tree with no string work beyond the
// comparisons. String comparisons honour `caseExact` (userName, displayName, emails are case-insensitive).
import { asciiLowerCase } from '../store/types.js';
import { badRequest } from './errors.js';
import type { CompareOp, CompValue, FilterNode } from './filter.js';
import { findAttr, resolveAttrPath, type AttrDef, type ResourceTypeDef } from './schema.js';

export type Resource = Record<string, unknown>;
export type Predicate = (resource: Resource) => boolean;

interface Getter {
  def: AttrDef | undefined;
  get: (resource: Resource) => unknown[];
}

type Resolver = (path: string) => Getter;

const asArray = (v: unknown): unknown[] => (v === undefined || v === null ? [] : Array.isArray(v) ? v : [v]);
const field = (obj: unknown, name: string): unknown =>
  typeof obj === 'object' && obj !== null ? (obj as Record<string, unknown>)[name] : undefined;

/** Resolve attribute paths of a resource type (top level of a filter). */
export function resourceResolver(type: ResourceTypeDef): Resolver {
  return (path) => {
    const resolved = resolveAttrPath(type, path);
    if (!resolved) return { def: undefined, get: () => [] };
    const { attr, sub, isExtension, schema } = resolved;
    const container = (r: Resource): unknown => (isExtension ? r[schema] : r);
    if (sub) {
      return { def: sub, get: (r) => asArray(field(container(r), attr.name)).flatMap((el) => asArray(field(el, sub.name))) };
    }
    if (attr.type === 'complex' && attr.multiValued) {
      // `emails co "x"` compares the elements' `value` (RFC 7644 §3.4.2.2).
      const valueDef = findAttr(attr.subAttributes, 'value');
      return { def: valueDef, get: (r) => asArray(field(container(r), attr.name)).map((el) => field(el, 'value')).filter((v) => v !== undefined) };
    }
    const valueDef = attr.type === 'complex' ? findAttr(attr.subAttributes, 'value') : undefined;
    if (valueDef) {
      // A single-valued complex attribute compared as a whole (Entra's legacy `manager eq "…"`): its `value`.
      return { def: valueDef, get: (r) => asArray(field(field(container(r), attr.name), 'value')) };
    }
    return { def: attr, get: (r) => asArray(field(container(r), attr.name)) };
  };
}

/** Resolve sub-attribute names inside `attr[...]` against the elements of `attr`. */
function elementResolver(attr: AttrDef): Resolver {
  return (path) => {
    const name = path.includes('.') ? path.slice(path.lastIndexOf('.') + 1) : path;
    const def = findAttr(attr.subAttributes, name);
    if (!def) return { def: undefined, get: () => [] };
    return { def, get: (el) => asArray(el[def.name]) };
  };
}

function compareValues(op: CompareOp, actual: unknown, expected: CompValue, def: AttrDef | undefined): boolean {
  if (expected === null) return op === 'eq' ? actual === null || actual === undefined : op === 'ne' ? actual !== null && actual !== undefined : false;
  if (typeof expected === 'boolean') {
    if (op !== 'eq' && op !== 'ne') throw badRequest('invalidFilter', `Invalid filter: operator "${op}" cannot compare a boolean.`);
    const a = typeof actual === 'boolean' ? actual : undefined;
    return op === 'eq' ? a === expected : a !== expected;
  }
  if (typeof expected === 'number') {
    if (typeof actual !== 'number') return op === 'ne';
    switch (op) {
      case 'eq': return actual === expected;
      case 'ne': return actual !== expected;
      case 'gt': return actual > expected;
      case 'ge': return actual >= expected;
      case 'lt': return actual < expected;
      case 'le': return actual <= expected;
      default: throw badRequest('invalidFilter', `Invalid filter: operator "${op}" cannot compare a number.`);
    }
  }
  if (typeof actual !== 'string') return op === 'ne';
  let a = actual;
  let e = expected;
  if (def?.type === 'dateTime' && op !== 'co' && op !== 'sw' && op !== 'ew') {
    const ta = Date.parse(a);
    const te = Date.parse(e);
    if (Number.isNaN(te)) throw badRequest('invalidFilter', `Invalid filter: "${expected}" is not a dateTime.`);
    return compareNumbers(op, ta, te);
  }
  if (!def?.caseExact) {
    // ASCII only, like the userName index: Unicode case folding would make "\u212Aate" equal "kate".
    a = asciiLowerCase(a);
    e = asciiLowerCase(e);
  }
  switch (op) {
    case 'eq': return a === e;
    case 'ne': return a !== e;
    case 'co': return a.includes(e);
    case 'sw': return a.startsWith(e);
    case 'ew': return a.endsWith(e);
    case 'gt': return a > e;
    case 'ge': return a >= e;
    case 'lt': return a < e;
    case 'le': return a <= e;
  }
}

function compareNumbers(op: CompareOp, a: number, e: number): boolean {
  switch (op) {
    case 'eq': return a === e;
    case 'ne': return a !== e;
    case 'gt': return a > e;
    case 'ge': return a >= e;
    case 'lt': return a < e;
    case 'le': return a <= e;
    default: return false;
  }
}

function compare(getter: Getter, op: CompareOp, value: CompValue): Predicate {
  const { def, get } = getter;
  if (def?.type === 'complex') throw badRequest('invalidFilter', `Invalid filter: "${def.name}" is complex; compare one of its sub-attributes.`);
  if (typeof value === 'boolean' && op !== 'eq' && op !== 'ne') throw badRequest('invalidFilter', `Invalid filter: operator "${op}" cannot compare a boolean.`);
  // `eq null` is "has no value" and `ne null` its complement, "has a value" (an absent attribute is not
  // "not null"): the same test both ways, so no resource matches both.
  if (value === null && (op === 'eq' || op === 'ne')) return op === 'eq' ? (r) => get(r).length === 0 : (r) => get(r).length > 0;
  if (op === 'ne') {
    // ne is "no value equals": an absent attribute is not equal.
    return (r) => !get(r).some((v) => compareValues('eq', v, value, def));
  }
  return (r) => get(r).some((v) => compareValues(op, v, value, def));
}

const present = (getter: Getter): Predicate => (r) => getter.get(r).some((v) => v !== '' && v !== null && !(Array.isArray(v) && v.length === 0) && !(typeof v === 'object' && v !== null && Object.keys(v).length === 0));

function compile(node: FilterNode, resolve: Resolver, type: ResourceTypeDef | undefined): Predicate {
  switch (node.kind) {
    case 'compare':
      return compare(resolve(node.path), node.op, node.value);
    case 'present':
      return present(resolve(node.path));
    case 'and': {
      const l = compile(node.left, resolve, type);
      const r = compile(node.right, resolve, type);
      return (x) => l(x) && r(x);
    }
    case 'or': {
      const l = compile(node.left, resolve, type);
      const r = compile(node.right, resolve, type);
      return (x) => l(x) || r(x);
    }
    case 'not': {
      const f = compile(node.filter, resolve, type);
      return (x) => !f(x);
    }
    case 'valuePath': {
      if (!type) throw badRequest('invalidFilter', 'Invalid filter: value paths cannot be nested.');
      const resolved = resolveAttrPath(type, node.path);
      if (!resolved || resolved.sub || !resolved.attr.multiValued || resolved.attr.type !== 'complex') {
        if (!resolved) return () => false;
        throw badRequest('invalidFilter', `Invalid filter: "${node.path}[…]" needs a multi-valued complex attribute.`);
      }
      const { attr, isExtension, schema } = resolved;
      const inner = compile(node.filter, elementResolver(attr), undefined);
      const elements = (r: Resource) =>
        asArray(field(isExtension ? r[schema] : r, attr.name)).filter((el): el is Resource => typeof el === 'object' && el !== null && inner(el as Resource));
      const sub = node.sub;
      if (!sub) return (r) => elements(r).length > 0;
      const subGetter = elementResolver(attr)(sub.name);
      const test: Predicate = sub.op === 'pr' ? present(subGetter) : compare(subGetter, sub.op, sub.value);
      return (r) => elements(r).some((el) => test(el));
    }
  }
}

/** Compile a filter for a resource type. Throws SCIM 400 invalidFilter for unsupported comparisons. */
export function compileFilter(node: FilterNode, type: ResourceTypeDef): Predicate {
  return compile(node, resourceResolver(type), type);
}

/** Compile a filter that applies to the elements of a multi-valued attribute (PATCH `attr[filter]`). */
export function compileElementFilter(node: FilterNode, attr: AttrDef): Predicate {
  return compile(node, elementResolver(attr), undefined);
}
