import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { backoffDelay, isRetryableStatus, serverRetryDelay } from '../../src/http/index.js';

describe('serverRetryDelay', () => {
  const at = Date.parse('2030-01-01T00:00:00Z');
  it('reads Retry-After in seconds', () => {
    expect(serverRetryDelay(new Headers({ 'retry-after': '7' }))).toBe(7_000);
    expect(serverRetryDelay(new Headers({ 'retry-after': '0.5' }))).toBe(500);
  });
  it('reads Retry-After as an HTTP-date, relative to the answer\'s Date when there is one', () => {
    const headers = new Headers({ 'retry-after': new Date(at + 5_000).toUTCString(), date: new Date(at).toUTCString() });
    expect(serverRetryDelay(headers, () => at + 3_600_000)).toBe(5_000); // a skewed local clock does not matter
    expect(serverRetryDelay(new Headers({ 'retry-after': new Date(at + 5_000).toUTCString() }), () => at)).toBe(5_000);
    expect(serverRetryDelay(new Headers({ 'retry-after': new Date(at - 5_000).toUTCString() }), () => at)).toBe(0);
  });
  it('reads Okta X-Rate-Limit-Reset (epoch seconds) when there is no Retry-After', () => {
    const headers = new Headers({ 'x-rate-limit-reset': String(at / 1000 + 2), date: new Date(at).toUTCString() });
    expect(serverRetryDelay(headers)).toBe(2_000);
    expect(serverRetryDelay(new Headers({ 'x-rate-limit-reset': String(at / 1000 + 2) }), () => at)).toBe(2_000);
    expect(serverRetryDelay(new Headers({ 'retry-after': '1', 'x-rate-limit-reset': String(at / 1000 + 60) }), () => at)).toBe(1_000);
  });
  it('ignores garbage', () => {
    expect(serverRetryDelay(new Headers({ 'retry-after': 'soon' }))).toBeUndefined();
    expect(serverRetryDelay(new Headers({ 'x-rate-limit-reset': '-5' }))).toBeUndefined();
    expect(serverRetryDelay(new Headers())).toBeUndefined();
  });
});

describe('backoffDelay (full jitter)', () => {
  it('stays in [0, min(max, base·2^(n-1)))', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 30 }), fc.double({ min: 0, max: 0.999999, noNaN: true }), (attempt, r) => {
        const delay = backoffDelay(attempt, { baseDelayMs: 200, maxDelayMs: 5_000, random: () => r });
        return delay >= 0 && delay < Math.min(5_000, 200 * 2 ** (attempt - 1));
      }),
    );
  });
});

describe('isRetryableStatus', () => {
  it('retries 429 and 5xx except 501/505, never 4xx auth failures', () => {
    expect([429, 500, 502, 503, 504].every(isRetryableStatus)).toBe(true);
    expect([200, 400, 401, 403, 404, 501, 505].some(isRetryableStatus)).toBe(false);
  });
});
