// Input coercion by schema: what a client sends becomes what we store. Booleans sent as "True"/"False"
// (Entra) become booleans; a complex attribute sent as a plain string (Entra's enterprise `manager`)
// becomes `{ value }`; unknown attributes and schemas are ignored (RFC 7644 §3.3: a PUT with a misspelled
// attribute still succeeds); read-only attributes are ignored; wrong types are 400 invalidValue.
// `password` is write-only and never stored: the reference server does not authenticate SCIM users.
import { badRequest } from './errors.js';
import { findAttr, type AttrDef, type ResourceTypeDef } from './schema.js';

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

const invalid = (path: string, why: string) => badRequest('invalidValue', `Attribute "${path}" ${why}.`);

/** Coerce one value for `def`. Returns undefined for "unassigned" (null, empty complex). */
export function coerceValue(def: AttrDef, value: unknown, path: string): unknown {
  if (value === null || value === undefined) return undefined;
  if (def.multiValued) {
    const list = Array.isArray(value) ? value : isObject(value) ? [value] : undefined;
    if (!list) throw invalid(path, 'must be an array');
    const out: unknown[] = [];
    for (const [i, item] of list.entries()) {
      const coerced = coerceSingle(def, item, `${path}[${i}]`);
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

function coerceSingle(def: AttrDef, value: unknown, path: string): unknown {
  if (value === null || value === undefined) return undefined;
  switch (def.type) {
    case 'complex': {
      if (typeof value === 'string' && findAttr(def.subAttributes, 'value')) return { value };
      if (!isObject(value)) throw invalid(path, 'must be an object');
      const out: Record<string, unknown> = {};
      for (const [key, v] of Object.entries(value)) {
        const sub = findAttr(def.subAttributes, key);
        if (!sub || sub.mutability === 'readOnly' && def.name !== 'manager') continue;
        const coerced = coerceValue(sub, v, `${path}.${sub.name}`);
        if (coerced !== undefined) out[sub.name] = coerced;
      }
      return Object.keys(out).length === 0 ? undefined : out;
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
  for (const [key, value] of Object.entries(body)) {
    const lower = key.toLowerCase();
    if (lower === 'schemas' || lower === 'id' || lower === 'meta') continue;
    const extension = type.extensions.find((e) => e.id.toLowerCase() === lower);
    if (extension) {
      if (value === null) continue;
      if (!isObject(value)) throw invalid(extension.id, 'must be an object');
      const ext: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) {
        const def = findAttr(extension.attributes, k);
        if (!def || def.mutability === 'readOnly') continue;
        const coerced = coerceValue(def, v, `${extension.id}:${def.name}`);
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

/** RFC 7643 §2.4: "The primary attribute value "true" MUST appear no more than once" in a multi-valued attribute. */
function assertOnePrimary(type: ResourceTypeDef, attributes: Record<string, unknown>): void {
  for (const def of type.core.attributes) {
    const list = attributes[def.name];
    if (!def.multiValued || !Array.isArray(list)) continue;
    const primaries = list.filter((item) => isObject(item) && item.primary === true).length;
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
