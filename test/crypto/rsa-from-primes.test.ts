import { execFileSync } from 'node:child_process';
import { createPublicKey, generatePrime, type KeyObject } from 'node:crypto';
import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { createCsr } from '../../src/credentials/csr.js';
import { generateRsaKeyPair, type RsaKeyPair } from '../../src/crypto/keypair.js';
import {
  checkPrime,
  checkPrimePair,
  generateRsaKeyPairFromPrimes,
  MAX_PRIME_DRAWS,
  RSA_PUBLIC_EXPONENT as E,
  rsaKeyPairFromPrimes,
  type PrimeSource,
  type RsaKeyRule,
} from '../../src/crypto/rsa-from-primes.js';
import { verifyCsrPem } from '../../src/x509/index.js';

// Most cases use RSA-2048 (primes of 1024 bits): the rules scale with nlen, and the primes come fast.
const NLEN = 2048;
const HALF = NLEN / 2;

const OPENSSL = ['/usr/bin/openssl', ...(process.env.PATH ?? '').split(delimiter).map((dir) => join(dir, 'openssl'))].find((path) => existsSync(path));
if (OPENSSL === undefined) console.warn('rsa-from-primes.test: no openssl binary found; the checks of keys by OpenSSL itself are skipped.');

/** `openssl pkey -check` on the PKCS#8 PEM and `openssl rsa -check` on the PKCS#1 PEM; throws if either refuses. */
function opensslCheck(privateKey: KeyObject): string {
  const pkcs8 = privateKey.export({ type: 'pkcs8', format: 'pem' });
  const pkcs1 = privateKey.export({ type: 'pkcs1', format: 'pem' });
  const pkey = execFileSync(OPENSSL as string, ['pkey', '-check', '-noout'], { input: pkcs8, stdio: 'pipe' }).toString();
  const rsa = execFileSync(OPENSSL as string, ['rsa', '-check', '-noout'], { input: pkcs1, stdio: 'pipe' }).toString();
  return `${pkey}${rsa}`;
}

/** The key's integers, read back from its JWK export. */
function integers(privateKey: KeyObject): Record<'n' | 'e' | 'd' | 'p' | 'q' | 'dp' | 'dq' | 'qi', bigint> {
  const jwk = privateKey.export({ format: 'jwk' });
  const big = (value: string | undefined): bigint => BigInt(`0x${Buffer.from(value ?? '', 'base64url').toString('hex') || '0'}`);
  return { n: big(jwk.n), e: big(jwk.e), d: big(jwk.d), p: big(jwk.p), q: big(jwk.q), dp: big(jwk.dp), dq: big(jwk.dq), qi: big(jwk.qi) };
}

const bits = (x: bigint): number => x.toString(2).length;
const gcd = (a: bigint, b: bigint): bigint => (b === 0n ? a : gcd(b, a % b));

/** The rules a security reviewer would check, recomputed here independently of the module. */
function expectSp80056bKey(privateKey: KeyObject, nlen: number): void {
  const { n, e, d, p, q, dp, dq, qi } = integers(privateKey);
  expect(e).toBe(65537n);
  expect(bits(n)).toBe(nlen);
  expect(n).toBe(p * q);
  expect(p > q).toBe(true);
  for (const prime of [p, q]) {
    expect(bits(prime)).toBe(nlen / 2);
    expect(prime * prime >= 1n << BigInt(nlen - 1)).toBe(true);
    expect(gcd(e, prime - 1n)).toBe(1n);
  }
  expect(p - q > 1n << BigInt(nlen / 2 - 100)).toBe(true);
  const lambda = ((p - 1n) * (q - 1n)) / gcd(p - 1n, q - 1n);
  expect((e * d) % lambda).toBe(1n);
  expect(d > 1n << BigInt(nlen / 2)).toBe(true);
  expect(d < lambda).toBe(true);
  expect(dp).toBe(d % (p - 1n));
  expect(dq).toBe(d % (q - 1n));
  expect((q * qi) % p).toBe(1n);
}

const prime = (size: number): Promise<bigint> =>
  new Promise((resolve, reject) => generatePrime(size, { bigint: true }, (error, p) => (error ? reject(error) : resolve(p))));

/** Integer square root (floor). */
function isqrt(x: bigint): bigint {
  let r = 1n << BigInt(Math.ceil(bits(x) / 2));
  for (;;) {
    const next = (r + x / r) >> 1n;
    if (next >= r) return r;
    r = next;
  }
}

/** A number of `HALF` bits, top two bits set, with e | p − 1 (not prime: the rules do not test primality). */
function oneModE(): bigint {
  let t = (3n << BigInt(HALF - 2)) / E + 1n;
  if (t % 2n === 1n) t += 1n; // p = E·t + 1 is odd
  return E * t + 1n;
}

