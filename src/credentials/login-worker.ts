// The login worker: a thread that does everything heavy of a login, so the providers' thread never
// evaluates pkijs, undici or openid-client and never runs the synchronous parts of the CSR, the
// PBKDF2 of a new encrypted key or the first HTTP requests (that thread reads the settings and a valid shared session
// itself, with zod/mini: see session-peek.ts). One worker serves every provider of the process,
// each in a slot of its own; the provider talks to it with the messages of login-protocol.ts. The login
// itself is the same createInProcessLogin() (settings, IdP login, shared session) the provider uses on its
// own thread when there is no worker.
import { parentPort } from 'node:worker_threads';
import { generateRsaKeyPair, type RsaKeyPair } from '../crypto/keypair.js';
import type { Logger } from '../util/logger.js';
import { CredentialsError } from './errors.js';
import type { InProcessLogin } from './in-process-login.js';
import { fromTransferredError, toTransferredError, type FromLoginWorker, type LoginWorkerData, type ToLoginWorker } from './login-protocol.js';
import { createUbiqIdpCredentials } from './ubiq-credentials.js';

const port = parentPort;
// Stays a plain Error: it can only happen if this file is run as a script (it is not an entry point of the
// package), there is no caller to hand an error of the library to, and no library code can catch it.
if (port === null) throw new Error('ubiq-idp login worker: start it with new Worker(), not directly');

/** A request for a slot that is gone: its provider was closed while the request was on its way. */
function slotClosed(): CredentialsError {
  return new CredentialsError('provider_closed', 'Credentials provider was closed.', { hint: 'Create a new provider; close() is for shutdown.' });
}

function post(message: FromLoginWorker): void {
  try {
    port?.postMessage(message);
  } catch {
    // A log line whose fields cannot be cloned: send it without them rather than lose it.
    if (message.type === 'log') port?.postMessage({ ...message, fields: undefined });
  }
}

