import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { SignInError } from './sign-in-errors.js';

/** @internal A one-shot loopback redirect listener (RFC 8252 §7.3). */
export interface LoopbackListener {
  /** `http://127.0.0.1:{port}{path}`: the redirect URI to send. */
  readonly redirectUri: string;
  /** The URL of the first request (whatever it is); rejects on timeout or abort. The listener is closed by then. */
  readonly callback: Promise<URL>;
  close: () => Promise<void>;
}

/** @internal Options of `listenLoopback`. */
export interface LoopbackOptions {
  /** 0 (default): a free port chosen by the system. */
  port?: number;
  /** Default `/callback`. */
  path?: string;
  timeoutMs: number;
  signal?: AbortSignal;
  /** The page the browser gets for the one request; must not contain the code or any token. */
  page(url: URL): { status: number; html: string };
}

/**
 * @internal Listens on 127.0.0.1 only (never all interfaces, never `localhost`, which may resolve to
 * another address), answers exactly one request with a short page, then closes: any later request finds
 * nothing listening. Times out after `timeoutMs`.
 */
export async function listenLoopback(options: LoopbackOptions): Promise<LoopbackListener> {
  const path = options.path ?? '/callback';
  const sockets = new Set<Socket>();
  let settle: { resolve(url: URL): void; reject(error: unknown): void } | undefined;
  const callback = new Promise<URL>((resolve, reject) => {
    settle = { resolve, reject };
  });
  callback.catch(() => {});
  let served = false;
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    if (served) {
      // A request that raced the first on another connection: refused, never a second callback.
      res.writeHead(410, { 'content-type': 'text/plain; charset=utf-8', connection: 'close' }).end('This sign-in has already finished.\n');
      return;
    }
    served = true;
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const page = options.page(url);
    res.writeHead(page.status, {
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
      'referrer-policy': 'no-referrer',
      'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'",
      connection: 'close',
    });
    res.end(page.html, () => {
      void close();
    });
    settle?.resolve(url);
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  let closed: Promise<void> | undefined;
  function close(): Promise<void> {
    closed ??= new Promise<void>((resolve) => {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      server.close(() => resolve());
      // Let the one answer flush, then drop whatever else is open.
      setImmediate(() => {
        for (const socket of sockets) socket.destroy();
      });
    });
    return closed;
  }
  const onAbort = () => {
    settle?.reject(new SignInError('cancelled', 'The browser sign-in was cancelled', { hint: 'Run the sign-in again when you are ready.' }));
    void close();
  };
  const timer = setTimeout(() => {
    settle?.reject(
      new SignInError('callback_timeout', `No browser sign-in reached the loopback listener within ${Math.round(options.timeoutMs / 1000)} s`, {
        hint: 'Finish the sign-in in the browser sooner, or raise the timeout (`login --timeout`). If the browser showed an error about the redirect URI, register it in the IdP console (`ubiq-idp doctor` says which one).',
      }),
    );
    void close();
  }, options.timeoutMs);
  timer.unref();
  if (options.signal?.aborted === true) onAbort();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    await close();
    const reason = (error as { code?: unknown }).code === 'EADDRINUSE' ? `port ${options.port ?? 0} is in use` : 'it could not listen';
    throw new SignInError('listener_failed', `The loopback redirect listener on 127.0.0.1 could not start: ${reason}`, {
      hint: 'Choose another port with `redirect_port` (the IdP must have http://127.0.0.1:{port}/callback registered as a redirect URI), or free the port.',
      cause: error,
    });
  }
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return { redirectUri: `http://127.0.0.1:${port}${path}`, callback, close };
}
