import { errorGuard, UbiqIdpError } from '../errors.js';
import type { ScimAgentErrorCode } from '../error-codes.js';

export type { ScimAgentErrorCode } from '../error-codes.js';

/** Which IdP's provisioning agent raised the error. */
export type ScimAgentName = 'okta' | 'entra';

/**
 * Thrown by the Okta and Entra provisioning agents. Carries the HTTP method, the path relative to the
 * SCIM base URL and the status, never the bearer token or request headers.
 *
 * @example
 * ```ts
 * try {
 *   await okta.assignUser('alice@example.com');
 * } catch (error) {
 *   if (isScimAgentError(error) && error.status === 409) console.log(error.hint);
 * }
 * ```
 */
export class ScimAgentError extends UbiqIdpError<ScimAgentErrorCode> {
  static override readonly errorName = 'ScimAgentError';
  readonly agent: ScimAgentName;
  /** HTTP method of the failing request, when there was one. */
  readonly method: string | undefined;
  /** Path of the failing request relative to the SCIM base URL (e.g. `/Users/42`), without the query. */
  readonly path: string | undefined;
  /** HTTP status of the answer; undefined when no answer arrived. */
  readonly status: number | undefined;
  /** The SCIM error `detail` (or start of the body) the server sent, with the bearer token scrubbed. */
  readonly detail: string | undefined;

  constructor(
    code: ScimAgentErrorCode,
    message: string,
    context: {
      agent: ScimAgentName;
      method?: string;
      path?: string;
      status?: number;
      detail?: string;
      hint?: string;
      cause?: unknown;
    },
  ) {
    super(code, message, { hint: context.hint, cause: context.cause });
    this.agent = context.agent;
    this.method = context.method;
    this.path = context.path;
    this.status = context.status;
    this.detail = context.detail;
  }
}

/** True when `value` is a {@link ScimAgentError}, also one made by another copy of this package. */
export const isScimAgentError = errorGuard<ScimAgentError>('ScimAgentError');
