import type * as oidc from 'openid-client';
import * as z from 'zod';
import type { IdpProvider } from '../config/types.js';
import { isHttpRequestError, serverRetryDelay, type HttpRequestError } from '../http/index.js';
import { scrub } from '../util/redact.js';
import { IdpError, isIdpError, type IdpErrorCode } from './errors.js';
import { hintFor, PROVIDERS, type GrantKind, type IdpErrorBody } from './providers.js';
import { SECRET_RESPONSE_FIELDS } from './token.js';

/**
 * @internal An error answer of the token endpoint (or discovery), as openid-client handed it over: the
 * body it parsed (`ResponseBodyError.cause`), or the one read of a body it left unread (a
 * `WWWAuthenticateChallengeError`'s response, or the `Response` a `ClientError` carries for a status or
 * content type it does not handle). `body` is undefined when the body is not JSON.
 */
export interface IdpAnswer {
  status: number;
  headers: Headers;
  body: unknown;
}

/** @internal What the mapper needs to know about the request. */
export interface MapContext {
  provider: IdpProvider;
  grant: GrantKind;
  /** Every secret of the request (password, client secret, refresh token); removed from all text. */
  secrets: (string | undefined)[];
  sentSecret: boolean;
  attempts: number;
  now: () => number;
}

/** One short phrase per code, for messages. */
const SUMMARY: Record<IdpErrorCode, string> = {
  invalid_credentials: 'the username or password is wrong (or the account cannot sign in)',
  account_locked: 'the account is locked',
  account_disabled: 'the account is disabled',
  password_expired: 'the password has expired',
  mfa_required: 'a second factor (MFA / Conditional Access) is required, which the password grant cannot give',
  consent_required: 'admin consent for the application is missing',
  user_not_assigned: 'the user is not assigned to the application',
  invalid_client_secret: 'the client secret is not valid for this client id',
  client_secret_expired: 'the client secret has expired',
  client_secret_required: 'the application requires a client secret and none was sent',
  application_not_found: 'no application has this client id',
  tenant_not_found: 'the directory (tenant) in the token endpoint URL does not exist',
  grant_not_enabled: 'the application may not use this grant type',
  scope_not_granted: 'the requested scopes are not granted to the application',
  invalid_scope: 'the requested scope is not valid',
  refresh_token_invalid: 'the refresh token is invalid, expired or already used',
  invalid_request: 'the request was rejected as malformed',
  idp_rejected: 'the request was rejected',
  rate_limited: 'too many requests (rate limited)',
  idp_unavailable: 'the service is unavailable',
  endpoint_not_found: 'there is no such endpoint',
  invalid_response: 'the answer is not a valid token response',
  invalid_settings: 'the settings are not valid',
  insecure_endpoint: 'the endpoint does not use https',
  network_error: 'network error',
  timeout: 'no answer in time',
  aborted: 'aborted by the caller',
};

const GRANT_LABEL: Record<GrantKind, string> = {
  password: 'password sign-in',
  refresh_token: 'token refresh',
  discovery: 'OpenID Connect discovery',
  device_code: 'device sign-in',
  authorization_code: 'browser sign-in',
};

const errorBodySchema = z.object({
  error: z.string().optional().catch(undefined),
  error_description: z.string().optional().catch(undefined),
  error_codes: z.array(z.number()).optional().catch(undefined),
  trace_id: z.string().optional().catch(undefined),
  correlation_id: z.string().optional().catch(undefined),
  errorCode: z.string().optional().catch(undefined),
  errorSummary: z.string().optional().catch(undefined),
  errorId: z.string().optional().catch(undefined),
});

// openid-client's error codes (its ClientError codes and oauth4webapi's). Compared as strings so this module
// needs no runtime import of openid-client, which is loaded only when a grant runs.
const RESPONSE_BODY_ERROR = 'OAUTH_RESPONSE_BODY_ERROR';
const WWW_AUTHENTICATE_CHALLENGE = 'OAUTH_WWW_AUTHENTICATE_CHALLENGE';
const RESPONSE_IS_NOT_CONFORM = 'OAUTH_RESPONSE_IS_NOT_CONFORM';
const RESPONSE_IS_NOT_JSON = 'OAUTH_RESPONSE_IS_NOT_JSON';
const PARSE_ERROR = 'OAUTH_PARSE_ERROR';
const OPENID_TIMEOUT = 'OAUTH_TIMEOUT';

