// Structured (format-preserving) dataset definitions: what the admin API accepts, what `GET /api/v0/ffs`
// answers, and the key-number arithmetic the official clients rely on. The clients encrypt with FF1 over the
// input character set, convert the result to the output character set (same length), then add
// `key_number << msb_encoding_bits` to the index of the first character. So the first character's index
// must stay below 2^msb_encoding_bits, and the key number may only grow while the sum stays inside the
// output character set: both follow from the character sets and the minimum length, computed here.
import { randomBytes } from 'node:crypto';
import * as z from 'zod';
import type { StructuredDataset, StructuredDefinition } from '../store/types.js';

/** NIST SP 800-38G Rev. 1: FF1's domain must hold at least a million values (radix^minlen ≥ 1,000,000). */
const MIN_DOMAIN = 1_000_000n;
/** The most key numbers a dataset keeps, whatever its output set could encode. */
const KEY_NUMBER_CAP = 255;

const characterSet = z
  .string()
  .min(2, 'needs at least 2 characters')
  .max(256)
  .refine((value) => !/[\uD800-\uDFFF]/.test(value), 'characters outside the Basic Multilingual Plane are not supported')
  .refine((value) => new Set(value).size === value.length, 'each character may appear once');

/** The admin API's `structured` object (camelCase like the rest of the admin API). All fields optional. */
export const structuredInputSchema = z.strictObject({
  inputCharacterSet: characterSet.default('0123456789'),
  outputCharacterSet: characterSet.default('0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ'),
  passthrough: z.string().max(64).default(''),
  minInputLength: z.int().min(1).max(255).default(9),
  maxInputLength: z.int().min(1).max(255).default(9),
  /** base64 of 6 to 32 bytes; default 32 random bytes. */
  tweak: z.base64().optional(),
});
export type StructuredInput = z.output<typeof structuredInputSchema>;

/** Why a structured definition cannot be used; the admin API answers 400 with it. */
export function structuredDefinitionProblem(input: StructuredInput): string | undefined {
  const { inputCharacterSet: ics, outputCharacterSet: ocs, passthrough } = input;
  if (ocs.length < ics.length) return 'structured.outputCharacterSet must have at least as many characters as structured.inputCharacterSet';
  for (const c of passthrough) {
    if (ics.includes(c) || ocs.includes(c)) return `structured.passthrough character ${JSON.stringify(c)} is also in a character set`;
  }
  if (input.minInputLength > input.maxInputLength) return 'structured.minInputLength is larger than structured.maxInputLength';
  if (BigInt(ics.length) ** BigInt(input.minInputLength) < MIN_DOMAIN) {
    return `structured: ${ics.length}^${input.minInputLength} values are fewer than FF1's minimum of 1,000,000; raise minInputLength`;
  }
  if (input.tweak !== undefined) {
    const bytes = Buffer.from(input.tweak, 'base64').length;
    if (bytes < 6 || bytes > 32) return 'structured.tweak must be base64 of 6 to 32 bytes';
  }
  return undefined;
}

/**
 * The largest index the first ciphertext character can have before the key number is added: a value below
 * `in^n` written with `n` digits of base `out` starts with a digit of at most `(in^n − 1) / out^(n−1)`,
 * largest for the shortest input.
 */
function largestFirstIndex(inputRadix: number, outputRadix: number, minLength: number): number {
  const top = BigInt(inputRadix) ** BigInt(minLength) - 1n;
  return Number(top / BigInt(outputRadix) ** BigInt(minLength - 1));
}

/** Builds the stored definition from validated admin input (call {@link structuredDefinitionProblem} first). */
export function createStructuredDataset(input: StructuredInput): StructuredDataset {
  const first = largestFirstIndex(input.inputCharacterSet.length, input.outputCharacterSet.length, input.minInputLength);
  const msb = first === 0 ? 1 : first.toString(2).length; // smallest with first < 2^msb
  const maxKeyNumber = Math.min(KEY_NUMBER_CAP, Math.floor((input.outputCharacterSet.length - 1 - first) / 2 ** msb));
  const definition: StructuredDefinition = {
    input_character_set: input.inputCharacterSet,
    output_character_set: input.outputCharacterSet,
    passthrough: input.passthrough,
    min_input_length: input.minInputLength,
    max_input_length: input.maxInputLength,
    tweak: input.tweak ?? randomBytes(32).toString('base64'),
    tweak_source: 'constant',
    tweak_min_len: 6,
    tweak_max_len: 32,
    encryption_algorithm: 'FF1',
    msb_encoding_bits: msb,
    salt: randomBytes(32).toString('base64'),
  };
  return { definition, currentKeyNumber: 0, maxKeyNumber };
}

/**
 * The dataset definition as `GET /api/v0/ffs` (and each entry of `def_keys`) sends it: the official
 * client's field names, passthrough also as a rule, and the caller's permissions (the clients refuse to
 * encrypt or decrypt without `permissions.encrypt` / `permissions.decrypt`).
 */
export function renderFfs(name: string, structured: StructuredDataset): Record<string, unknown> {
  const d = structured.definition;
  return {
    name,
    data_type: 'string',
    ...d,
    fpe_definable_type: 'EfpeDefinition',
    passthrough_rules: d.passthrough === '' ? [] : [{ type: 'passthrough', value: d.passthrough, priority: 1 }],
    permissions: { encrypt: true, decrypt: true },
  };
}
