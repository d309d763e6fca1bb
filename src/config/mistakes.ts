import { checkEndpointUrl } from '../util/endpoint-url.js';
import type { FieldKind } from './fields.js';
import type { IdpSettings } from './types.js';

/** One thing wrong with a single value. Messages never quote the value. */
export interface Finding {
  code: string;
  message: string;
  severity: 'error' | 'warning';
}

const error = (code: string, message: string): Finding => ({ code, message, severity: 'error' });
const warning = (code: string, message: string): Finding => ({ code, message, severity: 'warning' });

const WRAPPED = /^<[^<>]*>$/;
const SEED_PLACEHOLDER = /^<(okta|entra)-(username|password)>$/i;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

/**
 * The mistakes people make when they copy the seed documents' examples: `<...>` around or
 * inside values, "…" where the example shortened a secret, a trailing '.', typographic quotes,
 * stray spaces.
 */
export function checkValue(kind: FieldKind, value: string): Finding[] {
  const findings: Finding[] = [];
  // A PEM block has line breaks by nature; its own format check is strict.
  if (kind === 'pem') return findings;
  if (CONTROL.test(value)) findings.push(error('control_characters', 'contains a line break, tab or other control character'));
  if (kind === 'password') {
    // A password may contain anything, so only the documents' own placeholders are certain mistakes.
    if (SEED_PLACEHOLDER.test(value)) findings.push(error('placeholder', 'is still the placeholder from the setup document; put the real value in its place'));
    else if (WRAPPED.test(value)) findings.push(warning('angle_brackets', 'is wrapped in <...>; if you copied the setup document, remove the angle brackets'));
    return findings;
  }
  if (value !== value.trim()) findings.push(error('surrounding_whitespace', 'has leading or trailing spaces; remove them'));
  const trimmed = value.trim();
  const elided = (kind === 'secret' || kind === 'id' || kind === 'uuid') && /…|\.\.\./.test(trimmed);
  if (WRAPPED.test(trimmed)) {
    findings.push(
      SEED_PLACEHOLDER.test(trimmed)
        ? error('placeholder', 'is still the placeholder from the setup document; put the real value in its place')
        : error('angle_brackets', 'is wrapped in <...> as in the setup document; remove the angle brackets'),
    );
  } else if (/[<>]/.test(trimmed) && !elided) {
    findings.push(error('placeholder', 'contains a <...> placeholder or angle bracket from the documentation; replace it with your real value'));
  }
  if (elided) findings.push(error('elided', "looks shortened ('…' or '...') like the setup document's example; paste the full value"));
  if ((kind === 'url' || kind === 'server') && trimmed.endsWith('.')) findings.push(error('trailing_dot', "ends with '.'; remove it"));
  if (/[“”‘’]/.test(value)) findings.push(error('smart_quotes', 'contains typographic quotes (“ ” ‘ ’), which word processors insert; remove them'));
  return findings;
}

/**
 * Check and normalise a URL with the library's one URL validation ({@link checkEndpointUrl}), as findings
 * of the config loader. `server` gets `https://` when no scheme is given; a token endpoint must be given in
 * full. `http://` is refused unless allowed: the token request carries the password and the client secret.
 */
export function checkUrl(kind: 'server' | 'url', raw: string, allowInsecureHttp: boolean): { url?: string; findings: Finding[] } {
  const checked = checkEndpointUrl(kind, raw, { allowInsecureHttp });
  return checked.url === undefined ? { findings: checked.problems.map((p) => error(p.code, p.message)) } : { url: checked.url, findings: [] };
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Cross-field checks of the idp block that point to a likely mix-up but may still work. */
export function checkIdpConsistency(idp: Pick<IdpSettings, 'provider' | 'tokenEndpointUrl' | 'clientId'>): Finding[] {
  const findings: Finding[] = [];
  let url: URL | undefined;
  try {
    url = new URL(idp.tokenEndpointUrl);
  } catch {
    return findings;
  }
  const host = url.hostname.toLowerCase();
  const isMicrosoft = host === 'login.microsoftonline.com' || host.endsWith('.microsoftonline.com');
  const isOkta = /(^|\.)okta(preview|-emea)?\.com$/.test(host);
  if (idp.provider === 'okta' && isMicrosoft) findings.push(warning('provider_endpoint_mismatch', "provider is 'okta' but the token endpoint is Microsoft's; did you mean 'entra'?"));
  if (idp.provider === 'entra' && isOkta) findings.push(warning('provider_endpoint_mismatch', "provider is 'entra' but the token endpoint is Okta's; did you mean 'okta'?"));
  if (idp.provider === 'entra') {
    const directory = url.pathname.split('/')[1] ?? '';
    if (GUID.test(directory) && directory.toLowerCase() === idp.clientId.trim().toLowerCase()) {
      findings.push(
        warning(
          'entra_tenant_id_is_directory',
          "is the Directory (tenant) ID from the token endpoint, but Entra expects the application's Application (client) ID here (App registrations → your application → Overview)",
        ),
      );
    } else if (!GUID.test(idp.clientId.trim())) {
      findings.push(warning('entra_client_id_not_guid', "is not a GUID, but Entra's Application (client) ID always is"));
    }
  }
  return findings;
}

/** Edit distance with adjacent transpositions (`secert` → `secret` is one edit). */
function editDistance(a: string, b: string): number {
  const rows = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(rows[i - 1]![j]! + 1, rows[i]![j - 1]! + 1, rows[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, rows[i - 2]![j - 2]! + 1);
      rows[i]![j] = best;
    }
  }
  return rows[a.length]![b.length]!;
}

/**
 * The known key a misspelled one most likely means: same letters in another case or with other
 * separators, the `idp_` prefix added or dropped, or one or two typing slips (`client_secert`,
 * `IDP_USRNAME`, `idp_token_endpont_url`). Undefined when nothing is close enough to be a good guess.
 */
export function suggestKey(key: string, known: readonly string[]): string | undefined {
  const norm = (s: string) => s.toLowerCase().replace(/[^a-z0-9]/g, '');
  const wanted = norm(key);
  if (!wanted) return undefined;
  const exact = known.find((k) => norm(k) === wanted || norm(k) === `idp${wanted}` || `idp${norm(k)}` === wanted);
  if (exact !== undefined) return exact;
  // Short keys get one slip, longer ones two; more would suggest unrelated keys.
  const allowed = wanted.length < 4 ? 0 : wanted.length < 8 ? 1 : 2;
  let best: { key: string; distance: number } | undefined;
  for (const candidate of known) {
    const distance = editDistance(wanted, norm(candidate));
    if (distance <= allowed && (best === undefined || distance < best.distance)) best = { key: candidate, distance };
  }
  return best?.key;
}