/**
 * A prime source that hands out `scripted` first, then real primes from `pool`, in the order asked;
 * `calls` counts how many primes were asked for.
 */
function scriptedSource(scripted: bigint[], pool: bigint[]): PrimeSource & { calls: number } {
  const queue = [...scripted, ...pool];
  const source = Object.assign(
    (size: number): Promise<bigint> => {
      source.calls += 1;
      expect(size).toBe(HALF);
      const next = queue.shift();
      return next === undefined ? Promise.reject(new Error('test prime pool exhausted')) : Promise.resolve(next);
    },
    { calls: 0 },
  );
  return source;
}

async function fromPrimes(scripted: bigint[], pool: bigint[]): Promise<{ keyPair: RsaKeyPair; rejected: RsaKeyRule[]; calls: number }> {
  const rejected: RsaKeyRule[] = [];
  const primes = scriptedSource(scripted, pool);
  const keyPair = await generateRsaKeyPairFromPrimes({ modulusLength: NLEN, primes, onRejected: (rule) => rejected.push(rule) });
  return { keyPair, rejected, calls: primes.calls };
}

describe('keys made from parallel primes', () => {
  it.skipIf(OPENSSL === undefined)('are valid RSA keys to OpenSSL itself, and meet every rule (RSA-4096 and RSA-2048)', async () => {
    for (const modulusLength of [4096, 2048]) {
      const { privateKey, publicKey } = await generateRsaKeyPair({ modulusLength });
      expect(opensslCheck(privateKey)).toMatch(/Key is valid[\s\S]*RSA key ok/);
      expectSp80056bKey(privateKey, modulusLength);
      expect(createPublicKey(privateKey).export({ type: 'spki', format: 'der' }).equals(publicKey.export({ type: 'spki', format: 'der' }))).toBe(true);
    }
  });

  it('make a certificate request the reference server accepts', async () => {
    const keyPair = await generateRsaKeyPair({ modulusLength: 2048 });
    const csr = await createCsr(keyPair);
    const verified = await verifyCsrPem(csr);
    expect(verified.publicKey.export({ type: 'spki', format: 'der' }).equals(keyPair.publicKey.export({ type: 'spki', format: 'der' }))).toBe(true);
  });
});

