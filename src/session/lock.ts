import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { open, readFile, stat, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import process from 'node:process';
import { setTimeout as sleep } from 'node:timers/promises';
import * as z from 'zod/mini';
import { errnoOf } from './secure-file.js';

/** Tuning of the cross-process lock. */
export interface SessionLockOptions {
  /** How long to wait for another process's sign-in before signing in anyway. Default 60 s. */
  waitMs?: number;
  /** A lock older than this is taken over even if its process lives (a hung sign-in). Default 2 min. */
  staleMs?: number;
  /** Poll interval while waiting. Default 40 ms (± jitter). */
  pollMs?: number;
}

// zod/mini: the lock is read on the way to a session's first credentials (see config/schema.ts).
function makeLockSchema() {
  return z.object({ pid: z.int().check(z.positive()), host: z.string(), createdAt: z.number(), nonce: z.string() });
}
// Built on first use: a process that a valid session serves never reads a lock.
let lockSchema: ReturnType<typeof makeLockSchema> | undefined;
type LockContent = z.infer<ReturnType<typeof makeLockSchema>>;

/** The outcome of {@link withSessionLock}'s wait. */
export type LockOutcome<T> =
  | { kind: 'acquired'; value: T }
  /** Another process's result, read while waiting. */
  | { kind: 'resolved'; value: T }
  /** Waited `waitMs`, then ran `work` without the lock. */
  | { kind: 'timeout'; value: T }
  /** No lock can be made there (read-only directory): ran `work` without one. */
  | { kind: 'unlocked'; value: T };

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return errnoOf(error) === 'EPERM';
  }
}

async function readLock(path: string): Promise<{ content: LockContent | undefined; raw: string; mtimeMs: number } | undefined> {
  try {
    const [raw, info] = await Promise.all([readFile(path, 'utf8'), stat(path)]);
    let content: LockContent | undefined;
    try {
      const parsed = (lockSchema ??= makeLockSchema()).safeParse(JSON.parse(raw));
      content = parsed.success ? parsed.data : undefined;
    } catch {
      content = undefined;
    }
    return { content, raw, mtimeMs: info.mtimeMs };
  } catch {
    return undefined;
  }
}

/** Dead holder (on this host), or older than `staleMs`; a lock we cannot parse counts by its age. */
function isStale(lock: { content: LockContent | undefined; mtimeMs: number }, staleMs: number, now: number): boolean {
  if (lock.content === undefined) return now - lock.mtimeMs > Math.min(staleMs, 10_000);
  if (now - lock.content.createdAt > staleMs) return true;
  return lock.content.host === hostname() && !alive(lock.content.pid);
}

/**
 * Runs `work` while holding the lock file `path` (created with `O_EXCL`, holding pid, host and time), so
 * that of many processes only one signs in. While another process holds it, `poll` is called between
 * waits: when it returns a value (the other process wrote a fresh session), that value is returned at
 * once without taking the lock. A lock whose process died, or that is older than `staleMs`, is taken
 * over. After `waitMs`, `work` runs without the lock (a second sign-in is better than none).
 */
export async function withSessionLock<T>(
  path: string,
  work: () => Promise<T>,
  poll: () => Promise<T | undefined>,
  options: SessionLockOptions & { signal?: AbortSignal; onTakeOver?: (why: string) => void } = {},
): Promise<LockOutcome<T>> {
  const waitMs = options.waitMs ?? 60_000;
  const staleMs = options.staleMs ?? 120_000;
  const pollMs = options.pollMs ?? 40;
  const started = Date.now();
  const mine: LockContent = { pid: process.pid, host: hostname(), createdAt: Date.now(), nonce: randomBytes(8).toString('hex') };
  for (;;) {
    options.signal?.throwIfAborted();
    let handle;
    try {
      handle = await open(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | (constants.O_NOFOLLOW ?? 0), 0o600);
    } catch (error) {
      if (errnoOf(error) !== 'EEXIST') return { kind: 'unlocked', value: await work() };
    }
    if (handle !== undefined) {
      const written = JSON.stringify({ ...mine, createdAt: Date.now() });
      try {
        await handle.writeFile(written);
      } finally {
        await handle.close();
      }
      try {
        return { kind: 'acquired', value: await work() };
      } finally {
        // Only our own lock: if it was taken over meanwhile, the new holder's stays.
        const current = await readLock(path);
        if (current?.content?.nonce === mine.nonce) await unlink(path).catch(() => {});
      }
    }
    const other = await readLock(path);
    if (other !== undefined && isStale(other, staleMs, Date.now())) {
      // Take over only the lock we judged stale (a fresh one created meanwhile stays).
      const again = await readLock(path);
      if (again !== undefined && again.raw === other.raw) {
        options.onTakeOver?.(other.content === undefined ? 'unreadable and old' : Date.now() - other.content.createdAt > staleMs ? 'older than the stale limit' : 'its process has ended');
        await unlink(path).catch(() => {});
      }
      continue;
    }
    const done = await poll();
    if (done !== undefined) return { kind: 'resolved', value: done };
    if (Date.now() - started > waitMs) return { kind: 'timeout', value: await work() };
    await sleep(pollMs / 2 + Math.random() * pollMs, undefined, options.signal ? { signal: options.signal } : {}).catch((error: unknown) => {
      options.signal?.throwIfAborted(); // the caller's reason, not a generic AbortError
      throw error;
    });
  }
}
