/**
 * The timer functions the refreshing cache uses, injectable so tests can drive time. The defaults are
 * the global `setTimeout`/`clearTimeout`, looked up at call time (so test fake timers apply) and
 * `unref()`ed: a pending background refresh never keeps a process alive.
 */
export interface ProviderTimers {
  setTimeout(callback: () => void, delayMs: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** Node's timers can wait at most 2^31-1 ms; longer waits are chained (the callback re-checks the time). */
export const MAX_TIMER_DELAY_MS = 2_147_483_647;

/** The global timers, unref'ed. */
export function defaultTimers(): ProviderTimers {
  return {
    setTimeout(callback, delayMs) {
      const handle = setTimeout(callback, Math.min(Math.max(0, delayMs), MAX_TIMER_DELAY_MS));
      (handle as { unref?: () => void }).unref?.();
      return handle;
    },
    clearTimeout(handle) {
      clearTimeout(handle as ReturnType<typeof setTimeout>);
    },
  };
}
