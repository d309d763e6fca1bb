import { vi } from 'vitest';

/**
 * Runs one of the credential examples (programs with top-level await: importing one runs it against the
 * local stand-in for Okta + Ubiq) and returns everything it printed. Restore the console spies in afterEach.
 */
export async function runExample(name: string): Promise<string> {
  const lines: string[] = [];
  const capture = (...args: unknown[]) => {
    lines.push(args.map(String).join(' '));
  };
  vi.spyOn(console, 'log').mockImplementation(capture);
  vi.spyOn(console, 'warn').mockImplementation(capture);
  vi.spyOn(console, 'error').mockImplementation(capture);
  await import(`../../../examples/${name}.ts`);
  return lines.join('\n');
}
