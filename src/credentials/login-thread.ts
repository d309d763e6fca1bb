// The providers' side of the login worker (login-worker.ts): starts it with the first provider and shares
// it with the next ones (a slot each), sends setup and load requests, revives answers and errors, keeps it
// unref'ed unless a request is in flight, and ends it shortly after the last provider closes.
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Logger } from '../util/logger.js';
import { CredentialsError } from './errors.js';
import { LoginWorkerUnavailable } from './login-worker-unavailable.js';
import { fromTransferredError, toTransferredError, type FromLoginWorker, type LoginWorkerData, type ToLoginWorker } from './login-protocol.js';
import type { RsaKeyPair } from '../crypto/keypair.js';
import type { ExpiringValue, LoadContext } from './refreshing-types.js';
import { createUbiqIdpCredentials, type UbiqIdpCredentials } from './ubiq-credentials.js';

/** Set by the test setup, which builds the worker from source; undefined in the published build. */
declare const __UBIQ_IDP_LOGIN_WORKER__: string | undefined;

/**
 * @internal Where the worker script is: beside the module that holds this code (`dist/login-worker.js`
 * next to the ESM build, `dist/login-worker.cjs` next to the CJS build).
 */
export function loginWorkerUrl(): URL {
  if (typeof __UBIQ_IDP_LOGIN_WORKER__ === 'string') return new URL(__UBIQ_IDP_LOGIN_WORKER__);
  // In the CJS build `__filename` is this bundle; in ESM it does not exist and import.meta.url is ours.
  if (typeof __filename === 'string') return pathToFileURL(join(dirname(__filename), 'login-worker.cjs'));
  return new URL('./login-worker.js', import.meta.url);
}

export { LoginWorkerUnavailable };

/** @internal What the provider uses. */
export interface LoginThread {
  /** Settings loaded and login ready in the worker (rejects with the settings error, or LoginWorkerUnavailable). */
  setup(): Promise<void>;
  load(context: LoadContext<UbiqIdpCredentials>): Promise<ExpiringValue<UbiqIdpCredentials>>;
  /** Releases this provider's slot (the worker ends shortly after its last provider). Idempotent. */
  close(): Promise<void>;
}

/** @internal Options of {@link startLoginThread}. */
export interface StartLoginThreadOptions {
  data: LoginWorkerData;
  /** A key pair the caller is still generating (sent to the worker when it resolves). */
  pendingKeyPair: Promise<RsaKeyPair> | undefined;
  logger: Logger;
  configLogger: Logger | undefined;
  /** Default: {@link loginWorkerUrl}. */
  script?: URL;
}

interface Pending {
  /** The provider the request belongs to; undefined for a CSR of the public createCsr(). */
  slot: number | undefined;
  resolve(value: FromLoginWorker): void;
  reject(error: unknown): void;
}

/** One worker and the providers (slots) it serves. */
interface Host {
  worker: Worker;
  slots: Map<number, { logger: Logger; configLogger: Logger | undefined }>;
  pending: Map<number, Pending>;
  dead: LoginWorkerUnavailable | undefined;
  /** close() calls waiting for the worker to confirm that a slot's logins ended. */
  closing: Map<number, () => void>;
}

const hosts = new Map<string, Host>();
let nextSlot = 1;
let nextId = 1;

function closedError(): CredentialsError {
  return new CredentialsError('provider_closed', 'Ubiq credentials provider was closed.', { hint: 'Create a new provider; close() is for shutdown.' });
}

function startHost(script: URL): Host {
  const worker = new Worker(script, { name: 'ubiq-idp-login' });
  const host: Host = { worker, slots: new Map(), pending: new Map(), dead: undefined, closing: new Map() };
  const die = (reason: LoginWorkerUnavailable): void => {
    if (host.dead) return;
    host.dead = reason;
    if (hosts.get(script.href) === host) hosts.delete(script.href);
    for (const waiter of host.pending.values()) waiter.reject(reason);
    host.pending.clear();
    for (const done of host.closing.values()) done();
    host.closing.clear();
    worker.unref();
  };
  worker.on('message', (message: FromLoginWorker) => {
    if (message.type === 'closed') {
      host.closing.get(message.slot)?.();
      host.closing.delete(message.slot);
      return;
    }
    if (message.type === 'idle') {
      // The worker has had no provider for a while (its own clock): end it, unless one arrived meanwhile.
      if (host.slots.size > 0 || host.pending.size > 0 || host.dead) return;
      if (hosts.get(script.href) === host) hosts.delete(script.href);
      host.dead = new LoginWorkerUnavailable('the login worker ended (no providers)');
      void worker.terminate();
      return;
    }
    if (message.type === 'log') {
      const slot = host.slots.get(message.slot);
      const target = message.target === 'config' ? slot?.configLogger : slot?.logger;
      target?.[message.level]?.(message.message, message.fields);
      return;
    }
    const waiter = host.pending.get(message.id);
    if (!waiter) return;
    host.pending.delete(message.id);
    if (host.pending.size === 0) worker.unref();
    waiter.resolve(message);
  });
  worker.on('error', (error) => die(new LoginWorkerUnavailable(`the login worker failed: ${error.message}`, { cause: error })));
  worker.on('exit', (code) => die(new LoginWorkerUnavailable(`the login worker exited with code ${code}`)));
  // After the listeners: attaching a 'message' listener refs the worker's port again.
  worker.unref();
  return host;
}

