import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { EmulatorUsageError } from './emulator-errors.js';
import { createEmulatorClock, type EmulatorClock } from './emulator-clock.js';
import { createFaultController, type EmulatorFaults, type ChosenFault } from './emulator-faults.js';
import { createStatsRecorder, type EmulatorStats, type StatsRecorder } from './emulator-stats.js';

/** Where `listen()` binds. */
export interface EmulatorListenOptions {
  /** Default 0: a free port. */
  port?: number;
  /** Default `127.0.0.1`. */
  host?: string;
}

/** What every emulator has, whatever the provider. */
export interface EmulatorBase {
  /** Web-standard handler: use it in process (no socket), in msw, or behind your own server. */
  fetch: (request: Request) => Promise<Response>;
  /** Stops listening and destroys open connections. Safe to call twice or without `listen()`. */
  close(): Promise<void>;
  /** The clock every issued time comes from. */
  readonly clock: EmulatorClock;
  readonly faults: EmulatorFaults;
  /** Request counters since creation or the last `resetStats()`. */
  stats(): EmulatorStats;
  resetStats(): void;
  /** The base URL (origin) used in issuers and endpoints: the listen URL while listening. */
  readonly baseUrl: string;
  /** Offset added to the times (`iat`, `nbf`, `exp`, `auth_time`) of issued tokens, in ms: a skewed IdP clock. */
  skewMs: number;
  /** The issuer to verify access tokens against (Okta: the org URL; Entra: the v1 issuer). */
  readonly issuer: string;
  /** The OpenID Connect discovery document's URL. */
  readonly discoveryUrl: string;
  readonly jwksUri: string;
  readonly tokenEndpoint: string;
}

/** @internal The URLs every emulator exposes, computed from the current base URL. */
export interface EmulatorEndpoints {
  issuer: string;
  discoveryUrl: string;
  jwksUri: string;
  tokenEndpoint: string;
}

/** @internal What a provider's router gets for one request. */
export interface RouteContext {
  stats: StatsRecorder;
}

/** @internal A provider's answer when a counted 429 fault fires. */
export type RateLimitResponder = (retryAfterSeconds: number, retryAfterHeader: string) => Response;

/** @internal */
export interface EmulatorHost extends EmulatorBase {
  /** `iat` for a token issued now: the clock plus the skew, in epoch seconds. */
  issuedAt(): number;
  /** The members of `EmulatorBase`, as an object whose getters stay live (for `withBase`). */
  base(): EmulatorBase;
  /** Answers a request, or 'drop' when the connection must be dropped. */
  dispatch(request: Request): Promise<Response | 'drop'>;
  listen(options?: EmulatorListenOptions): Promise<string>;
}

const DROP = 'drop' as const;

/** @internal JSON answer with the headers the real IdPs send on token endpoints. */
export function jsonResponse(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json;charset=UTF-8', 'cache-control': 'no-store', pragma: 'no-cache', ...headers },
  });
}

function serverErrorResponse(status: number): Response {
  if (status === 500) {
    return jsonResponse(500, { error: 'server_error', error_description: 'The server encountered an internal error.' });
  }
  const reason = status === 502 ? 'Bad Gateway' : status === 504 ? 'Gateway Time-out' : 'Service Temporarily Unavailable';
  return new Response(`<html>\r\n<head><title>${status} ${reason}</title></head>\r\n<body>\r\n<center><h1>${status} ${reason}</h1></center>\r\n</body>\r\n</html>\r\n`, {
    status,
    headers: { 'content-type': 'text/html' },
  });
}

async function applyBodyFault(fault: ChosenFault | undefined, response: Response): Promise<Response> {
  if (fault?.kind === 'malformedJson') {
    return new Response('{"access_token": <html>upstream reset</html>', {
      status: 200,
      headers: { 'content-type': 'application/json;charset=UTF-8' },
    });
  }
  if (fault?.kind === 'truncatedJson') {
    const text = await response.text();
    const headers = new Headers(response.headers);
    headers.delete('content-length');
    return new Response(text.slice(0, Math.floor(text.length / 2)), { status: response.status, headers });
  }
  return response;
}


/**
 * @internal The provider-neutral shell of an emulator: counters, faults, latency, the clock, and the
 * node:http listener. The provider supplies `route` (endpoint name for the counters and the answer).
 */
