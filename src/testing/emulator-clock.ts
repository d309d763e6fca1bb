import type { Clock } from '../util/clock.js';

/**
 * A controllable clock for the emulators. Every time an emulator uses (token `iat`/`exp`/`nbf`, secret
 * expiry, rate-limit windows, key grace periods) comes from `now()`, so tests move time instead of waiting.
 * `now` is a {@link Clock}, the package's one clock type: pass it as is (unbound) to any `now` option, so
 * the code under test and the emulator share one time.
 *
 * @example
 * const okta = createOktaEmulator();
 * const provider = fromIdp({ now: okta.clock.now });
 * okta.clock.advance(3_600_000); // the provider and the emulator both see one hour pass
 */
export interface EmulatorClock {
  /** Current time in epoch milliseconds; a {@link Clock} that works unbound. */
  readonly now: Clock;
  /** Move the clock forward (or back, with a negative value) by `ms`. Freezes the clock. */
  advance(ms: number): void;
  /** Set the clock to an absolute time. Freezes the clock. */
  setNow(time: number | Date): void;
  /** Follow the real clock again (with the current offset dropped). */
  useRealTime(): void;
}

/**
 * Creates a clock that follows `Date.now()` until a test calls `advance` or `setNow`, after which it is
 * frozen at the time set (so `advance(1000)` moves tokens exactly one second).
 *
 * @example
 * const clock = createEmulatorClock();
 * clock.setNow(Date.parse('2030-01-01T00:00:00Z'));
 * clock.advance(3_600_000); // one hour later
 */
export function createEmulatorClock(start?: number | Date): EmulatorClock {
  let frozen: number | undefined = start === undefined ? undefined : +start;
  return {
    now: () => frozen ?? Date.now(),
    advance(ms) {
      frozen = (frozen ?? Date.now()) + ms;
    },
    setNow(time) {
      frozen = +time;
    },
    useRealTime() {
      frozen = undefined;
    },
  };
}