function call(host: Host, message: ToLoginWorker & { id: number; slot?: number }, signal?: AbortSignal): Promise<FromLoginWorker> {
  if (host.dead) return Promise.reject(host.dead);
  if (message.slot !== undefined && !host.slots.has(message.slot)) return Promise.reject(closedError());
  return new Promise<FromLoginWorker>((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = (): void => {
      host.pending.delete(message.id);
      if (host.pending.size === 0) host.worker.unref();
      if (!host.dead && message.slot !== undefined) host.worker.postMessage({ type: 'abort', slot: message.slot, id: message.id } satisfies ToLoginWorker);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    host.pending.set(message.id, {
      slot: message.slot,
      resolve: (value) => {
        signal?.removeEventListener('abort', onAbort);
        resolve(value);
      },
      reject: (error) => {
        signal?.removeEventListener('abort', onAbort);
        reject(error);
      },
    });
    // Someone waits for the worker now: keep the process alive until it answers.
    host.worker.ref();
    host.worker.postMessage(message);
  });
}

/**
 * @internal The public createCsr() in the process's login worker (started if there is none): pkijs is then
 * evaluated and run there, never on the caller's thread. Undefined where the worker cannot be used (the
 * caller makes the CSR itself); the worker's errors (e.g. a key pair that is not RSA) are rethrown.
 */
export async function createCsrInWorker(keyPair: RsaKeyPair, options: { subject?: 'ubiq' | 'empty'; hash?: 'SHA-256' | 'SHA-1' }, script: URL = loginWorkerUrl()): Promise<string | undefined> {
  let host: Host;
  try {
    const existing = hosts.get(script.href);
    host = existing && !existing.dead ? existing : startHost(script);
    hosts.set(script.href, host);
  } catch {
    return undefined;
  }
  let answer: FromLoginWorker;
  try {
    answer = await call(host, { type: 'csr', id: nextId++, keyPair, options });
  } catch (error) {
    if (error instanceof LoginWorkerUnavailable) return undefined;
    throw error;
  }
  if (answer.type === 'csr-made') return answer.pem;
  if (answer.type === 'failed') throw fromTransferredError(answer.error);
  return undefined;
}

/**
 * @internal Opens a slot for one provider in the process's login worker (starting the worker if there is
 * none), or returns undefined (with the reason logged) where worker threads cannot be used. The worker is
 * unref'ed: it never keeps the process alive, except while a caller waits for it.
 */
export function startLoginThread(options: StartLoginThreadOptions): LoginThread | undefined {
  const { logger } = options;
  const script = options.script ?? loginWorkerUrl();
  const slot = nextSlot++;
  let host: Host;
  try {
    const existing = hosts.get(script.href);
    host = existing && !existing.dead ? existing : startHost(script);
    hosts.set(script.href, host);
    host.worker.postMessage({ type: 'open', slot, data: options.data } satisfies ToLoginWorker);
  } catch (error) {
    // Info, not a warning: a bundle without the worker file (an app bundled into one file) is expected to land here.
    logger.info?.('Ubiq credentials: logging in on the main thread, the login worker could not be started', {
      reason: error instanceof Error ? error.message : String(error),
    });
    return undefined;
  }
  host.slots.set(slot, { logger, configLogger: options.configLogger });
  let closed = false;

  options.pendingKeyPair?.then(
    (keyPair) => {
      if (!host.dead && !closed) host.worker.postMessage({ type: 'key-pair', slot, keyPair } satisfies ToLoginWorker);
    },
    (error: unknown) => {
      if (!host.dead && !closed) host.worker.postMessage({ type: 'key-pair-failed', slot, error: toTransferredError(error) } satisfies ToLoginWorker);
    },
  );

  return {
    async setup() {
      const answer = await call(host, { type: 'setup', slot, id: nextId++ });
      if (answer.type !== 'failed') return;
      const error = fromTransferredError(answer.error);
      if (error.name === 'LoginWorkerUnavailable') throw new LoginWorkerUnavailable(error.message, { declined: true });
      throw error;
    },
    async load({ reason, previous, signal }) {
      const answer = await call(host, { type: 'load', slot, id: nextId++, reason, previous: previous === undefined ? undefined : { ...previous } }, signal);
      if (answer.type === 'failed') throw fromTransferredError(answer.error);
      if (answer.type !== 'loaded') throw new LoginWorkerUnavailable(`the login worker answered ${answer.type} to a login`);
      return {
        value: createUbiqIdpCredentials(answer.fields),
        expiresAt: answer.expiresAt,
        ...(answer.issuedAt === undefined ? {} : { issuedAt: answer.issuedAt }),
      };
    },
    async close() {
      if (closed) return;
      closed = true;
      host.slots.delete(slot);
      for (const [id, waiter] of host.pending) {
        if (waiter.slot !== slot) continue;
        host.pending.delete(id);
        waiter.reject(closedError());
      }
      if (host.dead) return;
      // close() resolves once the worker has ended this provider's logins (the IdP request is aborted, not
      // left to finish), or at once if the worker dies. The worker is ref'd only for that wait.
      const confirmed = new Promise<void>((resolve) => host.closing.set(slot, resolve));
      host.worker.ref();
      host.worker.postMessage({ type: 'close', slot } satisfies ToLoginWorker);
      await confirmed;
      if (host.pending.size === 0) host.worker.unref();
    },
  };
}
