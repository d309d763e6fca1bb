import { errorGuard, UbiqIdpError } from '../../errors.js';
import type { AdminErrorCode } from '../../error-codes.js';

export type { AdminErrorCode } from '../../error-codes.js';

/** An admin API error, rendered as `{ code, message }` JSON with its status. */
export class AdminError extends UbiqIdpError<AdminErrorCode> {
  static override readonly errorName = 'AdminError';
  readonly status: number;
  constructor(status: number, code: AdminErrorCode, message: string, hint?: string) {
    super(code, message, hint === undefined ? {} : { hint });
    this.status = status;
  }
}

/** True when `value` is an {@link AdminError}, also one made by another copy of this package. */
export const isAdminError = errorGuard<AdminError>('AdminError');

/** The admin API's JSON answer for `error`. */
export function adminErrorResponse(error: AdminError): Response {
  return new Response(JSON.stringify({ code: error.code, message: error.message, ...(error.hint ? { hint: error.hint } : {}) }), {
    status: error.status,
    headers: { 'content-type': 'application/json; charset=utf-8' },
  });
}
