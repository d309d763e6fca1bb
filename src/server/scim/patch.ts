// PATCH (RFC 7644 §3.5.2) over a resource's stored attributes, with the IdPs' dialects: op names in any
// case (Entra `Replace`), path-less add/replace whose value keys are attribute paths ("name.givenName",
// extension URNs), `Remove` of a multi-valued attribute with a `value` list (Entra's legacy member removal),
// and add/replace through `attr[type eq "work"].sub` creating the element when none matches (Entra).
// Operations apply to a copy; the caller coerces the result by schema and commits it in one step.
import * as z from 'zod';
import { badRequest } from './errors.js';
import { compileElementFilter } from './filter-eval.js';
import { parsePatchPath, type FilterNode } from './filter.js';
import { PATCH_SCHEMA, resolveAttrPath, resolveExtensionUrn, type ResourceTypeDef, type ResolvedPath, type SchemaDef } from './schema.js';

export type PatchOpName = 'add' | 'replace' | 'remove';
export interface PatchOperation {
  op: PatchOpName;
  path: string | undefined;
  value: unknown;
}

const operationSchema = z.looseObject({
  op: z.string(),
  path: z.string().optional(),
  value: z.unknown().optional(),
});
const patchSchema = z.looseObject({
  schemas: z.array(z.string()).optional(),
  Operations: z.array(operationSchema).min(1).max(1000),
});

/** Validate a PatchOp body. Throws SCIM 400 invalidSyntax / invalidValue. */
export function parsePatchBody(body: unknown): PatchOperation[] {
  // Some clients spell it "operations"; accept that too.
  const candidate =
    typeof body === 'object' && body !== null && !('Operations' in body) && 'operations' in body
      ? { ...(body as Record<string, unknown>), Operations: (body as Record<string, unknown>).operations }
      : body;
  const parsed = patchSchema.safeParse(candidate);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw badRequest('invalidSyntax', `Invalid PatchOp request: ${issue?.path.join('.') || 'body'}: ${issue?.message ?? 'invalid'}.`);
  }
  if (parsed.data.schemas && !parsed.data.schemas.includes(PATCH_SCHEMA))
    throw badRequest('invalidSyntax', `A PATCH body must list the schema "${PATCH_SCHEMA}".`);
  return parsed.data.Operations.map((o, i) => {
    const op = o.op.toLowerCase();
    if (op !== 'add' && op !== 'replace' && op !== 'remove')
      throw badRequest('invalidSyntax', `Operations[${i}].op "${o.op}" is not add, replace or remove.`);
    if (op !== 'remove' && !('value' in o)) throw badRequest('invalidValue', `Operations[${i}] (${op}) has no value.`);
    return { op, path: o.path === undefined || o.path.trim() === '' ? undefined : o.path, value: o.value };
  });
}

type Doc = Record<string, unknown>;
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const clone = <T>(v: T): T => structuredClone(v);

/** `attr[x eq "v"]` → { x: "v" }: what to create when add/replace through a value path matches nothing. */
function seedOf(filter: FilterNode): Record<string, unknown> | undefined {
  if (filter.kind === 'compare' && filter.op === 'eq' && typeof filter.value !== 'object') {
    const name = filter.path.includes('.') ? filter.path.slice(filter.path.lastIndexOf('.') + 1) : filter.path;
    return { [name]: filter.value };
  }
  if (filter.kind === 'and') {
    const l = seedOf(filter.left);
    const r = seedOf(filter.right);
    return l && r ? { ...l, ...r } : undefined;
  }
  return undefined;
}

function sameElement(a: unknown, b: unknown): boolean {
  if (isObject(a) && isObject(b) && 'value' in a && 'value' in b) return a.value === b.value && (a.type ?? null) === (b.type ?? null);
  return JSON.stringify(a) === JSON.stringify(b);
}

/** The paths a caller may not change (RFC 7643 mutability readOnly). */
function checkMutable(resolved: ResolvedPath, path: string): void {
  const def = resolved.sub ?? resolved.attr;
  if (resolved.attr.mutability === 'readOnly' || def.mutability === 'readOnly')
    throw badRequest('mutability', `Attribute "${path}" is read-only.`);
}

