// SCIM error responses (RFC 7644 §3.12). Handlers throw ScimError; the app's onError renders it.
import { errorGuard, UbiqIdpError } from '../../errors.js';
import { answerResponse, type Answer } from '../http-util.js';
import type { ScimErrorCode, ScimErrorStatus, ScimType } from '../../error-codes.js';

export type { ScimErrorCode, ScimErrorStatus, ScimType } from '../../error-codes.js';

export const SCIM_ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';
export const SCIM_CONTENT_TYPE = 'application/scim+json; charset=utf-8';

/** A SCIM protocol error with its HTTP status and scimType. `detail` never contains a secret. */
export class ScimError extends UbiqIdpError<ScimErrorCode> {
  static override readonly errorName = 'ScimError';
  readonly status: ScimErrorStatus;
  readonly scimType: ScimType | undefined;

  constructor(status: ScimErrorStatus, detail: string, scimType?: ScimType) {
    super(`scim_${scimType ?? status}`, detail);
    this.status = status;
    this.scimType = scimType;
  }

  toBody(): Record<string, unknown> {
    return {
      schemas: [SCIM_ERROR_SCHEMA],
      status: String(this.status),
      ...(this.scimType ? { scimType: this.scimType } : {}),
      detail: this.message,
    };
  }
}

/** True when `value` is a {@link ScimError}, also one made by another copy of this package. */
export const isScimError = errorGuard<ScimError>('ScimError');

export const badRequest = (scimType: ScimType, detail: string) => new ScimError(400, detail, scimType);
export const notFound = (detail: string) => new ScimError(404, detail);
export const conflict = (detail: string) => new ScimError(409, detail, 'uniqueness');

/** The error's answer (RFC 7644 §3.12) as status, headers and JSON text, for any transport. */
export function scimErrorAnswer(error: ScimError, extraHeaders: Record<string, string> = {}): Answer {
  return { status: error.status, headers: { 'content-type': SCIM_CONTENT_TYPE, ...extraHeaders }, body: JSON.stringify(error.toBody()) };
}

export function scimErrorResponse(error: ScimError, extraHeaders: Record<string, string> = {}): Response {
  return answerResponse(scimErrorAnswer(error, extraHeaders));
}
