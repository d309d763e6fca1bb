import { UbiqIdpError } from '../../errors.js';

/** An admin API error, rendered as `{ code, message }` JSON with its status. */
export class AdminError extends UbiqIdpError {
  readonly status: number;
  constructor(status: number, code: string, message: string, hint?: string) {
    super(code, message, hint === undefined ? {} : { hint });
    this.name = 'AdminError';
    this.status = status;
  }
}

export function adminErrorResponse(error: AdminError): Response {
  return new Response(JSON.stringify({ code: error.code, message: error.message, ...(error.hint ? { hint: error.hint } : {}) }), {
    status: error.status,
    headers: { 'content-type': 'application/json; charset=utf-8' },
  });
}