export function createEmulatorHost(options: {
  defaultBaseUrl: string;
  clock?: EmulatorClock;
  skewMs?: number;
  /** The default server's URLs (read on every access: they follow `listen()`). */
  endpoints(): EmulatorEndpoints;
  classify(url: URL): string;
  route(request: Request, context: RouteContext): Promise<Response>;
  rateLimited: RateLimitResponder;
}): EmulatorHost {
  const clock = options.clock ?? createEmulatorClock();
  const faults = createFaultController();
  const stats = createStatsRecorder();
  let baseUrl = options.defaultBaseUrl.replace(/\/+$/, '');
  let skewMs = options.skewMs ?? 0;
  let server: ReturnType<typeof createServer> | undefined;
  const sockets = new Set<Socket>();
  /** Latency waits in progress: close() ends them so no timer outlives the emulator. */
  const waits = new Set<() => void>();

  /** Waits `ms`, or less when the request is aborted (rejects like fetch does) or the emulator closes. */
  function wait(ms: number, signal: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (signal.aborted) {
        reject(signal.reason);
        return;
      }
      const cleanUp = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        waits.delete(finish);
      };
      const finish = () => {
        cleanUp();
        resolve();
      };
      const onAbort = () => {
        cleanUp();
        reject(signal.reason);
      };
      const timer = setTimeout(finish, ms);
      signal.addEventListener('abort', onAbort, { once: true });
      waits.add(finish);
    });
  }

  async function dispatch(request: Request): Promise<Response | typeof DROP> {
    const endpoint = options.classify(new URL(request.url));
    stats.endpoint(endpoint);
    const latency = faults.latencyFor(endpoint);
    if (latency > 0) {
      stats.fault('latency');
      await wait(latency, request.signal);
    }
    const fault = faults.take(endpoint);
    if (fault !== undefined) stats.fault(fault.kind);
    let response: Response;
    if (fault?.kind === 'drop') {
      stats.status('dropped');
      return DROP;
    } else if (fault?.kind === 'fail') {
      response = serverErrorResponse(fault.status);
    } else if (fault?.kind === 'rateLimit') {
      // Retry-After is delta-seconds or an HTTP-date (RFC 9110 §10.2.3); clients must handle both.
      const header =
        fault.retryAfterFormat === 'http-date'
          ? new Date(clock.now() + fault.retryAfterSeconds * 1000).toUTCString()
          : String(fault.retryAfterSeconds);
      response = options.rateLimited(fault.retryAfterSeconds, header);
    } else {
      response = await applyBodyFault(fault, await options.route(request, { stats }));
    }
    stats.status(response.status);
    return response;
  }

  async function handleNode(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const headers = new Headers();
    for (const [name, value] of Object.entries(req.headers)) {
      if (value === undefined) continue;
      for (const v of Array.isArray(value) ? value : [value]) headers.append(name, v);
    }
    const method = req.method ?? 'GET';
    const body = chunks.length > 0 && method !== 'GET' && method !== 'HEAD' ? Buffer.concat(chunks) : undefined;
    // A client that hangs up (e.g. its timeout fired) aborts the request, ending any injected latency.
    const hangUp = new AbortController();
    res.on('close', () => {
      // An abort reason for the emulator's own handlers (a held answer stops waiting); nobody outside sees it.
      if (!res.writableFinished) hangUp.abort(new Error('client closed the connection'));
    });
    const request = new Request(new URL(req.url ?? '/', baseUrl), { method, headers, body, signal: hangUp.signal });
    const result = await dispatch(request);
    if (result === DROP) {
      req.socket.destroy();
      return;
    }
    const responseHeaders: Record<string, string> = {};
    result.headers.forEach((value, name) => {
      responseHeaders[name] = value;
    });
    const payload = Buffer.from(await result.arrayBuffer());
    responseHeaders['content-length'] = String(payload.length);
    // Date from the emulator's clock, not node:http's real one: clients compare X-Rate-Limit-Reset and
    // Retry-After dates with it, so under a manual clock the two must agree as they do at the real IdPs.
    responseHeaders.date ??= new Date(clock.now()).toUTCString();
    res.writeHead(result.status, responseHeaders);
    res.end(payload);
  }

  async function fetchHandler(request: Request): Promise<Response> {
    const result = await dispatch(request);
    // Not an error of this library on purpose: a dropped connection must look to the code under test exactly
    // like undici's fetch failing (a TypeError 'fetch failed' with a cause), as it does over the network.
    if (result === DROP) throw new TypeError('fetch failed', { cause: new Error('emulator dropped the connection') });
    return result;
  }
  async function close(): Promise<void> {
    for (const finish of [...waits]) finish();
    const closing = server;
    if (closing === undefined) return;
    server = undefined;
    const closed = new Promise<void>((resolve) => closing.close(() => resolve()));
    for (const socket of sockets) socket.destroy();
    sockets.clear();
    await closed;
    baseUrl = options.defaultBaseUrl.replace(/\/+$/, '');
  }
  const base = (): EmulatorBase => ({
    fetch: fetchHandler,
    close,
    clock,
    faults,
    stats: () => stats.snapshot(),
    resetStats: () => stats.reset(),
    get baseUrl() {
      return baseUrl;
    },
    get skewMs() {
      return skewMs;
    },
    set skewMs(value: number) {
      skewMs = value;
    },
    get issuer() {
      return options.endpoints().issuer;
    },
    get discoveryUrl() {
      return options.endpoints().discoveryUrl;
    },
    get jwksUri() {
      return options.endpoints().jwksUri;
    },
    get tokenEndpoint() {
      return options.endpoints().tokenEndpoint;
    },
  });

  return withBase(base(), {
    issuedAt: () => Math.floor((clock.now() + skewMs) / 1000),
    base,
    dispatch,
    async listen(listenOptions = {}) {
      if (server !== undefined) throw new EmulatorUsageError('emulator is already listening; close() it first');
      const host = listenOptions.host ?? '127.0.0.1';
      const created = createServer((req, res) => {
        handleNode(req, res).catch(() => {
          if (!res.headersSent) {
            res.writeHead(500, { 'content-type': 'application/json' });
            res.end('{"error":"server_error"}');
          } else {
            res.destroy();
          }
        });
      });
      created.on('connection', (socket: Socket) => {
        sockets.add(socket);
        socket.on('close', () => sockets.delete(socket));
      });
      await new Promise<void>((resolve, reject) => {
        created.once('error', reject);
        created.listen(listenOptions.port ?? 0, host, () => {
          created.off('error', reject);
          resolve();
        });
      });
      server = created;
      const address = created.address();
      if (address === null || typeof address === 'string') throw new EmulatorUsageError('The emulator listener has no TCP address.', 'Call listen() with a TCP port or 0 (not a pipe or socket path).');
      const hostPart = address.family === 'IPv6' ? `[${address.address}]` : address.address;
      baseUrl = `http://${hostPart}:${address.port}`;
      return baseUrl;
    },
  });
}

