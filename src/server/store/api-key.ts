import { randomBytes } from 'node:crypto';
import { newId } from '../ids.js';
import { REDACTED } from '../../util/redact.js';
import type { ApiKeyRecord } from './types.js';

const EMPTY: ReadonlySet<string> = Object.freeze(new Set<string>());
const inspectCustom = Symbol.for('nodejs.util.inspect.custom');

/**
 * An API key record whose signing secret is redacted by `JSON.stringify`, `util.inspect` and `String()`.
 * A class (methods on the prototype) rather than `redactable()` on each object: the server holds 100,000+
 * keys, and per-object hook closures cost memory and put every key in dictionary mode.
 */
class ApiKey implements ApiKeyRecord {
  id: string;
  name: string;
  enabled: boolean;
  autoProvisioned: boolean;
  userId: string | undefined;
  accessKeyId: string;
  secretSigningKey: string;
  manualDatasetIds: ReadonlySet<string>;
  created: Date;

  constructor(fields: ApiKeyRecord) {
    this.id = fields.id;
    this.name = fields.name;
    this.enabled = fields.enabled;
    this.autoProvisioned = fields.autoProvisioned;
    this.userId = fields.userId;
    this.accessKeyId = fields.accessKeyId;
    this.secretSigningKey = fields.secretSigningKey;
    this.manualDatasetIds = fields.manualDatasetIds;
    this.created = fields.created;
  }

  toJSON(): Record<string, unknown> {
    return {
      id: this.id,
      name: this.name,
      enabled: this.enabled,
      autoProvisioned: this.autoProvisioned,
      userId: this.userId,
      accessKeyId: this.accessKeyId,
      secretSigningKey: REDACTED,
      manualDatasetIds: [...this.manualDatasetIds],
      created: this.created,
    };
  }
  toString(): string {
    return `ApiKey ${JSON.stringify(this.toJSON())}`;
  }
  [inspectCustom](_depth: number, options: unknown, inspect?: (v: unknown, o: unknown) => string): string {
    return `ApiKey ${inspect ? inspect(this.toJSON(), options) : JSON.stringify(this.toJSON())}`;
  }
}

/** Create an API key with a fresh public value (24 random bytes) and signing secret (32 random bytes). */
export function createApiKeyRecord(fields: {
  name: string;
  enabled: boolean;
  autoProvisioned: boolean;
  userId: string | undefined;
  manualDatasetIds?: ReadonlySet<string>;
  created: Date;
}): ApiKeyRecord {
  const bytes = takeRandom(KEY_RANDOM_BYTES);
  const key = new ApiKey({
    id: newId(),
    ...fields,
    accessKeyId: bytes.subarray(0, 24).toString('base64url'),
    secretSigningKey: bytes.subarray(24).toString('base64url'),
    manualDatasetIds: fields.manualDatasetIds ?? EMPTY,
  });
  bytes.fill(0);
  return key;
}

// Random bytes drawn from the CSPRNG in batches, as node:crypto does for randomUUID(): a randomBytes call per
// key cost more than the rest of a SCIM POST. Bytes handed out are zeroed once used, so the pool holds only
// values no key has yet. Not server state: nothing here is shared between keys.
const KEY_RANDOM_BYTES = 56;
const POOL_BYTES = KEY_RANDOM_BYTES * 128;
let pool = Buffer.alloc(0);
let poolOffset = 0;
function takeRandom(length: number): Buffer {
  if (poolOffset + length > pool.length) {
    pool = randomBytes(POOL_BYTES);
    poolOffset = 0;
  }
  const bytes = pool.subarray(poolOffset, poolOffset + length);
  poolOffset += length;
  return bytes;
}
