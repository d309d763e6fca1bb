import { UbiqIdpError } from '../errors.js';

/** Stable codes of {@link ScimAgentError}. */
export type ScimAgentErrorCode =
  /** The SCIM server answered with a status or body the real IdP would have treated as a failure. */
  | 'SCIM_AGENT_UNEXPECTED_RESPONSE'
  /** The request never got an answer: connection refused, reset, timed out or aborted. */
  | 'SCIM_AGENT_REQUEST_FAILED'
  /** The agent was asked to act on a user or group it has not provisioned (assign or push it first). */
  | 'SCIM_AGENT_NOT_PROVISIONED'
  /** A login, UPN or group name was given but the emulator has no such user or group. */
  | 'SCIM_AGENT_UNKNOWN_DIRECTORY_OBJECT';

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
export class ScimAgentError extends UbiqIdpError {
  declare readonly code: ScimAgentErrorCode;
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
    this.name = 'ScimAgentError';
    this.agent = context.agent;
    this.method = context.method;
    this.path = context.path;
    this.status = context.status;
    this.detail = context.detail;
  }
}

/** True when `value` is a {@link ScimAgentError} (matches by name, so it works across bundles). */
export function isScimAgentError(value: unknown): value is ScimAgentError {
  return value instanceof ScimAgentError || (value instanceof Error && value.name === 'ScimAgentError');
}
