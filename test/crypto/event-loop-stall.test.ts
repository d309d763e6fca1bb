import { describe, expect, it } from 'vitest';
import { measureEventLoopStall } from '../helpers/event-loop-stall.js';

// vitest's own test timeout is an active Timeout too, so compare with the count before.
function activeTimeouts(): number {
  const info = (process as unknown as { getActiveResourcesInfo(): string[] }).getActiveResourcesInfo();
  return info.filter((name) => name === 'Timeout').length;
}

function busyWait(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // Deliberately block the event loop.
  }
}

describe('measureEventLoopStall', () => {
  it('sees a synchronous block of the event loop', async () => {
    const { maxStallMs, result } = await measureEventLoopStall(async () => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      busyWait(150);
      await new Promise((resolve) => setTimeout(resolve, 5));
      return 'done';
    });
    expect(result).toBe('done');
    // The busy wait guarantees at least 150 ms without a tick; the bound is a lower one, so it cannot flake.
    expect(maxStallMs).toBeGreaterThanOrEqual(140);
  });

  it('sees a block at the very end of the work', async () => {
    const { maxStallMs } = await measureEventLoopStall(async () => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      busyWait(100);
    });
    expect(maxStallMs).toBeGreaterThanOrEqual(90);
  });

  it('keeps ticking while the work only waits, and stops its timer afterwards', async () => {
    const before = activeTimeouts();
    const { ticks, maxStallMs } = await measureEventLoopStall(() => new Promise((resolve) => setTimeout(resolve, 60)));
    expect(ticks).toBeGreaterThan(3);
    expect(maxStallMs).toBeLessThan(1_000);
    expect(activeTimeouts()).toBe(before);
  });

  it('clears its timer when the work rejects', async () => {
    const before = activeTimeouts();
    await expect(measureEventLoopStall(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(activeTimeouts()).toBe(before);
  });
});