function forwardingLogger(slot: number, target: 'provider' | 'config'): Logger {
  const at =
    (level: 'debug' | 'info' | 'warn' | 'error') =>
    (message: string, fields?: Record<string, unknown>): void =>
      post({ type: 'log', slot, level, target, message, fields });
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

interface Slot {
  setup(): Promise<InProcessLogin>;
  giveKeyPair(keyPair: RsaKeyPair): void;
  failKeyPair(error: unknown): void;
  close(): Promise<void>;
}

function openSlot(slot: number, data: LoginWorkerData): Slot {
  const logger = forwardingLogger(slot, 'provider');
  // The key pair is started before the settings are read, as in the provider: it needs nothing from them.
  let giveKeyPair: (keyPair: RsaKeyPair) => void = () => {};
  let failKeyPair: (error: unknown) => void = () => {};
  let keyPair: RsaKeyPair | Promise<RsaKeyPair> | undefined;
  if (data.pregenerate === true) keyPair = generateRsaKeyPair({ modulusLength: data.modulusLength, keyGeneration: data.keyGeneration });
  else if (data.pregenerate === 'pending') {
    keyPair = new Promise<RsaKeyPair>((resolve, reject) => {
      giveKeyPair = resolve;
      failKeyPair = reject;
    });
  } else if (data.pregenerate !== false) keyPair = data.pregenerate;
  if (keyPair instanceof Promise) keyPair.catch(() => {}); // reported to the first caller, through the login

  let login: InProcessLogin | undefined;
  let settingUp: Promise<InProcessLogin> | undefined;
  function setup(): Promise<InProcessLogin> {
    if (login) return Promise.resolve(login);
    if (settingUp === undefined) {
      // The login's modules (IdP, HTTP, CSR) are loaded on first use, here on the worker's thread.
      const pending = import('./in-process-login.js').then(({ createInProcessLogin }) =>
        createInProcessLogin({
        load: data.load === undefined ? undefined : { ...data.load, logger: forwardingLogger(slot, 'config') },
        config: data.config,
        fetch: undefined,
        timeoutMs: data.timeoutMs,
        retry: data.retry,
        modulusLength: data.modulusLength,
        keyGeneration: data.keyGeneration,
        keyPair,
        rotateKeyPair: data.rotateKeyPair,
        allowInsecureHttp: data.allowInsecureHttp,
        session: data.session,
        minRemainingMs: data.minRemainingMs,
        now: Date.now,
        logger,
          passwordGrantOnly: true,
        }),
      );
      settingUp = pending;
      pending.then(
        (made) => {
          login = made;
        },
        () => {
          // Settings errors are not cached: fixing the file and calling again works.
          if (settingUp === pending) settingUp = undefined;
        },
      );
    }
    return settingUp;
  }
  // Warm up at once: settings, HTTP client and (with a pre-generated key pair) CSR and encrypted key, ready
  // before the first call, and undici (which the HTTP client loads on its first request) — with a
  // pre-generated key pair, through a first request to the IdP, so that the first call costs only its round
  // trips. A valid shared session is read on the provider's thread (session-peek.ts), which starts this
  // worker only when it needs a login.
  setup()
    .then(async (made) => {
      if (data.warmUp) await made.login.warmUp();
      else await import('undici');
    })
    .catch(() => {});
  return {
    setup,
    giveKeyPair: (pair) => giveKeyPair(pair),
    failKeyPair: (error) => failKeyPair(error),
    async close() {
      const made = login ?? (await settingUp?.catch(() => undefined));
      made?.login.dispose();
      await made?.http.close();
    },
  };
}

const slots = new Map<number, Slot>();
/** Loads in flight by request id, with the provider (slot) they belong to, so close() can end them. */
const running = new Map<number, { slot: number; controller: AbortController }>();

/**
 * How long the worker waits, without providers, before it tells the main thread it is idle. The clock runs
 * here, not on the main thread, so a closed provider leaves no timer behind in the application while the
 * next provider of the process can still take the worker over.
 */
const IDLE_MS = 2_000;
let idleTimer: NodeJS.Timeout | undefined;
function armIdleTimer(): void {
  clearTimeout(idleTimer);
  idleTimer = slots.size === 0 ? setTimeout(() => post({ type: 'idle' }), IDLE_MS) : undefined;
}

async function handle(message: ToLoginWorker): Promise<void> {
  switch (message.type) {
    case 'open':
      slots.set(message.slot, openSlot(message.slot, message.data));
      armIdleTimer();
      return;
    case 'close': {
      const slot = slots.get(message.slot);
      slots.delete(message.slot);
      armIdleTimer();
      // A closed provider leaves nothing in flight: its logins end now, not when the IdP answers.
      for (const load of running.values()) if (load.slot === message.slot) load.controller.abort();
      await slot?.close().catch(() => {});
      post({ type: 'closed', slot: message.slot });
      return;
    }
    case 'setup':
      try {
        const slot = slots.get(message.slot);
        if (!slot) throw slotClosed();
        await slot.setup();
        post({ type: 'ready', id: message.id });
      } catch (error) {
        post({ type: 'failed', id: message.id, error: toTransferredError(error) });
      }
      return;
    case 'load': {
      const controller = new AbortController();
      running.set(message.id, { slot: message.slot, controller });
      try {
        const slot = slots.get(message.slot);
        if (!slot) throw slotClosed();
        const ready = await slot.setup();
        const previous = message.previous === undefined ? undefined : createUbiqIdpCredentials(message.previous);
        const loaded = await ready.load({ reason: message.reason, previous, signal: controller.signal });
        post({ type: 'loaded', id: message.id, fields: { ...loaded.value }, expiresAt: loaded.expiresAt, issuedAt: loaded.issuedAt });
      } catch (error) {
        post({ type: 'failed', id: message.id, error: toTransferredError(error) });
      } finally {
        running.delete(message.id);
      }
      return;
    }
    case 'abort':
      running.get(message.id)?.controller.abort();
      return;
    case 'csr':
      try {
        const { createCsr } = await import('./csr.js');
        post({ type: 'csr-made', id: message.id, pem: await createCsr(message.keyPair, message.options) });
      } catch (error) {
        post({ type: 'failed', id: message.id, error: toTransferredError(error) });
      }
      // A worker started only for CSRs ends like one whose providers closed.
      armIdleTimer();
      return;
    case 'key-pair':
      slots.get(message.slot)?.giveKeyPair(message.keyPair);
      return;
    case 'key-pair-failed':
      slots.get(message.slot)?.failKeyPair(fromTransferredError(message.error));
      return;
  }
}

port.on('message', (message: ToLoginWorker) => {
  void handle(message);
});
