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

/**
 * Remove every occurrence of the given secrets from a string (error messages, response bodies we
 * quote in errors). Short values are ignored: replacing a 1-character "secret" would mangle text.
 */
export function scrub(text: string, secrets: readonly (string | undefined)[]): string {
  let out = text;
  for (const secret of secrets) {
    if (secret && secret.length >= 4) out = out.split(secret).join(REDACTED);
  }
  return out;
}