describe('the rules on the primes', () => {
  let pool: bigint[];
  beforeAll(async () => {
    pool = await Promise.all(Array.from({ length: 6 }, () => prime(HALF)));
  });
  const take = (): bigint[] => pool.slice();

  it('a prime must have nlen/2 bits and be at least √2·2^(nlen/2−1), exactly at the bound', () => {
    const bound = isqrt(1n << BigInt(NLEN - 1)); // floor(√2·2^(nlen/2−1)); 2^(nlen−1) is no square
    expect(checkPrime(bound, NLEN)).toBe('prime_size');
    expect(checkPrime(bound + 1n, NLEN)).toBeUndefined();
    expect(checkPrime((1n << BigInt(HALF - 1)) + 1n, NLEN)).toBe('prime_size'); // top bits 10…
    expect(checkPrime((1n << BigInt(HALF)) + 1n, NLEN)).toBe('prime_size'); // one bit too many
  });

  it('gcd(e, p − 1) = 1', () => {
    expect(checkPrime(oneModE(), NLEN)).toBe('prime_not_coprime_to_e');
    expect(checkPrime(oneModE() + 2n, NLEN)).toBeUndefined();
  });

  it('p ≠ q, and |p − q| > 2^(nlen/2 − 100), exactly at the bound', () => {
    const p = (3n << BigInt(HALF - 2)) + 1n;
    const bound = 1n << BigInt(HALF - 100);
    expect(checkPrimePair(p, p, NLEN)).toBe('primes_equal');
    expect(checkPrimePair(p, p + 2n, NLEN)).toBe('primes_too_close');
    expect(checkPrimePair(p + bound, p, NLEN)).toBe('primes_too_close');
    expect(checkPrimePair(p, p + bound + 1n, NLEN)).toBeUndefined();
  });

  it('p = q makes us generate q again', async () => {
    const [p, ...rest] = take() as [bigint, ...bigint[]];
    const { keyPair, rejected, calls } = await fromPrimes([p, p], rest);
    expect(rejected).toEqual(['primes_equal']);
    expect(calls).toBe(3);
    const { p: keptP, q: keptQ } = integers(keyPair.privateKey);
    expect(new Set([keptP, keptQ])).toEqual(new Set([p, rest[0]]));
    expectSp80056bKey(keyPair.privateKey, NLEN);
  });

  it('|p − q| too small makes us generate q again', async () => {
    const [p, ...rest] = take() as [bigint, ...bigint[]];
    const { keyPair, rejected, calls } = await fromPrimes([p, p + 2n], rest);
    expect(rejected).toEqual(['primes_too_close']);
    expect(calls).toBe(3);
    expectSp80056bKey(keyPair.privateKey, NLEN);
  });

  it('gcd(e, p − 1) ≠ 1 makes us generate that prime again', async () => {
    const { keyPair, rejected, calls } = await fromPrimes([oneModE()], take());
    expect(rejected).toEqual(['prime_not_coprime_to_e']);
    expect(calls).toBe(3);
    expectSp80056bKey(keyPair.privateKey, NLEN);
  });

  it('primes whose product is short (top bits 10…) are each generated again', async () => {
    const low = (1n << BigInt(HALF - 1)) + 15n;
    const { keyPair, rejected, calls } = await fromPrimes([low, low + 2n ** 200n], take());
    expect(rejected).toEqual(['prime_size', 'prime_size']);
    expect(calls).toBe(4);
    expectSp80056bKey(keyPair.privateKey, NLEN);
  });

  it('a modulus of fewer than nlen bits is refused when the key is assembled', async () => {
    // The rules on each prime already exclude these; the modulus is checked again when the key is made.
    const low = (1n << BigInt(HALF - 1)) + 15n;
    expect(await rsaKeyPairFromPrimes(low, low + 2n ** 200n, NLEN)).toEqual({ rejected: 'modulus_size' });
  });

  it('d ≤ 2^(nlen/2) is refused (shown with an exponent e chosen to make d small)', async () => {
    const [p, q] = take() as [bigint, bigint];
    const lambda = ((p - 1n) * (q - 1n)) / gcd(p - 1n, q - 1n);
    let smallD = (1n << BigInt(HALF - 8)) + 1n;
    while (gcd(smallD, lambda) !== 1n) smallD += 2n;
    const e = inverse(smallD, lambda);
    expect(await rsaKeyPairFromPrimes(p, q, NLEN, e)).toEqual({ rejected: 'private_exponent_small' });
  });

  it('a composite “prime” fails the pairwise test, and both primes are generated again', async () => {
    // A product of two 512-bit primes of the right size: it passes every rule on a prime but is no prime.
    let composite = 0n;
    while (checkPrime(composite, NLEN) !== undefined) composite = (await prime(HALF / 2)) * (await prime(HALF / 2));
    const [p, ...rest] = take() as [bigint, ...bigint[]];
    const { keyPair, rejected, calls } = await fromPrimes([p, composite], rest);
    expect(rejected).toEqual(['pairwise_test_failed']);
    expect(calls).toBe(4);
    expectSp80056bKey(keyPair.privateKey, NLEN);
    if (OPENSSL !== undefined) expect(opensslCheck(keyPair.privateKey)).toMatch(/Key is valid/);
  });

  it(`gives up after ${MAX_PRIME_DRAWS} primes`, async () => {
    const [p] = take() as [bigint];
    const rejected: RsaKeyRule[] = [];
    const primes = scriptedSource(Array.from({ length: 40 }, () => p), []);
    const error: unknown = await generateRsaKeyPairFromPrimes({ modulusLength: NLEN, primes, onRejected: (rule) => rejected.push(rule) }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(new RegExp(`within ${MAX_PRIME_DRAWS} primes .*primes_equal`));
    expect(primes.calls).toBe(MAX_PRIME_DRAWS);
  });

  it('rejects with the reason when aborted while the last prime is generated, and makes no key of them', async () => {
    const pair = take().slice(0, 2);
    const controller = new AbortController();
    let calls = 0;
    const primes: PrimeSource = () => {
      calls += 1;
      if (calls === 2) controller.abort(new Error('stop'));
      return Promise.resolve(pair[calls - 1] as bigint);
    };
    await expect(generateRsaKeyPairFromPrimes({ modulusLength: NLEN, primes, signal: controller.signal })).rejects.toThrow('stop');
    expect(calls).toBe(2);
  });

  it('starts no new prime once aborted', async () => {
    const [p] = take() as [bigint];
    const controller = new AbortController();
    const primes = scriptedSource([p, p], take()); // p = q: q would be generated again
    const onRejected = (): void => controller.abort(new Error('stop'));
    await expect(generateRsaKeyPairFromPrimes({ modulusLength: NLEN, primes, signal: controller.signal, onRejected })).rejects.toThrow('stop');
    expect(primes.calls).toBe(2);
  });
});

function inverse(a: bigint, m: bigint): bigint {
  let [r0, r1, t0, t1] = [m, a % m, 0n, 1n];
  while (r1 !== 0n) {
    const k = r0 / r1;
    [r0, r1, t0, t1] = [r1, r0 - k * r1, t1, t0 - k * t1];
  }
  return ((t0 % m) + m) % m;
}
