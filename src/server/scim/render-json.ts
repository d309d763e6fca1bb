// A User's JSON text written directly, for the responses that carry whole users (a `userName eq` lookup,
// GET/POST/PUT/PATCH of one user). It is exactly `JSON.stringify(renderUser(...))`, without building the
// intermediate objects and with fewer JSON.stringify calls: on Node 20 each call costs ~0.2 µs before it
// writes anything, and a User response had about a dozen of them. The stored attributes' text is kept
// for users that answered a read, and each group's entry in `groups` per group record (see below). Shapes
// the short path does not cover (`active` stored differently from the record, keys the handlers never
// store) take the object path.
import type { GroupRecord, ReferenceStore, UserRecord } from '../store/types.js';
import { renderUser } from './render.js';
import { ENTERPRISE_SCHEMA, LIST_SCHEMA, USER_SCHEMA } from './schema.js';

// Anything JSON.stringify would escape: quote, backslash, control characters, and surrogates (a lone
// one is escaped as \udXXX; a pair is not, but testing for both keeps the check one character class).
// eslint-disable-next-line no-control-regex -- the control characters are what the test looks for
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

/** `JSON.stringify(text)`, quoting directly when nothing needs escaping (ids, URLs, most names). */
export function jsonString(text: string): string {
  return NEEDS_ESCAPE.test(text) ? JSON.stringify(text) : `"${text}"`;
}

// The base URL tested last and found to need no escaping: one server answers from one base URL, so its
// resources' locations skip a scan of the same ~70 characters on every answer.
let plainBaseUrl: string | undefined;

/** `jsonString(\`${baseUrl}/${path}/${id}\`)` for a base URL and a plain id (`path` needs no escaping). */
function locationJson(baseUrl: string, path: string, id: string, idIsPlain: boolean): string {
  if (idIsPlain && (baseUrl === plainBaseUrl || (!NEEDS_ESCAPE.test(baseUrl) && (plainBaseUrl = baseUrl) !== undefined))) return `"${baseUrl}/${path}/${id}"`;
  return JSON.stringify(`${baseUrl}/${path}/${id}`);
}

const pad2 = (n: number) => (n < 10 ? `0${n}` : `${n}`);
const pad3 = (n: number) => (n < 10 ? `00${n}` : n < 100 ? `0${n}` : `${n}`);
const DAY = 86_400_000;
// 1970-01-01 .. 9999-12-31: four-digit years, the only range the short path formats.
const MAX_TIME = 253_402_300_799_999;

/**
 * `date.toISOString()` for instants in 1970–9999, computed with integer arithmetic (the builtin costs
 * ~0.6 µs on Node 20; a User has two of them). Other instants, and invalid dates, use the builtin.
 */
export function isoString(date: Date): string {
  const t = date.getTime();
  if (!(t >= 0 && t <= MAX_TIME)) return date.toISOString();
  const days = Math.floor(t / DAY);
  let ms = t - days * DAY;
  // Days since 1970-01-01 to a civil date (H. Hinnant's days_from_civil inverse, proleptic Gregorian).
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  const hours = Math.floor(ms / 3_600_000);
  ms -= hours * 3_600_000;
  const minutes = Math.floor(ms / 60_000);
  ms -= minutes * 60_000;
  const seconds = Math.floor(ms / 1000);
  ms -= seconds * 1000;
  return `${year}-${pad2(month)}-${pad2(day)}T${pad2(hours)}:${pad2(minutes)}:${pad2(seconds)}.${pad3(ms)}Z`;
}

const USER_SCHEMAS_JSON = JSON.stringify([USER_SCHEMA]);
const USER_SCHEMAS_WITH_ENTERPRISE_JSON = JSON.stringify([USER_SCHEMA, ENTERPRISE_SCHEMA]);
const ENTERPRISE_KEY_JSON = JSON.stringify(ENTERPRISE_SCHEMA);

// A group's entry in its members' `groups`, kept per group record with the display name and base URL it
// was written from, and rewritten when either differs: the entry is a function of the record's id (never
// changed), its displayName and the base URL, so a stale entry cannot be served. Records are dropped with
// their entries (WeakMap).
const groupRefs = new WeakMap<GroupRecord, { displayName: string; baseUrl: string; json: string }>();

function groupRefJson(store: ReferenceStore, groupId: string, baseUrl: string): string {
  const group = store.getGroup(groupId);
  if (!group) return '';
  const cached = groupRefs.get(group);
  if (cached && cached.displayName === group.displayName && cached.baseUrl === baseUrl) return cached.json;
  const id = jsonString(group.id);
  const json = `{"value":${id},"$ref":${jsonString(`${baseUrl}/Groups/${group.id}`)},"display":${jsonString(group.displayName)},"type":"direct"}`;
  groupRefs.set(group, { displayName: group.displayName, baseUrl, json });
  return json;
}

// The JSON text of a user's stored attributes, kept per attributes object. Stored attributes are never
// changed in place: every write (POST, PUT, PATCH) stores a new object, so the text of an object never
// goes stale, and it is dropped with the object when the record is replaced or deleted (WeakMap).
// Most users have no enterprise extension: their entry is the attributes' JSON itself, with no object
// around it (the entry costs the string, ~290 bytes for a typical user).
interface SplitText {
  /** The core attributes as `"k":v,…` (no braces; empty when none), in the object form's order. */
  core: string;
  /** The enterprise extension's JSON; undefined when the attributes hold it undefined. */
  enterprise: string | undefined;
}
/** A string: the attributes' JSON (no extension). `null`: a shape the short path does not write. */
const attributesText = new WeakMap<Record<string, unknown>, string | SplitText | null>();