function containerOf(doc: Doc, resolved: ResolvedPath, create: boolean): Doc | undefined {
  if (!resolved.isExtension) return doc;
  const existing = doc[resolved.schema];
  if (isObject(existing)) return existing;
  if (!create) return undefined;
  const made: Doc = {};
  doc[resolved.schema] = made;
  return made;
}

/** A path that is the bare URN of an extension: the whole extension object (RFC 7644 §3.5.2, §3.10). */
function applyToExtension(type: ResourceTypeDef, doc: Doc, op: PatchOpName, extension: SchemaDef, value: unknown): void {
  if (op === 'remove') {
    delete doc[extension.id];
    return;
  }
  if (!isObject(value)) throw badRequest('invalidValue', `The value for "${extension.id}" must be an object of its attributes.`);
  // Sub-attributes not named in the value are left unchanged, for add and replace alike (RFC 7644 §3.5.2.3).
  for (const [key, sub] of Object.entries(value)) applyWithPath(type, doc, op, `${extension.id}:${key}`, sub);
}

function applyWithPath(type: ResourceTypeDef, doc: Doc, op: PatchOpName, pathText: string, value: unknown): void {
  const extension = resolveExtensionUrn(type, pathText);
  if (extension) {
    applyToExtension(type, doc, op, extension, value);
    return;
  }
  const path = parsePatchPath(pathText);
  const resolved = resolveAttrPath(type, path.attr);
  // Unlike POST/PUT, where an unknown attribute is ignored, a PATCH names its target: an operation on a
  // path the server cannot resolve would otherwise be dropped while the client is told it succeeded.
  if (!resolved) throw badRequest('invalidPath', `"${pathText.slice(0, 200)}" is not an attribute of ${type.name}.`);
  checkMutable(resolved, pathText);
  if (op === 'remove' && !resolved.isExtension && !resolved.sub && resolved.attr.name === 'active') {
    // An unassigned `active` would read as active again: deactivation is `replace active false`.
    throw badRequest('mutability', 'Attribute "active" cannot be removed; replace it with false to deactivate the user.');
  }
  const { attr } = resolved;
  const container = containerOf(doc, resolved, op !== 'remove');
  if (!container) return;

  if (path.filter) {
    if (!attr.multiValued || attr.type !== 'complex' || resolved.sub)
      throw badRequest('invalidPath', `"${path.attr}[…]" needs a multi-valued complex attribute.`);
    const predicate = compileElementFilter(path.filter, attr);
    const list = Array.isArray(container[attr.name]) ? (container[attr.name] as unknown[]) : [];
    const matched = list.filter((el) => isObject(el) && predicate(el));
    const subDef = path.sub === undefined ? undefined : attr.subAttributes?.find((s) => s.name.toLowerCase() === path.sub!.toLowerCase());
    if (path.sub !== undefined && !subDef) throw badRequest('invalidPath', `"${attr.name}" has no sub-attribute "${path.sub.slice(0, 100)}".`);
    if (op === 'remove') {
      if (subDef) for (const el of matched) delete (el as Doc)[subDef.name];
      else container[attr.name] = list.filter((el) => !matched.includes(el));
      return;
    }
    if (matched.length === 0) {
      const seed = seedOf(path.filter);
      if (!seed) throw badRequest('noTarget', `No value of "${attr.name}" matches the filter in "${pathText}".`);
      const element = subDef ? { ...seed, [subDef.name]: value } : isObject(value) ? { ...seed, ...value } : undefined;
      if (!element) throw badRequest('invalidValue', `The value for "${pathText}" must be an object.`);
      container[attr.name] = [...list, element];
      return;
    }
    for (const el of matched) {
      if (subDef) (el as Doc)[subDef.name] = value;
      else if (isObject(value)) Object.assign(el as Doc, value);
      else throw badRequest('invalidValue', `The value for "${pathText}" must be an object.`);
    }
    // Making one value primary makes the others non-primary (RFC 7644 §3.5.2).
    const madePrimary = subDef ? subDef.name === 'primary' && value === true : isObject(value) && value.primary === true;
    if (madePrimary) for (const el of list) if (isObject(el) && !matched.includes(el) && el.primary === true) el.primary = false;
    return;
  }

  if (resolved.sub) {
    const sub = resolved.sub;
    if (attr.multiValued) {
      // `emails.value` without a filter: every element.
      const list = Array.isArray(container[attr.name]) ? (container[attr.name] as unknown[]) : [];
      for (const el of list) {
        if (!isObject(el)) continue;
        if (op === 'remove') delete el[sub.name];
        else el[sub.name] = value;
      }
      return;
    }
    const parent = isObject(container[attr.name]) ? (container[attr.name] as Doc) : op === 'remove' ? undefined : {};
    if (!parent) return;
    if (op === 'remove') delete parent[sub.name];
    else parent[sub.name] = value;
    container[attr.name] = parent;
    return;
  }

  if (op === 'remove') {
    if (attr.multiValued && value !== undefined && Array.isArray(container[attr.name])) {
      // Entra (legacy): {"op":"Remove","path":"members","value":[{"value":"…"}]} removes just those.
      const drop = Array.isArray(value) ? value : [value];
      container[attr.name] = (container[attr.name] as unknown[]).filter((el) => !drop.some((d) => sameElement(el, d) || (isObject(el) && isObject(d) && el.value === d.value)));
      return;
    }
    delete container[attr.name];
    return;
  }
  if (attr.multiValued) {
    const incoming: unknown[] = Array.isArray(value) ? value : [value];
    if (op === 'replace') {
      container[attr.name] = [...incoming];
      return;
    }
    const list = Array.isArray(container[attr.name]) ? [...(container[attr.name] as unknown[])] : [];
    for (const item of incoming) {
      if (isObject(item) && item.primary === true) for (const el of list) if (isObject(el)) el.primary = false;
      const at = list.findIndex((el) => sameElement(el, item));
      if (at === -1) list.push(item);
      else if (isObject(item) && isObject(list[at])) Object.assign(list[at] as Doc, item);
    }
    container[attr.name] = list;
    return;
  }
  if (attr.type === 'complex' && isObject(value) && isObject(container[attr.name])) {
    container[attr.name] = { ...(container[attr.name] as Doc), ...value };
    return;
  }
  container[attr.name] = value;
}

