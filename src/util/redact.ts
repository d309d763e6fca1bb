/** What a secret is replaced with wherever a library object is printed or serialised. */
export const REDACTED = '[REDACTED]';

const inspectCustom = Symbol.for('nodejs.util.inspect.custom');

type InspectFn = (value: unknown, options: unknown) => string;

/**
 * Make `target` safe to print: `JSON.stringify`, `util.inspect`/`console.log` and `String()`
 * show every key in `secretKeys` as `[REDACTED]` (or `undefined` when it is unset), while property
 * access still returns the real value. The hooks are non-enumerable, so spreading or
 * `Object.keys` sees only the data.
 *
 * We define the hooks on the object rather than wrapping values in a `Secret` class so that
 * callers keep plain `string` fields, which is what the official Ubiq clients expect.
 */
export function redactable<T extends object>(target: T, secretKeys: readonly (keyof T)[], label?: string): T {
  const view = (): Record<string, unknown> => {
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(target)) {
      out[key] = (secretKeys as readonly PropertyKey[]).includes(key) && value !== undefined ? REDACTED : value;
    }
    return out;
  };
  const name = label ?? target.constructor?.name ?? 'Object';
  Object.defineProperties(target, {
    toJSON: { value: view, enumerable: false, configurable: true, writable: true },
    toString: { value: () => `${name} ${JSON.stringify(view())}`, enumerable: false, configurable: true, writable: true },
    [inspectCustom]: {
      value: (_depth: number, options: unknown, inspect?: InspectFn) =>
        inspect ? `${name} ${inspect(view(), options)}` : `${name} ${JSON.stringify(view())}`,
      enumerable: false,
      configurable: true,
      writable: true,
    },
  });
  return target;
}

/** A secret shorter than this is not scrubbed: replacing a 1-character "secret" would mangle text. */
const MIN_SECRET_LENGTH = 4;

/**
 * `application/x-www-form-urlencoded` as OAuth clients write it (RFC 6749 appendix B, openid-client's
 * `formUrlEncode`): percent-encoding of everything but letters and digits, spaces as `+`.
 */
function oauthFormEncode(value: string): string {
  return encodeURIComponent(value).replace(/[-_.!~*'()]|%20/g, (c) => (c === '%20' ? '+' : `%${c.charCodeAt(0).toString(16).toUpperCase()}`));
}

/**
 * The forms a secret takes on the wire, each of which a server may echo back in an error text: as is,
 * `encodeURIComponent`, form-encoded (`+` for spaces; the WHATWG `URLSearchParams` and the stricter OAuth
 * variant), each also with lower-case percent escapes.
 *
 * @example
 * secretForms('p@ss word'); // ['p@ss word', 'p%40ss%20word', 'p%40ss+word', …]
 */
export function secretForms(secret: string): string[] {
  const encoded = [encodeURIComponent(secret), encodeURIComponent(secret).replace(/%20/g, '+'), new URLSearchParams([['', secret]]).toString().slice(1), oauthFormEncode(secret)];
  const lower = encoded.map((form) => form.replace(/%[0-9A-F]{2}/g, (escape) => escape.toLowerCase()));
  return [...new Set([secret, ...encoded, ...lower])];
}

/**
 * The HTTP Basic forms of a client id and secret (`Authorization: Basic base64(id:secret)`), raw and with
 * both parts form-encoded first (RFC 6749 §2.3.1, what openid-client sends), without `=` padding so the
 * match holds however the text was cut. Pass them to {@link scrub} with the other secrets of a request.
 *
 * @example
 * scrub(text, [clientSecret, ...basicCredentialForms(clientId, clientSecret)]);
 */
export function basicCredentialForms(id: string, secret: string): string[] {
  if (secret.length < MIN_SECRET_LENGTH) return [];
  const base64 = (value: string) => Buffer.from(value, 'utf8').toString('base64').replace(/=+$/, '');
  return [...new Set([base64(`${id}:${secret}`), base64(`${oauthFormEncode(id)}:${oauthFormEncode(secret)}`)])];
}

/**
 * Remove every occurrence of the given secrets from a string (error messages, response bodies we
 * quote in errors), in every form a server may echo them: as is, URL-encoded and form-encoded (see
 * {@link secretForms}); pass {@link basicCredentialForms} too when the request used HTTP Basic. Values
 * shorter than 4 characters are ignored: replacing a 1-character "secret" would mangle text.
 */
export function scrub(text: string, secrets: readonly (string | undefined)[]): string {
  const forms = new Set<string>();
  for (const secret of secrets) {
    if (secret !== undefined && secret.length >= MIN_SECRET_LENGTH) for (const form of secretForms(secret)) forms.add(form);
  }
  let out = text;
  // Longest first, so that a form containing a shorter one is removed whole.
  for (const form of [...forms].sort((a, b) => b.length - a.length)) out = out.split(form).join(REDACTED);
  return out;
}

/** Query parameters whose values are never secret (dataset names, key numbers, the public access key id). */
const PUBLIC_QUERY = new Set(['ffs_name', 'key_number', 'papi', 'api-version', 'format', 'dataset']);

/**
 * A URL safe to log: user info removed and every query value replaced by `[REDACTED]` except the few
 * known to be public. Logs and traces show which parameters were sent, never a code, token or secret.
 *
 * @example
 * redactUrl('https://idp.example/authorize?client_id=a&code=xyz'); // 'https://idp.example/authorize?client_id=[REDACTED]&code=[REDACTED]'
 */
export function redactUrl(url: string | URL): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return '(invalid URL)';
  }
  const query = [...parsed.searchParams.keys()].map((name) => `${encodeURIComponent(name)}=${PUBLIC_QUERY.has(name) ? encodeURIComponent(parsed.searchParams.get(name) ?? '') : REDACTED}`);
  return `${parsed.origin}${parsed.pathname}${query.length > 0 ? `?${query.join('&')}` : ''}`;
}
