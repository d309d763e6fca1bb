/**
 * The timer functions the refreshing cache uses, injectable so tests can drive time. The defaults are
 * the global `setTimeout`/`clearTimeout`, looked up at call time (so test fake timers apply) and
 * `unref()`ed: a pending background refresh never keeps a process alive.
 */
export interface ProviderTimers {
  /**
   * `options.keepAlive`: a caller awaits this wait (a login retried after a rate limit), so it must keep
   * the process alive like any pending request; background timers never do.
   */
  setTimeout(callback: () => void, delayMs: number, options?: { keepAlive?: boolean }): unknown;
  clearTimeout(handle: unknown): void;
}

/** Node's timers can wait at most 2^31-1 ms; longer waits are chained (the callback re-checks the time). */
export const MAX_TIMER_DELAY_MS = 2_147_483_647;

/** The global timers, unref'ed unless a caller waits on them. */
export function defaultTimers(): ProviderTimers {
  return {
    setTimeout(callback, delayMs, options) {
      const handle = setTimeout(callback, Math.min(Math.max(0, delayMs), MAX_TIMER_DELAY_MS));
      if (options?.keepAlive !== true) (handle as { unref?: () => void }).unref?.();
      return handle;
    },
    clearTimeout(handle) {
      clearTimeout(handle as ReturnType<typeof setTimeout>);
    },
  };
}
