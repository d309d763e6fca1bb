// A manual clock and timer queue for the refreshing cache: time moves only when a test says so.
import type { ProviderTimers } from '../../../src/credentials/timers.js';

export interface FakeTime {
  now: () => number;
  timers: ProviderTimers;
  /** Moves time forward, firing due timers in order and letting promise callbacks run after each. */
  advance(ms: number): Promise<void>;
  /** Timers not yet fired or cleared. */
  pending(): number;
  /** Lets pending promise callbacks (and real I/O callbacks) run without moving time. */
  settle(): Promise<void>;
  /** Drops every timer and sets the time (a fresh clock for the next test of a shared fixture). */
  reset(start: number): void;
}

export function createFakeTime(start = Date.UTC(2026, 0, 1)): FakeTime {
  let t = start;
  let nextId = 1;
  const queue = new Map<number, { at: number; callback: () => void }>();
  const settle = async () => {
    for (let i = 0; i < 5; i += 1) await new Promise<void>((resolve) => setImmediate(resolve));
  };
  return {
    now: () => t,
    timers: {
      setTimeout(callback, delayMs) {
        const id = nextId++;
        queue.set(id, { at: t + Math.max(0, delayMs), callback });
        return id;
      },
      clearTimeout(handle) {
        queue.delete(handle as number);
      },
    },
    async advance(ms) {
      const end = t + ms;
      for (;;) {
        await settle();
        let due: [number, { at: number; callback: () => void }] | undefined;
        for (const entry of queue) if (entry[1].at <= end && (due === undefined || entry[1].at < due[1].at)) due = entry;
        if (due === undefined) break;
        queue.delete(due[0]);
        t = Math.max(t, due[1].at);
        due[1].callback();
      }
      t = end;
      await settle();
    },
    pending: () => queue.size,
    settle,
    reset(start) {
      queue.clear();
      t = start;
    },
  };
}
