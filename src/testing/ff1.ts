// FF1 (NIST SP 800-38G) over an alphabet, with AES as the block cipher: the format-preserving cipher the
// official Ubiq clients run for structured datasets. Written from the NIST specification for the test
// client and the demo; checked against NIST's published samples.
import { createCipheriv } from 'node:crypto';
import { StructuredClientError } from './structured-client-errors.js';

/** Reads `text` as a number written in `alphabet` (most significant digit first). */
export function numberOf(text: string, alphabet: string): bigint {
  const radix = BigInt(alphabet.length);
  let value = 0n;
  for (const c of text) {
    const digit = alphabet.indexOf(c);
    if (digit < 0) throw new StructuredClientError('structured_input_invalid', `character ${JSON.stringify(c)} is not in the alphabet`);
    value = value * radix + BigInt(digit);
  }
  return value;
}

/** Writes `value` in `alphabet` with exactly `length` digits (left-padded with the alphabet's first character). */
export function textOf(value: bigint, alphabet: string, length: number): string {
  const radix = BigInt(alphabet.length);
  let out = '';
  let rest = value;
  while (rest > 0n) {
    out = alphabet[Number(rest % radix)] + out;
    rest /= radix;
  }
  if (out.length > length) throw new StructuredClientError('structured_input_invalid', 'the value does not fit in the requested length');
  return (alphabet[0] ?? '').repeat(length - out.length) + out;
}

function bitLength(value: bigint): number {
  return value === 0n ? 0 : value.toString(2).length;
}

function bigEndian(value: bigint, bytes: number): Buffer {
  const out = Buffer.alloc(bytes);
  let rest = value;
  for (let i = bytes - 1; i >= 0; i -= 1) {
    out[i] = Number(rest & 0xffn);
    rest >>= 8n;
  }
  return out;
}

/** FF1 with a fixed key (AES-128/192/256 by its length) and alphabet. */
export interface Ff1 {
  encrypt(plaintext: string, tweak: Uint8Array): string;
  decrypt(ciphertext: string, tweak: Uint8Array): string;
}

/**
 * @example
 * const ff1 = createFf1(key, '0123456789');
 * const ciphertext = ff1.encrypt('123456789', tweak); // nine digits
 */
export function createFf1(key: Uint8Array, alphabet: string): Ff1 {
  if (![16, 24, 32].includes(key.length)) throw new StructuredClientError('structured_input_invalid', 'FF1 needs an AES key of 16, 24 or 32 bytes');
  if (alphabet.length < 2 || new Set(alphabet).size !== alphabet.length) throw new StructuredClientError('structured_input_invalid', 'FF1 needs an alphabet of at least 2 distinct characters');
  const aes = `aes-${key.length * 8}-cbc`;
  const radix = alphabet.length;

  /** PRF: CBC-MAC with a zero IV; the last block. */
  const prf = (data: Buffer): Buffer => {
    const cipher = createCipheriv(aes, key, Buffer.alloc(16));
    cipher.setAutoPadding(false);
    const out = Buffer.concat([cipher.update(data), cipher.final()]);
    return out.subarray(out.length - 16);
  };
  const ciph = (block: Buffer): Buffer => prf(block);

  const run = (input: string, tweak: Uint8Array, encrypt: boolean): string => {
    const n = input.length;
    if (n < 2) throw new StructuredClientError('structured_input_invalid', 'FF1 needs at least 2 characters');
    const u = Math.floor(n / 2);
    const v = n - u;
    let a = input.slice(0, u);
    let b = input.slice(u);
    const bBytes = Math.ceil(bitLength(BigInt(radix) ** BigInt(v) - 1n) / 8);
    const d = 4 * Math.ceil(bBytes / 4) + 4;
    const t = tweak.length;
    const p = Buffer.concat([Buffer.from([1, 2, 1]), bigEndian(BigInt(radix), 3), Buffer.from([10, u % 256]), bigEndian(BigInt(n), 4), bigEndian(BigInt(t), 4)]);
    const zeros = Buffer.alloc((((-t - bBytes - 1) % 16) + 16) % 16);
    const y = (round: number, half: string): bigint => {
      const q = Buffer.concat([Buffer.from(tweak), zeros, Buffer.from([round]), bigEndian(numberOf(half, alphabet), bBytes)]);
      const r = prf(Buffer.concat([p, q]));
      const blocks = [r];
      for (let j = 1; j < Math.ceil(d / 16); j += 1) {
        const mixed = Buffer.from(r);
        const counter = bigEndian(BigInt(j), 16);
        for (let k = 0; k < 16; k += 1) mixed[k]! ^= counter[k]!;
        blocks.push(ciph(mixed));
      }
      return BigInt(`0x${Buffer.concat(blocks).subarray(0, d).toString('hex')}`);
    };
    if (encrypt) {
      for (let i = 0; i < 10; i += 1) {
        const m = i % 2 === 0 ? u : v;
        const modulus = BigInt(radix) ** BigInt(m);
        const c = (numberOf(a, alphabet) + y(i, b)) % modulus;
        a = b;
        b = textOf(c, alphabet, m);
      }
    } else {
      for (let i = 9; i >= 0; i -= 1) {
        const m = i % 2 === 0 ? u : v;
        const modulus = BigInt(radix) ** BigInt(m);
        const c = (((numberOf(b, alphabet) - y(i, a)) % modulus) + modulus) % modulus;
        b = a;
        a = textOf(c, alphabet, m);
      }
    }
    return a + b;
  };

  return {
    encrypt: (plaintext, tweak) => run(plaintext, tweak, true),
    decrypt: (ciphertext, tweak) => run(ciphertext, tweak, false),
  };
}
