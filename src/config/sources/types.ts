import type { ConfigProblem } from '../errors.js';
import type { ConfigFieldSource, ConfigWarning } from '../types.js';

/** One value in a credentials profile. `key` is as written; maps are keyed by the upper-cased key. */
export interface ProfileEntry {
  value: string;
  key: string;
  line?: number;
}

/** A credentials file, INI or JSON, as profiles of string values. */
export interface ParsedProfiles {
  format: 'ini' | 'json';
  sections: Map<string, Map<string, ProfileEntry>>;
  problems: ConfigProblem[];
  warnings: ConfigWarning[];
  /** `profile + '\n' + KEY` of values that already have a problem, so they are not also reported missing. */
  reported: Set<string>;
}

/** A value as found in one source, before validation. */
export interface RawValue {
  value: unknown;
  where: ConfigFieldSource;
}
