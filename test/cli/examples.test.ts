// The CLI engineer's examples run here: the two programs (importing one runs it), and the example vitest
// suite, whose tests register in this file by being imported.
import { afterEach, expect, it, vi } from 'vitest';
import '../../examples/emulators-in-vitest.test.js';

afterEach(() => {
  vi.restoreAllMocks();
});

async function runExample(name: string): Promise<string[]> {
  const lines: string[] = [];
  vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => {
    lines.push(args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' '));
  });
  await import(`../../examples/${name}.ts`);
  return lines;
}

it('examples/sign-request.ts signs, and the verifier accepts it and refuses a tampered body', async () => {
  const lines = await runExample('sign-request');
  expect(lines.some((l) => l.startsWith('Signature: keyId="AbCdEfGhIjKlMnOpQrStUvWx", algorithm="hmac-sha512"'))).toBe(true);
  expect(lines).toContain('server verifies the request: ok, key AbCdEfGhIjKlMnOpQrStUvWx');
  expect(lines.some((l) => l.startsWith('server verifies a tampered body: digest'))).toBe(true);
});

it('examples/reference-server.ts provisions a user over SCIM into an auto-provisioned API key', async () => {
  const lines = await runExample('reference-server');
  expect(lines.join('\n')).toContain('API key "ada@example.com": enabled true, auto-provisioned true, may use payroll');
  // The tokens are redacted when the info object is printed.
  expect(lines.join('\n')).toContain('[REDACTED]');
});
