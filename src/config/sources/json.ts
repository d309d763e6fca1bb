import type { ConfigProblem } from '../errors.js';
import { FIELDS, INI_KEYS, isForbiddenKey, jsonNames } from '../fields.js';
import { suggestKey } from '../mistakes.js';
import type { ConfigFieldName, ConfigWarning } from '../types.js';
import { diagnoseJson, syntaxErrorLocation } from './json-syntax.js';
import type { ParsedProfiles, ProfileEntry, RawValue } from './types.js';

type JsonObject = Record<string, unknown>;

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Parse JSON text, explaining common paste mistakes, and remove (as problems) any
 * `__proto__`/`constructor`/`prototype` key at any depth. `value` is undefined when the text
 * could not be understood at all.
 */
export function parseJsonText(text: string, source: string): { value: unknown; problems: ConfigProblem[] } {
  const problems: ConfigProblem[] = [];
  const body = text.replace(/^\uFEFF/, '');
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch (firstError) {
    const { repaired, repairs } = diagnoseJson(body);
    for (const repair of repairs) problems.push({ source, code: repair.code, message: repair.message });
    try {
      value = repairs.length > 0 ? JSON.parse(repaired) : undefined;
    } catch {
      value = undefined;
    }
    if (value === undefined) {
      problems.push({
        source,
        code: 'invalid_json',
        message:
          repairs.length > 0
            ? 'even with the fixes above, the file is not valid JSON'
            : `is not valid JSON${syntaxErrorLocation(body, firstError)}`,
      });
      return { value: undefined, problems };
    }
  }
  removeForbiddenKeys(value, source, problems);
  return { value, problems };
}

function removeForbiddenKeys(root: unknown, source: string, problems: ConfigProblem[]): void {
  // Iterative: a hostile file may nest deeper than the call stack.
  const stack: Array<{ node: unknown; path: string }> = [{ node: root, path: '' }];
  while (stack.length > 0) {
    const { node, path } = stack.pop()!;
    if (typeof node !== 'object' || node === null) continue;
    for (const key of Object.keys(node)) {
      const childPath = Array.isArray(node) ? `${path}[${key}]` : path ? `${path}.${key}` : key;
      if (!Array.isArray(node) && isForbiddenKey(key)) {
        problems.push({ source, key: childPath.slice(0, 200), code: 'forbidden_name', message: 'key name is not allowed (reserved JavaScript property name)' });
        delete (node as JsonObject)[key];
        continue;
      }
      stack.push({ node: (node as JsonObject)[key], path: childPath });
    }
  }
}

export interface ConfigurationFile {
  idp: Map<ConfigFieldName, RawValue>;
  hasIdpBlock: boolean;
  /** Fields already reported as a problem here (or all of them when the file could not be read), so they are not also reported missing. */
  reported: Set<ConfigFieldName>;
  otherBlocks: Record<string, unknown>;
  /** Unknown keys of the idp block that look like misspellings of a known one. */
  misspelled: Array<{ key: string; meant: string }>;
  problems: ConfigProblem[];
  warnings: ConfigWarning[];
}

const IDP_SPECS = FIELDS.filter((f) => f.json !== undefined);
const IDP_KEYS = IDP_SPECS.flatMap(jsonNames);

