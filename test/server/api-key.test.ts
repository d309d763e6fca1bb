// API key records: fresh random values for every key, drawn from a batched random pool.
import { describe, expect, it } from 'vitest';
import { createApiKeyRecord } from '../../src/server/store/api-key.js';

describe('createApiKeyRecord', () => {
  it('gives every key its own public value and signing secret, across refills of the random pool', () => {
    const keys = Array.from({ length: 1000 }, (_, i) => createApiKeyRecord({ name: `k${i}`, enabled: true, autoProvisioned: true, userId: `u${i}`, created: new Date(0) }));
    const publics = new Set(keys.map((k) => k.accessKeyId));
    const secrets = new Set(keys.map((k) => k.secretSigningKey));
    expect(publics.size).toBe(1000);
    expect(secrets.size).toBe(1000);
    for (const key of keys) {
      expect(key.accessKeyId).toMatch(/^[A-Za-z0-9_-]{32}$/);
      expect(key.secretSigningKey).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(secrets.has(key.accessKeyId)).toBe(false);
    }
  });
});