function codeOf(error: unknown): unknown {
  return error instanceof Error ? (error as { code?: unknown }).code : undefined;
}

/** The one read of a body openid-client did not consume; undefined when it is not JSON (or already read). */
async function readJsonBody(response: Response): Promise<unknown> {
  if (response.bodyUsed) return undefined;
  try {
    return JSON.parse(await response.text()) as unknown;
  } catch {
    return undefined;
  }
}

/**
 * @internal The IdP's error answer carried by what openid-client threw, or undefined when it threw for
 * something else (a 200 it could not use, the network, a timeout).
 */
export async function answerOf(error: unknown): Promise<IdpAnswer | undefined> {
  const code = codeOf(error);
  if (code === RESPONSE_BODY_ERROR) {
    const e = error as oidc.ResponseBodyError;
    return { status: e.status, headers: e.response.headers, body: e.cause };
  }
  if (code === WWW_AUTHENTICATE_CHALLENGE) {
    const e = error as oidc.WWWAuthenticateChallengeError;
    return { status: e.status, headers: e.response.headers, body: await readJsonBody(e.response) };
  }
  if ((code === RESPONSE_IS_NOT_CONFORM || code === RESPONSE_IS_NOT_JSON) && (error as Error).cause instanceof Response) {
    const response = (error as Error).cause as Response;
    return { status: response.status, headers: response.headers, body: await readJsonBody(response) };
  }
  return undefined;
}

/** @internal Builds an IdpError with the provider's hint and every secret scrubbed from the text. */
export function idpError(
  context: Pick<MapContext, 'provider' | 'secrets'>,
  code: IdpErrorCode,
  message: string,
  details: Omit<ConstructorParameters<typeof IdpError>[3], 'provider'> = {},
): IdpError {
  return new IdpError(code, scrub(message, context.secrets), hintFor(context.provider, code), { provider: context.provider, ...details });
}

/**
 * @internal A copy of an error safe to keep as `cause`: name, code and scrubbed message only, down to
 * three levels. openid-client's errors hold the response body (tokens) and the Response: never kept.
 */
export function sanitizeCause(error: unknown, secrets: (string | undefined)[], depth = 0): Error | undefined {
  if (!(error instanceof Error) || depth > 3) return undefined;
  const copy = new Error(scrub(error.message, secrets), { cause: sanitizeCause(error.cause, secrets, depth + 1) });
  copy.name = error.name;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') Object.assign(copy, { code });
  return copy;
}

function findHttpError(error: unknown): HttpRequestError | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current instanceof Error; depth += 1) {
    if (isHttpRequestError(current)) return current;
    current = current.cause;
  }
  return undefined;
}

function findIdpError(error: unknown): IdpError | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current instanceof Error; depth += 1) {
    if (isIdpError(current)) return current;
    current = current.cause;
  }
  return undefined;
}

/** @internal Maps an error answer of the IdP to an IdpError. */
export function mapAnswer(answer: IdpAnswer, context: MapContext): IdpError {
  const profile = PROVIDERS[context.provider];
  const parsed = errorBodySchema.safeParse(answer.body);
  const body: IdpErrorBody = parsed.success ? stripUndefined(parsed.data) : {};
  const idpErrorCode = profile.idpErrorCode(body);
  const correlation = profile.correlation(body, answer.headers);
  const retryAfterMs = serverRetryDelay(answer.headers, context.now);
  const hasOAuthError = body.error !== undefined || body.errorCode !== undefined;
  let code: IdpErrorCode;
  if (answer.status === 429) code = 'rate_limited';
  else if (answer.status >= 500) code = 'idp_unavailable';
  else code = profile.classify({ status: answer.status, body, idpErrorCode, grant: context.grant, sentSecret: context.sentSecret }) ??
    (hasOAuthError ? 'idp_rejected' : answer.status === 404 ? 'endpoint_not_found' : 'invalid_response');

  const rawDescription = body.error_description ?? body.errorSummary;
  const description = rawDescription === undefined ? undefined : scrub(rawDescription.split(/\r?\n/)[0] ?? '', context.secrets).slice(0, 300);
  const said = [body.error ?? body.errorCode, idpErrorCode !== undefined && idpErrorCode !== body.errorCode ? `AADSTS${idpErrorCode}` : undefined]
    .filter((part) => part !== undefined)
    .join(' ');
  const detail = [`HTTP ${answer.status}`, said === '' ? undefined : said].filter(Boolean).join(', ');
  const tries = context.attempts > 1 ? ` after ${context.attempts} attempts` : '';
  const wait = code === 'rate_limited' && retryAfterMs !== undefined ? `; retry in ${Math.ceil(retryAfterMs / 1000)} s` : '';
  const message =
    `${profile.displayName} refused the ${GRANT_LABEL[context.grant]}: ${SUMMARY[code]}${wait} ` +
    `(${detail}${description === undefined || description === '' ? '' : `: ${description}`})${tries}`;
  return idpError(context, code, message, {
    status: answer.status,
    ...(body.error === undefined ? (body.errorCode === undefined ? {} : { idpError: body.errorCode }) : { idpError: body.error }),
    ...(idpErrorCode === undefined ? {} : { idpErrorCode }),
    ...(description === undefined ? {} : { idpErrorDescription: description }),
    ...(correlation === undefined ? {} : { correlation }),
    ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    attempts: context.attempts,
  });
}

