// A test client for structured (format-preserving) datasets that follows the official Node client's
// requests and steps: `GET /api/v0/ffs` for the definition, `GET /api/v0/fpe/key` (with `key_number` to
// decrypt) or `GET /api/v0/fpe/def_keys` for the keys, `payload_cert` appended to the query, each request
// signed; the data key unwrapped with RSA-OAEP (SHA-1) by the caller's private key; then passthrough
// trimming, FF1 over the input character set, conversion to the output character set and the key number in
// the first character, as the official client's pipeline does. It supports what the reference server's
// datasets use (passthrough characters); prefix/suffix rules, pad characters and input encodings are refused.
import { constants, privateDecrypt, type KeyObject } from 'node:crypto';
import * as z from 'zod';
import { signUbiqRequest } from '../signing/index.js';
import { createFf1, numberOf, textOf } from './ff1.js';
import { StructuredClientError } from './structured-client-errors.js';

export { StructuredClientError, isStructuredClientError } from './structured-client-errors.js';

/** What the client needs from an SSO exchange: the signing pair, the certificate and its private key. */
export interface StructuredTestClientCredentials {
  accessKeyId: string;
  secretSigningKey: string;
  /** base64 of the `api_cert` PEM, as sent in `payload_cert`. */
  payloadCert: string;
  privateKey: KeyObject;
}

/** Options of {@link createStructuredTestClient}. */
export interface StructuredTestClientOptions {
  /** The server's origin, e.g. `http://127.0.0.1:8443`. */
  server: string;
  credentials: StructuredTestClientCredentials;
  /** Timeout of each request, ms. Default 10000. */
  timeoutMs?: number;
}

/** The definition fields the client uses (`GET /api/v0/ffs`). */
export const ffsSchema = z.object({
  name: z.string(),
  input_character_set: z.string().min(2),
  output_character_set: z.string().min(2),
  passthrough: z.string().nullish(),
  passthrough_rules: z.array(z.object({ type: z.string(), value: z.unknown(), priority: z.number() })).nullish(),
  min_input_length: z.number().int(),
  max_input_length: z.number().int(),
  tweak: z.string(),
  encryption_algorithm: z.string(),
  msb_encoding_bits: z.number().int(),
  input_pad_character: z.string().nullish(),
  input_encoding: z.string().nullish(),
  permissions: z.object({ encrypt: z.boolean().optional(), decrypt: z.boolean().optional() }).optional(),
});
export type FfsDefinition = z.output<typeof ffsSchema>;

const keySchema = z.object({ encrypted_private_key: z.string(), key_number: z.union([z.number().int(), z.string().regex(/^\d+$/)]), wrapped_data_key: z.string().min(1) });
const defKeysSchema = z.record(
  z.string(),
  z.object({ ffs: ffsSchema, encrypted_private_key: z.string(), current_key_number: z.number().int(), keys: z.array(z.string().min(1)) }),
);
const problemSchema = z.object({ error: z.string(), message: z.string(), reason: z.string().optional() });


/** A data key and its number, unwrapped. Secret. */
export interface StructuredKey {
  keyNumber: number;
  key: Buffer;
}

/** See {@link createStructuredTestClient}. */
export interface StructuredTestClient {
  /** `GET /api/v0/ffs`: the dataset's definition. */
  definition(dataset: string): Promise<FfsDefinition>;
  /** `GET /api/v0/fpe/key`: the current key, or key `keyNumber`. */
  key(dataset: string, keyNumber?: number): Promise<StructuredKey>;
  /** `GET /api/v0/fpe/def_keys`: definitions and every key of the datasets (all the caller may use when none are named). */
  defaultKeys(datasets?: readonly string[]): Promise<Record<string, { definition: FfsDefinition; currentKeyNumber: number; keys: Buffer[] }>>;
  /** Format-preserving encryption with the current key. */
  encrypt(dataset: string, plaintext: string): Promise<string>;
  /** Decryption with the key number carried in the ciphertext. */
  decrypt(dataset: string, ciphertext: string): Promise<string>;
}

/**
 * Creates a structured-dataset client for tests and the demo (the official client is not installable here).
 *
 * @example
 * const client = createStructuredTestClient({ server: origin, credentials: { ...sso, privateKey } });
 * const ciphertext = await client.encrypt('national-id', '123-45-6789');
 * await client.decrypt('national-id', ciphertext); // '123-45-6789'
 */