/** Read `~/.ubiq/configuration`: the `idp` block in either dialect, every other block kept as is. */
export function readConfiguration(text: string, source: string): ConfigurationFile {
  const result: ConfigurationFile = { idp: new Map(), hasIdpBlock: false, reported: new Set(), otherBlocks: {}, misspelled: [], problems: [], warnings: [] };
  const unreadable = () => {
    for (const spec of IDP_SPECS) result.reported.add(spec.name);
    return result;
  };
  if (text.replace(/^\uFEFF/, '').trim() === '') {
    result.warnings.push({ source, code: 'empty_file', message: 'is empty' });
    return result;
  }
  const parsed = parseJsonText(text, source);
  result.problems.push(...parsed.problems);
  if (parsed.value === undefined) return unreadable();
  if (!isJsonObject(parsed.value)) {
    result.problems.push({ source, code: 'not_an_object', message: 'must be a JSON object ({ "idp": { … } })' });
    return unreadable();
  }
  const blocks: Array<[string, unknown]> = [];
  for (const [key, value] of Object.entries(parsed.value)) {
    if (key === 'idp') continue;
    blocks.push([key, value]);
    if (key.toLowerCase() === 'idp') {
      result.warnings.push({ source, key, code: 'unknown_key', message: 'is not read as the idp block; the name is lower-case "idp"' });
    }
  }
  result.otherBlocks = Object.fromEntries(blocks);
  if (!Object.hasOwn(parsed.value, 'idp')) return result;
  const block = parsed.value.idp;
  if (!isJsonObject(block)) {
    result.problems.push({ source, key: 'idp', code: 'not_an_object', message: 'must be an object { "type": …, "customer_id": …, … }' });
    return unreadable();
  }
  result.hasIdpBlock = true;
  for (const spec of IDP_SPECS) {
    const present = jsonNames(spec).filter((k) => Object.hasOwn(block, k));
    if (present.length === 0) continue;
    if (present.some((k) => block[k] !== block[present[0]!])) {
      const names = present.map((k) => `"${k}"`);
      result.problems.push({
        source,
        key: `idp.${present[0]!}`,
        code: 'conflicting_keys',
        message: `${names.slice(0, -1).join(', ')} and ${names.at(-1)!} are given, with different values (these names mean the same setting); keep one`,
      });
      result.reported.add(spec.name);
      continue;
    }
    const key = present[0]!;
    result.idp.set(spec.name, { value: block[key], where: { origin: 'configuration', source, key: `idp.${key}` } });
  }
  for (const key of Object.keys(block)) {
    if (IDP_KEYS.includes(key)) continue;
    const suggestion = suggestKey(key, IDP_KEYS);
    if (suggestion) result.misspelled.push({ key, meant: suggestion });
    result.warnings.push({
      source,
      key: `idp.${key}`,
      code: 'unknown_key',
      message: suggestion ? `is not a known idp setting; did you mean "${suggestion}"?` : 'is not a known idp setting and is ignored',
    });
  }
  return result;
}

/** Read a credentials file written as JSON (`~/.ubiq/credentials.json`): `{ "profile": { "KEY": "value" } }`. */
export function parseCredentialsJson(text: string, source: string): ParsedProfiles {
  const result: ParsedProfiles = { format: 'json', sections: new Map(), problems: [], warnings: [], reported: new Set() };
  const parsed = parseJsonText(text, source);
  result.problems.push(...parsed.problems);
  if (parsed.value === undefined) return result;
  if (!isJsonObject(parsed.value)) {
    result.problems.push({ source, code: 'not_an_object', message: 'must be a JSON object of profiles ({ "default": { "SERVER": … } })' });
    return result;
  }
  for (const [profile, body] of Object.entries(parsed.value)) {
    if (!isJsonObject(body)) {
      result.problems.push({ source, key: profile, code: 'not_an_object', message: 'a profile must be an object of KEY: "value" pairs' });
      continue;
    }
    const entries = new Map<string, ProfileEntry>();
    for (const [key, value] of Object.entries(body)) {
      const upper = key.toUpperCase();
      if (!INI_KEYS.has(upper)) {
        entries.set(upper, { value: typeof value === 'string' ? value : JSON.stringify(value) ?? '', key });
        continue;
      }
      if (typeof value !== 'string') {
        result.problems.push({ source, key: `[${profile}] ${key}`, code: 'not_a_string', message: 'must be a string' });
        result.reported.add(`${profile}\n${upper}`);
        continue;
      }
      if (entries.has(upper)) {
        result.problems.push({ source, key: `[${profile}] ${key}`, code: 'duplicate_key', message: `${upper} is given twice (in different letter case); keep one` });
        continue;
      }
      entries.set(upper, { value: value.trim(), key });
    }
    result.sections.set(profile, entries);
  }
  return result;
}
