import { afterEach, expect, it, vi } from 'vitest';

// The examples are programs (top-level await): importing one runs it. They must finish and print.
afterEach(() => {
  vi.restoreAllMocks();
});

it.each(['emulator-okta', 'emulator-entra'])('examples/%s.ts runs to the end', async (name) => {
  const lines: string[] = [];
  vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => {
    lines.push(args.map(String).join(' '));
  });
  await import(`../../examples/${name}.ts`);
  expect(lines.length).toBeGreaterThanOrEqual(2);
  expect(lines[0]).toMatch(/token for (ada@example\.com|ada@contoso\.onmicrosoft\.com)/);
});
