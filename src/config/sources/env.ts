import { FIELDS } from '../fields.js';
import type { ConfigFieldName, ConfigWarning } from '../types.js';
import type { RawValue } from './types.js';

/**
 * Read the `UBIQ_*` variables. Values are trimmed, as the official clients do (CI secrets often
 * end in a newline); an empty variable counts as unset.
 */
export function readEnv(env: Record<string, string | undefined>): { values: Map<ConfigFieldName, RawValue>; warnings: ConfigWarning[] } {
  const values = new Map<ConfigFieldName, RawValue>();
  const warnings: ConfigWarning[] = [];
  for (const spec of FIELDS) {
    const raw = env[spec.env];
    if (typeof raw !== 'string') continue;
    const value = raw.trim();
    if (!value) continue;
    if (value !== raw) {
      warnings.push({ source: 'environment', key: spec.env, code: 'env_whitespace', message: 'had leading or trailing whitespace, which was removed' });
    }
    values.set(spec.name, { value, where: { origin: 'env', source: 'environment', key: spec.env } });
  }
  return { values, warnings };
}
