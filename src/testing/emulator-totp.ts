import { createHmac, randomBytes } from 'node:crypto';
import { EmulatorUsageError } from './emulator-errors.js';

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** @internal A new TOTP shared secret (160 bits, the RFC 4226 recommendation), base32 as authenticator apps show it. */
export function newTotpSecret(): string {
  let bits = '';
  for (const byte of randomBytes(20)) bits += byte.toString(2).padStart(8, '0');
  let out = '';
  for (let i = 0; i + 5 <= bits.length; i += 5) out += BASE32[parseInt(bits.slice(i, i + 5), 2)];
  return out;
}

function base32Decode(secret: string): Buffer {
  let bits = '';
  for (const char of secret.replace(/=+$/, '').toUpperCase()) {
    const value = BASE32.indexOf(char);
    if (value < 0) throw new EmulatorUsageError('The TOTP secret is not base32.', "Pass the secret the emulator gave the user (its `totp` field), or RFC 4648 base32 (A–Z, 2–7).");
    bits += value.toString(2).padStart(5, '0');
  }
  const bytes: number[] = [];
  for (let i = 0; i + 8 <= bits.length; i += 8) bytes.push(parseInt(bits.slice(i, i + 8), 2));
  return Buffer.from(bytes);
}

/**
 * @internal RFC 6238 TOTP (HMAC-SHA-1, 30 s steps, 6 digits), the code an authenticator app shows at `timeMs`.
 * `stepOffset` gives the code of a neighbouring step (for the ±1 step a verifier tolerates).
 */
export function totpCode(secret: string, timeMs: number, stepOffset = 0): string {
  const counter = Math.floor(timeMs / 1000 / 30) + stepOffset;
  const message = Buffer.alloc(8);
  message.writeBigUInt64BE(BigInt(counter));
  const digest = createHmac('sha1', base32Decode(secret)).update(message).digest();
  const offset = (digest[digest.length - 1] ?? 0) & 0x0f;
  const binary = (digest.readUInt32BE(offset) & 0x7fffffff) % 1_000_000;
  return String(binary).padStart(6, '0');
}

/** @internal True when `code` is the TOTP of the current step or one step either side (clock drift). */
export function verifyTotp(secret: string, code: string, timeMs: number): boolean {
  return [-1, 0, 1].some((offset) => totpCode(secret, timeMs, offset) === code.trim());
}
