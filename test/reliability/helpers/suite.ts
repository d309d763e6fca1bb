// Hooks the fault-matrix files share: per-test process guards, and one warmed Okta + reference-server system.
import { afterAll, afterEach, beforeAll, beforeEach, expect } from 'vitest';
import { generateRsaKeyPair, type RsaKeyPair } from '../../../src/crypto/keypair.js';
import { activeTimeouts, settle, trackLibraryTimers, trackUnhandledRejections } from './guards.js';
import { startSystem, type System } from './system.js';

/**
 * Around each test of the calling file: `reset` first, then after the test `cleanup`, and then no unhandled
 * rejection, no library timer left and no more ref'ed timeouts than before the test.
 */
export function guardEachTest(hooks: { reset(): void; cleanup(): Promise<void> }): void {
  let unhandled: ReturnType<typeof trackUnhandledRejections>;
  let timers: ReturnType<typeof trackLibraryTimers>;
  let timeoutsBefore: number;
  beforeEach(() => {
    hooks.reset();
    unhandled = trackUnhandledRejections();
    timers = trackLibraryTimers();
    timeoutsBefore = activeTimeouts();
  });
  afterEach(async () => {
    await hooks.cleanup();
    await settle();
    try {
      expect(unhandled.rejections).toEqual([]);
      expect(timers.outstanding()).toEqual([]);
      expect(activeTimeouts()).toBeLessThanOrEqual(timeoutsBefore);
    } finally {
      unhandled.dispose();
      timers.dispose();
    }
  });
}

/**
 * One Okta emulator + reference server (`startSystem()`) and one 2048-bit key pair for the calling file,
 * warmed up so timeouts measure faults only; faults, stats, rate limits and the front are reset around
 * every test, which runs under {@link guardEachTest}. Read `sys`/`keys` inside hooks and tests.
 */
export function useOktaSystem(): { readonly sys: System; readonly keys: RsaKeyPair } {
  let sys: System | undefined;
  let keys: RsaKeyPair | undefined;
  const shared = {
    get sys(): System {
      if (!sys) throw new Error('useOktaSystem: the system starts in beforeAll');
      return sys;
    },
    get keys(): RsaKeyPair {
      if (!keys) throw new Error('useOktaSystem: the key pair is made in beforeAll');
      return keys;
    },
  };
  beforeAll(async () => {
    [keys, sys] = await Promise.all([generateRsaKeyPair({ modulusLength: 2048 }), startSystem()]);
    // Warm up (the emulator creates its signing key on the first token): timeouts in tests measure faults only.
    const warm = sys.provider({ pregenerateKeyPair: keys });
    await warm();
    await sys.closeProviders();
  });
  afterAll(async () => {
    await sys?.close();
  });
  guardEachTest({
    reset() {
      shared.sys.okta.faults.clear();
      shared.sys.okta.resetStats();
      shared.sys.okta.setRateLimit({ perUserPerSecond: 0, orgPerMinute: 0 });
      shared.sys.front.reset();
    },
    async cleanup() {
      await shared.sys.closeProviders();
      shared.sys.front.reset(); // ends latency waits of requests the provider gave up on
      shared.sys.okta.faults.clear();
    },
  });
  return shared;
}
