import { afterEach, expect, it, vi } from 'vitest';

// The examples are programs (top-level await): importing one runs it. They must finish and print.
afterEach(() => {
  vi.restoreAllMocks();
});

it.each([
  ['fetch-token-okta', [/^token for user 00u\w+, scope "openid offline_access okta\.users\.read okta\.groups\.read"/, /\[REDACTED\]/, /^renewed via refresh_token$/, /^invalid_credentials: /]],
  ['fetch-token-entra', [/^token for ada@contoso\.onmicrosoft\.com \(iss https:\/\/sts\.windows\.net\//, /^client_secret_expired \(AADSTS7000222, trace [0-9a-f-]{36}\)/]],
])('examples/%s.ts runs to the end', async (name, expected) => {
  const lines: string[] = [];
  vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => {
    lines.push(args.map((arg) => (typeof arg === 'string' ? arg : String(arg))).join(' '));
  });
  await import(`../../examples/${name}.ts`);
  expect(lines).toHaveLength(expected.length);
  expected.forEach((pattern, index) => expect(lines[index]).toMatch(pattern));
});
