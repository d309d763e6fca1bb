// Input coercion by schema: what a client sends becomes what we store. Booleans sent as "True"/"False"
// (Entra) become booleans; a complex attribute sent as a plain string (Entra's enterprise `manager`)
// becomes `{ value }`; unknown attributes and schemas are ignored (RFC 7644 §3.3: a PUT with a misspelled
// attribute still succeeds); read-only attributes are ignored; wrong types are 400 invalidValue.
// `password` is write-only and never stored: the reference server does not authenticate SCIM users.
import { badRequest } from './errors.js';
import { findAttr, type AttrDef, type ResourceTypeDef, type SchemaDef } from './schema.js';

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

const invalid = (path: string, why: string) => badRequest('invalidValue', `Attribute "${path}" ${why}.`);

/** Coerce one value for `def`. Returns undefined for "unassigned" (null, empty complex). */
export function coerceValue(def: AttrDef, value: unknown, path: string): unknown {
  if (value === null || value === undefined) return undefined;
  if (def.multiValued) {
    const list = Array.isArray(value) ? value : isObject(value) ? [value] : undefined;
    if (!list) throw invalid(path, 'must be an array');
    const out: unknown[] = [];
    for (let i = 0; i < list.length; i++) {
      const coerced = coerceSingle(def, list[i], path, i);
      if (coerced !== undefined) out.push(coerced);
    }
    // The array is stored: push() left room for 17 elements (~150 bytes per user's `emails`); keep an
    // exact-length copy.
    return out.slice();
  }
  if (Array.isArray(value)) {
    // A one-element array for a single-valued attribute: some clients wrap values this way.
    if (value.length === 1) return coerceSingle(def, value[0], path);
    throw invalid(path, 'is single-valued but got an array');
  }
  return coerceSingle(def, value, path);
}

/**
 * Coerce one (non-array) value. `index` is the element's position when `path` names a multi-valued
 * attribute: paths for messages are built only when a message is (`emails[1].value`), not per value.
 */
function coerceSingle(def: AttrDef, value: unknown, parentPath: string, index?: number): unknown {
  if (value === null || value === undefined) return undefined;
  const path = index === undefined ? parentPath : `${parentPath}[${index}]`;
  switch (def.type) {
    case 'complex': {
      if (typeof value === 'string' && findAttr(def.subAttributes, 'value')) return { value };
      if (!isObject(value)) throw invalid(path, 'must be an object');
      const out: Record<string, unknown> = {};
      let kept = 0;
      for (const key in value) {
        if (!Object.hasOwn(value, key)) continue;
        const sub = findAttr(def.subAttributes, key);
        if (!sub || sub.mutability === 'readOnly' && def.name !== 'manager') continue;
        const coerced = coerceValue(sub, value[key], `${path}.${sub.name}`);
        if (coerced !== undefined) {
          out[sub.name] = coerced;
          kept++;
        }
      }
      return kept === 0 ? undefined : out;
    }
    case 'boolean':
      if (typeof value === 'boolean') return value;
      if (typeof value === 'string') {
        const lower = value.trim().toLowerCase();
        if (lower === 'true') return true;
        if (lower === 'false') return false;
      }
      throw invalid(path, 'must be a boolean (true or false)');
    case 'integer':
      if (typeof value === 'number' && Number.isInteger(value)) return value;
      throw invalid(path, 'must be an integer');
    case 'decimal':
      if (typeof value === 'number' && Number.isFinite(value)) return value;
      throw invalid(path, 'must be a number');
    case 'dateTime':
      if (typeof value === 'string' && !Number.isNaN(Date.parse(value))) return value;
      throw invalid(path, 'must be an xsd:dateTime string');
    default:
      if (typeof value === 'string') return value;
      throw invalid(path, 'must be a string');
  }
}

/**
 * Coerce a whole resource body (POST/PUT) to the stored attributes: canonical attribute names, extension
 * attributes under their URN. `id`, `meta`, `schemas`, read-only and unknown attributes are dropped.
 */
export function coerceResource(type: ResourceTypeDef, body: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const extensions = extensionsByLowerId(type);
  for (const key in body) {
    if (!Object.hasOwn(body, key)) continue;
    const value = body[key];
    const lower = key.toLowerCase();
    if (lower === 'schemas' || lower === 'id' || lower === 'meta') continue;
    const extension = extensions.get(lower);
    if (extension) {
      if (value === null) continue;
      if (!isObject(value)) throw invalid(extension.id, 'must be an object');
      const ext: Record<string, unknown> = {};
      for (const k in value) {
        if (!Object.hasOwn(value, k)) continue;
        const def = findAttr(extension.attributes, k);
        if (!def || def.mutability === 'readOnly') continue;
        const coerced = coerceValue(def, value[k], `${extension.id}:${def.name}`);
        if (coerced !== undefined) ext[def.name] = coerced;
      }
      if (Object.keys(ext).length > 0) out[extension.id] = ext;
      continue;
    }
    const def = key === 'externalId' || lower === 'externalid' ? EXTERNAL_ID : findAttr(type.core.attributes, key);
    if (!def || def.mutability === 'readOnly' || def.mutability === 'writeOnly') continue;
    const coerced = coerceValue(def, value, def.name);
    if (coerced !== undefined) out[def.name] = coerced;
  }
  assertOnePrimary(type, out);
  return out;
}

// Per resource type, built on first use (types are constants): its extensions by lower-cased URN, and its
// multi-valued core attributes, so a body's keys are Map lookups rather than a scan lower-casing each URN.
const extensionIndexes = new WeakMap<ResourceTypeDef, Map<string, SchemaDef>>();
function extensionsByLowerId(type: ResourceTypeDef): Map<string, SchemaDef> {
  let index = extensionIndexes.get(type);
  if (!index) {
    index = new Map();
    // The first extension of a URN wins, as find() would pick it.
    for (const e of type.extensions) if (!index.has(e.id.toLowerCase())) index.set(e.id.toLowerCase(), e);
    extensionIndexes.set(type, index);
  }
  return index;
}
const multiValuedIndexes = new WeakMap<ResourceTypeDef, AttrDef[]>();

/** RFC 7643 §2.4: "The primary attribute value "true" MUST appear no more than once" in a multi-valued attribute. */
function assertOnePrimary(type: ResourceTypeDef, attributes: Record<string, unknown>): void {
  let defs = multiValuedIndexes.get(type);
  if (!defs) multiValuedIndexes.set(type, (defs = type.core.attributes.filter((def) => def.multiValued)));
  for (const def of defs) {
    const list = attributes[def.name];
    if (!Array.isArray(list)) continue;
    let primaries = 0;
    for (const item of list) if (isObject(item) && item.primary === true) primaries++;
    if (primaries > 1) throw invalid(def.name, `has ${primaries} values marked primary; at most one may be`);
  }
}

const EXTERNAL_ID: AttrDef = {
  name: 'externalId',
  type: 'string',
  multiValued: false,
  required: false,
  caseExact: true,
  mutability: 'readWrite',
  returned: 'default',
  uniqueness: 'none',
  description: 'externalId',
};
export { EXTERNAL_ID };
