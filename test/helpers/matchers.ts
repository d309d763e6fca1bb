// vitest's asymmetric matchers (`expect.stringContaining` …) are typed `any`, which the type-aware lint
// rules rightly refuse inside object literals. These are the same matchers, typed `unknown`: they still
// go anywhere an expected value goes (`toEqual`, `toMatchObject`, `toThrow`).
import { expect } from 'vitest';

/** `expect.stringContaining(text)`, typed `unknown`. */
export function stringContaining(text: string): unknown {
  return expect.stringContaining(text);
}

/** `expect.stringMatching(pattern)`, typed `unknown`. */
export function stringMatching(pattern: string | RegExp): unknown {
  return expect.stringMatching(pattern);
}

/** `expect.objectContaining(shape)`, typed `unknown`. */
export function objectContaining(shape: Record<string, unknown>): unknown {
  return expect.objectContaining(shape);
}
