import { EmulatorUsageError } from './emulator-errors.js';

/** The endpoints of an emulator, as counted by `stats()` and targeted by faults. */
export type EmulatorEndpoint = 'discovery' | 'jwks' | 'token';

/** HTTP statuses `failNext` can answer with. */
export type EmulatorFailStatus = 500 | 502 | 503 | 504;

/**
 * Faults to inject, all optional. Counted faults (`failNext`, `rateLimitNext`, `dropConnections`,
 * `malformedJson`, `truncatedJson`) each hit the next N matching requests, then stop by themselves; at most
 * one counted fault hits a request, in the order drop → fail → rate limit → malformed → truncated.
 * `latencyMs` applies to every matching request until set back to 0.
 */
export interface EmulatorFaultSettings {
  /** Delay before every matching request is answered (real timers, not the emulator clock). */
  latencyMs?: number;
  /** Answer the next N requests with a server error (500 JSON `server_error`; 502/503/504 an HTML page like a gateway). */
  failNext?: number | { count: number; status?: EmulatorFailStatus };
  /** Answer the next N requests with 429 and `Retry-After` (Okta also sends `X-Rate-Limit-*`). */
  rateLimitNext?: number | { count: number; retryAfterSeconds?: number; retryAfterFormat?: 'seconds' | 'http-date' };
  /**
   * Drop the next N connections without an answer: over a socket the connection is destroyed; through
   * `emulator.fetch()` a `TypeError('fetch failed')` is thrown, as `fetch` does on a network failure.
   */
  dropConnections?: number;
  /** Answer the next N requests 200 with `Content-Type: application/json` and a body that is not JSON. */
  malformedJson?: number;
  /** Answer the next N requests with the real status and headers but the JSON body cut in half. */
  truncatedJson?: number;
  /** Endpoints the faults apply to (default: all). */
  endpoints?: readonly EmulatorEndpoint[];
}

/** What `faults.pending()` reports: counted faults not yet used. */
export interface EmulatorPendingFaults {
  latencyMs: number;
  failNext: number;
  rateLimitNext: number;
  dropConnections: number;
  malformedJson: number;
  truncatedJson: number;
  endpoints: readonly EmulatorEndpoint[] | 'all';
}

/** Fault controls of one emulator. */
export interface EmulatorFaults {
  /** Adds the given faults (fields not given keep their current value). */
  set(settings: EmulatorFaultSettings): void;
  /** Removes every fault. */
  clear(): void;
  /** Faults still to come. */
  pending(): EmulatorPendingFaults;
}

/** @internal The fault chosen for one request. */
export type ChosenFault =
  | { kind: 'drop' }
  | { kind: 'fail'; status: EmulatorFailStatus }
  | { kind: 'rateLimit'; retryAfterSeconds: number; retryAfterFormat: 'seconds' | 'http-date' }
  | { kind: 'malformedJson' }
  | { kind: 'truncatedJson' };

/** @internal */
export interface FaultController extends EmulatorFaults {
  latencyFor(endpoint: string): number;
  take(endpoint: string): ChosenFault | undefined;
}

/** @internal */
export function createFaultController(): FaultController {
  let state = initial();
  function initial() {
    return {
      latencyMs: 0,
      failNext: 0,
      failStatus: 503 as EmulatorFailStatus,
      rateLimitNext: 0,
      retryAfterSeconds: 1,
      retryAfterFormat: 'seconds' as 'seconds' | 'http-date',
      dropConnections: 0,
      malformedJson: 0,
      truncatedJson: 0,
      endpoints: undefined as readonly EmulatorEndpoint[] | undefined,
    };
  }
  const applies = (endpoint: string) =>
    state.endpoints === undefined || (state.endpoints as readonly string[]).includes(endpoint);
  const count = (n: number, what: string) => {
    if (!Number.isInteger(n) || n < 0) throw new EmulatorUsageError(`${what} must be a non-negative integer`);
    return n;
  };

  return {
    set(settings) {
      if (settings.latencyMs !== undefined) {
        if (!(settings.latencyMs >= 0)) throw new EmulatorUsageError('latencyMs must be >= 0');
        state.latencyMs = settings.latencyMs;
      }
      if (settings.failNext !== undefined) {
        const fail = typeof settings.failNext === 'number' ? { count: settings.failNext } : settings.failNext;
        state.failNext = count(fail.count, 'failNext');
        state.failStatus = fail.status ?? 503;
      }
      if (settings.rateLimitNext !== undefined) {
        const limit =
          typeof settings.rateLimitNext === 'number' ? { count: settings.rateLimitNext } : settings.rateLimitNext;
        state.rateLimitNext = count(limit.count, 'rateLimitNext');
        state.retryAfterSeconds = limit.retryAfterSeconds ?? 1;
        state.retryAfterFormat = limit.retryAfterFormat ?? 'seconds';
      }
      if (settings.dropConnections !== undefined) state.dropConnections = count(settings.dropConnections, 'dropConnections');
      if (settings.malformedJson !== undefined) state.malformedJson = count(settings.malformedJson, 'malformedJson');
      if (settings.truncatedJson !== undefined) state.truncatedJson = count(settings.truncatedJson, 'truncatedJson');
      if (settings.endpoints !== undefined) state.endpoints = [...settings.endpoints];
    },
    clear() {
      state = initial();
    },
    pending: () => ({
      latencyMs: state.latencyMs,
      failNext: state.failNext,
      rateLimitNext: state.rateLimitNext,
      dropConnections: state.dropConnections,
      malformedJson: state.malformedJson,
      truncatedJson: state.truncatedJson,
      endpoints: state.endpoints ?? 'all',
    }),
    latencyFor: (endpoint) => (applies(endpoint) ? state.latencyMs : 0),
    take(endpoint) {
      if (!applies(endpoint)) return undefined;
      if (state.dropConnections > 0) {
        state.dropConnections -= 1;
        return { kind: 'drop' };
      }
      if (state.failNext > 0) {
        state.failNext -= 1;
        return { kind: 'fail', status: state.failStatus };
      }
      if (state.rateLimitNext > 0) {
        state.rateLimitNext -= 1;
        return { kind: 'rateLimit', retryAfterSeconds: state.retryAfterSeconds, retryAfterFormat: state.retryAfterFormat };
      }
      if (state.malformedJson > 0) {
        state.malformedJson -= 1;
        return { kind: 'malformedJson' };
      }
      if (state.truncatedJson > 0) {
        state.truncatedJson -= 1;
        return { kind: 'truncatedJson' };
      }
      return undefined;
    },
  };
}