export function createStructuredTestClient(options: StructuredTestClientOptions): StructuredTestClient {
  const { credentials } = options;
  const timeoutMs = options.timeoutMs ?? 10_000;

  const get = async (path: string, query: string, withCertificate: boolean): Promise<unknown> => {
    // The official client appends payload_cert unescaped; its '+' arrive as spaces and the server restores them.
    const target = `${path}?papi=${encodeURIComponent(credentials.accessKeyId)}${query}${withCertificate ? `&payload_cert=${credentials.payloadCert}` : ''}`;
    const url = `${options.server}${target}`;
    const headers = signUbiqRequest({ method: 'GET', url, credentials });
    const response = await fetch(url, { method: 'GET', headers, signal: AbortSignal.timeout(timeoutMs) });
    const body: unknown = await response.json().catch(() => undefined);
    if (response.status !== 200) {
      const parsed = problemSchema.safeParse(body);
      throw new StructuredClientError('structured_request_refused', `GET ${path} answered ${response.status}${parsed.success ? `: ${parsed.data.message}` : ''}`, {
        status: response.status,
        error: parsed.success ? parsed.data.error : undefined,
        reason: parsed.success ? parsed.data.reason : undefined,
      });
    }
    return body;
  };
  const parse = <T>(schema: z.ZodType<T>, value: unknown, what: string): T => {
    const parsed = schema.safeParse(value);
    if (!parsed.success) throw new StructuredClientError('structured_request_refused', `${what} answered 200 without the fields the client reads`, { status: 200 });
    return parsed.data;
  };
  const unwrap = (wrapped: string) =>
    privateDecrypt({ key: credentials.privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' }, Buffer.from(wrapped, 'base64'));
  const named = (dataset: string) => `&ffs_name=${encodeURIComponent(dataset)}`;

  const client: StructuredTestClient = {
    async definition(dataset) {
      return parse(ffsSchema, await get('/api/v0/ffs', named(dataset), false), 'GET /api/v0/ffs');
    },
    async key(dataset, keyNumber) {
      const answer = parse(keySchema, await get('/api/v0/fpe/key', `${named(dataset)}${keyNumber === undefined ? '' : `&key_number=${keyNumber}`}`, true), 'GET /api/v0/fpe/key');
      return { keyNumber: Number(answer.key_number), key: unwrap(answer.wrapped_data_key) };
    },
    async defaultKeys(datasets) {
      const query = datasets === undefined || datasets.length === 0 ? '' : `&ffs_name=${encodeURIComponent(datasets.join(','))}`;
      const answer = parse(defKeysSchema, await get('/api/v0/fpe/def_keys', query, true), 'GET /api/v0/fpe/def_keys');
      return Object.fromEntries(
        Object.entries(answer).map(([name, entry]) => [name, { definition: entry.ffs, currentKeyNumber: entry.current_key_number, keys: entry.keys.map(unwrap) }]),
      );
    },
    async encrypt(dataset, plaintext) {
      const ffs = supported(await client.definition(dataset), 'encrypt');
      const { template, trimmed } = trimPassthrough(plaintext, ffs, ffs.output_character_set[0] ?? '');
      if (trimmed.length < ffs.min_input_length || trimmed.length > ffs.max_input_length) {
        throw new StructuredClientError('structured_input_invalid', `The input must have ${ffs.min_input_length} to ${ffs.max_input_length} characters besides passthrough characters.`);
      }
      const { keyNumber, key } = await client.key(dataset);
      const encrypted = createFf1(key, ffs.input_character_set).encrypt(trimmed, Buffer.from(ffs.tweak, 'base64'));
      const converted = textOf(numberOf(encrypted, ffs.input_character_set), ffs.output_character_set, encrypted.length);
      const first = ffs.output_character_set.indexOf(converted[0] ?? '') + (keyNumber << ffs.msb_encoding_bits);
      const withKey = (ffs.output_character_set[first] ?? '') + converted.slice(1);
      return fillTemplate(withKey, template, ffs);
    },
    async decrypt(dataset, ciphertext) {
      const ffs = supported(await client.definition(dataset), 'decrypt');
      const { template, trimmed } = trimPassthrough(ciphertext, ffs, ffs.input_character_set[0] ?? '');
      const encoded = ffs.output_character_set.indexOf(trimmed[0] ?? '');
      if (encoded < 0) throw new StructuredClientError('structured_input_invalid', 'The ciphertext does not start with a character of the output set.');
      const keyNumber = encoded >> ffs.msb_encoding_bits;
      const restored = (ffs.output_character_set[encoded - (keyNumber << ffs.msb_encoding_bits)] ?? '') + trimmed.slice(1);
      const converted = textOf(numberOf(restored, ffs.output_character_set), ffs.input_character_set, restored.length);
      const { key } = await client.key(dataset, keyNumber);
      return fillTemplate(createFf1(key, ffs.input_character_set).decrypt(converted, Buffer.from(ffs.tweak, 'base64')), template, ffs);
    },
  };
  return client;
}

function supported(ffs: FfsDefinition, operation: 'encrypt' | 'decrypt'): FfsDefinition {
  if (ffs.encryption_algorithm !== 'FF1') throw new StructuredClientError('structured_unsupported', `algorithm ${ffs.encryption_algorithm} is not supported`);
  if ((ffs.passthrough_rules ?? []).some((rule) => rule.type !== 'passthrough') || ffs.input_pad_character || ffs.input_encoding) {
    throw new StructuredClientError('structured_unsupported', `dataset "${ffs.name}" uses prefix/suffix rules, a pad character or an input encoding`);
  }
  // The official client refuses the same way when the definition withholds the permission.
  if (ffs.permissions?.[operation] !== true) throw new StructuredClientError('structured_request_refused', `the credentials may not ${operation} with dataset "${ffs.name}"`);
  return ffs;
}

function trimPassthrough(value: string, ffs: FfsDefinition, templateCharacter: string): { template: string; trimmed: string } {
  const passthrough = ffs.passthrough ?? '';
  let template = '';
  let trimmed = '';
  for (const c of value) {
    if (passthrough.includes(c)) template += c;
    else {
      trimmed += c;
      template += templateCharacter;
    }
  }
  return { template, trimmed };
}

function fillTemplate(value: string, template: string, ffs: FfsDefinition): string {
  const passthrough = ffs.passthrough ?? '';
  let j = 0;
  let out = '';
  for (const c of template) out += passthrough.includes(c) ? c : (value[j++] ?? '');
  return out;
}
