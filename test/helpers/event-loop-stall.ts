import { performance } from 'node:perf_hooks';

/** What {@link measureEventLoopStall} observed. */
export interface EventLoopStallMeasurement<T> {
  result: T;
  /** The longest gap between two consecutive timer ticks beyond the tick interval, in ms. */
  maxStallMs: number;
  /** How many ticks ran while the work was pending (0 means the loop never turned: a total stall). */
  ticks: number;
  /** Wall time of the work, in ms. */
  elapsedMs: number;
}

/**
 * Run `work` and measure how long the event loop was kept from turning meanwhile: a timer re-arms
 * itself every `intervalMs` and records the largest lateness of a tick. Synchronous work of N ms
 * inside `work` (or anything it triggers on the main thread) shows up as a stall of about N ms;
 * work on the libuv pool or a worker does not. The timer is cleared before this resolves, also
 * when `work` rejects.
 *
 * Use only with a generous bound in tests (the CI machine is shared); benchmarks print the figure.
 *
 * @example
 * const { maxStallMs } = await measureEventLoopStall(() => generateRsaKeyPair());
 * expect(maxStallMs).toBeLessThan(250);
 */
export async function measureEventLoopStall<T>(
  work: () => Promise<T>,
  options: { intervalMs?: number } = {},
): Promise<EventLoopStallMeasurement<T>> {
  const intervalMs = options.intervalMs ?? 1;
  let maxStallMs = 0;
  let ticks = 0;
  let last = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const tick = (): void => {
    const now = performance.now();
    maxStallMs = Math.max(maxStallMs, now - last - intervalMs);
    last = now;
    ticks += 1;
    timer = setTimeout(tick, intervalMs);
  };
  timer = setTimeout(tick, intervalMs);
  const started = performance.now();
  try {
    const result = await work();
    // The tail: a stall between the last tick and the end of the work counts too.
    const end = performance.now();
    maxStallMs = Math.max(maxStallMs, end - last - intervalMs);
    return { result, maxStallMs: Math.max(0, maxStallMs), ticks, elapsedMs: end - started };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The same measurement as source text, for a child process's script: declares `last`, `maxDriftMs` (the
 * longest lateness of a 1 ms interval since `last`) and the interval `drift`, which the script clears.
 */
export const DRIFT_MONITOR_SOURCE = `
  let last = performance.now();
  let maxDriftMs = 0;
  const drift = setInterval(() => {
    const now = performance.now();
    maxDriftMs = Math.max(maxDriftMs, now - last - 1);
    last = now;
  }, 1);
`;
