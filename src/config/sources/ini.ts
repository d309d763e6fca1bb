import { parse } from 'ini';
import { INI_KEYS, isForbiddenKey } from '../fields.js';
import type { ParsedProfiles, ProfileEntry } from './types.js';

const HEADER = /^\[([^\]]*)\]\s*(?:[;#].*)?$/;

function isQuoted(value: string): boolean {
  return value.length >= 2 && ((value.startsWith('"') && value.endsWith('"')) || (value.startsWith("'") && value.endsWith("'")));
}

/**
 * Parse an INI credentials file into profiles. We find sections ourselves and hand each
 * `key=value` line to `ini`: `ini` would nest dotted section names (`[team.prod]`) and silently
 * drop `__proto__`, and we want both to be visible (a profile named `team.prod`, a rejected key).
 */
export function parseCredentialsIni(text: string, source: string): ParsedProfiles {
  const result: ParsedProfiles = { format: 'ini', sections: new Map(), problems: [], warnings: [], reported: new Set() };
  const problem = (code: string, message: string, key?: string) =>
    result.problems.push(key === undefined ? { source, code, message } : { source, key, code, message });
  let section: { name: string; entries: Map<string, ProfileEntry> } | undefined;
  let skipping = false;
  let warnedGlobal = false;
  const lines = text.split(/\r\n|\r|\n/);
  for (let index = 0; index < lines.length; index++) {
    const lineNo = index + 1;
    const line = (lines[index] ?? '').trim();
    if (!line || line.startsWith(';') || line.startsWith('#')) continue;
    const header = HEADER.exec(line);
    if (header) {
      const name = (header[1] ?? '').trim();
      skipping = true;
      if (!name) problem('empty_section', `line ${lineNo}: section name is empty`);
      else if (name.split('.').some(isForbiddenKey)) problem('forbidden_name', `line ${lineNo}: section name '${name}' is not allowed (reserved JavaScript property name)`);
      else {
        skipping = false;
        const entries = result.sections.get(name) ?? new Map<string, ProfileEntry>();
        result.sections.set(name, entries);
        section = { name, entries };
      }
      continue;
    }
    if (line.startsWith('[')) {
      problem('malformed_section', `line ${lineNo}: looks like a section header but is not '[name]'`);
      skipping = true;
      continue;
    }
    if (skipping) continue;
    if (!section) {
      if (!warnedGlobal) {
        result.warnings.push({ source, code: 'keys_outside_profile', message: `line ${lineNo}: keys before the first [profile] line are ignored` });
        warnedGlobal = true;
      }
      continue;
    }
    const current = section;
    readEntry(line, lineNo, current, (code, message, key) => {
      // Remember which value was bad, so that it is not reported a second time as missing.
      const badKey = (line.split('=')[0] ?? '').trim().replace(/\[\]$/, '').trim().toUpperCase();
      result.reported.add(`${current.name}\n${badKey}`);
      problem(code, message, key);
    });
  }
  return result;
}

function readEntry(
  line: string,
  lineNo: number,
  section: { name: string; entries: Map<string, ProfileEntry> },
  problem: (code: string, message: string, key?: string) => void,
): void {
  const eq = line.indexOf('=');
  const rawKey = (eq < 0 ? line : line.slice(0, eq)).trim();
  // Only the key (never the value) may appear in messages, and only if it is not absurdly long.
  const shownKey = rawKey.length > 64 ? `${rawKey.slice(0, 64)}…` : rawKey;
  const where = `[${section.name}] ${shownKey}`;
  if (eq < 0) return problem('missing_equals', `line ${lineNo}: expected KEY=value but there is no '='`, `[${section.name}]`);
  if (!rawKey) return problem('missing_key', `line ${lineNo}: nothing before '='`, `[${section.name}]`);
  if (isForbiddenKey(rawKey) || isForbiddenKey(rawKey.replace(/\[\]$/, '').replace(/^["']|["']$/g, ''))) {
    return problem('forbidden_name', `line ${lineNo}: key name is not allowed (reserved JavaScript property name)`, where);
  }
  const decoded = Object.entries(parse(line));
  const [key, value] = decoded[0] ?? [];
  if (key === undefined || isForbiddenKey(key)) return problem('forbidden_name', `line ${lineNo}: key name is not allowed`, where);
  const upper = key.toUpperCase();
  const known = INI_KEYS.has(upper);
  if (Array.isArray(value)) {
    if (known) problem('not_a_string', `line ${lineNo}: must be a single value (remove the [] after the key)`, where);
    return;
  }
  const rawValue = line.slice(eq + 1).trim();
  if (known && !isQuoted(rawValue) && /(^|[^\\])[;#]/.test(rawValue)) {
    return problem(
      'ini_inline_comment',
      `line ${lineNo}: the value contains ';' or '#', which starts a comment in INI files, so the rest of the value would be lost; put the value in double quotes or write \\; and \\#`,
      where,
    );
  }
  const text = typeof value === 'string' ? value : String(value);
  const previous = section.entries.get(upper);
  if (previous && previous.value !== text) {
    problem('duplicate_key', `line ${lineNo}: ${upper} is given again with a different value (first on line ${previous.line}); keep one`, where);
    return;
  }
  section.entries.set(upper, { value: text, key, line: lineNo });
}
