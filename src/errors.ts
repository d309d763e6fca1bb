import type { UbiqIdpErrorCode } from './error-codes.js';

export type * from './error-codes.js';

/**
 * The brand every error of this library carries: the names of its error classes, most specific first
 * (`['CredentialsUnavailableError', 'CredentialsError', 'UbiqIdpError']`). Registered with `Symbol.for`
 * so that two copies of the package (a CJS and an ESM build, or two versions in one tree) still
 * recognise each other's errors, where `instanceof` would not.
 */
const BRAND: unique symbol = Symbol.for('ubiq-idp.error');

/** Options every error of this library takes. */
export interface UbiqIdpErrorOptions {
  /** What a person can do about it; shown by the CLI as `fix:`. */
  hint?: string;
  /** The underlying error. Must never carry a secret. */
  cause?: unknown;
}

/**
 * The base of every error this library throws; never thrown itself (it is abstract), only its
 * subclasses are. Match on `code` (stable across versions; `UbiqIdpError['code']` is the union of
 * every subclass's codes, see {@link UbiqIdpErrorCode}) or use the `isX` guards, never on `message`.
 * `hint` says what to change, naming the setup step in the Ubiq IdP integration documents where there
 * is one. No message, hint or `cause` ever contains a secret (password, client secret, token, signing
 * or crypto key, private key).
 *
 * Every subclass declares `static override readonly errorName` (its `name`, also what its guard
 * matches) and narrows `code` to its own union.
 *
 * @example
 * try {
 *   await provider();
 * } catch (error) {
 *   if (isUbiqIdpError(error)) console.error(`${error.code}: ${error.message}\nfix: ${error.hint ?? ''}`);
 *   else throw error;
 * }
 */
export abstract class UbiqIdpError<Code extends UbiqIdpErrorCode = UbiqIdpErrorCode> extends Error {
  /** The name of this class, as `error.name` and as the guards match it. */
  static readonly errorName: string = 'UbiqIdpError';

  /** Stable, machine-readable identifier of the problem. */
  readonly code: Code;
  /** What a person can do about it. */
  readonly hint: string | undefined;

  constructor(code: Code, message: string, options: UbiqIdpErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    const names = errorNamesOf(new.target);
    Object.defineProperty(this, BRAND, { value: names, enumerable: false });
    this.name = names[0] ?? 'UbiqIdpError';
    this.code = code;
    this.hint = options.hint;
  }
}

/** The `errorName`s declared along a class's prototype chain, most specific first. */
function errorNamesOf(constructor: unknown): readonly string[] {
  const names: string[] = [];
  for (let current = constructor; typeof current === 'function' && current !== Error; current = Object.getPrototypeOf(current)) {
    if (Object.hasOwn(current, 'errorName')) {
      const name = (current as { errorName?: unknown }).errorName;
      if (typeof name === 'string') names.push(name);
    }
  }
  return Object.freeze(names);
}

function brandOf(value: unknown): readonly string[] | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  // Something that merely copied the brand onto another shape is not one of our errors either.
  const shape = value as { code?: unknown; message?: unknown };
  if (typeof shape.code !== 'string' || typeof shape.message !== 'string') return undefined;
  const names = (value as { [BRAND]?: unknown })[BRAND];
  return Array.isArray(names) && names.every((name) => typeof name === 'string') ? names : undefined;
}

/**
 * The one guard mechanism of the library: a type guard that is true for errors of the class named
 * `errorName` and its subclasses, including errors made by another copy of this package. Errors of
 * other libraries (which often carry a string `code` too) are never matched.
 */
export function errorGuard<T extends UbiqIdpError>(errorName: string): (value: unknown) => value is T {
  // The brand is an own, non-enumerable property set by the constructor; a plain object carrying
  // `name`/`code`/`hint` (or another library's error) has none.
  return (value: unknown): value is T => brandOf(value)?.includes(errorName) === true;
}

/** True when `value` is an error thrown by this library (any copy of it); false for every other error. */
export const isUbiqIdpError: (value: unknown) => value is UbiqIdpError = errorGuard('UbiqIdpError');
