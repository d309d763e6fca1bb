// The error of the structured-dataset test client and of its FF1 cipher (a module of its own so that
// ff1.ts, which the client imports, can throw it too).
import { UbiqIdpError, errorGuard } from '../errors.js';
import type { StructuredClientErrorCode } from '../error-codes.js';

export type { StructuredClientErrorCode } from '../error-codes.js';

const HINTS: Record<StructuredClientErrorCode, string> = {
  structured_request_refused: 'Read `error`/`reason`: the server says which check failed.',
  structured_unsupported: 'Use a dataset with passthrough characters only (no prefix/suffix rules, pad character or input encoding).',
  structured_input_invalid: "Give values of the dataset's length whose characters are all in its input character set (or passthrough), and data keys of 16, 24 or 32 bytes.",
};

/**
 * A refusal by the server, an answer the client cannot use, a dataset it does not implement, or a value
 * the FF1 cipher cannot take. `status` is the HTTP status (0 when none).
 *
 * @example
 * try { await client.encrypt('ssn', '12'); } catch (error) { if (isStructuredClientError(error) && error.code === 'structured_input_invalid') console.error(error.message); }
 */
export class StructuredClientError extends UbiqIdpError<StructuredClientErrorCode> {
  static override readonly errorName = 'StructuredClientError';
  readonly status: number;
  readonly error: string | undefined;
  readonly reason: string | undefined;
  constructor(code: StructuredClientErrorCode, message: string, details: { status?: number; error?: string | undefined; reason?: string | undefined } = {}) {
    super(code, message, { hint: HINTS[code] });
    this.status = details.status ?? 0;
    this.error = details.error;
    this.reason = details.reason;
  }
}

/** True for a {@link StructuredClientError}. */
export const isStructuredClientError = errorGuard<StructuredClientError>('StructuredClientError');
