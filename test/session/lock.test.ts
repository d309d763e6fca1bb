// The cross-process lock on its own: stale-lock recovery (dead process, too old, unreadable), the bounded
// wait, another process's result picked up while waiting, and only our own lock removed.
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile, utimes } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { withSessionLock } from '../../src/session/lock.js';

let dir: string;
let lock: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ubiq-session-lock-'));
  lock = join(dir, 'x.lock');
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const held = (pid: number, createdAt = Date.now()) => JSON.stringify({ pid, host: hostname(), createdAt, nonce: 'someone-else' });
/** The pid of a process that has ended. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
  return Number(child.stdout.toString());
}
const never = () => Promise.resolve(undefined);

describe('session lock', () => {
  it('runs the work holding the lock (pid and time in it) and removes it afterwards', async () => {
    let seen = '';
    const outcome = await withSessionLock(lock, async () => {
      seen = await readFile(lock, 'utf8');
      return 'mine';
    }, never);
    expect(outcome).toEqual({ kind: 'acquired', value: 'mine' });
    expect(JSON.parse(seen)).toMatchObject({ pid: process.pid, host: hostname() });
    await expect(readFile(lock)).rejects.toThrow(/ENOENT/);
  });

  it('takes over the lock of a process that has ended, at once', async () => {
    await writeFile(lock, held(deadPid()));
    const why: string[] = [];
    const started = Date.now();
    const outcome = await withSessionLock(lock, () => Promise.resolve('mine'), never, { waitMs: 30_000, onTakeOver: (reason) => why.push(reason) });
    expect(outcome.kind).toBe('acquired');
    expect(why).toEqual(['its process has ended']);
    expect(Date.now() - started).toBeLessThan(20_000);
  });

  it('takes over a lock older than staleMs even though its process lives', async () => {
    await writeFile(lock, held(process.pid, Date.now() - 10_000));
    const why: string[] = [];
    const outcome = await withSessionLock(lock, () => Promise.resolve('mine'), never, { staleMs: 5_000, onTakeOver: (reason) => why.push(reason) });
    expect(outcome.kind).toBe('acquired');
    expect(why).toEqual(['older than the stale limit']);
  });

  it('takes over an unreadable lock only once it is old', async () => {
    await writeFile(lock, 'garbage');
    await utimes(lock, new Date(Date.now() - 60_000), new Date(Date.now() - 60_000));
    expect((await withSessionLock(lock, () => Promise.resolve('mine'), never, { waitMs: 30_000 })).kind).toBe('acquired');
  });

  it('while a live process holds it, returns what poll finds (the other process wrote the session)', async () => {
    await writeFile(lock, held(process.pid));
    let polls = 0;
    let worked = false;
    const outcome = await withSessionLock(
      lock,
      () => {
        worked = true;
        return Promise.resolve('mine');
      },
      () => Promise.resolve(++polls >= 3 ? 'theirs' : undefined),
      { pollMs: 5 },
    );
    expect(outcome).toEqual({ kind: 'resolved', value: 'theirs' });
    expect(worked).toBe(false);
    // Not ours: left in place.
    expect(await readFile(lock, 'utf8')).toBe(held(process.pid, (JSON.parse(await readFile(lock, 'utf8')) as { createdAt: number }).createdAt));
  });

  it('gives up waiting after waitMs and does the work without the lock', async () => {
    await writeFile(lock, held(process.pid));
    const outcome = await withSessionLock(lock, () => Promise.resolve('mine'), never, { waitMs: 150, pollMs: 10 });
    expect(outcome).toEqual({ kind: 'timeout', value: 'mine' });
    expect(JSON.parse(await readFile(lock, 'utf8'))).toMatchObject({ nonce: 'someone-else' });
  });

  it('stops waiting when the signal aborts', async () => {
    await writeFile(lock, held(process.pid));
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('closed')), 50);
    await expect(withSessionLock(lock, () => Promise.resolve('mine'), never, { signal: controller.signal, pollMs: 10 })).rejects.toThrow(/closed/);
  });
});
