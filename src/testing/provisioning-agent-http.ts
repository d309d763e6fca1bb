import * as z from 'zod';
import { scrub } from '../util/redact.js';
import { ScimAgentError, type ScimAgentName } from './provisioning-agent-errors.js';

/** The subset of `fetch` the agents use; inject your own (msw, undici, a server's handler). */
export type ScimAgentFetch = (input: string, init: RequestInit) => Promise<Response>;

/** HTTP methods the IdPs' provisioning agents send. */
export type ScimAgentMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/**
 * One request an agent sent, as recorded in its `requests` log: what a test asserts and what the demo
 * prints. Headers are not recorded (the bearer token lives there).
 */
export interface ScimAgentRequest {
  method: ScimAgentMethod;
  /** Path relative to the SCIM base URL, e.g. `/Users/42`. */
  path: string;
  /** Query parameters in the order they were sent (values decoded). */
  query: Record<string, string>;
  /** The JSON body sent, if any. */
  body?: unknown;
  /** Status of the answer; absent when none arrived. */
  status?: number;
}

/** Options shared by both agents. */
export interface ScimAgentCommonOptions {
  /** The SCIM base URL, e.g. `http://127.0.0.1:4000/{customer id}/api/v3/scim` (Ubiq's "SCIM URL"). */
  scimBaseUrl: string | URL;
  /** The SCIM secret token, sent as `Authorization: Bearer …`. Never logged or put in errors. */
  token: string;
  /** Defaults to the global `fetch`. */
  fetch?: ScimAgentFetch;
  /** Aborts every request in flight and every later one. */
  signal?: AbortSignal;
  /** Per-request timeout in milliseconds (default 10,000). */
  timeoutMs?: number;
}

/** Hints per failure, written for the IdP's admin console (they name the seed documents' setup steps). */
export interface ScimAgentHints {
  unauthorized: string;
  notFound: string;
  conflict: string;
  other: string;
}

export interface ScimHttpOptions extends ScimAgentCommonOptions {
  agent: ScimAgentName;
  /** Headers sent on every request (User-Agent, Accept, …). */
  headers: Record<string, string>;
  /** Content-Type sent with a body. */
  contentType: string;
  hints: ScimAgentHints;
}

export interface ScimSendOptions {
  method: ScimAgentMethod;
  path: string;
  query?: Record<string, string>;
  body?: unknown;
  /** Statuses the real IdP treats as success. */
  expect: readonly number[];
  /** What the agent was doing, for the error message (e.g. "assign user alice"). */
  action: string;
}

export interface ScimExchange {
  status: number;
  /** Parsed JSON body, the raw text when it is not JSON, or undefined when empty. */
  body: unknown;
}

export interface ScimHttp {
  readonly requests: ScimAgentRequest[];
  send(options: ScimSendOptions): Promise<ScimExchange>;
  /** Parse a body the IdP requires to be a resource with an `id` (a 201 without one is a failure for Okta). */
  resource(exchange: ScimExchange, options: ScimSendOptions): ScimResource;
  /** Parse a body the IdP requires to be a SCIM ListResponse. */
  list(exchange: ScimExchange, options: ScimSendOptions): ScimListResponse;
}

const resourceSchema = z.looseObject({ id: z.string().min(1) });
const listSchema = z.looseObject({
  totalResults: z.number().int().nonnegative(),
  Resources: z.array(resourceSchema).optional(),
});

export type ScimResource = z.infer<typeof resourceSchema>;
export type ScimListResponse = z.infer<typeof listSchema>;

const DEFAULT_TIMEOUT_MS = 10_000;