/**
 * @internal Why a 200 answer is not a usable token response, from openid-client's verdict (or from the few
 * rules it leaves to us, as `problems`). Paths and rules only, never values.
 */
export function invalidSuccess(status: number, context: MapContext, openidError?: unknown, problems?: string): IdpError {
  const secrets = [...context.secrets, ...secretValues(bodyIn(openidError))];
  const scoped = { ...context, secrets };
  const profile = PROVIDERS[context.provider];
  if (notJson(openidError)) {
    return idpError(scoped, 'invalid_response', `${profile.displayName} answered the ${GRANT_LABEL[context.grant]} with HTTP ${status} but the body is not JSON`, {
      status,
      attempts: context.attempts,
    });
  }
  const why = problems ?? scrub(describeOpenidError(openidError), secrets);
  return idpError(scoped, 'invalid_response', `${profile.displayName} answered the ${GRANT_LABEL[context.grant]} with HTTP ${status} but not a valid token response: ${why}`, {
    status,
    attempts: context.attempts,
    cause: sanitizeCause(openidError, secrets),
  });
}

/** True when openid-client refused a body because it is not JSON (content type or syntax). */
function notJson(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current instanceof Error; depth += 1) {
    const code = codeOf(current);
    if (code === PARSE_ERROR || code === RESPONSE_IS_NOT_JSON) return true;
    current = current.cause;
  }
  return false;
}

/** The parsed body oauth4webapi attaches to its "invalid response" errors (`cause: { body }`), for scrubbing. */
function bodyIn(error: unknown): unknown {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current instanceof Error; depth += 1) {
    const cause: unknown = current.cause;
    if (cause !== null && typeof cause === 'object' && !(cause instanceof Error) && 'body' in cause) return cause.body;
    current = cause;
  }
  return undefined;
}

/**
 * @internal Maps whatever a grant threw to an IdpError. `lastStatus` is the status of the last answer our
 * fetch saw (openid-client's errors about a 200 body do not carry it).
 */
export async function toIdpError(error: unknown, lastStatus: number | undefined, context: MapContext, callerSignal: AbortSignal | undefined): Promise<IdpError> {
  const existing = findIdpError(error);
  if (existing !== undefined) return existing;
  const profile = PROVIDERS[context.provider];
  const http = findHttpError(error);
  if (http !== undefined || callerSignal?.aborted) {
    const code = callerSignal?.aborted ? 'aborted' : (http?.code ?? 'network_error');
    const attempts = http?.attempts ?? context.attempts;
    return idpError(context, code, `${profile.displayName} ${GRANT_LABEL[context.grant]} failed: ${http?.message ?? 'aborted by the caller'}`, {
      attempts,
      cause: sanitizeCause(http?.cause ?? callerSignal?.reason, context.secrets),
    });
  }
  if (codeOf(error) === OPENID_TIMEOUT) {
    // openid-client's own timeout, set a little past ours: it fires only if ours did not.
    return idpError(context, 'timeout', `${profile.displayName} ${GRANT_LABEL[context.grant]} failed: no answer within openid-client's timeout`, {
      attempts: context.attempts,
      cause: sanitizeCause(error, context.secrets),
    });
  }
  const answer = await answerOf(error);
  if (answer !== undefined && answer.status !== 200) return mapAnswer(answer, context);
  const status = answer?.status ?? lastStatus;
  if (status !== undefined) return clockSkewError(status, context, error) ?? invalidSuccess(status, context, error);
  return idpError(context, 'invalid_response', `${profile.displayName} ${GRANT_LABEL[context.grant]} failed: ${error instanceof Error ? error.message : 'unknown error'}`, {
    attempts: context.attempts,
    cause: sanitizeCause(error, context.secrets),
  });
}

