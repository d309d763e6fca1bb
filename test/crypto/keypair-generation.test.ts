// Which generation generateRsaKeyPair uses, seen through a wrapped node:crypto: the parallel primes by
// default, OpenSSL's whole-key generation on request, in FIPS mode and where generatePrime is missing.
import type * as NodeCrypto from 'node:crypto';
import { generatePrime } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';

interface Seen {
  /** setImmediate turns counted by the test when the first signature (the pairwise test) was asked for. */
  turnsAtFirstSign: number | undefined;
  primeCalls: number;
  primesInFlight: number;
  maxPrimesInFlight: number;
  keyPairCalls: number;
}

/** keypair.js loaded against a node:crypto that counts calls, with `generatePrime` missing or replaced and `getFips` set. */
async function loadWith(options: { generatePrime?: 'missing' | ((size: number) => bigint); fips?: 0 | 1 } = {}): Promise<{ module: typeof import('../../src/crypto/keypair.js'); seen: Seen }> {
  const seen: Seen = { turnsAtFirstSign: undefined, primeCalls: 0, primesInFlight: 0, maxPrimesInFlight: 0, keyPairCalls: 0 };
  vi.resetModules();
  vi.doMock('node:crypto', async (importOriginal) => {
    const actual = await importOriginal<typeof NodeCrypto>();
    const generatePrime = (size: number, primeOptions: NodeCrypto.GeneratePrimeOptionsBigInt, callback: (error: Error | null, prime: bigint) => void): void => {
      seen.primeCalls += 1;
      seen.primesInFlight += 1;
      seen.maxPrimesInFlight = Math.max(seen.maxPrimesInFlight, seen.primesInFlight);
      actual.generatePrime(size, primeOptions, (error, prime) => {
        seen.primesInFlight -= 1;
        const replace = options.generatePrime;
        callback(error, typeof replace === 'function' ? replace(size) : prime);
      });
    };
    const generateKeyPair = ((...args: Parameters<typeof actual.generateKeyPair>) => {
      seen.keyPairCalls += 1;
      return (actual.generateKeyPair as (...a: unknown[]) => void)(...args);
    }) as typeof actual.generateKeyPair;
    const sign = ((...args: Parameters<typeof actual.sign>) => {
      seen.turnsAtFirstSign ??= turns;
      return (actual.sign as (...a: unknown[]) => unknown)(...args);
    }) as typeof actual.sign;
    const mocked = {
      ...actual,
      sign,
      generatePrime: options.generatePrime === 'missing' ? undefined : generatePrime,
      generateKeyPair,
      getFips: () => options.fips ?? 0,
    };
    return { ...mocked, default: mocked };
  });
  const module = await import('../../src/crypto/keypair.js');
  return { module, seen };
}

/** Event-loop turns (setImmediate) counted while `countTurns` runs. */
let turns = 0;
async function countTurns<T>(work: () => Promise<T>): Promise<T> {
  turns = 0;
  let counting = true;
  const tick = (): void => {
    if (!counting) return;
    turns += 1;
    setImmediate(tick);
  };
  setImmediate(tick);
  try {
    return await work();
  } finally {
    counting = false;
  }
}

afterEach(() => {
  vi.doUnmock('node:crypto');
  vi.resetModules();
});

describe('generateRsaKeyPair: which generation', () => {
  it('generates the two primes at once by default, not the whole key', async () => {
    const { module, seen } = await loadWith();
    const { publicKey } = await module.generateRsaKeyPair({ modulusLength: 2048 });
    expect(publicKey.asymmetricKeyDetails?.modulusLength).toBe(2048);
    expect(seen.primeCalls).toBe(2);
    expect(seen.maxPrimesInFlight).toBe(2);
    expect(seen.keyPairCalls).toBe(0);
  });

  it("lets OpenSSL generate the whole key with keyGeneration: 'openssl'", async () => {
    const { module, seen } = await loadWith();
    const { publicKey } = await module.generateRsaKeyPair({ modulusLength: 2048, keyGeneration: 'openssl' });
    expect(publicKey.asymmetricKeyDetails?.modulusLength).toBe(2048);
    expect(seen.keyPairCalls).toBe(1);
    expect(seen.primeCalls).toBe(0);
  });

  it('falls back to generateKeyPair where generatePrime is missing', async () => {
    const { module, seen } = await loadWith({ generatePrime: 'missing' });
    const { publicKey } = await module.generateRsaKeyPair({ modulusLength: 2048 });
    expect(publicKey.asymmetricKeyDetails?.modulusLength).toBe(2048);
    expect(seen.keyPairCalls).toBe(1);
  });

  it('lets OpenSSL generate the whole key in FIPS mode', async () => {
    const { module, seen } = await loadWith({ fips: 1 });
    await module.generateRsaKeyPair({ modulusLength: 2048 });
    expect(seen.keyPairCalls).toBe(1);
    expect(seen.primeCalls).toBe(0);
  });

  it('rejects with KeyPairError key_generation_failed when no key meets the rules', async () => {
    // Every "prime" is the same number: p = q each time, until the attempts are used up.
    const { module, seen } = await loadWith({ generatePrime: (size) => (3n << BigInt(size - 2)) + 1n });
    const error: unknown = await module.generateRsaKeyPair({ modulusLength: 2048 }).catch((e: unknown) => e);
    expect(module.isKeyPairError(error)).toBe(true);
    expect((error as InstanceType<typeof module.KeyPairError>).code).toBe('key_generation_failed');
    expect(String((error as Error).cause)).toMatch(/primes_equal/);
    expect(seen.primeCalls).toBeGreaterThan(2);
  });

  it('rejects an unknown keyGeneration', async () => {
    const { module } = await loadWith();
    const error: unknown = await module.generateRsaKeyPair({ keyGeneration: 'fast' as 'openssl' }).catch((e: unknown) => e);
    expect(module.isKeyPairError(error)).toBe(true);
    expect((error as InstanceType<typeof module.KeyPairError>).hint).toMatch(/'openssl'/);
  });

});

describe('the key arithmetic and the event loop', () => {
  it('spreads the key arithmetic over event-loop turns before the pairwise test', async () => {
    // RSA-4096: a few milliseconds of BigInt work in all; in one block it would delay the application's timers.
    const { seen } = await loadWith();
    const { rsaKeyPairFromPrimes } = await import('../../src/crypto/rsa-from-primes.js');
    const prime = (): Promise<bigint> => new Promise((resolve, reject) => generatePrime(2048, { bigint: true }, (error, p) => (error ? reject(error) : resolve(p))));
    const [p, q] = await Promise.all([prime(), prime()]);
    const made = await countTurns(() => rsaKeyPairFromPrimes(p, q, 4096));
    expect('privateKey' in made).toBe(true);
    expect(seen.turnsAtFirstSign).toBeGreaterThanOrEqual(2);
  });
});