function storedAttributesText(attributes: Record<string, unknown>, keep: boolean): string | SplitText | null {
  let text = attributesText.get(attributes);
  if (text === undefined) {
    text = attributesTextOf(attributes);
    if (keep) attributesText.set(attributes, text);
  }
  return text;
}

/** @internal For tests: whether the JSON text of this attributes object is kept. */
export function keepsAttributesText(attributes: Record<string, unknown>): boolean {
  return attributesText.has(attributes);
}

function attributesTextOf(attributes: Record<string, unknown>): string | SplitText | null {
  // An integer-like key ("7") comes first in the object form, before `schemas`: not a schema name, so
  // never stored by the handlers, but the bytes must stay equal anyway.
  const integerKeyFirst = (json: string) => json.charCodeAt(2) >= 48 && json.charCodeAt(2) <= 57;
  if (!Object.hasOwn(attributes, ENTERPRISE_SCHEMA)) {
    const json = JSON.stringify(attributes);
    return integerKeyFirst(json) ? null : json;
  }
  // Copied as renderUser copies (for-in, the extension left out), so the order is the object form's.
  const core: Record<string, unknown> = {};
  for (const key in attributes) if (key !== ENTERPRISE_SCHEMA) core[key] = attributes[key];
  const value = attributes[ENTERPRISE_SCHEMA];
  const enterprise = value === undefined ? undefined : (JSON.stringify(value) as string | undefined);
  // A value JSON leaves out (a function) would still list the extension's schema in the object form.
  if (value !== undefined && enterprise === undefined) return null;
  const json = JSON.stringify(core);
  return integerKeyFirst(json) ? null : { core: json.slice(1, -1), enterprise };
}

/**
 * `JSON.stringify(renderUser(store, user, baseUrl, withGroups))`, written directly when the stored
 * attributes hold no `schemas`/`id`/`meta`/`groups` keys (the handlers never store them) and a stored
 * `active`, if any, equals the record's. Anything else goes through {@link renderUser}, so the two never
 * disagree. `keep`: keep the attributes' text for the next call (reads); the answer to a write passes
 * false, so users created or changed but not read again cost no memory for it.
 */
export function renderUserJson(store: ReferenceStore, user: UserRecord, baseUrl: string, withGroups = true, keep = true): string {
  const attributes = user.attributes;
  const stored = attributes.active;
  const hasActive = Object.hasOwn(attributes, 'active');
  if (
    Object.hasOwn(attributes, 'schemas') ||
    Object.hasOwn(attributes, 'id') ||
    Object.hasOwn(attributes, 'meta') ||
    Object.hasOwn(attributes, 'groups') ||
    (hasActive && stored !== user.active)
  )
    return JSON.stringify(renderUser(store, user, baseUrl, withGroups));
  const text = storedAttributesText(attributes, keep);
  if (text === null) return JSON.stringify(renderUser(store, user, baseUrl, withGroups));
  const core = typeof text === 'string' ? text.slice(1, -1) : text.core;
  const enterprise = typeof text === 'string' ? undefined : text.enterprise;
  const idIsPlain = !NEEDS_ESCAPE.test(user.id);
  let out = `{"schemas":${enterprise === undefined ? USER_SCHEMAS_JSON : USER_SCHEMAS_WITH_ENTERPRISE_JSON},"id":${idIsPlain ? `"${user.id}"` : JSON.stringify(user.id)}`;
  if (core) out += `,${core}`;
  if (!hasActive) out += `,"active":${user.active}`;
  if (withGroups) {
    const ids = store.groupIdsOfUserUnwrapped ? store.groupIdsOfUserUnwrapped(user.id) : store.groupIdsOfUser(user.id);
    let groups = '';
    if (typeof ids === 'string') groups = groupRefJson(store, ids, baseUrl);
    else if (ids)
      for (const groupId of ids) {
        const one = groupRefJson(store, groupId, baseUrl);
        if (one) groups = groups ? `${groups},${one}` : one;
      }
    if (groups) out += `,"groups":[${groups}]`;
  }
  if (enterprise !== undefined) out += `,${ENTERPRISE_KEY_JSON}:${enterprise}`;
  const created = isoString(user.created);
  const lastModified = user.lastModified.getTime() === user.created.getTime() ? created : isoString(user.lastModified);
  return `${out},"meta":{"resourceType":"User","created":"${created}","lastModified":"${lastModified}","location":${locationJson(baseUrl, 'Users', user.id, idIsPlain)},"version":"W/\\"${user.version}\\""}}`;
}

const LIST_SCHEMAS_JSON = JSON.stringify([LIST_SCHEMA]);

/** A ListResponse's JSON text around resources already serialised (same key order as the object form). */
export function listResponseJson(totalResults: number, startIndex: number, resources: readonly string[]): string {
  return `{"schemas":${LIST_SCHEMAS_JSON},"totalResults":${totalResults},"startIndex":${startIndex},"itemsPerPage":${resources.length},"Resources":[${resources.join(',')}]}`;
}
