// The fleet simulation of `npm run sim:fleet` at a small count (N=200), with the org-wide /token limit
// scaled down so it binds as it does for N=5,000 against 2,000/min. One virtual clock and seeded jitter; the
// thread pool's completion order still varies, so every assertion is a bound that holds for any order.
import { describe, expect, it } from 'vitest';
import { runFleet } from '../../bench/fleet-sim.js';
import { trackUnhandledRejections } from './helpers/guards.js';

describe('fleet simulation (small count)', () => {
  it('200 providers at once under per-user and org /token limits: all get credentials, then refresh over one hour without lockstep', async () => {
    const unhandled = trackUnhandledRejections();
    try {
      const n = 200;
      // The library's default retry settings: the provider itself waits out the org window (issue 8).
      const result = await runFleet({ providers: n, orgPerMinute: 80, perUserPerSecond: 4 });
      const { startup, refresh } = result;
      // Startup: nobody gives up, every provider made one SSO exchange.
      expect(startup.failures).toBe(0);
      expect(result.callersFailed).toBe(0);
      expect(startup.ssoRequests).toBe(n);
      expect(startup.orgLimited).toBeGreaterThan(0); // the limit did bind
      // Token requests: one success each plus the 429s, and no more 429s than a fixed 80/min window forces
      // when everyone starts at once and each waiting provider retries at the window's reset
      // (120 in the first minute, 40 in the second): nobody retries early or twice within a window.
      expect(startup.tokenRequests).toBe(n + startup.orgLimited + startup.userLimited);
      let forced = 0;
      for (let k = 1; n - k * 80 > 0; k += 1) forced += n - k * 80;
      expect(startup.orgLimited).toBeLessThanOrEqual(forced);
      expect(startup.tokenRequests).toBeLessThanOrEqual(2 * n);
      // The floor is 1.6 n here (one 429 for each of the 120 refused in the first window). Retries spread over
      // twice the asked wait land in the next two windows, so few (typically none) are refused again.
      expect(startup.tokenRequests).toBeLessThanOrEqual(1.7 * n);
      // Refresh: every provider refreshed exactly once in the hour (1 h certificates), none failed for good.
      expect(refresh.providersRefreshed).toBe(n);
      expect(refresh.refreshes).toBe(n);
      expect(refresh.ssoRequests).toBe(n);
      expect(result.validAtEnd).toBe(n);
      // Not in lockstep: spread over many distinct seconds, no second holding more than a small share.
      expect(refresh.distinctSeconds).toBeGreaterThanOrEqual(n / 4);
      expect(refresh.maxPerSecond).toBeLessThanOrEqual(n / 10);
      const spread = (refresh.times.at(-1) ?? 0) - (refresh.times[0] ?? 0);
      expect(spread).toBeGreaterThanOrEqual(60);
      expect(unhandled.rejections).toEqual([]);
      console.log(JSON.stringify({ ...result, refresh: { ...refresh, times: undefined } }));
    } finally {
      unhandled.dispose();
    }
  }, 120_000);
});