/** Encodes like the IdPs: spaces as %20, quotes as %22 (never `+`). */
function encodeQuery(query: Record<string, string>): string {
  const pairs = Object.entries(query).map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`);
  return pairs.length === 0 ? '' : `?${pairs.join('&')}`;
}

function describeBody(body: unknown, token: string): string | undefined {
  if (body === undefined) return undefined;
  if (typeof body === 'object' && body !== null && typeof (body as { detail?: unknown }).detail === 'string') {
    return scrub((body as { detail: string }).detail, [token]).slice(0, 300);
  }
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  return scrub(text, [token]).slice(0, 300);
}

/**
 * The HTTP layer shared by the Okta and Entra agents: one place that adds the bearer token, applies the
 * timeout and the caller's signal, records every request, and turns unexpected answers into
 * {@link ScimAgentError}s that never contain the token.
 */
export function createScimHttp(options: ScimHttpOptions): ScimHttp {
  const base = String(options.scimBaseUrl).replace(/\/+$/, '');
  const doFetch: ScimAgentFetch = options.fetch ?? ((input, init) => fetch(input, init));
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const requests: ScimAgentRequest[] = [];
  const label = options.agent === 'okta' ? 'Okta provisioning agent' : 'Entra provisioning agent';

  const fail = (send: ScimSendOptions, status: number | undefined, why: string, detail?: string, cause?: unknown) => {
    const hint =
      status === 401 || status === 403
        ? options.hints.unauthorized
        : status === 404
          ? options.hints.notFound
          : status === 409
            ? options.hints.conflict
            : options.hints.other;
    return new ScimAgentError(
      status === undefined ? 'SCIM_AGENT_REQUEST_FAILED' : 'SCIM_AGENT_UNEXPECTED_RESPONSE',
      `${label}: ${send.action}: ${send.method} ${send.path} ${why}${detail ? ` (server said: ${detail})` : ''}`,
      { agent: options.agent, method: send.method, path: send.path, status, detail, hint, cause },
    );
  };

  async function send(send: ScimSendOptions): Promise<ScimExchange> {
    const query = send.query ?? {};
    const record: ScimAgentRequest = { method: send.method, path: send.path, query: { ...query } };
    if (send.body !== undefined) record.body = structuredClone(send.body);
    requests.push(record);

    const headers: Record<string, string> = { ...options.headers, Authorization: `Bearer ${options.token}` };
    if (send.body !== undefined) headers['Content-Type'] = options.contentType;
    const signals = [AbortSignal.timeout(timeoutMs)];
    if (options.signal) signals.push(options.signal);

    let response: Response;
    let text: string;
    try {
      response = await doFetch(`${base}${send.path}${encodeQuery(query)}`, {
        method: send.method,
        headers,
        body: send.body === undefined ? undefined : JSON.stringify(send.body),
        signal: AbortSignal.any(signals),
      });
      text = await response.text();
    } catch (error) {
      // The cause is kept for debugging but stripped of anything that could echo the token.
      const reason = error instanceof Error ? scrub(`${error.name}: ${error.message}`, [options.token]) : 'unknown error';
      throw fail(send, undefined, `got no answer: ${reason}`, undefined, new Error(reason));
    }
    record.status = response.status;

    let body: unknown;
    if (text.length > 0) {
      try {
        body = JSON.parse(text);
      } catch {
        body = text;
      }
    }
    if (!send.expect.includes(response.status)) {
      throw fail(send, response.status, `answered ${response.status}, expected ${send.expect.join(' or ')}`, describeBody(body, options.token));
    }
    return { status: response.status, body };
  }

  return {
    requests,
    send,
    resource(exchange, sent) {
      const parsed = resourceSchema.safeParse(exchange.body);
      if (!parsed.success) {
        throw fail(sent, exchange.status, 'answered without a resource body with an "id"', describeBody(exchange.body, options.token));
      }
      return parsed.data;
    },
    list(exchange, sent) {
      const parsed = listSchema.safeParse(exchange.body);
      if (!parsed.success) {
        throw fail(
          sent,
          exchange.status,
          'answered with a body that is not a SCIM ListResponse (totalResults must be an integer, Resources need ids)',
          describeBody(exchange.body, options.token),
        );
      }
      return parsed.data;
    },
  };
}

/** A random placeholder, as Okta sends in `password` and Entra uses for its Test Connection GUID. */
export function randomGuid(): string {
  return crypto.randomUUID();
}

/** The SCIM ids an IdP remembers for what it provisioned, keyed case-insensitively by login or group name. */
export interface ScimIdRegistry {
  get(key: string): string | undefined;
  set(key: string, id: string): void;
  delete(key: string): void;
  /** Drop every key that maps to this SCIM id (the object was deleted). */
  forget(id: string): void;
  /** The id, or a SCIM_AGENT_NOT_PROVISIONED error naming the step that provisions it. */
  require(key: string): string;
}

export function createScimIdRegistry(agent: ScimAgentName, what: string, missing: string, hint: string): ScimIdRegistry {
  const ids = new Map<string, string>();
  const label = agent === 'okta' ? 'Okta provisioning agent' : 'Entra provisioning agent';
  return {
    get: (key) => ids.get(key.toLowerCase()),
    set: (key, id) => void ids.set(key.toLowerCase(), id),
    delete: (key) => void ids.delete(key.toLowerCase()),
    forget(id) {
      for (const [key, value] of ids) if (value === id) ids.delete(key);
    },
    require(key) {
      const id = ids.get(key.toLowerCase());
      if (id === undefined) {
        throw new ScimAgentError('SCIM_AGENT_NOT_PROVISIONED', `${label}: ${what} "${key}" ${missing}`, { agent, hint });
      }
      return id;
    },
  };
}