/** @internal Reads an `application/x-www-form-urlencoded` body; undefined when the content type is wrong. */
export async function readForm(request: Request): Promise<URLSearchParams | undefined> {
  const type = request.headers.get('content-type') ?? '';
  if (!type.toLowerCase().startsWith('application/x-www-form-urlencoded')) return undefined;
  return new URLSearchParams(await request.text());
}

/** @internal How the client authenticated at the token endpoint. */
export type ClientAuth =
  | { kind: 'basic' | 'post'; clientId: string; clientSecret: string | undefined }
  | { kind: 'none'; clientId: string | undefined }
  | { kind: 'multiple'; clientId: string | undefined }
  | { kind: 'malformed' };

/**
 * @internal Client authentication as RFC 6749 §2.3.1: HTTP Basic (form-urlencoded id and secret) or the
 * secret in the body. Both at once is an error at both real IdPs.
 */
export function readClientAuth(request: Request, form: URLSearchParams): ClientAuth {
  const header = request.headers.get('authorization');
  const bodyId = form.get('client_id') ?? undefined;
  const bodySecret = form.get('client_secret') ?? undefined;
  if (header !== null && /^basic /i.test(header)) {
    if (bodySecret !== undefined) return { kind: 'multiple', clientId: bodyId };
    let decoded: string;
    try {
      decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8');
    } catch {
      return { kind: 'malformed' };
    }
    const colon = decoded.indexOf(':');
    if (colon < 0) return { kind: 'malformed' };
    const decode = (part: string) => {
      try {
        return decodeURIComponent(part.replace(/\+/g, ' '));
      } catch {
        return part;
      }
    };
    return { kind: 'basic', clientId: decode(decoded.slice(0, colon)), clientSecret: decode(decoded.slice(colon + 1)) };
  }
  if (bodySecret !== undefined && bodyId !== undefined) return { kind: 'post', clientId: bodyId, clientSecret: bodySecret };
  return { kind: 'none', clientId: bodyId };
}

/** @internal Constant-time comparison for secrets. */
export function secretEquals(a: string | undefined, b: string | undefined): boolean {
  if (a === undefined || b === undefined) return false;
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/** @internal Random identifier in an IdP's alphabet. */
export function randomId(prefix: string, length: number, alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'): string {
  const bytes = randomBytes(length);
  let out = prefix;
  for (const byte of bytes) out += alphabet[byte % alphabet.length];
  return out;
}

/** @internal Base64url random token (refresh tokens, jti). */
export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

/**
 * @internal Adds a provider's members to the base emulator object, keeping getters and setters live
 * (a spread would freeze `baseUrl` at its value of the moment).
 */
export function withBase<R extends EmulatorBase>(base: EmulatorBase, members: NoInfer<Omit<R, keyof EmulatorBase>>): R {
  return Object.defineProperties(base, Object.getOwnPropertyDescriptors(members)) as R;
}
