/**
 * The base of every error this library throws. Match on `code` (stable across versions) or use
 * the `isX` guards, never on `message`. `hint` says what to change, naming the setup step in the
 * Ubiq IdP integration documents where there is one. No message, hint or `cause` ever contains a
 * secret (password, client secret, token, signing or crypto key, private key).
 */
export class UbiqIdpError extends Error {
  /** Stable, machine-readable identifier of the problem. */
  readonly code: string;
  /** What a person can do about it. */
  readonly hint: string | undefined;

  constructor(code: string, message: string, options: { hint?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'UbiqIdpError';
    this.code = code;
    this.hint = options.hint;
  }
}

/** True when `value` is an error thrown by this library (matches by shape, so it works across bundles). */
export function isUbiqIdpError(value: unknown): value is UbiqIdpError {
  return (
    value instanceof UbiqIdpError ||
    (value instanceof Error && typeof (value as { code?: unknown }).code === 'string' && 'hint' in value)
  );
}