/** oauth4webapi's code for an ID token whose `exp`/`nbf`/`iat` fails the time check against our clock. */
const TIMESTAMP_CHECK_FAILED = 'OAUTH_JWT_TIMESTAMP_CHECK_FAILED';

const timestampCheckSchema = z.object({
  claim: z.string(),
  now: z.number(),
  tolerance: z.number().optional(),
  claims: z.object({ iat: z.number().optional(), exp: z.number().optional(), nbf: z.number().optional() }).loose(),
});

/**
 * @internal The ID token's times do not fit our clock (openid-client's timestamp check). The code stays
 * `invalid_response`; the message says how far apart the clocks are (from `iat`, the IdP's "now" when it
 * signed) and the hint points at this machine's clock, which is what is wrong far more often than the IdP's.
 */
function clockSkewError(status: number, context: MapContext, error: unknown): IdpError | undefined {
  let current: unknown = error;
  let details: z.infer<typeof timestampCheckSchema> | undefined;
  for (let depth = 0; depth < 5 && current instanceof Error && details === undefined; depth += 1) {
    if ((current as { code?: unknown }).code === TIMESTAMP_CHECK_FAILED) {
      const parsed = timestampCheckSchema.safeParse(current.cause);
      if (parsed.success) details = parsed.data;
    }
    current = current.cause;
  }
  if (details === undefined) return undefined;
  const claimTime = details.claims[details.claim as 'iat' | 'exp' | 'nbf'];
  const idpNow = details.claims.iat ?? claimTime;
  if (idpNow === undefined) return undefined;
  const offset = Math.round(idpNow - details.now);
  const profile = PROVIDERS[context.provider];
  const direction = offset < 0 ? 'behind' : 'ahead of';
  const message =
    `${profile.displayName} answered the ${GRANT_LABEL[context.grant]} with an ID token whose timestamps are ${Math.abs(offset)} s ${direction} this machine's clock ` +
    `(its "${details.claim}" claim failed the time check${details.tolerance === undefined ? '' : ` with ${details.tolerance} s tolerance`}): JWT timestamp claim value failed validation`;
  return new IdpError(
    'invalid_response',
    scrub(message, context.secrets),
    "Check this machine's clock: enable time synchronisation (NTP; e.g. `timedatectl set-ntp true`, or `w32tm /resync` on Windows) and try again. If the clock is right, the IdP's is not: ask its administrator.",
    { provider: context.provider, status, attempts: context.attempts, cause: sanitizeCause(error, context.secrets) },
  );
}

/**
 * openid-client's message plus the one of its cause (ClientError wraps the useful OperationProcessingError),
 * and a plain word for the one failure users can fix: an ID token issuer that is not the one derived from
 * the token endpoint (e.g. an Entra domain name instead of the directory id). Claims and bodies are never quoted.
 */
function describeOpenidError(error: unknown): string {
  if (!(error instanceof Error)) return 'rejected by openid-client';
  const inner = error.cause instanceof Error ? error.cause : undefined;
  const details: { claim?: unknown; expected?: unknown } | undefined = inner?.cause ?? undefined;
  const text = inner === undefined || inner.message === error.message ? error.message : `${error.message}: ${inner.message}`;
  if (details?.claim === 'iss' && typeof details.expected === 'string') {
    return `${text}; the ID token's issuer is not ${details.expected}, the issuer derived from the token endpoint URL. Use the directory (tenant) ID rather than a domain name in token_endpoint_url, pass discoveryUrl, or leave openid out of the scope`;
  }
  return text;
}

function secretValues(json: unknown): string[] {
  if (json === null || typeof json !== 'object') return [];
  const record = json as Record<string, unknown>;
  return SECRET_RESPONSE_FIELDS.map((field) => record[field]).filter((value): value is string => typeof value === 'string');
}

function stripUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
