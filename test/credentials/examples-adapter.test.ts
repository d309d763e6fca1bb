import { afterEach, expect, it, vi } from 'vitest';
import { runExample } from './helpers/run-example.js';

// (Split from examples.test.ts to keep each file short: every example generates an RSA-4096 key.)
// The credential examples are programs (top-level await): importing one runs it against the local
// stand-in for Okta + Ubiq. They must finish, print what they promise, and print no secret.
afterEach(() => {
  vi.restoreAllMocks();
});

const SECRETS = ['example-password', 'example-client-secret'];

it.each([
  ['ci-env', /signed in as ada@example\.com/],
  ['ubiq-security-adapter', /unwrapped a 256-bit data key with the local private key/],
])('examples/%s.ts runs to the end', async (name, expected) => {
  const output = await runExample(name);
  expect(output).toMatch(expected);
  for (const secret of SECRETS) expect(output).not.toContain(secret);
}, 60_000); // RSA-4096 as in real use: seconds on a busy 2-core machine
