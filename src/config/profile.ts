import { KEY_FIELDS, USER_FIELDS } from './fields.js';
import type { ParsedProfiles } from './sources/types.js';
import type { ConfigProfileChoice } from './types.js';

/** The profile the setup documents (Okta and Entra IDP Integration) have the user write. */
export const DOCUMENTS_PROFILE = 'idp';

const CREDENTIAL_KEYS = [...USER_FIELDS, ...KEY_FIELDS].flatMap((f) => (f.ini ? [f.ini] : []));

function holds(profiles: ParsedProfiles | undefined, section: string, keys: readonly string[]): boolean {
  const entries = profiles?.sections.get(section);
  return keys.some((key) => (entries?.get(key)?.value.trim() ?? '') !== '');
}

/**
 * Which credentials profile to read. A profile named by option or `UBIQ_PROFILE` is used as named.
 * With none named, `[default]` when it holds credentials (as the official clients read it), else
 * `[idp]` when it holds `IDP_USERNAME` (the profile the setup documents write), else `[default]`.
 */
export function chooseProfile(named: { name: string; chosenBy: 'option' | 'env' | 'default' }, profiles: ParsedProfiles | undefined): ConfigProfileChoice {
  if (named.chosenBy === 'option') return { ...named, reason: 'named by the profile option (--profile)' };
  if (named.chosenBy === 'env') return { ...named, reason: 'named by UBIQ_PROFILE' };
  if (profiles === undefined) return { ...named, reason: 'no profile named and no credentials file read: [default]' };
  if (holds(profiles, 'default', CREDENTIAL_KEYS)) return { ...named, reason: 'no profile named; [default] holds credentials' };
  if (holds(profiles, DOCUMENTS_PROFILE, ['IDP_USERNAME'])) {
    return {
      name: DOCUMENTS_PROFILE,
      chosenBy: 'detected',
      reason: `no profile named; [default] ${profiles.sections.has('default') ? 'holds no credentials' : 'does not exist'} and [${DOCUMENTS_PROFILE}] holds IDP_USERNAME (the profile the setup documents write)`,
    };
  }
  return { ...named, reason: `no profile named; neither [default] nor [${DOCUMENTS_PROFILE}] holds credentials` };
}