function applyWithoutPath(type: ResourceTypeDef, doc: Doc, op: PatchOpName, value: unknown): void {
  if (op === 'remove') throw badRequest('noTarget', 'A remove operation needs a "path".');
  if (!isObject(value)) throw badRequest('invalidValue', `A path-less ${op} needs an object value.`);
  for (const [key, v] of Object.entries(value)) {
    const lower = key.toLowerCase();
    if (lower === 'schemas' || lower === 'meta' || lower === 'id') continue; // Okta's rename sends {id, displayName}
    const extension = type.extensions.find((e) => e.id.toLowerCase() === lower);
    if (extension && isObject(v)) {
      for (const [k, sub] of Object.entries(v)) applyWithPath(type, doc, op, `${extension.id}:${k}`, sub);
      continue;
    }
    if (key.includes('[')) {
      // A value-path key (`emails[type eq "work"].value`) in a path-less operation: treat it as a path.
      applyWithPath(type, doc, op, key, v);
      continue;
    }
    const resolved = resolveAttrPath(type, key);
    if (!resolved) throw badRequest('invalidPath', `"${key.slice(0, 200)}" in the value of a path-less ${op} is not an attribute of ${type.name}.`);
    if (resolved.attr.mutability === 'readOnly') continue;
    applyWithPath(type, doc, op, key, v);
  }
}

/** Apply operations to a copy of `attributes`; returns the new (uncoerced) attributes. */
export function applyPatch(type: ResourceTypeDef, attributes: Doc, operations: readonly PatchOperation[]): Doc {
  const doc = clone(attributes);
  for (const operation of operations) {
    if (operation.path === undefined) applyWithoutPath(type, doc, operation.op, operation.value);
    else applyWithPath(type, doc, operation.op, operation.path, operation.value);
  }
  return doc;
}
